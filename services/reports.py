"""What the bureau's progress pages and its quarterly report show: one call per page.

The figures come from ``services.progress``; this module adds what a reader needs around them (school,
people and type names, what is still missing, the chart's points) and shapes the 民生实事 quarterly
table: one sheet per quarter with 工作任务 / 责任单位 / 季度目标 / 进展情况 / 目标完成情况, also built as
.xlsx bytes. The JSON API returns the same DTOs, so the numbers are computed in one place.

Texts that mix fixed words with names come in one language at a time (``english``), because a name may
itself contain " / "; fixed labels are "中文 / English" like the domain's messages.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.activity import recorded_late
from domain.counting import TASK_KIND_NAMES
from domain.settings import CommunityType
from projections.communities import CommunityRow, SealRow, StintRow, members_scope
from services.actor import Actor
from services.communities import Scope, tenant_settings
from services.context import Context
from services.errors import DomainError
from services.policy import CommunityAction, community_allowed, require_community
from services.progress import (
    Amendment,
    CommunityFigures,
    DashboardFilter,
    NotCounted,
    ProgressService,
    Status,
)

#: The statuses in the order the dashboard counts them.
STATUSES = (Status.MET, Status.ON_TRACK, Status.WARNING, Status.BEHIND, Status.NO_PLAN)
#: The order the dashboard lists communities in: those that need attention first.
ATTENTION = (Status.BEHIND, Status.WARNING, Status.ON_TRACK, Status.MET, Status.NO_PLAN)
STATUS_NAMES = {
    Status.MET: "达标 / Met",
    Status.ON_TRACK: "进度正常 / On track",
    Status.WARNING: "预警 / Warning",
    Status.BEHIND: "落后 / Behind",
    Status.NO_PLAN: "无计划 / No plan",
}
NOT_COUNTED_NAMES = {
    NotCounted.NO_PLAN: "没有已批准的计划 / No approved plan",
    NotCounted.NOT_IN_PLAN: "计划中没有此项任务 / Not a task of the plan",
    NotCounted.OUTSIDE_PERIOD: "不在计划期内 / Outside the plan period",
    NotCounted.NOT_A_MEMBER: "当天该校不是成员校 / The school was not a member that day",
}
QUARTER_NAMES = {1: "一季度 / Q1", 2: "二季度 / Q2", 3: "三季度 / Q3", 4: "四季度 / Q4"}
#: The columns of a 民生实事 quarterly table.
REPORT_COLUMNS = (
    "工作任务 / Task",
    "责任单位 / Responsible schools",
    "季度目标 / Quarter target",
    "进展情况 / Progress",
    "目标完成情况 / Target reached",
)
PAGE_SIZE = 50
#: Up to this many member schools, the dashboard suggests their names in its school filter.
SCHOOL_CHOICES = 300
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# Texts --------------------------------------------------------------------------------------------


def pick(text: str, english: bool) -> str:
    """The half of a "中文 / English" label in the language asked for."""
    if " / " not in text:
        return text
    chinese, other = text.split(" / ", 1)
    return other if english else chinese


def percent_text(value: float | None) -> str:
    """A percentage as every page and the report print it: 40%, 56.2%, or — when there is none."""
    if value is None:
        return "—"
    value = round(value, 1)
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


def fraction_text(fraction: float | None) -> str:
    return percent_text(None if fraction is None else fraction * 100)


def day_text(day: date, english: bool) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]}" if english else f"{day.month}月{day.day}日"


def quarter_name(quarter: int, english: bool) -> str:
    return pick(QUARTER_NAMES.get(quarter, f"第{quarter}检查点 / Checkpoint {quarter}"), english)


def task_name(kind: str, english: bool) -> str:
    return pick(TASK_KIND_NAMES.get(kind, kind), english)  # type: ignore[call-overload]


def forecast_text(figures: CommunityFigures, english: bool) -> str:
    """按当前进度，到6月30日将达到52% — or nothing once every checkpoint has passed."""
    outlook = figures.forecast
    if outlook is None:
        return ""
    projected = percent_text(round(outlook.projected * 100, 1))
    if english:
        return f"At the current pace: {projected} by {day_text(outlook.due, True)}"
    return f"按当前进度，到{day_text(outlook.due, False)}将达到{projected}"


def amendment_text(amendment: Amendment, english: bool) -> str:
    """一季度封存时为38%，现为41%：封存后补录3条记录."""
    quarter = quarter_name(amendment.quarter, english)
    sealed, now = percent_text(amendment.sealed_percent), percent_text(amendment.now_percent)
    n = amendment.late_records
    if english:
        why = (
            f"{n} record{'s' if n != 1 else ''} entered after the seal"
            if n
            else "corrected after the seal"
        )
        return f"{quarter} sealed at {sealed}; now {now}: {why}"
    why = f"封存后补录{n}条记录" if n else "封存后有更正"
    return f"{quarter}封存时为{sealed}，现为{now}：{why}"


# Pages --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberSchool:
    id: UUID
    name: str
    joined_on: date
    left_on: date | None
    core: bool
    partner: bool  # a school of another bureau (a cross-region member)

    def member_on(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or day < self.left_on)


@dataclass(frozen=True)
class TaskLine:
    kind: str
    name: str  # "中文 / English"
    done: int
    target: int
    percent: float
    counts: str = ""  # what counts, in the plan's own words

    @property
    def missing(self) -> int:
        """How many more are needed to reach the target."""
        return max(self.target - self.done, 0)


@dataclass(frozen=True)
class CommunityLine:
    """One community with its figures and the names around them."""

    figures: CommunityFigures
    kind_name: str
    schools: list[MemberSchool]
    tasks: list[TaskLine]
    history: list[tuple[date, float]] = field(default_factory=list)

    @property
    def community(self) -> CommunityRow:
        return self.figures.community

    @property
    def core_school(self) -> str:
        return next((s.name for s in self.schools if s.core), "—")

    def members_on(self, day: date) -> list[str]:
        """The member schools (not the core school) on a day."""
        return [s.name for s in self.schools if not s.core and s.member_on(day)]

    @property
    def missing(self) -> list[TaskLine]:
        return [t for t in self.tasks if t.missing]


@dataclass(frozen=True)
class DashboardPage:
    as_of: date
    today: date
    filters: DashboardFilter
    school_text: str  # the part of a member school's name searched for
    school_name: str  # the school of ``filters.school_id``, if one is chosen
    counts: dict[str, int]  # per status, over the communities that match the type and school
    total: int
    matching: int  # communities that match every filter, status included
    lines: list[CommunityLine]  # this page of them
    page: int
    pages: int
    kinds: list[CommunityType]
    #: The member schools' names to suggest while typing, unless there are too many.
    schools: list[str]
    seals: list[SealRow]
    may_seal: bool


@dataclass(frozen=True)
class MinePage:
    as_of: date
    today: date
    lines: list[CommunityLine]


@dataclass(frozen=True)
class CommunityPage:
    line: CommunityLine
    as_of: date
    today: date


@dataclass(frozen=True)
class DrillLine:
    visible: bool  # False: a partner bureau's school's record; only the day and whether it counts
    occurred_on: date
    counts: bool
    reason: str  # a NotCounted value, empty when it counts
    task_kind: str
    amount: int  # 1, or -1 for a withdrawal
    event_type: str = ""
    title: str = ""
    school: str = ""
    actor: str = ""
    recorded_at: datetime | None = None
    late: bool = False


@dataclass(frozen=True)
class DrillPage:
    community: CommunityRow
    as_of: date
    today: date
    task_kind: str | None
    percent: float | None  # the figure the rows explain: the task's, or the community's
    task: TaskLine | None
    tasks: list[TaskLine]
    lines: list[DrillLine]

    @property
    def counted(self) -> int:
        return sum(1 for line in self.lines if line.counts)

    @property
    def not_counted(self) -> int:
        return sum(1 for line in self.lines if not line.counts)


# The quarterly report -------------------------------------------------------------------------------


class Reached:
    MET = "met"
    MISSED = "missed"
    NOT_DUE = "not_due"
    NO_PLAN = "no_plan"


@dataclass(frozen=True)
class ReportRow:
    line: CommunityLine  # figures as of the checkpoint's date (or today, before it is due)
    required: float | None  # the fraction required at this checkpoint
    reached: str  # a Reached value
    sealed_percent: float | None = None
    sealed_met: bool | None = None
    amendment: Amendment | None = None

    @property
    def percent(self) -> float | None:
        return self.line.figures.percent


@dataclass(frozen=True)
class QuarterReport:
    year: int
    quarter: int
    due: date
    required: float
    as_of: date  # the date the figures are computed at: the due date, or today before it
    sealed_at: datetime | None
    rows: list[ReportRow]

    @property
    def is_due(self) -> bool:
        return self.as_of >= self.due


@dataclass(frozen=True)
class YearReport:
    tenant_name: str
    year: int
    today: date
    quarters: list[QuarterReport]

    def working_quarter(self) -> QuarterReport:
        """The quarter being worked on: the first not yet past its date, else the last."""
        upcoming = [q for q in self.quarters if q.due >= self.today]
        return upcoming[0] if upcoming else self.quarters[-1]

    def quarter(self, number: int) -> QuarterReport:
        for q in self.quarters:
            if q.quarter == number:
                return q
        raise DomainError(f"没有第{number}季度 / There is no quarter {number}")


def report_title(report: YearReport, quarter: QuarterReport, english: bool) -> str:
    name = quarter_name(quarter.quarter, english)
    if english:
        return f"{report.tenant_name}: education communities, {report.year} {name} progress"
    return f"{report.tenant_name}{report.year}年民生实事·教共体建设{name}进展情况表"


def report_subtitle(report: YearReport, quarter: QuarterReport, english: bool) -> str:
    required = fraction_text(quarter.required)
    due = quarter.due.isoformat()
    if english:
        text = f"Checkpoint {due}: {required} of the year's tasks done. Printed {report.today}."
        if quarter.sealed_at:
            text += f" Sealed on {quarter.sealed_at.date().isoformat()}."
        return text
    text = f"检查点：{due}，累计完成{required}。填报日期：{report.today.isoformat()}。"
    if quarter.sealed_at:
        text += f"已于{quarter.sealed_at.date().isoformat()}封存。"
    return text


def report_cells(row: ReportRow, quarter: QuarterReport, english: bool) -> list[str]:
    """The five cells of a community's row in a quarterly table, in one language."""
    line, figures = row.line, row.line.figures
    plan = figures.plan
    kind = pick(line.kind_name, english)
    lines = [f"{line.community.name} ({kind})" if english else f"{line.community.name}（{kind}）"]
    if plan is not None:
        period = f"{plan.period_start.isoformat()} – {plan.period_end.isoformat()}"
        lines.append(f"{plan.title} ({period})" if english else f"{plan.title}（{period}）")
    else:
        lines.append("No approved plan" if english else "尚无已批准的年度计划")
    task = "\n".join(lines)

    members = "、".join(line.members_on(quarter.as_of)) or "—"
    if english:
        members = members.replace("、", ", ")
        schools = f"Core school: {line.core_school}\nMember schools: {members}"
    else:
        schools = f"核心校：{line.core_school}\n成员校：{members}"

    targets = [f"{task_name(t.kind, english)} {t.target}" for t in line.tasks]
    required = fraction_text(quarter.required if row.required is None else row.required)
    if english:
        goal = f"{required} of the year's tasks by {day_text(quarter.due, True)}"
        goal += "\nYear targets:\n" + "\n".join(targets) if targets else ""
    else:
        goal = f"截至{day_text(quarter.due, False)}累计完成{required}"
        goal += "\n全年目标：\n" + "\n".join(targets) if targets else ""

    when = day_text(quarter.as_of, english)
    done = [f"{task_name(t.kind, english)} {t.done}/{t.target}" for t in line.tasks]
    if plan is None:
        progress = "—"
    elif english:
        progress = f"As of {when}" + ("" if quarter.is_due else " (not yet due)") + ":\n"
        progress += "\n".join(done)
    else:
        progress = (
            f"截至{when}" + ("" if quarter.is_due else "（未到期）") + "：\n" + "\n".join(done)
        )

    reached = _reached_text(row, english)
    return [task, schools, goal, progress, reached]


