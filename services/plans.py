"""Annual plans: the core school drafts and submits, the bureau approves or returns them."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.plan import Plan, Task
from projections.communities import PlanRow
from services.actor import Actor, Done
from services.communities import scope_of, tenant_settings
from services.context import Context
from services.errors import DomainError, NotFound
from services.policy import CommunityAction, require_community


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
        scope = scope_of(self.ctx, actor, community_id)
        require_community(actor, CommunityAction.DRAFT_PLAN, **scope.policy())
        if any(p.year == year for p in self.ctx.communities.plans([community_id])):
            raise DomainError(
                f"{year}年度计划已存在，请修订它 / The {year} plan exists: revise it instead"
            )
        plan = Plan.draft(
            tenant_id=scope.community.tenant_id,
            community_id=community_id,
            year=year,
            period_start=period_start,
            period_end=period_end,
            title=title,
            tasks=tasks,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(plan.id, self.ctx.platform.save_all(plan))

    def _plan(self, actor: Actor, plan_id: UUID, action: CommunityAction) -> Plan:
        row = self.ctx.communities.plan(plan_id)
        if row is None:
            raise NotFound("计划不存在 / No such plan")
        scope = scope_of(self.ctx, actor, row.community_id)
        require_community(actor, action, **scope.policy())
        plan: Plan = self.ctx.platform.get_in_tenant(Plan, plan_id, scope.community.tenant_id)
        return plan

    def revise(self, actor: Actor, plan_id: UUID, tasks: list[Task]) -> Done:
        plan = self._plan(actor, plan_id, CommunityAction.DRAFT_PLAN)
        plan.revise(tasks, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(plan.id, self.ctx.platform.save_all(plan))

    def submit(self, actor: Actor, plan_id: UUID) -> Done:
        plan = self._plan(actor, plan_id, CommunityAction.DRAFT_PLAN)
        deadline = tenant_settings(self.ctx, plan.tenant_id).plan_year(plan.year).plan_deadline
        plan.submit(deadline=deadline, actor_id=actor.user_id, occurred_at=self.ctx.clock())
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
        row = self.ctx.communities.plan(plan_id)
        if row is None:
            raise NotFound("计划不存在 / No such plan")
        scope_of(self.ctx, actor, row.community_id)
        return row

    def review_queue(self, actor: Actor) -> list[PlanRow]:
        require_community(actor, CommunityAction.REVIEW_PLANS)
        return self.ctx.communities.plans_of_tenant(actor.tenant_id, status="submitted")
