"""Annual plans: the core school drafts and submits, the bureau approves or returns them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.base import TenantAggregate
from domain.plan import Plan, Task, plan_id_for
from projections.communities import CommunityRow, PlanRow
from services.actor import Actor, Done
from services.community_scope import (
    CommunityAccess,
    Scope,
    community_access,
    community_of,
    community_policy,
    school_names,
    scope_of,
)
from services.community_settings import tenant_settings
from services.context import Context
from services.errors import DomainError, NotFound
from services.platform import NOT_THERE, NOT_THERE_OR_HIDDEN
from services.policy import CommunityAction, require_community


@dataclass(frozen=True)
class PlanVersion:
    """An approved version: in force until a later one supersedes it, never edited."""

    version: int
    tasks: list[Task]
    approved_at: datetime
    superseded: bool


@dataclass(frozen=True)
class PlanStep:
    """One step of the plan's history: drafted, revised, submitted, returned, approved."""

    what: str  # the event's name: Drafted, TasksRevised, Submitted, Returned, Approved
    at: datetime
    by: str
    comments: str = ""
    version: int = 0


@dataclass(frozen=True)
class PlanPage:
    plan: PlanRow
    community: CommunityRow
    core_school: str
    draft_tasks: list[Task]
    versions: list[PlanVersion]  # newest first
    steps: list[PlanStep]  # oldest first
    deadline: date
    access: CommunityAccess

    @property
    def may_edit(self) -> bool:
        return self.access.may_draft_plan and self.plan.status != "submitted"

    @property
    def may_submit(self) -> bool:
        return self.access.may_draft_plan and self.plan.status in ("draft", "returned")

    @property
    def may_decide(self) -> bool:
        return self.access.may_review and self.plan.status == "submitted"


@dataclass(frozen=True)
class DraftForm:
    community: CommunityRow
    year: int
    school_year: bool  # September to August (学年), else the calendar year
    period_start: date
    period_end: date
    defaults: list[Task]  # the bureau's default targets for the year
    deadline: date
    planned_years: list[int]  # years that already have a plan (revise those instead)


def plan_period(year: int, *, school_year: bool) -> tuple[date, date]:
    """A calendar year (民生实事) or a school year (学年, 1 September to 31 August)."""
    if school_year:
        return date(year, 9, 1), date(year + 1, 8, 31)
    return date(year, 1, 1), date(year, 12, 31)


@dataclass(frozen=True)
class ReviewLine:
    plan: PlanRow
    community: CommunityRow
    core_school: str