def _reached_text(row: ReportRow, english: bool) -> str:
    percent = percent_text(row.percent)
    if row.reached == Reached.NO_PLAN:
        return "No approved plan" if english else "无已批准的年度计划"
    if row.reached == Reached.NOT_DUE:
        return f"Not yet due\nSo far {percent}" if english else f"未到期\n目前完成{percent}"
    if row.sealed_percent is not None:
        sealed = percent_text(row.sealed_percent)
        verdict = _verdict(bool(row.sealed_met), english)
        text = f"Sealed at {sealed}: {verdict}" if english else f"封存时完成{sealed}，{verdict}"
        if row.amendment is not None:
            text += "\n" + amendment_text(row.amendment, english)
        return text
    verdict = _verdict(row.reached == Reached.MET, english)
    return f"{percent} done: {verdict}" if english else f"完成{percent}，{verdict}"


def _verdict(met: bool, english: bool) -> str:
    if english:
        return "met" if met else "not met"
    return "达标" if met else "未达标"


def build_xlsx(report: YearReport) -> bytes:
    """The quarterly report as an Excel workbook: one sheet per quarter, in Chinese."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    from services.spreadsheet_writing import text_cell

    workbook = Workbook()
    workbook.remove(workbook.active)
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    for quarter in report.quarters:
        sheet = workbook.create_sheet(quarter_name(quarter.quarter, False))
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(REPORT_COLUMNS))
        title = text_cell(sheet, 1, 1, report_title(report, quarter, False))
        title.font = Font(bold=True, size=14)
        title.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.row_dimensions[1].height = 32
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(REPORT_COLUMNS))
        text_cell(sheet, 2, 1, report_subtitle(report, quarter, False)).alignment = wrap
        for column, name in enumerate(REPORT_COLUMNS, start=1):
            cell = text_cell(sheet, 3, column, pick(name, False))
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE5EE")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = border
        for offset, row in enumerate(quarter.rows):
            cells = report_cells(row, quarter, False)
            for column, text in enumerate(cells, start=1):
                cell = text_cell(sheet, 4 + offset, column, text)
                cell.alignment = wrap
                cell.border = border
            sheet.row_dimensions[4 + offset].height = 15 * max(c.count("\n") + 1 for c in cells)
        if not quarter.rows:
            text_cell(sheet, 4, 1, "暂无教共体")
        for letter, width in zip("ABCDE", (34, 30, 28, 30, 30), strict=True):
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = "A4"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = "3:3"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# The service --------------------------------------------------------------------------------------


class _Names:
    """School, people and type names, looked up once per request."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._schools: dict[UUID, str] = {}
        self._tenants: set[UUID] = set()
        self._users: dict[tuple[UUID, UUID], str] = {}
        self._types: dict[UUID, dict[str, str]] = {}

    def schools_of(self, tenant_ids: set[UUID]) -> None:
        for tenant_id in tenant_ids - self._tenants:
            self._tenants.add(tenant_id)
            self._schools.update(self.ctx.directory.school_names(tenant_id))

    def school(self, school_id: UUID) -> str:
        return self._schools.get(school_id, "—")

    def schools_known(self) -> dict[UUID, str]:
        return dict(self._schools)

    def known(self, tenant_ids: set[UUID], schools: dict[UUID, str]) -> None:
        """The school names of these tenants, as read before."""
        self._tenants |= tenant_ids
        self._schools.update(schools)

    def user(self, tenant_id: UUID, user_id: UUID | None) -> str:
        if user_id is None:
            return "—"
        key = (tenant_id, user_id)
        if key not in self._users:
            row = self.ctx.directory.user(tenant_id, user_id)
            self._users[key] = row.display_name if row else "—"
        return self._users[key]

    def kind(self, community: CommunityRow) -> str:
        owner = community.tenant_id
        if owner not in self._types:
            settings = tenant_settings(self.ctx, owner)
            self._types[owner] = {key: str(raw["name"]) for key, raw in settings.types.items()}
        return self._types[owner].get(community.kind, community.kind)


