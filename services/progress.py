"""Progress figures: per community as of any date, the bureau's dashboard, drill-down, seals.

Every figure is computed from the counted contributions (``domain.progress``); nothing is stored but
the sealed quarters, which keep the figures as they were reported. Computed figures are kept per
community and per dashboard by the versions the communities view keeps (ADR 0008).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.community import Stint
from domain.fields import QUARTER, YEAR
from domain.plan import Task
from domain.progress import (
    CheckpointFigure,
    Counted,
    Forecast,
    Progress,
    TaskFigure,
    checkpoint_figures,
    counts,
    done_for,
    forecast,
)
from domain.seal import QuarterSeal
from domain.settings import Checkpoint, TenantSettings
from projections.communities import (
    CommunityRow,
    ContributionRow,
    PlanRow,
    SealRow,
    StintRow,
    members_scope,
)
from services.activities import can_see_details
from services.actor import Actor, Done
from services.clock import local_date
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
    def next_checkpoint(self) -> CheckpointFigure | None:
        """The checkpoint being worked towards: the next one due (on its day, that one), else the
        last one. The same one the forecast aims at."""
        upcoming = [c for c in self.checkpoints if c.due >= self.as_of]
        if upcoming:
            return upcoming[0]
        return self.checkpoints[-1] if self.checkpoints else None

    @property
    def required_now(self) -> float | None:
        """The required fraction of the checkpoint being worked towards (or the last one)."""
        checkpoint = self.next_checkpoint
        return checkpoint.required if checkpoint else None


class NotCounted:
    """Why a record behind a figure does not count."""

    NO_PLAN = "no_plan"  # no approved plan in force
    NOT_IN_PLAN = "not_in_plan"  # the plan has no task of this kind
    OUTSIDE_PERIOD = "outside_period"  # it happened outside the plan period
    NOT_A_MEMBER = "not_a_member"  # the school was not a member of the community that day


@dataclass(frozen=True)
class DrillRow:
    contribution: ContributionRow
    counts: bool  # inside the plan period and by a member school on the day
    visible: bool  # False: a partner bureau's school's record, shown as a count only
    reason: str = ""  # why it does not count (a ``NotCounted`` value), empty when it counts


def not_counted_because(row: ContributionRow, plan: PlanRow | None, timeline: list[Stint]) -> str:
    """Empty when the record counts toward the plan in force; else the ``NotCounted`` reason."""
    if plan is None:
        return NotCounted.NO_PLAN
    if row.task_kind not in {t["kind"] for t in plan.tasks}:
        return NotCounted.NOT_IN_PLAN
    if not plan.period_start <= row.occurred_on <= plan.period_end:
        return NotCounted.OUTSIDE_PERIOD
    if not any(s.school_id == row.school_id and s.covers(row.occurred_on) for s in timeline):
        return NotCounted.NOT_A_MEMBER
    return ""


def plan_in_force(plans: list[PlanRow], as_of: date) -> PlanRow | None:
    approved = [p for p in plans if p.version > 0]
    covering = [p for p in approved if p.period_start <= as_of <= p.period_end]
    if covering:
        return covering[0]
    started = [p for p in approved if p.period_start <= as_of]
    return max(started, key=lambda p: p.period_end) if started else None


#: Communities computed together when many are (a cold district): their rows read at once.
CHUNK = 250

#: Tenant settings read once per query that covers many communities.
SettingsCache = dict[UUID, TenantSettings]


def checkpoints_for(
    ctx: Context, plan: PlanRow, cache: SettingsCache | None = None
) -> list[Checkpoint]:
    """The tenant's checkpoints inside the plan period; else quarters of the period, 25% each."""
    if cache is None:
        settings = tenant_settings(ctx, plan.tenant_id)
    else:
        if plan.tenant_id not in cache:
            cache[plan.tenant_id] = tenant_settings(ctx, plan.tenant_id)
        settings = cache[plan.tenant_id]
    configured = settings.plan_year(plan.year).checkpoints
    inside = [c for c in configured if plan.period_start <= c.due <= plan.period_end]
    if inside:
        return inside
    span = (plan.period_end - plan.period_start).days
    return [
        Checkpoint(plan.period_start + timedelta(days=round(span * q / 4)), q / 4)
        for q in range(1, 5)
    ]


