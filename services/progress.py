"""Progress figures: per community as of any date, the bureau's dashboard, drill-down, seals.

Every figure is computed from the counted contributions (``domain.progress``); nothing is stored but
the sealed quarters, which keep the figures as they were reported.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.plan import Task
from domain.progress import (
    CheckpointFigure,
    Counted,
    Forecast,
    Progress,
    checkpoint_figures,
    forecast,
    progress,
)
from domain.seal import QuarterSeal
from domain.settings import Checkpoint
from projections.communities import CommunityRow, ContributionRow, PlanRow, SealRow, StintRow
from services.activities import can_see_details
from services.actor import Actor, Done
from services.communities import Scope, scope_of, tenant_settings
from services.context import Context
from services.errors import DomainError
from services.policy import CommunityAction, community_allowed, require_community


class Status:
    NO_PLAN = "no_plan"
    MET = "met"  # every checkpoint so far met, the year's figure reached
    ON_TRACK = "on_track"
    WARNING = "warning"  # at this pace it will miss the next checkpoint
    BEHIND = "behind"  # missed the last checkpoint that came due


@dataclass(frozen=True)
class Amendment:
    quarter: int
    due: date
    sealed_percent: float
    now_percent: float
    late_records: int


@dataclass(frozen=True)
class CommunityFigures:
    community: CommunityRow
    plan: PlanRow | None
    as_of: date
    progress: Progress | None
    checkpoints: list[CheckpointFigure] = field(default_factory=list)
    forecast: Forecast | None = None
    status: str = Status.NO_PLAN
    amendments: list[Amendment] = field(default_factory=list)

    @property
    def percent(self) -> float | None:
        return self.progress.percent if self.progress else None

    @property
    def required_now(self) -> float | None:
        """The required fraction of the checkpoint being worked towards (or the last one)."""
        upcoming = [c for c in self.checkpoints if c.actual is None]
        if upcoming:
            return upcoming[0].required
        return self.checkpoints[-1].required if self.checkpoints else None


@dataclass(frozen=True)
class DrillRow:
    contribution: ContributionRow
    counts: bool  # inside the plan period and by a member school on the day
    visible: bool  # False: a partner bureau's school's record, shown as a count only


def plan_in_force(plans: list[PlanRow], as_of: date) -> PlanRow | None:
    approved = [p for p in plans if p.version > 0]
    covering = [p for p in approved if p.period_start <= as_of <= p.period_end]
    if covering:
        return covering[0]
    started = [p for p in approved if p.period_start <= as_of]
    return max(started, key=lambda p: p.period_end) if started else None


def checkpoints_for(ctx: Context, plan: PlanRow) -> list[Checkpoint]:
    """The tenant's checkpoints inside the plan period; else quarters of the period, 25% each."""
    configured = tenant_settings(ctx, plan.tenant_id).plan_year(plan.year).checkpoints
    inside = [c for c in configured if plan.period_start <= c.due <= plan.period_end]
    if inside:
        return inside
    span = (plan.period_end - plan.period_start).days
    return [
        Checkpoint(plan.period_start + timedelta(days=round(span * q / 4)), q / 4)
        for q in range(1, 5)
    ]


def _counted(rows: list[ContributionRow]) -> list[Counted]:
    return [Counted(r.task_kind, r.school_id, r.occurred_on, r.amount, r.unit) for r in rows]