def _schools(community: CommunityRow, stints: list[StintRow], names: _Names) -> list[MemberSchool]:
    names.schools_of({s.school_tenant_id for s in stints})
    members = [
        MemberSchool(
            id=s.school_id,
            name=names.school(s.school_id),
            joined_on=s.joined_on,
            left_on=s.left_on,
            core=s.school_id == community.core_school_id,
            partner=s.school_tenant_id != community.tenant_id,
        )
        for s in stints
    ]
    return sorted(members, key=lambda m: (not m.core, m.joined_on, m.name))


def _tasks(figures: CommunityFigures) -> list[TaskLine]:
    if figures.progress is None or figures.plan is None:
        return []
    counts = {str(t["kind"]): str(t.get("counts", "")) for t in figures.plan.tasks}
    return [
        TaskLine(
            kind=t.kind,
            name=TASK_KIND_NAMES.get(t.kind, t.kind),  # type: ignore[call-overload]
            done=t.done,
            target=t.target,
            percent=round(t.ratio * 100, 1),
            counts=counts.get(t.kind, ""),
        )
        for t in figures.progress.tasks
    ]


class ReportService:
    """The progress pages and the quarterly report, each in one call."""

    def __init__(self, ctx: Context, progress: ProgressService | None = None) -> None:
        self.ctx = ctx
        self.progress = progress or ProgressService(ctx)

    def today(self) -> date:
        return self.ctx.today()

    def _lines(
        self,
        figures: list[CommunityFigures],
        names: _Names,
        histories: dict[UUID, list[tuple[date, float]]] | None = None,
        *,
        stints: dict[UUID, list[StintRow]] | None = None,
    ) -> list[CommunityLine]:
        if stints is None:
            stints = self.ctx.communities.stints([f.community.id for f in figures])
        return [
            CommunityLine(
                figures=f,
                kind_name=names.kind(f.community),
                schools=_schools(f.community, stints.get(f.community.id, []), names),
                tasks=_tasks(f),
                history=(histories or {}).get(f.community.id, []),
            )
            for f in figures
        ]

    def dashboard_version(self, actor: Actor, *, at_least: int = 0) -> tuple[int, int]:
        """What the dashboard's content is computed from: the tenant's version in the
        communities view (it moves only with events that change this bureau's figures, school
        names or settings), and the view's position it is known at, at least ``at_least`` (the
        reader's own last write). A page rendered after the names have reached that version
        (``settled``) may be served again until it moves."""
        require_community(actor, CommunityAction.VIEW_DASHBOARD)
        positions = self.ctx.positions
        if positions is None:
            return 0, 0
        return positions.version("communities", actor.tenant_id, at_least)

    def settled(self, version: int) -> bool:
        """Whether the names (from the directory view) are as recent as the tenant's
        ``version`` (the position of the last event that changed what its dashboard shows, a
        school's new name included): then a page drawn now may be kept until it moves."""
        positions = self.ctx.positions
        return positions is not None and positions.of("directory", version) >= version

    def _district_names(
        self, tenant_id: UUID, names: _Names, stints: dict[UUID, list[StintRow]]
    ) -> None:
        """The names of every school in the tenant's communities, kept by its members version
        once the directory has reached it (a school renamed since is then shown renamed)."""
        tenants = {s.school_tenant_id for rows in stints.values() for s in rows}
        store, positions = self.ctx.community_figures, self.ctx.positions
        if store is None or positions is None:
            names.schools_of(tenants)
            return
        version = self.ctx.communities.version(members_scope(tenant_id))
        key = f"school-names:{tenant_id}"
        found: dict[UUID, str] | None = store.get(key, version)
        if found is None:
            settled = positions.of("directory", version) >= version
            names.schools_of(tenants)
            found = names.schools_known()
            if settled:
                store.put(key, version, found)
        names.known(tenants, found)

    def may_seal(self, actor: Actor) -> bool:
        return community_allowed(actor, CommunityAction.MANAGE)

    def dashboard(
        self,
        actor: Actor,
        *,
        as_of: date | None = None,
        filters: DashboardFilter | None = None,
        school_text: str = "",
        page: int = 1,
    ) -> DashboardPage:
        """Every community of the bureau (and shared with it), counted per status, a page of them
        with their charts, the filters' choices and the sealed quarters of the year.

        ``school_text`` keeps the communities with a member school (at any time) whose name
        contains it; a district has thousands of schools, too many to choose from a list."""
        today = self.today()
        as_of = as_of or today
        filters = filters or DashboardFilter()
        figures = self.progress.dashboard(
            actor,
            as_of=as_of,
            filters=DashboardFilter(kind=filters.kind, school_id=filters.school_id),
        )
        names = _Names(self.ctx)
        all_stints = {s.id: s.stints for s in self.progress.district(actor.tenant_id)}
        self._district_names(actor.tenant_id, names, all_stints)
        school_ids = {s.school_id for rows in all_stints.values() for s in rows}
        text = school_text.strip().casefold()
        if text:
            wanted = {i for i in school_ids if text in names.school(i).casefold()}
            figures = [
                f for f in figures if any(s.school_id in wanted for s in all_stints[f.community.id])
            ]
        counts = Counter(f.status for f in figures)
        # Those that need attention first: behind, warning, on track, met, without a plan.
        urgency = {status: i for i, status in enumerate(ATTENTION)}
        matching = sorted(
            (f for f in figures if not filters.status or f.status == filters.status),
            key=lambda f: (urgency.get(f.status, len(urgency)), f.community.name),
        )
        pages = max(1, math.ceil(len(matching) / PAGE_SIZE))
        page = min(max(page, 1), pages)
        shown = matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        shown_stints = {f.community.id: all_stints[f.community.id] for f in shown}
        histories = self.progress.charts(
            actor, [Scope(f.community, shown_stints[f.community.id]) for f in shown], as_of=as_of
        )
        lines = self._lines(shown, names, histories, stints=shown_stints)
        settings = tenant_settings(self.ctx, actor.tenant_id)
        return DashboardPage(
            as_of=as_of,
            today=today,
            filters=filters,
            school_text=school_text.strip(),
            school_name=names.school(filters.school_id) if filters.school_id else "",
            counts={status: counts.get(status, 0) for status in STATUSES},
            total=len(figures),
            matching=len(matching),
            lines=lines,
            page=page,
            pages=pages,
            kinds=[settings.community_type(key) for key in settings.types],
            schools=sorted(names.school(i) for i in school_ids)
            if len(school_ids) <= SCHOOL_CHOICES
            else [],
            seals=self.progress.seals(actor, as_of.year),
            may_seal=self.may_seal(actor),
        )

    def mine(self, actor: Actor, *, as_of: date | None = None) -> MinePage:
        """The communities of the actor's school (all the bureau's, for bureau staff)."""
        today = self.today()
        as_of = as_of or today
        figures = self.progress.my_communities(actor, as_of=as_of)
        return MinePage(as_of=as_of, today=today, lines=self._lines(figures, _Names(self.ctx)))

    def community(
        self, actor: Actor, community_id: UUID, *, as_of: date | None = None
    ) -> CommunityPage:
        """One community's progress, for its schools and the bureaus that see it."""
        today = self.today()
        as_of = as_of or today
        figures = self.progress.community(actor, community_id, as_of=as_of)
        history = self.progress.history(actor, community_id, as_of=as_of)
        [line] = self._lines([figures], _Names(self.ctx), {community_id: history})
        return CommunityPage(line=line, as_of=as_of, today=today)

    def drill_down(
        self,
        actor: Actor,
        community_id: UUID,
        *,
        task_kind: str | None = None,
        as_of: date | None = None,
    ) -> DrillPage:
        """The records behind a figure: what, where, who, when it happened, when it was recorded."""
        today = self.today()
        as_of = as_of or today
        rows = self.progress.drill_down(actor, community_id, task_kind=task_kind, as_of=as_of)
        figures = self.progress.community(actor, community_id, as_of=as_of)
        tasks = _tasks(figures)
        task = next((t for t in tasks if t.kind == task_kind), None)
        names = _Names(self.ctx)
        stints = self.ctx.communities.stints([community_id]).get(community_id, [])
        names.schools_of({s.school_tenant_id for s in stints})
        # A withdrawal carries no title of its own: it names the record it takes back.
        titles = {
            r.contribution.subject_id: r.contribution.title
            for r in rows
            if r.contribution.amount > 0
        }
        lines = []
        for r in rows:
            c = r.contribution
            if not r.visible:
                lines.append(
                    DrillLine(
                        visible=False,
                        occurred_on=c.occurred_on,
                        counts=r.counts,
                        reason=r.reason,
                        task_kind=c.task_kind,
                        amount=c.amount,
                    )
                )
                continue
            lines.append(
                DrillLine(
                    visible=True,
                    occurred_on=c.occurred_on,
                    counts=r.counts,
                    reason=r.reason,
                    task_kind=c.task_kind,
                    amount=c.amount,
                    event_type=c.event_type,
                    title=titles.get(c.subject_id, c.title),
                    school=names.school(c.school_id),
                    actor=names.user(c.tenant_id, c.actor_id),
                    recorded_at=c.recorded_at,
                    late=recorded_late(c.occurred_on, c.recorded_at),
                )
            )
        return DrillPage(
            community=figures.community,
            as_of=as_of,
            today=today,
            task_kind=task_kind,
            percent=task.percent if task else (figures.percent if task_kind is None else None),
            task=task,
            tasks=tasks,
            lines=lines,
        )

    def quarterly(self, actor: Actor, year: int | None = None) -> YearReport:
        """The 民生实事 quarterly table of a year: per checkpoint, every community's figures by its
        date (today's before it is due), with the sealed figure and any amendment."""
        today = self.today()
        year = year or today.year
        checkpoints = sorted(
            tenant_settings(self.ctx, actor.tenant_id).plan_year(year).checkpoints,
            key=lambda c: c.due,
        )
        own_seals = {s.quarter: s for s in self.progress.seals(actor, year)}
        seals_of: dict[UUID, dict[int, SealRow]] = {actor.tenant_id: own_seals}
        names = _Names(self.ctx)
        cache: dict[date, list[CommunityLine]] = {}
        quarters = []
        for number, checkpoint in enumerate(checkpoints, start=1):
            as_of = min(checkpoint.due, today)
            if as_of not in cache:
                figures = self.progress.dashboard(actor, as_of=as_of)
                cache[as_of] = self._lines(figures, names)
            rows = []
            for line in cache[as_of]:
                owner = line.community.tenant_id
                if owner not in seals_of:
                    seals_of[owner] = {
                        s.quarter: s for s in self.ctx.communities.seals(owner, year)
                    }
                rows.append(self._report_row(line, number, checkpoint.due, as_of, seals_of[owner]))
            seal = own_seals.get(number)
            quarters.append(
                QuarterReport(
                    year=year,
                    quarter=number,
                    due=checkpoint.due,
                    required=checkpoint.required,
                    as_of=as_of,
                    sealed_at=seal.sealed_at if seal else None,
                    rows=rows,
                )
            )
        tenant = self.ctx.directory.tenant(actor.tenant_id)
        return YearReport(
            tenant_name=tenant.name if tenant else "",
            year=year,
            today=today,
            quarters=quarters,
        )

    def quarterly_xlsx(self, actor: Actor, year: int | None = None) -> bytes:
        return build_xlsx(self.quarterly(actor, year))

    @staticmethod
    def _report_row(
        line: CommunityLine, quarter: int, due: date, as_of: date, seals: dict[int, SealRow]
    ) -> ReportRow:
        figures = line.figures
        if figures.plan is None or figures.progress is None:
            return ReportRow(line=line, required=None, reached=Reached.NO_PLAN)
        required = figures.required_now
        if as_of < due:
            return ReportRow(line=line, required=required, reached=Reached.NOT_DUE)
        met = required is None or figures.progress.ratio + 1e-9 >= required
        reached = Reached.MET if met else Reached.MISSED
        seal = seals.get(quarter)
        sealed: dict[str, Any] | None = None
        if seal is not None and seal.due == due:
            sealed = next(
                (f for f in seal.figures if f.get("community_id") == str(line.community.id)), None
            )
        if sealed is None:
            return ReportRow(line=line, required=required, reached=reached)
        sealed_percent = float(sealed["percent"])
        sealed_required = sealed.get("required")
        return ReportRow(
            line=line,
            required=required,
            reached=reached,
            sealed_percent=sealed_percent,
            sealed_met=sealed_required is None
            or sealed_percent + 1e-6 >= float(sealed_required) * 100,
            amendment=next(
                (a for a in figures.amendments if a.quarter == quarter and a.due == due), None
            ),
        )
