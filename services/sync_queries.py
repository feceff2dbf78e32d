"""What the synchronized-class pages show, read from the views: a timetable with each slot placed
on every school's bell schedule, week grids (a community's, a school's, a teacher's), a school's
figures and one lesson. Lesson plans and feedback are read from the lesson's aggregate, and only
by the schools taking part.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar
from uuid import UUID

from domain.roles import Role
from domain.sync_session import SyncSession
from domain.timetable import weekday_name
from projections.communities import CommunityRow
from projections.sync_classes import SessionRow, SlotRow, TimetableRow
from services.actor import Actor
from services.community_scope import Scope, scope_of
from services.context import Context
from services.errors import DomainError, NotFound
from services.line_diff import DiffLine, line_diff
from services.platform import NOT_THERE
from services.policy import CommunityAction, community_allowed

#: Names looked up while one page is drawn (a school, its classes, a teacher appear on many
#: lessons of a week): kept for that call only, so nothing outlives the request that read it.
_LOOKUPS: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("sync_lookups", default=None)
Method = TypeVar("Method", bound=Callable[..., Any])


def _memoised(method: Method) -> Method:
    @functools.wraps(method)
    def drawing(*args: Any, **kwargs: Any) -> Any:
        if _LOOKUPS.get() is not None:
            return method(*args, **kwargs)
        token = _LOOKUPS.set({})
        try:
            return method(*args, **kwargs)
        finally:
            _LOOKUPS.reset(token)

    return drawing  # type: ignore[return-value]


def _remember(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    memo = _LOOKUPS.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Placed:
    """A class in a slot or lesson at its own school, with names to show."""

    school_id: UUID
    school: str
    class_id: str
    class_name: str
    teacher_id: UUID
    teacher: str
    period: int
    start: str
    end: str
    overlap: int = 0
    answer: str = ""
    reason: str = ""

    @property
    def label(self) -> str:
        return f"{self.school} 第{self.period}节 {self.start}–{self.end}"


@dataclass(frozen=True)
class SlotView:
    row: SlotRow
    host: Placed
    receiving: list[Placed]
    #: The actor's school may still accept or decline its part.
    may_answer: bool

    @property
    def weekday(self) -> str:
        return weekday_name(self.row.weekday)

    def mapping(self, seat: Placed) -> str:
        """ "狮岭 第3节 09:40–10:20 ⇄ 博达 第3节 09:50–10:30 (重叠30分钟)"."""
        return f"{self.host.label} ⇄ {seat.label} (重叠{seat.overlap}分钟)"


@dataclass(frozen=True)
class Lesson:
    """A lesson as one grid or list shows it: where it sits from the page's point of view."""

    row: SessionRow
    host: Placed
    receiving: list[Placed]
    here: Placed  # the seat the grid places it by
    due: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class WeekGrid:
    monday: date
    days: list[date]
    periods: list[int]
    cells: dict[tuple[date, int], list[Lesson]]

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)

    def lessons(self) -> list[Lesson]:
        return [lesson for day in self.days for p in self.periods for lesson in self.cell(day, p)]

    def cell(self, day: date, period: int) -> list[Lesson]:
        return self.cells.get((day, period), [])


@dataclass(frozen=True)
class Figures:
    """Planned, delivered and cancelled lessons, and the receiving classes' attendance."""

    planned: int = 0
    delivered: int = 0
    cancelled: int = 0
    counted: int = 0
    present: int = 0
    size: int = 0

    @property
    def delivery_rate(self) -> float | None:
        return round(100 * self.delivered / self.planned, 1) if self.planned else None

    @property
    def attendance_rate(self) -> float | None:
        return round(100 * self.present / self.size, 1) if self.size else None