class PlanService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def default_tasks(self, actor: Actor, year: int) -> list[Task]:
        """The bureau's default targets for the year, as a starting point for a draft."""
        targets = tenant_settings(self.ctx, actor.tenant_id).plan_year(year).targets
        return [Task(kind, target) for kind, target in targets.items() if target > 0]

    def draft(
        self,
        actor: Actor,
        community_id: UUID,
        *,
        year: int,
        period_start: date,
        period_end: date,
        title: str,
        tasks: list[Task],
    ) -> Done:
        community = community_of(self.ctx, actor, community_id)
        require_community(actor, CommunityAction.DRAFT_PLAN, **community_policy(community))
        exists = DomainError(
            f"{year}年度计划已存在，请修订它 / The {year} plan exists: revise it instead"
        )
        if self._plan_exists(community_id, year):
            raise exists
        plan = Plan.draft(
            tenant_id=community.tenant_id,
            community_id=community_id,
            year=year,
            period_start=period_start,
            period_end=period_end,
            title=title,
            tasks=tasks,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        try:
            return Done(plan.id, self.ctx.platform.save_all(plan))
        except IntegrityError as exc:  # drafted by someone else a moment ago
            raise exists from exc

    def _plan_exists(self, community_id: UUID, year: int) -> bool:
        try:
            self.ctx.platform.repository.get(plan_id_for(community_id, year))
        except NOT_THERE:
            # Plans drafted before their ids were derived from the year have other ids; the view
            # applied those long ago, so asking it about them cannot lag.
            return any(p.year == year for p in self.ctx.communities.plans([community_id]))
        return True

    def _scope(self, actor: Actor, plan_id: UUID) -> tuple[PlanRow, Scope]:
        """The plan and its community, if the actor may see them; otherwise no such plan.

        A plan of a community the actor may not see answers exactly as a made-up id does.
        """
        row = self.ctx.communities.plan(plan_id)
        try:
            if row is None:
                raise NotFound
            return row, scope_of(self.ctx, actor, row.community_id)
        except NotFound as exc:
            raise NotFound("计划不存在 / No such plan") from exc

    def _plan(self, actor: Actor, plan_id: UUID, action: CommunityAction) -> Plan:
        """The plan as it is now, for a command; a plan the actor may not see is no plan."""
        try:
            plan: object = self.ctx.platform.repository.get(plan_id)
            if not isinstance(plan, Plan):
                raise NotFound
            community = community_of(self.ctx, actor, plan.community_id)
        except NOT_THERE_OR_HIDDEN as exc:
            raise NotFound("计划不存在 / No such plan") from exc
        require_community(actor, action, **community_policy(community))
        return plan

    def revise(self, actor: Actor, plan_id: UUID, tasks: list[Task]) -> Done:
        plan = self._plan(actor, plan_id, CommunityAction.DRAFT_PLAN)
        plan.revise(tasks, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(plan.id, self.ctx.platform.save_all(plan))

    def submit(self, actor: Actor, plan_id: UUID) -> Done:
        plan = self._plan(actor, plan_id, CommunityAction.DRAFT_PLAN)
        deadline = tenant_settings(self.ctx, plan.tenant_id).plan_year(plan.year).plan_deadline
        plan.submit(
            deadline=deadline,
            today=self.ctx.today(),
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(plan.id, self.ctx.platform.save_all(plan))

    def approve(self, actor: Actor, plan_id: UUID) -> Done:
        plan = self._plan(actor, plan_id, CommunityAction.REVIEW_PLANS)
        plan.approve(actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(plan.id, self.ctx.platform.save_all(plan))

    def return_with_comments(self, actor: Actor, plan_id: UUID, comments: str) -> Done:
        plan = self._plan(actor, plan_id, CommunityAction.REVIEW_PLANS)
        plan.return_with_comments(comments, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(plan.id, self.ctx.platform.save_all(plan))

    def plans(self, actor: Actor, community_id: UUID) -> list[PlanRow]:
        scope_of(self.ctx, actor, community_id)
        return self.ctx.communities.plans([community_id])

    def plan(self, actor: Actor, plan_id: UUID) -> PlanRow:
        return self._scope(actor, plan_id)[0]

    def review_queue(self, actor: Actor) -> list[PlanRow]:
        require_community(actor, CommunityAction.REVIEW_PLANS)
        return self.ctx.communities.plans_of_tenant(actor.tenant_id, status="submitted")

    # What the pages show ------------------------------------------------------------------
    def draft_form(
        self, actor: Actor, community_id: UUID, *, year: int | None, school_year: bool
    ) -> DraftForm:
        """What the core school starts a year's plan from (by default the year running now)."""
        scope = scope_of(self.ctx, actor, community_id)
        require_community(actor, CommunityAction.DRAFT_PLAN, **scope.policy())
        if year is None:
            today = self.ctx.today()
            year = today.year - 1 if school_year and today.month < 9 else today.year
        start, end = plan_period(year, school_year=school_year)
        return DraftForm(
            community=scope.community,
            year=year,
            school_year=school_year,
            period_start=start,
            period_end=end,
            defaults=self.default_tasks(actor, year),
            deadline=tenant_settings(self.ctx, actor.tenant_id).plan_year(year).plan_deadline,
            planned_years=[p.year for p in self.ctx.communities.plans([community_id])],
        )

    def plan_page(self, actor: Actor, plan_id: UUID) -> PlanPage:
        """A plan with its draft, its approved versions and every step it went through."""
        row, scope = self._scope(actor, plan_id)
        plan: Plan = self.ctx.platform.get_in_tenant(Plan, plan_id, row.tenant_id)
        approved = [
            PlanVersion(
                version=int(v["version"]),
                tasks=[Task.from_dict(t) for t in v["tasks"]],
                approved_at=v["approved_at"],
                superseded=i < len(plan.versions) - 1,
            )
            for i, v in enumerate(plan.versions)
        ]
        events = [
            e
            for e in self.ctx.platform.repository.event_store.get(plan_id)
            if isinstance(e, TenantAggregate.Event)
        ]
        actors = {e.actor_id for e in events}
        names = {
            u.id: u.display_name for u in self.ctx.directory.users(row.tenant_id) if u.id in actors
        }
        steps = [
            PlanStep(
                what=type(e).__name__,
                at=e.occurred_at,
                by=names.get(e.actor_id, "") if e.actor_id else "",
                comments=e.comments if isinstance(e, Plan.Returned) else "",
                version=e.version if isinstance(e, Plan.Approved) else 0,
            )
            for e in events
        ]
        return PlanPage(
            plan=row,
            community=scope.community,
            core_school=school_names(self.ctx, scope.stints).get(
                scope.community.core_school_id, ""
            ),
            draft_tasks=[Task.from_dict(t) for t in plan.tasks],
            versions=list(reversed(approved)),
            steps=steps,
            deadline=tenant_settings(self.ctx, row.tenant_id).plan_year(row.year).plan_deadline,
            access=community_access(actor, scope),
        )

    def review_page(self, actor: Actor) -> list[ReviewLine]:
        """Plans of the bureau's communities awaiting its review, with whose they are."""
        lines = []
        for plan in self.review_queue(actor):
            scope = scope_of(self.ctx, actor, plan.community_id)
            names = school_names(self.ctx, scope.stints)
            lines.append(
                ReviewLine(plan, scope.community, names.get(scope.community.core_school_id, ""))
            )
        return lines
