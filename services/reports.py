"""What the bureau's progress pages and its quarterly report show: one call per page.

The figures come from ``services.progress``; ``ReportService`` adds what a reader needs around them
(``services.report_pages``: school, people and type names, what is still missing, the chart's points)
and shapes the 民生实事 quarterly table (``services.quarterly_report``): one sheet per quarter with
工作任务 / 责任单位 / 季度目标 / 进展情况 / 目标完成情况, also built as .xlsx bytes
(``services.report_workbook``). The JSON API returns the same DTOs, so the numbers are computed in
one place; the words around them are in ``services.report_texts``.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date
from typing import Any
from uuid import UUID

from domain.activity import recorded_late
from projections.communities import SealRow, StintRow, members_scope
from services.actor import Actor
from services.community_scope import Scope
from services.community_settings import tenant_settings
from services.context import Context
from services.policy import CommunityAction, community_allowed, require_community
from services.progress import (
    CommunityFigures,
    DashboardFilter,
    ProgressService,
)
from services.quarterly_report import QuarterReport, Reached, ReportRow, YearReport
from services.report_pages import (
    CommunityLine,
    CommunityPage,
    DashboardPage,
    DrillLine,
    DrillPage,
    MinePage,
    _Names,
    _schools,
    _tasks,
)
from services.report_texts import ATTENTION, STATUSES
from services.report_workbook import build_xlsx

PAGE_SIZE = 50
#: Up to this many member schools, the dashboard suggests their names in its school filter.
SCHOOL_CHOICES = 300


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
