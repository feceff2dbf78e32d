"""What the community pages show: one call per page, scoped and authorised."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from domain.community import Community
from domain.settings import CommunityType
from projections.communities import (
    CommunityRow,
    InvitationRow,
    PlanRow,
    StintRow,
)
from projections.directory import SchoolRow, TenantRow
from services.activities import ActivityLine, activity_lines
from services.actor import Actor
from services.community_scope import (
    CommunityAccess,
    can_see_details,
    community_access,
    school_names,
    scope_of,
)
from services.community_settings import CommunitySettings, tenant_settings, type_names
from services.policy import CommunityAction, community_allowed, require_community
from services.progress import CommunityFigures, ProgressService


@dataclass(frozen=True)
class CommunityItem:
    """One line of the communities list."""

    figures: CommunityFigures
    type_name: str
    owner_name: str  # the owning bureau, shown when it is not the reader's own
    core_school: str
    members: list[str]  # current members other than the core school

    @property
    def community(self) -> CommunityRow:
        return self.figures.community


@dataclass(frozen=True)
class CommunitiesPage:
    items: list[CommunityItem]
    as_of: date
    may_found: bool
    is_bureau: bool
    may_apply: bool  # a school admin may ask for assistance (帮扶申请)
    types: list[CommunityType] = field(default_factory=list)
    schools: list[SchoolRow] = field(default_factory=list)  # the bureau's, for founding
    invitations_waiting: int = 0
    plans_to_review: int = 0
    open_applications: int = 0


@dataclass(frozen=True)
class MemberLine:
    stint: StintRow
    school: str
    bureau: str  # the school's bureau when it is not the community's own
    is_core: bool

    @property
    def current(self) -> bool:
        return self.stint.left_on is None


@dataclass(frozen=True)
class PendingInvitation:
    school: str  # the code the inviting bureau typed: nothing of the school until consent
    bureau: str
    joins_on: date


@dataclass(frozen=True)
class DeclinedInvitation:
    school: str  # the code, as when it was pending
    bureau: str
    reason: str
    declined_at: datetime


@dataclass(frozen=True)
class CommunityPage:
    community: CommunityRow
    type_name: str
    owner_name: str
    members: list[MemberLine]
    plans: list[PlanRow]
    figures: CommunityFigures
    activity_lines: list[ActivityLine]  # the most recent ones the actor may see
    access: CommunityAccess
    today: date
    pending: list[PendingInvitation] = field(default_factory=list)
    declined: list[DeclinedInvitation] = field(default_factory=list)
    admissible: list[SchoolRow] = field(default_factory=list)  # own schools not members now
    partner_bureaus: list[TenantRow] = field(default_factory=list)

    @property
    def current_members(self) -> list[MemberLine]:
        return [m for m in self.members if m.current]


@dataclass(frozen=True)
class InvitationLine:
    invitation: InvitationRow
    school: str
    from_bureau: str


class CommunityPages(CommunitySettings):
    """The communities list, a community's page and the invitations waiting for the bureau."""

    def partner_bureaus(self, actor: Actor) -> list[TenantRow]:
        """Other bureaus of the platform, to invite one of their schools across regions.

        Bureau names are public on the platform for this purpose; nothing else of theirs is.
        """
        require_community(actor, CommunityAction.MANAGE)
        return [t for t in self.ctx.directory.tenants() if t.id != actor.tenant_id]

    def _invited_as(self, code: str, tenant_id: UUID, school_id: UUID) -> str:
        if code:
            return code
        # An invitation from before the code was kept was only ever made to a real school.
        school = self.ctx.directory.school(tenant_id, school_id)
        return school.name if school else ""

    def _tenant_name(self, tenant_id: UUID) -> str:
        tenant = self.ctx.directory.tenant(tenant_id)
        return tenant.name if tenant else ""

    def index_page(self, actor: Actor) -> CommunitiesPage:
        """The communities the actor sees (the bureau's and shared ones, or their school's)."""
        as_of = self.ctx.today()
        figures = ProgressService(self.ctx).my_communities(actor, as_of=as_of)
        own_types = type_names(self.settings(actor))
        views = self.ctx.communities
        stints = views.stints([f.community.id for f in figures])
        items = []
        for f in figures:
            community = f.community
            names = school_names(self.ctx, stints[community.id])
            foreign = community.tenant_id != actor.tenant_id
            kinds = (
                type_names(tenant_settings(self.ctx, community.tenant_id)) if foreign else own_types
            )
            items.append(
                CommunityItem(
                    figures=f,
                    type_name=kinds.get(community.kind, community.kind),
                    owner_name=self._tenant_name(community.tenant_id) if foreign else "",
                    core_school=names.get(community.core_school_id, ""),
                    members=[
                        names.get(s.school_id, "")
                        for s in stints[community.id]
                        if s.left_on is None and s.school_id != community.core_school_id
                    ],
                )
            )
        may_found = community_allowed(actor, CommunityAction.MANAGE)
        if not may_found:
            return CommunitiesPage(
                items=items,
                as_of=as_of,
                may_found=False,
                is_bureau=community_allowed(actor, CommunityAction.VIEW_DASHBOARD),
                may_apply=community_allowed(actor, CommunityAction.APPLY_FOR_ASSISTANCE),
            )
        return CommunitiesPage(
            items=items,
            as_of=as_of,
            may_found=True,
            is_bureau=True,
            may_apply=False,
            types=self.community_types(actor),
            schools=self.ctx.directory.schools(actor.tenant_id),
            invitations_waiting=len(self.invitations(actor)),
            plans_to_review=len(views.plans_of_tenant(actor.tenant_id, status="submitted")),
            open_applications=sum(
                1 for a in views.applications(actor.tenant_id) if a.status == "open"
            ),
        )

    def page(self, actor: Actor, community_id: UUID) -> CommunityPage:
        """A community: its members over time, plans, figures and recent records."""
        scope = scope_of(self.ctx, actor, community_id)
        community = scope.community
        owner = community.tenant_id
        today = self.ctx.today()
        names = school_names(self.ctx, scope.stints)
        bureaus = {
            t: self._tenant_name(t) for t in {s.school_tenant_id for s in scope.stints} - {owner}
        }
        members = [
            MemberLine(
                stint=s,
                school=names.get(s.school_id, ""),
                bureau=bureaus.get(s.school_tenant_id, ""),
                is_core=s.school_id == community.core_school_id,
            )
            for s in scope.stints
        ]
        recent = [
            a
            for a in self.ctx.communities.activities(community_id, limit=30)
            if can_see_details(actor, scope, a.school_id)
        ][:10]
        access = community_access(actor, scope)
        pending: list[PendingInvitation] = []
        admissible: list[SchoolRow] = []
        partners: list[TenantRow] = []
        declined: list[DeclinedInvitation] = []
        if access.may_manage:
            invited: dict[UUID, Community.CrossRegionInvited] = {}
            for e in self.ctx.platform.repository.event_store.get(community_id):
                if isinstance(e, Community.CrossRegionInvited):
                    invited[e.school_id] = e
                elif isinstance(e, Community.CrossRegionDeclined) and e.school_id in invited:
                    invitation = invited[e.school_id]
                    declined.append(
                        DeclinedInvitation(
                            school=self._invited_as(
                                invitation.school_code, invitation.school_tenant_id, e.school_id
                            ),
                            bureau=self._tenant_name(invitation.school_tenant_id),
                            reason=e.reason,
                            declined_at=e.occurred_at,
                        )
                    )
            for school_id, waiting in self.ctx.platform.get_in_tenant(
                Community, community_id, actor.tenant_id
            ).pending.items():
                pending.append(
                    PendingInvitation(
                        school=self._invited_as(
                            waiting.get("code", ""), waiting["tenant_id"], school_id
                        ),
                        bureau=self._tenant_name(waiting["tenant_id"]),
                        joins_on=waiting["joins_on"],
                    )
                )
            admissible = [
                s
                for s in self.ctx.directory.schools(actor.tenant_id)
                if s.id not in scope.current_members
            ]
            partners = self.partner_bureaus(actor)
        return CommunityPage(
            community=community,
            type_name=type_names(tenant_settings(self.ctx, owner)).get(
                community.kind, community.kind
            ),
            owner_name=self._tenant_name(owner),
            members=members,
            plans=self.ctx.communities.plans([community_id]),
            figures=ProgressService(self.ctx).community(actor, community_id, as_of=today),
            activity_lines=activity_lines(self.ctx, recent, scope.stints),
            access=access,
            today=today,
            pending=pending,
            declined=declined,
            admissible=admissible,
            partner_bureaus=partners,
        )

    def invitations(self, actor: Actor) -> list[InvitationLine]:
        """Invitations of other bureaus' communities awaiting this bureau's consent."""
        require_community(actor, CommunityAction.MANAGE)
        own = {s.id: s.name for s in self.ctx.directory.schools(actor.tenant_id)}
        return [
            InvitationLine(
                invitation=i,
                school=own[i.school_id],
                from_bureau=self._tenant_name(i.owner_tenant_id),
            )
            for i in self.ctx.communities.invitations_for(actor.tenant_id)
            # An invitation naming a code this bureau does not have is nobody's to answer.
            if i.school_id in own
        ]
