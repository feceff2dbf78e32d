"""Assistance applications (帮扶申请): a school asks, the bureau assigns a helper school, which
founds an assistance community, or declines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.assistance import AssistanceApplication
from domain.community import Community
from domain.school import School
from projections.communities import (
    ApplicationRow,
)
from projections.directory import SchoolRow
from services.actor import Actor, Done
from services.community_settings import CommunitySettings
from services.errors import Forbidden
from services.policy import CommunityAction, community_allowed, require_community


@dataclass(frozen=True)
class ApplicationLine:
    application: ApplicationRow
    school: str
    helper: str
    suggested: list[SchoolRow]  # helper schools to suggest (same alliance first)


@dataclass(frozen=True)
class AssistancePage:
    applications: list[ApplicationLine]
    may_apply: bool
    may_decide: bool
    schools: list[SchoolRow]  # the bureau's schools, to choose a helper from
    today: date


class AssistanceDesk(CommunitySettings):
    """Applications for assistance and the bureau's answers (a helper's type is a setting)."""

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
        application: AssistanceApplication = self.ctx.platform.get_in_tenant(
            AssistanceApplication, application_id, actor.tenant_id
        )
        require_community(actor, CommunityAction.MANAGE)
        helper = self.ctx.platform.get_in_tenant(School, helper_school_id, actor.tenant_id)
        helped = self.ctx.platform.get_in_tenant(School, application.school_id, actor.tenant_id)
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
        application: AssistanceApplication = self.ctx.platform.get_in_tenant(
            AssistanceApplication, application_id, actor.tenant_id
        )
        require_community(actor, CommunityAction.MANAGE)
        application.decline(reason, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(application.id, self.ctx.platform.save_all(application))

    def assistance_page(self, actor: Actor) -> AssistancePage:
        """Bureau staff see every application; a school admin sees the school's own."""
        is_bureau = community_allowed(actor, CommunityAction.VIEW_DASHBOARD)
        may_apply = community_allowed(actor, CommunityAction.APPLY_FOR_ASSISTANCE)
        if not (is_bureau or may_apply):
            raise Forbidden("无权查看帮扶申请 / Not allowed to see assistance applications")
        may_decide = community_allowed(actor, CommunityAction.MANAGE)
        schools = self.ctx.directory.schools(actor.tenant_id)
        by_id = {s.id: s for s in schools}
        rows = self.ctx.communities.applications(
            actor.tenant_id, school_id=None if is_bureau else actor.school_id
        )
        lines = []
        for row in rows:
            suggested = (
                [by_id[i] for i in self.suggest_helpers(actor, row.id) if i in by_id]
                if may_decide and row.status == "open"
                else []
            )
            helper = by_id.get(row.helper_school_id) if row.helper_school_id else None
            lines.append(
                ApplicationLine(
                    application=row,
                    school=by_id[row.school_id].name if row.school_id in by_id else "",
                    helper=helper.name if helper else "",
                    suggested=suggested,
                )
            )
        return AssistancePage(
            applications=lines,
            may_apply=may_apply,
            may_decide=may_decide,
            schools=schools if may_decide else [],
            today=self.ctx.today(),
        )
