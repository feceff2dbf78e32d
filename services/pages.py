"""What each bureau, school and activity page shows: one call per page, scoped and authorised.

Each method checks tenancy first (another tenant's id is ``NotFound``), then permission, and returns
a DTO with the rows and what the actor may do there (decided by ``services.policy``), so that a
view makes one call and a template only reads flags.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from domain.roles import Role
from projections.audit_log import AuditFilter, EventEntry
from projections.directory import ClassRow, SchoolRow, UserRow
from services.actor import Actor
from services.context import Context
from services.errors import Forbidden, NotFound
from services.people import _may_grant
from services.policy import Action, allowed, require
from services.queries import QueryService

MAX_PAGE = 200


@dataclass(frozen=True)
class SchoolsPage:
    schools: list[SchoolRow]
    may_manage: bool


@dataclass(frozen=True)
class SchoolAccess:
    """What the actor may do at one school (decided by the policy), for the school's pages."""

    may_manage_school: bool
    may_manage_teachers: bool
    may_manage_admins: bool
    may_manage_classes: bool
    may_transfer: bool
    may_view_feed: bool


def school_access(actor: Actor, school_id: UUID) -> SchoolAccess:
    return SchoolAccess(
        may_manage_school=allowed(actor, Action.MANAGE_SCHOOLS),
        may_manage_teachers=allowed(actor, Action.MANAGE_TEACHERS, school_id),
        may_manage_admins=allowed(actor, Action.MANAGE_SCHOOL_ADMINS),
        may_manage_classes=allowed(actor, Action.MANAGE_CLASSES, school_id),
        may_transfer=allowed(actor, Action.TRANSFER_TEACHER),
        may_view_feed=allowed(actor, Action.VIEW_SCHOOL_FEED, school_id),
    )


@dataclass(frozen=True)
class SchoolPage:
    school: SchoolRow
    staff: list[UserRow]
    classes: list[ClassRow]
    bell_schedule: list[dict[str, object]]
    access: SchoolAccess

    @property
    def school_admins(self) -> list[UserRow]:
        return [u for u in self.staff if Role.SCHOOL_ADMIN in u.roles]

    @property
    def teachers(self) -> list[UserRow]:
        return [u for u in self.staff if Role.TEACHER in u.roles]


@dataclass(frozen=True)
class MemberPage:
    school: SchoolRow
    user: UserRow
    access: SchoolAccess


@dataclass(frozen=True)
class TransferPage:
    user: UserRow
    school: SchoolRow
    #: The schools of the tenant the user may move to (all but their own).
    schools: list[SchoolRow]


@dataclass(frozen=True)
class EntriesPage:
    entries: list[EventEntry]
    #: Display names of the users the entries mention (actors and subjects), of this tenant only.
    names: dict[UUID, str]
    school_names: dict[UUID, str]
    #: Pass as ``before_position`` for the next, older page; None on the last page.
    next_before: int | None


@dataclass(frozen=True)
class FeedPage(EntriesPage):
    school: SchoolRow
    access: SchoolAccess


@dataclass(frozen=True)
class AuditPage(EntriesPage):
    query: AuditFilter
    schools: list[SchoolRow]
    users: list[UserRow]
    event_types: list[str]