def figures_of(rows: list[SessionRow], school_id: UUID | None, today: date) -> Figures:
    """``planned`` is every lesson not cancelled that is due by ``today``; attendance is over the
    receiving classes (of ``school_id`` if it received them)."""
    planned = delivered = cancelled = counted = present = size = 0
    for row in rows:
        if row.status == "cancelled":
            cancelled += 1
            continue
        if row.on <= today or row.status == "delivered":
            planned += 1
        if row.status == "delivered":
            delivered += 1
            counted += row.counted
            for a in row.attendance:
                if school_id is None or a["school_id"] == school_id:
                    present += int(a["present"])
                    size += int(a["size"])
    return Figures(planned, delivered, cancelled, counted, present, size)


@dataclass(frozen=True)
class CommunitySync:
    """What the bureau's drill-down shows of a community's synchronized classes: counts and rates
    overall and per subject, never plans, comments or feedback."""

    overall: Figures
    by_subject: dict[str, Figures]


@dataclass(frozen=True)
class TimetablePage:
    timetable: TimetableRow
    community: CommunityRow
    slots: list[SlotView]
    grid: WeekGrid
    by_subject: dict[str, Figures]
    may_edit: bool
    #: For the slot form: the host school's classes and teachers, each member school's.
    choices: dict[str, Any]


@dataclass(frozen=True)
class SchoolPage:
    school_id: UUID
    school: str
    grid: WeekGrid
    hosted: Figures
    received: Figures
    cancellations: list[Lesson]
    to_answer: list[tuple[TimetableRow, SlotView]]


@dataclass(frozen=True)
class SessionPage:
    lesson: Lesson
    community: CommunityRow
    #: The aggregate, for the schools taking part (plans, comments, feedback); else None.
    session: SyncSession | None
    may_change: bool  # the core school's admin: reschedule, cancel, swap, deliver
    may_deliver: bool
    is_teacher: bool
    is_host: bool
    host_teachers: list[tuple[UUID, str]]