def _counting(
    plan: PlanRow, timeline: list[Stint], records: list[Counted], as_of: date
) -> list[Counted]:
    """The records that count by the as-of date, by the day each happened (sorted by day).

    Whether a record counts depends only on the day it happened, so the records counting by any
    earlier day are these, up to that day (``_progress_on``): filtered once, not once per day."""
    return sorted(
        counts(
            records,
            timeline,
            period_start=plan.period_start,
            period_end=plan.period_end,
            as_of=as_of,
        ),
        key=lambda c: c.occurred_on,
    )


def _progress_on(tasks: list[Task], counting: list[Counted], day: date) -> Progress:
    """``domain.progress.progress`` on a day up to the as-of date of ``counting``."""
    so_far = [c for c in counting if c.occurred_on <= day]
    return Progress(
        as_of=day,
        tasks=[TaskFigure(t.kind, done_for(t, so_far), t.target, t.weight, t.rule) for t in tasks],
    )


#: A seal with its figures by community id.
IndexedSeal = tuple[SealRow, dict[str, dict[str, Any]]]


def index_seals(seals: list[SealRow]) -> list[IndexedSeal]:
    return [(seal, {str(f.get("community_id")): f for f in seal.figures}) for seal in seals]


@dataclass(frozen=True)
class OwnerSeals:
    """A bureau's seals as kept between requests (their figures weigh what their lines do)."""

    indexed: list[IndexedSeal]

    @property
    def lines(self) -> int:
        return sum(len(figures) for _, figures in self.indexed)


