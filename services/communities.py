"""Communities: founding, the membership timeline, cross-region consent, types, plan-year settings,
and assistance applications (帮扶申请)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.activity import recorded_late
from domain.assistance import AssistanceApplication
from domain.community import Community
from domain.school import School
from domain.settings import CommunityType, PlanYearSettings, TenantSettings, settings_id
from domain.tenant import Tenant
from domain.uniqueness import NameClaim, school_code_key
from projections.communities import (
    ActivityRow,
    ApplicationRow,
    CommunityRow,
    InvitationRow,
    PlanRow,
    StintRow,
)
from projections.directory import SchoolRow, TenantRow
from services.actor import Actor, Done
from services.context import Context
from services.errors import DomainError, Forbidden, NotFound
from services.platform import NOT_THERE, NOT_THERE_OR_HIDDEN
from services.policy import CommunityAction, community_allowed, require_community

if TYPE_CHECKING:
    from services.progress import CommunityFigures


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


def community_policy(community: Community) -> dict[str, object]:
    """What ``services.policy`` needs to know of a community, from its aggregate."""
    return {
        "owner_tenant_id": community.tenant_id,
        "partner_tenant_ids": frozenset(community.partner_tenants),
        "member_school_ids": frozenset(s["school_id"] for s in community.stints),
        "core_school_id": community.core_school_id,
    }


def community_of(ctx: Context, actor: Actor, community_id: UUID) -> Community:
    """The community as it is now, if the actor may see it; otherwise it does not exist for them.

    Commands decide from this, never from ``scope_of``: the view may not have applied a community
    founded, or a school that left, a moment ago.
    """
    try:
        community: object = ctx.platform.repository.get(community_id)
    except NOT_THERE as exc:
        raise NotFound("教共体不存在 / No such community") from exc
    if not isinstance(community, Community) or not community_allowed(
        actor,
        CommunityAction.VIEW,
        **community_policy(community),  # type: ignore[arg-type]
    ):
        raise NotFound("教共体不存在 / No such community")
    return community


def tenant_settings(ctx: Context, tenant_id: UUID) -> TenantSettings:
    try:
        found: TenantSettings = ctx.platform.repository.get(settings_id(tenant_id))
    except NOT_THERE:
        # Never changed: the defaults of DOMAIN.md, not saved until the bureau changes something.
        return TenantSettings(tenant_id=tenant_id, actor_id=None, occurred_at=ctx.clock())
    return found


# What the community pages show: one call per page, scoped and authorised ---------------------


@dataclass(frozen=True)
class CommunityAccess:
    """What the actor may do with one community (decided by ``services.policy``)."""

    may_manage: bool  # admit, release, invite: the owning bureau's admin
    may_draft_plan: bool  # the core school's admin
    may_review: bool  # the owning bureau's admin
    may_record: bool  # staff of a member school


def community_access(actor: Actor, scope: Scope) -> CommunityAccess:
    policy = scope.policy()

    def can(action: CommunityAction) -> bool:
        return community_allowed(actor, action, **policy)  # type: ignore[arg-type]

    return CommunityAccess(
        may_manage=can(CommunityAction.MANAGE),
        may_draft_plan=can(CommunityAction.DRAFT_PLAN),
        may_review=can(CommunityAction.REVIEW_PLANS),
        may_record=can(CommunityAction.RECORD_ACTIVITY),
    )


def school_names(ctx: Context, stints: list[StintRow]) -> dict[UUID, str]:
    """Names of the schools in a community, whichever bureau each belongs to.

    A member school's name is part of the community's shared figures, so a partner bureau sees it.
    """
    names: dict[UUID, str] = {}
    for tenant_id in {s.school_tenant_id for s in stints}:
        names.update({s.id: s.name for s in ctx.directory.schools(tenant_id)})
    return names


@dataclass(frozen=True)
class ActivityLine:
    """A record as a list shows it: when it happened, when it was recorded, by whom, where."""

    row: ActivityRow
    school: str
    recorded_by: str
    late: bool  # recorded long after it happened (``domain.activity.recorded_late``)


def activity_lines(
    ctx: Context, rows: list[ActivityRow], stints: list[StintRow]
) -> list[ActivityLine]:
    names = school_names(ctx, stints)
    actors = {r.actor_id for r in rows if r.actor_id}
    people: dict[UUID, str] = {}
    for tenant_id in {r.tenant_id for r in rows}:
        people.update(
            {u.id: u.display_name for u in ctx.directory.users(tenant_id) if u.id in actors}
        )
    return [
        ActivityLine(
            row=r,
            school=names.get(r.school_id, ""),
            recorded_by=people.get(r.actor_id, "") if r.actor_id else "",
            late=recorded_late(r.occurred_on, r.recorded_at),
        )
        for r in rows
    ]


def type_names(settings: TenantSettings) -> dict[str, str]:
    return {key: str(raw["name"]) for key, raw in settings.types.items()}


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


@dataclass(frozen=True)
class SettingsPage:
    types: list[CommunityType]
    year: PlanYearSettings
    may_edit: bool


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
        application: AssistanceApplication = self.ctx.platform.get_in_tenant(
            AssistanceApplication, application_id, actor.tenant_id
        )
        require_community(actor, CommunityAction.MANAGE)
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
        application: AssistanceApplication = self.ctx.platform.get_in_tenant(
            AssistanceApplication, application_id, actor.tenant_id
        )
        require_community(actor, CommunityAction.MANAGE)
        application.decline(reason, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(application.id, self.ctx.platform.save_all(application))

    # What the pages show ------------------------------------------------------------------
    def partner_bureaus(self, actor: Actor) -> list[TenantRow]:
        """Other bureaus of the platform, to invite one of their schools across regions.

        Bureau names are public on the platform for this purpose; nothing else of theirs is.
        """
        require_community(actor, CommunityAction.MANAGE)
        return [t for t in self.ctx.directory.tenants() if t.id != actor.tenant_id]

    def add_community_type(self, actor: Actor, *, name: str, max_schools: int | None) -> Done:
        """A new type of the bureau's own, under a key the bureau never has to see."""
        taken = set(self.settings(actor).types)
        number = len(taken) + 1
        while f"custom_{number}" in taken:
            number += 1
        return self.set_community_type(
            actor, key=f"custom_{number}", name=name, max_schools=max_schools
        )

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
        from services.progress import ProgressService  # progress builds on this module

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
        from services.activities import can_see_details  # activities build on this module
        from services.progress import ProgressService

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
            for school_id, waiting in self._own(actor, community_id).pending.items():
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

    def settings_page(self, actor: Actor, year: int | None = None) -> SettingsPage:
        """The bureau's community types and one plan year's numbers (this year's by default)."""
        require_community(actor, CommunityAction.VIEW_DASHBOARD)
        year = year or self.ctx.today().year
        return SettingsPage(
            types=self.community_types(actor),
            year=self.plan_year(actor, year),
            may_edit=community_allowed(actor, CommunityAction.MANAGE),
        )
