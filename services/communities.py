"""Communities: founding and the membership timeline, with cross-region consent.

The service the web calls is ``CommunityService``; it also answers for the areas beside it:
settings (``services.community_settings``), assistance (``services.assistance``) and the pages
(``services.community_pages``)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.community import Community
from domain.school import School
from domain.tenant import Tenant
from domain.uniqueness import NameClaim, school_code_key
from services.actor import Actor, Done
from services.assistance import AssistanceDesk
from services.community_pages import CommunityPages
from services.community_settings import tenant_settings
from services.errors import DomainError, NotFound
from services.platform import NOT_THERE, NOT_THERE_OR_HIDDEN
from services.policy import CommunityAction, require_community


class CommunityService(CommunityPages, AssistanceDesk):
    """Founding, admitting, releasing and inviting; with the pages, assistance and settings, so
    ``Services.communities`` keeps one name for everything about communities."""

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
        known = {s["school_id"] for s in community.stints}
        if school_id not in known:
            self._school(actor, school_id)
        require_community(actor, CommunityAction.MANAGE)
        community.release(
            school_id, on=on, reason=reason, actor_id=actor.user_id, occurred_at=self.ctx.clock()
        )
        return Done(community.id, self.ctx.platform.save_all(community))

    def invite_across_regions(
        self, actor: Actor, community_id: UUID, *, tenant_id: UUID, school_code: str, on: date
    ) -> Done:
        """Invite another bureau's school, named by its code; it joins when that bureau consents.

        Whether that bureau has a school with the code, and its name, stay that bureau's until it
        consents: a made-up code is invited exactly as a real one is (only the code is shown), and
        an invitation that names no school of theirs is one they never see and nobody can accept.
        """
        community = self._own(actor, community_id)
        require_community(actor, CommunityAction.MANAGE)
        if tenant_id == actor.tenant_id:
            raise DomainError("本局学校直接加入 / A school of this bureau joins directly")
        try:
            # Bureaus are public on the platform (``partner_bureaus``); their schools are not.
            self.ctx.platform.get_in_tenant(Tenant, tenant_id, tenant_id)
        except NotFound as exc:
            raise NotFound("教育局不存在 / No such bureau") from exc
        code = school_code.strip().upper()
        if not code:
            raise DomainError("请填写学校代码 / Enter the school's code")
        claim_id = NameClaim.create_id(school_code_key(tenant_id, code))
        try:
            claim: NameClaim = self.ctx.platform.repository.get(claim_id)
            school_id = claim.owner_id
        except NOT_THERE:
            school_id = claim_id  # no school has this id: the invitation can never be accepted
        kind = self.settings(actor).community_type(community.kind)
        community.invite_across_regions(
            school_id,
            tenant_id,
            on=on,
            kind=kind,
            school_code=code,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(community.id, self.ctx.platform.save_all(community))

    def _invited(self, actor: Actor, community_id: UUID, school_id: UUID) -> Community:
        """The inviting community, if it awaits this bureau's answer for one of its schools."""
        try:
            community: object = self.ctx.platform.repository.get(community_id)
            self._school(actor, school_id)
        except NOT_THERE_OR_HIDDEN as exc:  # no such community, or not a school of this bureau
            raise NotFound("没有该邀请 / No such invitation") from exc
        if not isinstance(community, Community):
            raise NotFound("没有该邀请 / No such invitation")
        invitation = community.pending.get(school_id)
        if invitation is None or invitation["tenant_id"] != actor.tenant_id:
            raise NotFound("没有该邀请 / No such invitation")
        return community

    def consent(self, actor: Actor, community_id: UUID, school_id: UUID) -> Done:
        """The invited school's own bureau consents; the school joins on the invited date."""
        community = self._invited(actor, community_id, school_id)
        require_community(actor, CommunityAction.MANAGE)
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
        community = self._invited(actor, community_id, school_id)
        require_community(actor, CommunityAction.MANAGE)
        if not reason.strip():
            # The inviting bureau is told why; a refusal without one helps nobody.
            raise DomainError("拒绝需要说明原因 / Declining needs a reason")
        community.decline(
            school_id,
            declining_tenant_id=actor.tenant_id,
            reason=reason,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(community.id, self.ctx.platform.save_all(community))