def figures_for(
    ctx: Context,
    community: CommunityRow,
    stints: list[StintRow],
    plans: list[PlanRow],
    counted: list[Counted],
    late: list[ContributionRow],
    seals: list[IndexedSeal],
    as_of: date,
    cache: SettingsCache | None = None,
) -> CommunityFigures:
    """The figures of one community as of a date, from its work counted up to then (``counted``,
    as ``views.counted`` sums it) and, for the amendments of sealed quarters, its contributions
    recorded after the earliest of the ``seals`` (``late``)."""
    plan = plan_in_force(plans, as_of)
    if plan is None:
        return CommunityFigures(community, None, as_of, None)
    tasks = [Task.from_dict(t) for t in plan.tasks]
    counting = _counting(plan, [s.stint() for s in stints], counted, as_of)

    def on(day: date) -> Progress:
        return _progress_on(tasks, counting, day)

    now = on(as_of)
    checkpoints = checkpoints_for(ctx, plan, cache)
    due_ratios = {c.due: on(c.due).ratio for c in checkpoints if c.due <= as_of}
    figures = checkpoint_figures(checkpoints, due_ratios, as_of)
    outlook = forecast(
        now.ratio, period_start=plan.period_start, as_of=as_of, checkpoints=checkpoints
    )
    amendments = []
    for seal, sealed_figures in seals:
        sealed = sealed_figures.get(str(community.id))
        if sealed is None or seal.due > as_of:
            continue
        if not plan.period_start <= seal.due <= plan.period_end:
            continue  # a seal of another plan year
        late_records = sum(
            1 for r in late if r.recorded_at > seal.sealed_at and r.occurred_on <= seal.due
        )
        now_percent = on(seal.due).percent
        if late_records or now_percent != float(sealed["percent"]):
            amendments.append(
                Amendment(
                    seal.quarter, seal.due, float(sealed["percent"]), now_percent, late_records
                )
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
        """The figures of these communities: those kept at each one's current version
        (``ctx.community_figures``), the others computed and kept. The figures of a community
        depend only on its own rows, its owner's seals and settings, and the day, all of which
        move its version; so after an event only the communities it touched are computed."""
        store = self.ctx.community_figures
        if store is None or not scopes:
            return self._computed_figures(scopes, as_of)
        versions = self.ctx.communities.versions([s.id for s in scopes])
        day = as_of.isoformat()
        found: dict[UUID, CommunityFigures] = {}
        for scope in scopes:
            kept: CommunityFigures | None = store.get(
                f"community:{scope.id}:{day}", versions.get(scope.id, 0)
            )
            if kept is not None and kept.community == scope.community:
                found[scope.id] = kept
        missing = [s for s in scopes if s.id not in found]
        # In parts: a district's rows all at once would grow the process for good.
        for start in range(0, len(missing), CHUNK):
            part = missing[start : start + CHUNK]
            for scope, figures in zip(part, self._computed_figures(part, as_of), strict=True):
                store.put(f"community:{scope.id}:{day}", versions.get(scope.id, 0), figures)
                found[scope.id] = figures
        return [found[s.id] for s in scopes]

    def _computed_figures(self, scopes: list[Scope], as_of: date) -> list[CommunityFigures]:
        if not scopes:
            return []
        views = self.ctx.communities
        ids = [s.id for s in scopes]
        plans_by: dict[UUID, list[PlanRow]] = defaultdict(list)
        for plan in views.plans(ids):
            plans_by[plan.community_id].append(plan)
        counted_by = views.counted(ids, up_to=as_of)
        seals_by_tenant = {
            owner: self._seals(owner) for owner in {s.community.tenant_id for s in scopes}
        }
        # Amendments count the records entered after a seal: only those are read row by row.
        sealed_at = [s.sealed_at for seals in seals_by_tenant.values() for s, _ in seals]
        late_by: dict[UUID, list[ContributionRow]] = defaultdict(list)
        if sealed_at:
            for row in views.contributions(ids, up_to=as_of, recorded_after=min(sealed_at)):
                late_by[row.community_id].append(row)
        cache: SettingsCache = {}
        return [
            figures_for(
                self.ctx,
                scope.community,
                scope.stints,
                plans_by[scope.id],
                counted_by.get(scope.id, []),
                late_by[scope.id],
                seals_by_tenant[scope.community.tenant_id],
                as_of,
                cache,
            )
            for scope in scopes
        ]

    def dashboard(
        self,
        actor: Actor,
        *,
        as_of: date,
        filters: DashboardFilter | None = None,
        at_least: int = 0,
    ) -> list[CommunityFigures]:
        """Every community the bureau owns or shares, with its figures as of the date.

        Cached (``ctx.figures_cache``) per tenant, date and type and school filters, by the
        tenant's version in the communities view, read *before* the figures are computed
        once the view has reached ``at_least`` (e.g. the store's head, or the reader's own last
        write): they then reflect at least every event up to there that changed this bureau's
        figures, and only such an event makes the next call compute them again (the communities
        it touched, ``_figures``). Concurrent callers wait for one computation. The status filter
        is applied to the cached figures."""
        require_community(actor, CommunityAction.VIEW_DASHBOARD)
        filters = filters or DashboardFilter()
        cache, positions = self.ctx.figures_cache, self.ctx.positions
        if cache is None or positions is None:
            figures = self._dashboard(actor, as_of, filters)
        else:
            key = f"dashboard:{actor.tenant_id}:{as_of.isoformat()}:{filters.kind or ''}:" + (
                str(filters.school_id or "")
            )
            version, known = positions.version("communities", actor.tenant_id, at_least)
            served = cache.computed(
                key, version, lambda: (self._dashboard(actor, as_of, filters), True), made_at=known
            )
            figures = list(served.value)  # callers get a list of their own
        if filters.status:
            figures = [f for f in figures if f.status == filters.status]
        return figures

    def district(self, tenant_id: UUID) -> list[Scope]:
        """Every community the tenant owns or shares, with its memberships: kept by the tenant's
        members version (``ctx.community_figures``), so read again only when communities,
        memberships or school names change, not with every record."""
        views, store = self.ctx.communities, self.ctx.community_figures

        def read() -> list[Scope]:
            rows = views.communities(tenant_id)
            stints = views.stints([r.id for r in rows])
            return [Scope(r, stints[r.id]) for r in rows]

        if store is None:
            return read()
        version, key = views.version(members_scope(tenant_id)), f"district:{tenant_id}"
        found: list[Scope] | None = store.get(key, version)
        if found is None:
            found = read()
            store.put(key, version, found)
        return list(found)

    def _dashboard(
        self, actor: Actor, as_of: date, filters: DashboardFilter
    ) -> list[CommunityFigures]:
        scopes = self.district(actor.tenant_id)
        if filters.kind:
            scopes = [s for s in scopes if s.community.kind == filters.kind]
        if filters.school_id:
            scopes = [s for s in scopes if filters.school_id in s.members]
        return self._figures(scopes, actor, as_of)

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
        drill = []
        for r in reversed(rows):
            reason = not_counted_because(r, plan, timeline)
            drill.append(
                DrillRow(
                    contribution=r,
                    counts=not reason,
                    visible=can_see_details(actor, scope, r.school_id),
                    reason=reason,
                )
            )
        return drill

    def history(self, actor: Actor, community_id: UUID, *, as_of: date) -> list[tuple[date, float]]:
        """Weekly progress from the plan's start to the as-of date, for the chart."""
        scope = scope_of(self.ctx, actor, community_id)
        return self._histories([scope], as_of)[community_id]

    def histories(
        self, actor: Actor, community_ids: list[UUID], *, as_of: date
    ) -> dict[UUID, list[tuple[date, float]]]:
        """The charts of several of the bureau's communities at once (a dashboard page)."""
        require_community(actor, CommunityAction.VIEW_DASHBOARD)
        wanted = set(community_ids)
        views = self.ctx.communities
        rows = [r for r in views.communities(actor.tenant_id) if r.id in wanted]
        stints = views.stints([r.id for r in rows])
        return self._histories([Scope(r, stints[r.id]) for r in rows], as_of)

    def charts(
        self, actor: Actor, scopes: list[Scope], *, as_of: date
    ) -> dict[UUID, list[tuple[date, float]]]:
        """``histories`` of communities whose rows and memberships the caller has read already
        (a page of the dashboard): only those the actor may see."""
        require_community(actor, CommunityAction.VIEW_DASHBOARD)
        visible = [
            s
            for s in scopes
            if community_allowed(actor, CommunityAction.VIEW, **s.policy())  # type: ignore[arg-type]
        ]
        return self._histories(visible, as_of)

    def _histories(self, scopes: list[Scope], as_of: date) -> dict[UUID, list[tuple[date, float]]]:
        """The charts, each kept by its community's version as ``_figures`` keeps figures."""
        store = self.ctx.community_figures
        if store is None or not scopes:
            return self._computed_histories(scopes, as_of)
        versions = self.ctx.communities.versions([s.id for s in scopes])
        day = as_of.isoformat()
        found: dict[UUID, list[tuple[date, float]]] = {}
        for scope in scopes:
            kept = store.get(f"chart:{scope.id}:{day}", versions.get(scope.id, 0))
            if kept is not None:
                found[scope.id] = kept
        missing = [s for s in scopes if s.id not in found]
        for community_id, points in self._computed_histories(missing, as_of).items():
            store.put(f"chart:{community_id}:{day}", versions.get(community_id, 0), points)
            found[community_id] = points
        return found

    def _computed_histories(
        self, scopes: list[Scope], as_of: date
    ) -> dict[UUID, list[tuple[date, float]]]:
        if not scopes:
            return {}
        views = self.ctx.communities
        ids = [s.id for s in scopes]
        plans_by: dict[UUID, list[PlanRow]] = defaultdict(list)
        for row in views.plans(ids):
            plans_by[row.community_id].append(row)
        counted_by = views.counted(ids, up_to=as_of)
        result: dict[UUID, list[tuple[date, float]]] = {}
        cache: SettingsCache = {}
        for scope in scopes:
            plan = plan_in_force(plans_by[scope.id], as_of)
            result[scope.id] = (
                []
                if plan is None
                else history_points(
                    plan,
                    [s.stint() for s in scope.stints],
                    counted_by.get(scope.id, []),
                    as_of,
                    extra_days=[c.due for c in checkpoints_for(self.ctx, plan, cache)],
                )
            )
        return result

    def seal_quarter(self, actor: Actor, *, year: int, quarter: int) -> Done:
        """Seal the figures of every community of the bureau at a checkpoint, as reported."""
        require_community(actor, CommunityAction.MANAGE)
        # The year picks the settings before the seal exists, so it is checked here first.
        YEAR.check(year)
        QUARTER.check(quarter)
        checkpoints = sorted(
            tenant_settings(self.ctx, actor.tenant_id).plan_year(year).checkpoints,
            key=lambda c: c.due,
        )
        if not 1 <= quarter <= len(checkpoints):
            raise DomainError(f"没有第{quarter}个检查点 / There is no checkpoint {quarter}")
        due = checkpoints[quarter - 1].due
        # The seal keeps the figures as reported for good: they are drawn from the views, so the
        # views must first have applied everything recorded until now, or nothing is sealed.
        head = self.ctx.platform.recorder.max_notification_id() or 0
        if not self.ctx.wait_for(head):
            raise DomainError(
                "数据尚在更新，请稍后再封存 / The figures are still being brought up to date: "
                "seal again in a moment"
            )
        own = [
            f
            for f in self.dashboard(actor, as_of=due, at_least=head)
            if f.community.tenant_id == actor.tenant_id and f.plan is not None
        ]
        now = self.ctx.clock()
        seal = QuarterSeal.seal(
            tenant_id=actor.tenant_id,
            year=year,
            quarter=quarter,
            due=due,
            figures=[_sealed_figure(f) for f in own],
            today=local_date(now),
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
        return [s for s, _ in self._seals(actor.tenant_id) if year is None or s.year == year]

    def _seals(self, owner: UUID) -> list[IndexedSeal]:
        """The bureau's seals, indexed: kept by its members version (a seal moves it), since
        reading thousands of sealed figures costs more than the rest of a dashboard."""
        views, store = self.ctx.communities, self.ctx.community_figures
        if store is None:
            return index_seals(views.seals(owner))
        version, key = views.version(members_scope(owner)), f"seals:{owner}"
        found: OwnerSeals | None = store.get(key, version)
        if found is None:
            found = OwnerSeals(index_seals(views.seals(owner)))
            store.put(key, version, found)
        return found.indexed


def history_points(
    plan: PlanRow,
    timeline: list[Stint],
    counted: list[Counted],
    as_of: date,
    *,
    extra_days: list[date] | None = None,
) -> list[tuple[date, float]]:
    """Progress % every 7 days from the plan's start to the as-of date (and on ``extra_days``,
    such as the checkpoints, so the line passes through the figures reported there)."""
    last = min(as_of, plan.period_end)
    if last < plan.period_start:
        return []
    tasks = [Task.from_dict(t) for t in plan.tasks]
    counting = _counting(plan, timeline, counted, last)
    days = {
        plan.period_start + timedelta(days=d) for d in range(0, (last - plan.period_start).days, 7)
    }
    days |= {d for d in extra_days or [] if plan.period_start <= d <= last}
    days.add(last)
    return [(day, _progress_on(tasks, counting, day).percent) for day in sorted(days)]


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