def figures_for(
    ctx: Context,
    community: CommunityRow,
    stints: list[StintRow],
    plans: list[PlanRow],
    contributions: list[ContributionRow],
    seals: list[SealRow],
    as_of: date,
) -> CommunityFigures:
    plan = plan_in_force(plans, as_of)
    if plan is None:
        return CommunityFigures(community, None, as_of, None)
    tasks = [Task.from_dict(t) for t in plan.tasks]
    timeline = [s.stint() for s in stints]
    counted = _counted(contributions)

    def on(day: date, records: list[Counted] = counted) -> Progress:
        return progress(
            tasks,
            records,
            timeline,
            period_start=plan.period_start,
            period_end=plan.period_end,
            as_of=day,
        )

    now = on(as_of)
    checkpoints = checkpoints_for(ctx, plan)
    due_ratios = {c.due: on(c.due).ratio for c in checkpoints if c.due <= as_of}
    figures = checkpoint_figures(checkpoints, due_ratios, as_of)
    outlook = forecast(
        now.ratio, period_start=plan.period_start, as_of=as_of, checkpoints=checkpoints
    )
    amendments = []
    for seal in seals:
        sealed = next((f for f in seal.figures if f.get("community_id") == str(community.id)), None)
        if sealed is None or seal.due > as_of:
            continue
        late = sum(
            1 for r in contributions if r.recorded_at > seal.sealed_at and r.occurred_on <= seal.due
        )
        now_percent = on(seal.due).percent
        if late or now_percent != float(sealed["percent"]):
            amendments.append(
                Amendment(seal.quarter, seal.due, float(sealed["percent"]), now_percent, late)
            )
    return CommunityFigures(
        community=community,
        plan=plan,
        as_of=as_of,
        progress=now,
        checkpoints=figures,
        forecast=outlook,
        status=_status(figures, outlook, now),
        amendments=amendments,
    )


def _status(checkpoints: list[CheckpointFigure], outlook: Forecast | None, now: Progress) -> str:
    passed = [c for c in checkpoints if c.actual is not None]
    if passed and passed[-1].met is False:
        return Status.BEHIND
    if outlook is None:
        return Status.MET if now.ratio >= 1 else Status.BEHIND
    if outlook.will_miss:
        return Status.WARNING
    return Status.ON_TRACK


@dataclass(frozen=True)
class DashboardFilter:
    kind: str | None = None
    school_id: UUID | None = None
    status: str | None = None


