"""Communities: founding, the membership timeline, cross-region consent, types, plan-year settings,
and assistance applications (帮扶申请)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.assistance import AssistanceApplication
from domain.community import Community
from domain.school import School
from domain.settings import CommunityType, PlanYearSettings, TenantSettings, settings_id
from projections.communities import CommunityRow, StintRow
from services.actor import Actor, Done
from services.context import Context
from services.errors import DomainError, NotFound
from services.policy import CommunityAction, community_allowed, require_community


@dataclass(frozen=True)
class Scope:
    """A community as the actor may see it, with what permissions need to know."""

    community: CommunityRow
    stints: list[StintRow]

    @property
    def id(self) -> UUID:
        return self.community.id

    @property
    def members(self) -> frozenset[UUID]:
        """Schools that are or were members: their staff keep seeing the figures they made."""
        return frozenset(s.school_id for s in self.stints)

    @property
    def current_members(self) -> frozenset[UUID]:
        return frozenset(s.school_id for s in self.stints if s.left_on is None)

    def policy(self) -> dict[str, object]:
        return {
            "owner_tenant_id": self.community.tenant_id,
            "partner_tenant_ids": frozenset(self.community.partner_tenant_ids),
            "member_school_ids": self.members,
            "core_school_id": self.community.core_school_id,
        }


def scope_of(ctx: Context, actor: Actor, community_id: UUID) -> Scope:
    """The community if the actor may see it at all; otherwise it does not exist for them."""
    row = ctx.communities.community(community_id)
    if row is None:
        raise NotFound("教共体不存在 / No such community")
    scope = Scope(row, ctx.communities.stints([community_id])[community_id])
    if not community_allowed(actor, CommunityAction.VIEW, **scope.policy()):  # type: ignore[arg-type]
        raise NotFound("教共体不存在 / No such community")
    return scope


def tenant_settings(ctx: Context, tenant_id: UUID) -> TenantSettings:
    try:
        found: TenantSettings = ctx.platform.repository.get(settings_id(tenant_id))
    except Exception:
        # Never changed: the defaults of DOMAIN.md, not saved until the bureau changes something.
        return TenantSettings(tenant_id=tenant_id, actor_id=None, occurred_at=ctx.clock())
    return found


class CommunityService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # Settings ----------------------------------------------------------------------------
    def settings(self, actor: Actor) -> TenantSettings:
        return tenant_settings(self.ctx, actor.tenant_id)

    def community_types(self, actor: Actor) -> list[CommunityType]:
        settings = self.settings(actor)
        return [settings.community_type(key) for key in settings.types]

    def set_community_type(
        self, actor: Actor, *, key: str, name: str, max_schools: int | None
    ) -> Done:
        require_community(actor, CommunityAction.MANAGE)
        settings = self.settings(actor)
        settings.set_community_type(
            key=key,
            name=name,
            max_schools=max_schools,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(settings.id, self.ctx.platform.save_all(settings))

    def plan_year(self, actor: Actor, year: int) -> PlanYearSettings:
        return self.settings(actor).plan_year(year)

    def set_plan_year(self, actor: Actor, year_settings: PlanYearSettings) -> Done:
        require_community(actor, CommunityAction.MANAGE)
        settings = self.settings(actor)
        settings.set_plan_year(year_settings, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(settings.id, self.ctx.platform.save_all(settings))

    # Communities -------------------------------------------------------------------------
    def _own(self, actor: Actor, community_id: UUID) -> Community:
        community: Community = self.ctx.platform.get_in_tenant(
            Community, community_id, actor.tenant_id
        )
        return community

    def _school(self, actor: Actor, school_id: UUID) -> School:
        school: School = self.ctx.platform.get_in_tenant(School, school_id, actor.tenant_id)
        return school

    def found(
        self,
        actor: Actor,
        *,
        name: str,
        kind: str,
        core_school_id: UUID,
        founded_on: date,
        round_start_year: int,
        round_end_year: int,
        member_school_ids: list[UUID] | None = None,
    ) -> Done:
        require_community(actor, CommunityAction.MANAGE)
        self._school(actor, core_school_id)
        community_type = self.settings(actor).community_type(kind)
        now = self.ctx.clock()
        community = Community.found(
            tenant_id=actor.tenant_id,
            name=name,
            kind=community_type,
            core_school_id=core_school_id,
            founded_on=founded_on,
            round_start_year=round_start_year,
            round_end_year=round_end_year,
            actor_id=actor.user_id,
            occurred_at=now,
        )
        for school_id in member_school_ids or []:
            self._school(actor, school_id)
            community.admit(
                school_id,
                on=founded_on,
                kind=community_type,
                actor_id=actor.user_id,
                occurred_at=now,
            )
        return Done(community.id, self.ctx.platform.save_all(community))

    def admit(self, actor: Actor, community_id: UUID, school_id: UUID, *, on: date) -> Done:
        community = self._own(actor, community_id)
        require_community(actor, CommunityAction.MANAGE)
        self._school(actor, school_id)
        kind = self.settings(actor).community_type(community.kind)
        community.admit(
            school_id, on=on, kind=kind, actor_id=actor.user_id, occurred_at=self.ctx.clock()
        )
        return Done(community.id, self.ctx.platform.save_all(community))

    def release(
        self, actor: Actor, community_id: UUID, school_id: UUID, *, on: date, reason: str
    ) -> Done:
        community = self._own(actor, community_id)
        require_community(actor, CommunityAction.MANAGE)
        community.release(
            school_id, on=on, reason=reason, actor_id=actor.user_id, occurred_at=self.ctx.clock()
        )
        return Done(community.id, self.ctx.platform.save_all(community))

    def invite_across_regions(
        self, actor: Actor, community_id: UUID, *, tenant_id: UUID, school_code: str, on: date
    ) -> Done:
        """Invite another bureau's school, named by its code; it joins when that bureau consents."""
        community = self._own(actor, community_id)
        require_community(actor, CommunityAction.MANAGE)
        if tenant_id == actor.tenant_id:
            raise DomainError("本局学校直接加入 / A school of this bureau joins directly")
        match = [
            s
            for s in self.ctx.directory.schools(tenant_id)
            if s.code == school_code.strip().upper()
        ]
        if not match:
            raise NotFound("对方教育局没有该代码的学校 / That bureau has no school with this code")
        kind = self.settings(actor).community_type(community.kind)
        community.invite_across_regions(
            match[0].id,
            tenant_id,
            on=on,
            kind=kind,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(community.id, self.ctx.platform.save_all(community))

    def _invited(self, actor: Actor, community_id: UUID, school_id: UUID) -> Community:
        invitations = [
            i
            for i in self.ctx.communities.invitations_for(actor.tenant_id)
            if i.community_id == community_id and i.school_id == school_id
        ]
        if not invitations:
            raise NotFound("没有该邀请 / No such invitation")
        community: Community = self.ctx.platform.repository.get(community_id)
        return community

    def consent(self, actor: Actor, community_id: UUID, school_id: UUID) -> Done:
        """The invited school's own bureau consents; the school joins on the invited date."""
        require_community(actor, CommunityAction.MANAGE)
        community = self._invited(actor, community_id, school_id)
        kind = tenant_settings(self.ctx, community.tenant_id).community_type(community.kind)
        community.consent(
            school_id,
            consenting_tenant_id=actor.tenant_id,
            kind=kind,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(community.id, self.ctx.platform.save_all(community))

    def decline(self, actor: Actor, community_id: UUID, school_id: UUID, *, reason: str) -> Done:
        require_community(actor, CommunityAction.MANAGE)
        community = self._invited(actor, community_id, school_id)
        community.decline(
            school_id,
            declining_tenant_id=actor.tenant_id,
            reason=reason,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(community.id, self.ctx.platform.save_all(community))

    # Assistance ---------------------------------------------------------------------------
    def apply_for_assistance(self, actor: Actor, *, needs: str, subjects: list[str]) -> Done:
        require_community(actor, CommunityAction.APPLY_FOR_ASSISTANCE)
        assert actor.school_id is not None
        application = AssistanceApplication.apply(
            tenant_id=actor.tenant_id,
            school_id=actor.school_id,
            needs=needs,
            subjects=subjects,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(application.id, self.ctx.platform.save_all(application))

    def suggest_helpers(self, actor: Actor, application_id: UUID) -> list[UUID]:
        """Helper schools to suggest: core schools of alliances the applicant belongs to first."""
        require_community(actor, CommunityAction.MANAGE)
        application: AssistanceApplication = self.ctx.platform.get_in_tenant(
            AssistanceApplication, application_id, actor.tenant_id
        )
        views = self.ctx.communities
        own = views.communities_of_school(application.school_id)
        alliances = [
            c
            for c in (views.community(cid) for cid in own)
            if c is not None and c.kind == "alliance" and c.tenant_id == actor.tenant_id
        ]
        suggested: list[UUID] = []
        for alliance in alliances:
            for stint in views.stints([alliance.id])[alliance.id]:
                candidate = stint.school_id
                if stint.left_on is None and candidate not in {application.school_id, *suggested}:
                    suggested.append(candidate)
        return suggested

    def assign_helper(
        self,
        actor: Actor,
        application_id: UUID,
        *,
        helper_school_id: UUID,
        founded_on: date,
        round_start_year: int,
        round_end_year: int,
    ) -> Done:
        """Assigning a helper founds the assistance community (帮扶式) in the same transaction."""
        require_community(actor, CommunityAction.MANAGE)
        application: AssistanceApplication = self.ctx.platform.get_in_tenant(
            AssistanceApplication, application_id, actor.tenant_id
        )
        helper = self._school(actor, helper_school_id)
        helped = self._school(actor, application.school_id)
        kind = self.settings(actor).community_type("assistance")
        now = self.ctx.clock()
        community = Community.found(
            tenant_id=actor.tenant_id,
            name=f"{helper.name}—{helped.name}帮扶共同体",
            kind=kind,
            core_school_id=helper.id,
            founded_on=founded_on,
            round_start_year=round_start_year,
            round_end_year=round_end_year,
            actor_id=actor.user_id,
            occurred_at=now,
        )
        community.admit(
            helped.id, on=founded_on, kind=kind, actor_id=actor.user_id, occurred_at=now
        )
        application.assign(helper.id, community.id, actor_id=actor.user_id, occurred_at=now)
        return Done(community.id, self.ctx.platform.save_all(community, application))

    def decline_application(self, actor: Actor, application_id: UUID, *, reason: str) -> Done:
        require_community(actor, CommunityAction.MANAGE)
        application: AssistanceApplication = self.ctx.platform.get_in_tenant(
            AssistanceApplication, application_id, actor.tenant_id
        )
        application.decline(reason, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(application.id, self.ctx.platform.save_all(application))