class PageQueries:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.queries = QueryService(ctx)

    # The bureau's pages.
    def bureau_schools(self, actor: Actor) -> SchoolsPage:
        require(actor, Action.OVERSEE_SCHOOLS)
        return SchoolsPage(
            schools=self.ctx.directory.schools(actor.tenant_id),
            may_manage=allowed(actor, Action.MANAGE_SCHOOLS),
        )

    def bureau_school(self, actor: Actor, school_id: UUID) -> SchoolPage:
        school = self.queries.school(actor, school_id)
        require(actor, Action.OVERSEE_SCHOOLS)
        return self._school_page(actor, school)

    def transfer(self, actor: Actor, user_id: UUID) -> TransferPage:
        user = self.ctx.directory.user(actor.tenant_id, user_id)
        if user is None or user.school_id is None:
            raise NotFound("该教师不存在 / No such teacher")
        require(actor, Action.TRANSFER_TEACHER)
        school = self.queries.school(actor, user.school_id)
        others = [s for s in self.ctx.directory.schools(actor.tenant_id) if s.id != school.id]
        return TransferPage(user=user, school=school, schools=others)

    # A school's pages.
    def school(self, actor: Actor, school_id: UUID) -> SchoolPage:
        school = self.queries.school(actor, school_id)
        require(actor, Action.VIEW_SCHOOL, school_id)
        return self._school_page(actor, school)

    def _school_page(self, actor: Actor, school: SchoolRow) -> SchoolPage:
        tenant_id = actor.tenant_id
        return SchoolPage(
            school=school,
            staff=self.ctx.directory.users(tenant_id, school_id=school.id),
            classes=self.ctx.directory.classes(tenant_id, school.id),
            bell_schedule=self.ctx.directory.bell_schedule(tenant_id, school.id),
            access=school_access(actor, school.id),
        )

    def school_member(self, actor: Actor, school_id: UUID, user_id: UUID) -> MemberPage:
        """A member of the school's staff, for someone who may manage them."""
        school = self.queries.school(actor, school_id)
        user = self.ctx.directory.user(actor.tenant_id, user_id)
        if user is None or user.school_id != school.id:
            raise NotFound("该教师不在本校 / No such teacher at this school")
        if not _may_grant(actor, user.roles, user.school_id):
            raise Forbidden("无权管理该用户 / Not allowed to manage this user")
        return MemberPage(school=school, user=user, access=school_access(actor, school.id))

    # What happened.
    def school_feed(
        self, actor: Actor, school_id: UUID, *, before_position: int | None, limit: int = 50
    ) -> FeedPage:
        limit = max(1, min(limit, MAX_PAGE))
        entries = self.queries.school_feed(
            actor, school_id, before_position=before_position, limit=limit + 1
        )
        school = self.queries.school(actor, school_id)
        shown, next_before = _page(entries, limit)
        return FeedPage(
            entries=shown,
            names=self._names(actor, shown),
            school_names=self._school_names(actor),
            next_before=next_before,
            school=school,
            access=school_access(actor, school.id),
        )

    def audit(self, actor: Actor, query: AuditFilter) -> AuditPage:
        require(actor, Action.VIEW_AUDIT_LOG)
        tenant_id = actor.tenant_id
        if query.school_id and self.ctx.directory.school(tenant_id, query.school_id) is None:
            raise NotFound("学校不存在 / No such school")
        if query.actor_id and self.ctx.directory.user(tenant_id, query.actor_id) is None:
            raise NotFound("用户不存在 / No such user")
        limit = max(1, min(query.limit, MAX_PAGE))
        entries = self.ctx.audit.entries(tenant_id, replace(query, limit=limit + 1))
        shown, next_before = _page(entries, limit)
        schools = self.ctx.directory.schools(tenant_id)
        return AuditPage(
            entries=shown,
            names=self._names(actor, shown),
            school_names={s.id: s.name for s in schools},
            next_before=next_before,
            query=replace(query, limit=limit),
            schools=schools,
            users=self.ctx.directory.users(tenant_id),
            event_types=self.ctx.audit.event_types(tenant_id),
        )

    def _names(self, actor: Actor, entries: list[EventEntry]) -> dict[UUID, str]:
        ids = {e.actor_id for e in entries if e.actor_id} | {e.subject_id for e in entries}
        return self.queries.names(actor, ids)

    def _school_names(self, actor: Actor) -> dict[UUID, str]:
        return {s.id: s.name for s in self.ctx.directory.schools(actor.tenant_id)}


def _page(entries: list[EventEntry], limit: int) -> tuple[list[EventEntry], int | None]:
    """The first ``limit`` entries, and where the next page starts if there is one."""
    if len(entries) > limit:
        shown = entries[:limit]
        return shown, shown[-1].position
    return entries, None