class ProgressService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def community(self, actor: Actor, community_id: UUID, *, as_of: date) -> CommunityFigures:
        scope = scope_of(self.ctx, actor, community_id)
        return self._figures([scope], actor, as_of)[0]

    def _figures(self, scopes: list[Scope], actor: Actor, as_of: date) -> list[CommunityFigures]:
        views = self.ctx.communities
        ids = [s.id for s in scopes]
        plans_by: dict[UUID, list[PlanRow]] = defaultdict(list)
        for plan in views.plans(ids):
            plans_by[plan.community_id].append(plan)
        contributions_by: dict[UUID, list[ContributionRow]] = defaultdict(list)
        for row in views.contributions(ids, up_to=as_of):
            contributions_by[row.community_id].append(row)
        seals_by_tenant: dict[UUID, list[SealRow]] = {}
        results = []
        for scope in scopes:
            owner = scope.community.tenant_id
            if owner not in seals_by_tenant:
                seals_by_tenant[owner] = views.seals(owner)
            results.append(
                figures_for(
                    self.ctx,
                    scope.community,
                    scope.stints,
                    plans_by[scope.id],
                    contributions_by[scope.id],
                    seals_by_tenant[owner],
                    as_of,
                )
            )
        return results

    def dashboard(
        self, actor: Actor, *, as_of: date, filters: DashboardFilter | None = None
    ) -> list[CommunityFigures]:
        """Every community the bureau owns or shares, with its figures as of the date."""
        require_community(actor, CommunityAction.VIEW_DASHBOARD)
        filters = filters or DashboardFilter()
        views = self.ctx.communities
        rows = views.communities(actor.tenant_id)
        if filters.kind:
            rows = [r for r in rows if r.kind == filters.kind]
        stints = views.stints([r.id for r in rows])
        scopes = [Scope(r, stints[r.id]) for r in rows]
        if filters.school_id:
            scopes = [s for s in scopes if filters.school_id in s.members]
        figures = self._figures(scopes, actor, as_of)
        if filters.status:
            figures = [f for f in figures if f.status == filters.status]
        return figures

    def my_communities(self, actor: Actor, *, as_of: date) -> list[CommunityFigures]:
        """The communities the actor's school belongs to (or all the bureau's, for bureau staff)."""
        views = self.ctx.communities
        rows = views.communities(actor.tenant_id)
        stints = views.stints([r.id for r in rows])
        scopes = [
            s
            for s in (Scope(r, stints[r.id]) for r in rows)
            if community_allowed(actor, CommunityAction.VIEW, **s.policy())  # type: ignore[arg-type]
        ]
        return self._figures(scopes, actor, as_of)

    def drill_down(
        self, actor: Actor, community_id: UUID, *, task_kind: str | None, as_of: date
    ) -> list[DrillRow]:
        """The events behind a figure: what, where, who, when it happened, when it was recorded."""
        scope = scope_of(self.ctx, actor, community_id)
        figures = self.community(actor, community_id, as_of=as_of)
        rows = self.ctx.communities.contributions([community_id], up_to=as_of, task_kind=task_kind)
        timeline = [s.stint() for s in scope.stints]
        plan = figures.plan
        return [
            DrillRow(
                contribution=r,
                counts=plan is not None
                and plan.period_start <= r.occurred_on <= plan.period_end
                and any(s.school_id == r.school_id and s.covers(r.occurred_on) for s in timeline),
                visible=can_see_details(actor, scope, r.school_id),
            )
            for r in reversed(rows)
        ]

    def history(self, actor: Actor, community_id: UUID, *, as_of: date) -> list[tuple[date, float]]:
        """Weekly progress from the plan's start to the as-of date, for the chart."""
        figures = self.community(actor, community_id, as_of=as_of)
        plan = figures.plan
        if plan is None:
            return []
        scope = scope_of(self.ctx, actor, community_id)
        rows = self.ctx.communities.contributions([community_id], up_to=as_of)
        tasks = [Task.from_dict(t) for t in plan.tasks]
        timeline = [s.stint() for s in scope.stints]
        counted = _counted(rows)
        points = []
        day = plan.period_start
        last = min(as_of, plan.period_end)
        while day <= last:
            figure = progress(
                tasks,
                counted,
                timeline,
                period_start=plan.period_start,
                period_end=plan.period_end,
                as_of=day,
            )
            points.append((day, figure.percent))
            day += timedelta(days=7)
        if not points or points[-1][0] != last:
            points.append(
                (
                    last,
                    progress(
                        tasks,
                        counted,
                        timeline,
                        period_start=plan.period_start,
                        period_end=plan.period_end,
                        as_of=last,
                    ).percent,
                )
            )
        return points

    def seal_quarter(self, actor: Actor, *, year: int, quarter: int) -> Done:
        """Seal the figures of every community of the bureau at a checkpoint, as reported."""
        require_community(actor, CommunityAction.MANAGE)
        checkpoints = sorted(
            tenant_settings(self.ctx, actor.tenant_id).plan_year(year).checkpoints,
            key=lambda c: c.due,
        )
        if not 1 <= quarter <= len(checkpoints):
            raise DomainError(f"没有第{quarter}个检查点 / There is no checkpoint {quarter}")
        due = checkpoints[quarter - 1].due
        own = [
            f
            for f in self.dashboard(actor, as_of=due)
            if f.community.tenant_id == actor.tenant_id and f.plan is not None
        ]
        now = self.ctx.clock()
        seal = QuarterSeal.seal(
            tenant_id=actor.tenant_id,
            year=year,
            quarter=quarter,
            due=due,
            figures=[_sealed_figure(f) for f in own],
            today=now.date(),
            actor_id=actor.user_id,
            occurred_at=now,
        )
        try:
            return Done(seal.id, self.ctx.platform.save_all(seal))
        except IntegrityError as exc:
            raise DomainError(
                f"第{quarter}季度已封存 / Quarter {quarter} is already sealed"
            ) from exc

    def seals(self, actor: Actor, year: int | None = None) -> list[SealRow]:
        require_community(actor, CommunityAction.VIEW_DASHBOARD)
        return self.ctx.communities.seals(actor.tenant_id, year)


def _sealed_figure(f: CommunityFigures) -> dict[str, Any]:
    assert f.progress is not None
    return {
        "community_id": str(f.community.id),
        "name": f.community.name,
        "percent": f.progress.percent,
        "required": f.required_now,
        "status": f.status,
        "tasks": [{"kind": t.kind, "done": t.done, "target": t.target} for t in f.progress.tasks],
    }