class SyncClassQueries:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._names: dict[UUID, str] = {}

    # Names ---------------------------------------------------------------------------------

    def _user(self, user_id: UUID) -> str:
        def name() -> str:
            row = self.ctx.directory.user_for_session(user_id)
            return row.display_name if row else "—"

        found: str = _remember(("user", user_id), name)
        return found

    def _placed(self, scope: Scope, raw: dict[str, Any]) -> Placed:
        school_id: UUID = raw["school_id"]
        tenant = next(
            (s.school_tenant_id for s in scope.stints if s.school_id == school_id),
            scope.community.tenant_id,
        )
        school = _remember(
            ("school", tenant, school_id), lambda: self.ctx.directory.school(tenant, school_id)
        )
        classes = _remember(
            ("classes", tenant, school_id),
            lambda: {c.class_id: c for c in self.ctx.directory.classes(tenant, school_id)},
        )
        found = classes.get(str(raw["class_id"]))
        return Placed(
            school_id=school_id,
            school=school.name if school else "—",
            class_id=str(raw["class_id"]),
            class_name=f"{found.grade}年级{found.name}" if found else str(raw["class_id"]),
            teacher_id=raw["teacher_id"],
            teacher=self._user(raw["teacher_id"]),
            period=int(raw["period"]),
            start=str(raw["start"]),
            end=str(raw["end"]),
            overlap=int(raw.get("overlap", 0)),
            answer=str(raw.get("answer", "")),
            reason=str(raw.get("reason", "")),
        )

    def _lesson(
        self, scope: Scope, row: SessionRow, *, school_id: UUID | None, teacher_id: UUID | None
    ) -> Lesson:
        host = self._placed(scope, row.host)
        receiving = [self._placed(scope, r) for r in row.receiving]
        here = host
        for seat in [host, *receiving]:
            if seat.school_id == school_id or seat.teacher_id == teacher_id:
                here = seat
                break
        return Lesson(row, host, receiving, here)

    def _grid(self, monday: date, lessons: list[Lesson]) -> WeekGrid:
        days = [monday + timedelta(days=i) for i in range(5)]
        days += [
            d
            for d in (monday + timedelta(days=5), monday + timedelta(days=6))
            if any(lesson.row.on == d for lesson in lessons)
        ]
        cells: dict[tuple[date, int], list[Lesson]] = {}
        for lesson in lessons:
            cells.setdefault((lesson.row.on, lesson.here.period), []).append(lesson)
        periods = sorted({p for _, p in cells} | set(range(1, 7)))
        return WeekGrid(monday, days, periods, cells)

    # The timetable -------------------------------------------------------------------------

    def _timetable(self, actor: Actor, timetable_id: UUID) -> tuple[TimetableRow, Scope]:
        row = self.ctx.sync_classes.timetable(timetable_id)
        if row is None:
            raise NotFound("大课表不存在 / No such timetable")
        try:
            return row, scope_of(self.ctx, actor, row.community_id)
        except NotFound as exc:
            raise NotFound("大课表不存在 / No such timetable") from exc

    def _slot_view(self, actor: Actor, scope: Scope, row: SlotRow) -> SlotView:
        receiving = [self._placed(scope, r) for r in row.receiving]
        may_answer = actor.has(Role.SCHOOL_ADMIN) and any(
            r.school_id == actor.school_id and r.answer == "pending" for r in receiving
        )
        return SlotView(row, self._placed(scope, row.host), receiving, may_answer)

    def timetables(
        self, actor: Actor, community_id: UUID
    ) -> tuple[Scope, list[TimetableRow], bool]:
        scope = scope_of(self.ctx, actor, community_id)
        may_edit = community_allowed(actor, CommunityAction.DRAFT_PLAN, **scope.policy())  # type: ignore[arg-type]
        return scope, self.ctx.sync_classes.timetables([community_id]), may_edit

    @_memoised
    def timetable_page(self, actor: Actor, timetable_id: UUID, week: date | None) -> TimetablePage:
        row, scope = self._timetable(actor, timetable_id)
        slots = [self._slot_view(actor, scope, s) for s in self.ctx.sync_classes.slots([row.id])]
        monday = monday_of(week or max(row.starts_on, min(self.ctx.today(), row.ends_on)))
        rows = self.ctx.sync_classes.sessions(timetable_id=row.id)
        week_rows = [r for r in rows if monday <= r.on <= monday + timedelta(days=6)]
        lessons = [self._lesson(scope, r, school_id=None, teacher_id=None) for r in week_rows]
        by_subject: dict[str, list[SessionRow]] = {}
        for r in rows:
            by_subject.setdefault(r.subject, []).append(r)
        today = self.ctx.today()
        may_edit = community_allowed(actor, CommunityAction.DRAFT_PLAN, **scope.policy())  # type: ignore[arg-type]
        return TimetablePage(
            timetable=row,
            community=scope.community,
            slots=slots,
            grid=self._grid(monday, lessons),
            by_subject={k: figures_of(v, None, today) for k, v in sorted(by_subject.items())},
            may_edit=may_edit,
            choices=self._choices(scope) if may_edit else {},
        )

    def _choices(self, scope: Scope) -> dict[str, Any]:
        """Classes and teachers of the core school and of each current member school."""
        schools = []
        for stint in scope.stints:
            if stint.left_on is not None:
                continue
            school = self.ctx.directory.school(stint.school_tenant_id, stint.school_id)
            if school is None:
                continue
            schools.append(
                {
                    "id": school.id,
                    "name": school.name,
                    "core": school.id == scope.community.core_school_id,
                    "classes": self.ctx.directory.classes(stint.school_tenant_id, school.id),
                    "teachers": [
                        u
                        for u in self.ctx.directory.users(
                            stint.school_tenant_id, school_id=school.id
                        )
                        if u.active and Role.TEACHER in u.roles
                    ],
                }
            )
        return {"schools": sorted(schools, key=lambda s: (not s["core"], s["name"]))}

    @_memoised
    def community_figures(
        self, actor: Actor, community_id: UUID, as_of: date | None = None
    ) -> CommunitySync:
        """Every timetable of the community, lessons up to ``as_of`` (today)."""
        scope_of(self.ctx, actor, community_id)
        as_of = as_of or self.ctx.today()
        rows = [
            r for r in self.ctx.sync_classes.sessions(community_id=community_id) if r.on <= as_of
        ]
        by_subject: dict[str, list[SessionRow]] = {}
        for r in rows:
            by_subject.setdefault(r.subject, []).append(r)
        return CommunitySync(
            figures_of(rows, None, as_of),
            {k: figures_of(v, None, as_of) for k, v in sorted(by_subject.items())},
        )

    # A school's and a teacher's week -------------------------------------------------------

    def _scopes(self, rows: list[SessionRow], actor: Actor) -> dict[UUID, Scope]:
        found: dict[UUID, Scope] = {}
        for community_id in {r.community_id for r in rows}:
            try:
                found[community_id] = scope_of(self.ctx, actor, community_id)
            except NotFound:
                continue  # a community the school has left and may no longer see
        return found

    @_memoised
    def school_page(self, actor: Actor, school_id: UUID, week: date | None) -> SchoolPage:
        """The school's staff and its bureau: its lessons hosted and received, its week."""
        school = self.ctx.directory.school(actor.tenant_id, school_id)
        if school is None or not (
            actor.school_id == school_id or actor.has(Role.BUREAU_ADMIN, Role.BUREAU_MONITOR)
        ):
            raise NotFound("学校不存在 / No such school")
        rows = self.ctx.sync_classes.sessions(school_id=school_id)
        scopes = self._scopes(rows, actor)
        rows = [r for r in rows if r.community_id in scopes]
        today = self.ctx.today()
        monday = monday_of(week or today)
        lessons = [
            self._lesson(scopes[r.community_id], r, school_id=school_id, teacher_id=None)
            for r in rows
            if monday <= r.on <= monday + timedelta(days=6)
        ]
        hosted = [r for r in rows if r.host["school_id"] == school_id]
        received = [r for r in rows if r.host["school_id"] != school_id]
        cancellations = [
            self._lesson(scopes[r.community_id], r, school_id=school_id, teacher_id=None)
            for r in rows
            if r.status == "cancelled"
        ]
        return SchoolPage(
            school_id=school_id,
            school=school.name,
            grid=self._grid(monday, lessons),
            hosted=figures_of(hosted, None, today),
            received=figures_of(received, school_id, today),
            cancellations=cancellations,
            to_answer=self._to_answer(actor, school_id) if actor.school_id == school_id else [],
        )

    def _to_answer(self, actor: Actor, school_id: UUID) -> list[tuple[TimetableRow, SlotView]]:
        communities = self.ctx.communities.communities_of_school(school_id)
        tables = self.ctx.sync_classes.timetables(list(communities))
        by_id = {t.id: t for t in tables}
        found = []
        for slot in self.ctx.sync_classes.slots(list(by_id)):
            if not any(r["school_id"] == school_id for r in slot.receiving):
                continue
            table = by_id[slot.timetable_id]
            view = self._slot_view(actor, scope_of(self.ctx, actor, table.community_id), slot)
            if view.may_answer:
                found.append((table, view))
        return found

    def my_communities(self, actor: Actor) -> list[tuple[CommunityRow, list[TimetableRow]]]:
        """The communities the actor sees (their bureau's, their school's), with timetables."""
        ids = {c.id for c in self.ctx.communities.communities(actor.tenant_id)}
        if actor.school_id is not None:
            ids |= set(self.ctx.communities.communities_of_school(actor.school_id))
        found = []
        for community_id in sorted(ids, key=str):
            try:
                scope = scope_of(self.ctx, actor, community_id)
            except NotFound:
                continue
            found.append((scope.community, self.ctx.sync_classes.timetables([community_id])))
        return sorted(found, key=lambda pair: pair[0].name)

    @_memoised
    def my_week(self, actor: Actor, week: date | None) -> WeekGrid:
        """我本周的同步课: a teacher's lessons this week and what each still needs from them."""
        if actor.user_id is None:
            raise NotFound("没有这位教师 / No such teacher")
        monday = monday_of(week or self.ctx.today())
        rows = self.ctx.sync_classes.sessions(
            teacher_id=actor.user_id, first=monday, last=monday + timedelta(days=6)
        )
        scopes = self._scopes(rows, actor)
        today = self.ctx.today()
        lessons = []
        for r in rows:
            if r.community_id not in scopes:
                continue
            lesson = self._lesson(
                scopes[r.community_id], r, school_id=None, teacher_id=actor.user_id
            )
            lessons.append(
                Lesson(
                    lesson.row,
                    lesson.host,
                    lesson.receiving,
                    lesson.here,
                    due_for(r, actor.user_id, today),
                )
            )
        return self._grid(monday, lessons)

    # One lesson ----------------------------------------------------------------------------

    def compare_drafts(
        self, actor: Actor, session_id: UUID, older: int | None, newer: int | None
    ) -> DraftComparison:
        """Two revisions of the lesson plan, line by line (by default the last two), for the
        schools taking part; anyone else finds no such lesson."""
        page = self.session_page(actor, session_id)
        if page.session is None:
            raise NotFound("课次不存在 / No such lesson")
        drafts = {int(d["revision"]): str(d["text"]) for d in page.session.drafts}
        if len(drafts) < 2:
            raise DomainError("至少要有两稿才能比较 / Two drafts are needed to compare")
        newer = max(drafts) if newer is None else newer
        older = newer - 1 if older is None else older
        if older not in drafts or newer not in drafts or older == newer:
            raise DomainError("请选择两份不同的教案稿 / Choose two different drafts")
        return DraftComparison(
            page, older, newer, line_diff(drafts[older], drafts[newer]), sorted(drafts)
        )

    @_memoised
    def session_page(self, actor: Actor, session_id: UUID) -> SessionPage:
        row = self.ctx.sync_classes.session(session_id)
        if row is None:
            raise NotFound("课次不存在 / No such lesson")
        try:
            scope = scope_of(self.ctx, actor, row.community_id)
        except NotFound as exc:
            raise NotFound("课次不存在 / No such lesson") from exc
        lesson = self._lesson(scope, row, school_id=actor.school_id, teacher_id=actor.user_id)
        schools = {lesson.host.school_id, *(r.school_id for r in lesson.receiving)}
        session: SyncSession | None = None
        if actor.school_id in schools:
            found: object = None
            with contextlib.suppress(*NOT_THERE):
                found = self.ctx.platform.repository.get(session_id)
            session = found if isinstance(found, SyncSession) else None
        may_change = community_allowed(actor, CommunityAction.DRAFT_PLAN, **scope.policy())  # type: ignore[arg-type]
        is_host = actor.user_id == lesson.host.teacher_id
        teachers = {lesson.host.teacher_id, *(r.teacher_id for r in lesson.receiving)}
        host_teachers = []
        if may_change:
            tenant = next(
                (s.school_tenant_id for s in scope.stints if s.school_id == lesson.host.school_id),
                scope.community.tenant_id,
            )
            host_teachers = [
                (u.id, u.display_name)
                for u in self.ctx.directory.users(tenant, school_id=lesson.host.school_id)
                if u.active and Role.TEACHER in u.roles
            ]
        return SessionPage(
            lesson=lesson,
            community=scope.community,
            session=session,
            may_change=may_change,
            may_deliver=may_change or is_host,
            is_teacher=actor.user_id in teachers,
            is_host=is_host,
            host_teachers=host_teachers,
        )


@dataclass(frozen=True)
class DraftComparison:
    page: SessionPage
    older: int
    newer: int
    lines: list[DiffLine]
    revisions: list[int]


def due_for(row: SessionRow, teacher_id: UUID, today: date) -> list[str]:
    """What a lesson still needs from one of its teachers ("中文 / English")."""
    if row.status == "cancelled":
        return []
    host = row.host["teacher_id"] == teacher_id
    due = []
    if row.status == "planned":
        if row.final_revision == 0:
            due.append("备课：教案尚未定稿 / Preparation: the plan is not final")
        if host and row.on <= today:
            due.append("记录上课与出勤 / Record the lesson and attendance")
    elif host and not row.reflected:
        due.append("写教学反思 / Write the reflection")
    elif not host and row.feedback < len(row.receiving):
        due.append("填写课后反馈 / Give feedback")
    return due
