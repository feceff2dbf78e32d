"""A community as an actor may see it: its scope, what the policy needs of it, what the actor
may do with it, and whose records they may read. Every service that touches a community starts here."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.community import Community
from projections.communities import (
    CommunityRow,
    StintRow,
)
from services.actor import Actor
from services.context import Context
from services.errors import NotFound
from services.platform import NOT_THERE
from services.policy import CommunityAction, community_allowed


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


def can_see_details(actor: Actor, scope: Scope, school_id: UUID) -> bool:
    """A partner bureau sees the shared figures, not another bureau's schools' own records."""
    if actor.tenant_id == scope.community.tenant_id:
        return True
    school_tenant = {s.school_id: s.school_tenant_id for s in scope.stints}.get(school_id)
    return school_tenant == actor.tenant_id
