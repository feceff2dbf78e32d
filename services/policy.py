"""Who may do what. Every permission of the platform is decided here and nowhere else.

Tenancy is checked before permission: a thing of another tenant is ``NotFound``, never ``Forbidden``,
so an actor cannot even learn that it exists.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from domain.roles import Role
from services.actor import Actor
from services.errors import Forbidden, NotFound


class Action(StrEnum):
    REGISTER_TENANT = "register_tenant"
    MANAGE_BUREAU_STAFF = "manage_bureau_staff"
    MANAGE_SCHOOLS = "manage_schools"
    MANAGE_SCHOOL_ADMINS = "manage_school_admins"
    MANAGE_TEACHERS = "manage_teachers"
    MANAGE_CLASSES = "manage_classes"
    VIEW_DIRECTORY = "view_directory"
    VIEW_SCHOOL = "view_school"
    VIEW_SCHOOL_FEED = "view_school_feed"
    VIEW_AUDIT_LOG = "view_audit_log"
    TRANSFER_TEACHER = "transfer_teacher"
    OVERSEE_SCHOOLS = "oversee_schools"


_BUREAU = (Role.BUREAU_ADMIN, Role.BUREAU_MONITOR)


def allowed(actor: Actor, action: Action, school_id: UUID | None = None) -> bool:
    """Whether the actor may do ``action`` (at ``school_id`` where the action concerns a school)."""
    at_own_school = school_id is not None and school_id == actor.school_id
    match action:
        case Action.REGISTER_TENANT:
            return actor.has(Role.PLATFORM_ADMIN)
        case Action.MANAGE_BUREAU_STAFF:
            return actor.has(Role.PLATFORM_ADMIN, Role.BUREAU_ADMIN)
        case Action.MANAGE_SCHOOLS | Action.MANAGE_SCHOOL_ADMINS | Action.TRANSFER_TEACHER:
            return actor.has(Role.BUREAU_ADMIN)
        case Action.MANAGE_TEACHERS | Action.MANAGE_CLASSES:
            return actor.has(Role.BUREAU_ADMIN) or (actor.has(Role.SCHOOL_ADMIN) and at_own_school)
        case Action.VIEW_DIRECTORY:
            return bool(actor.roles - {Role.PLATFORM_ADMIN})
        case Action.VIEW_SCHOOL | Action.VIEW_SCHOOL_FEED:
            return actor.has(*_BUREAU) or (
                at_own_school and actor.has(Role.SCHOOL_ADMIN, Role.TEACHER)
            )
        case Action.VIEW_AUDIT_LOG | Action.OVERSEE_SCHOOLS:
            return actor.has(*_BUREAU)
    return False


def require(actor: Actor, action: Action, school_id: UUID | None = None) -> None:
    if not allowed(actor, action, school_id):
        raise Forbidden(f"无权执行此操作 / Not allowed: {action}")


def require_same_tenant(actor: Actor, tenant_id: UUID) -> None:
    if tenant_id != actor.tenant_id:
        raise NotFound("不存在 / Not found")


# Communities -------------------------------------------------------------------------------


class CommunityAction(StrEnum):
    MANAGE = "manage_communities"  # found, admit, release, invite, consent, seal, settings
    REVIEW_PLANS = "review_plans"
    DRAFT_PLAN = "draft_plan"
    RECORD_ACTIVITY = "record_activity"
    VIEW = "view_community"
    VIEW_DASHBOARD = "view_progress_dashboard"
    APPLY_FOR_ASSISTANCE = "apply_for_assistance"


def community_allowed(
    actor: Actor,
    action: CommunityAction,
    *,
    owner_tenant_id: UUID | None = None,
    partner_tenant_ids: frozenset[UUID] = frozenset(),
    member_school_ids: frozenset[UUID] = frozenset(),
    core_school_id: UUID | None = None,
) -> bool:
    """Who may do what with a community. The caller passes what it knows of the community."""
    bureau_of_it = actor.tenant_id == owner_tenant_id or actor.tenant_id in partner_tenant_ids
    at_member = actor.school_id is not None and actor.school_id in member_school_ids
    match action:
        case CommunityAction.MANAGE | CommunityAction.REVIEW_PLANS:
            return actor.has(Role.BUREAU_ADMIN) and (
                owner_tenant_id is None or actor.tenant_id == owner_tenant_id
            )
        case CommunityAction.VIEW_DASHBOARD:
            return actor.has(*_BUREAU)
        case CommunityAction.DRAFT_PLAN:
            return actor.has(Role.SCHOOL_ADMIN) and actor.school_id == core_school_id
        case CommunityAction.RECORD_ACTIVITY:
            return at_member and actor.has(Role.SCHOOL_ADMIN, Role.TEACHER)
        case CommunityAction.VIEW:
            return (bureau_of_it and actor.has(*_BUREAU)) or (
                at_member and actor.has(Role.SCHOOL_ADMIN, Role.TEACHER)
            )
        case CommunityAction.APPLY_FOR_ASSISTANCE:
            return actor.has(Role.SCHOOL_ADMIN) and actor.school_id is not None
    return False


def require_community(actor: Actor, action: CommunityAction, **community: object) -> None:
    if not community_allowed(actor, action, **community):  # type: ignore[arg-type]
        raise Forbidden(f"无权执行此操作 / Not allowed: {action}")


# Mentoring ---------------------------------------------------------------------------------


def may_read_mentoring_content(
    actor: Actor, *, mentor_id: UUID, mentee_id: UUID, school_ids: frozenset[UUID]
) -> bool:
    """Summaries, comments and evidence of a pair: the pair and their two school admins only.

    The bureau and the rest of the community see counts, kinds and hours, never the content.
    """
    if actor.user_id in (mentor_id, mentee_id):
        return True
    return actor.has(Role.SCHOOL_ADMIN) and actor.school_id in school_ids


# Online research and training hours ----------------------------------------------------------


def may_schedule_research(actor: Actor, *, leader_id: UUID, core_school_id: UUID) -> bool:
    """A group's leader schedules its sessions, and so does the core school's admin (教科室)."""
    return actor.user_id == leader_id or (
        actor.has(Role.SCHOOL_ADMIN) and actor.school_id == core_school_id
    )


def may_add_group_member(actor: Actor, *, teacher_school_id: UUID | None) -> bool:
    """A school admin adds the teachers of their own school (or grants their requests)."""
    return actor.has(Role.SCHOOL_ADMIN) and actor.school_id == teacher_school_id


def may_read_hours(actor: Actor, *, user_id: UUID, school_id: UUID | None) -> bool:
    """A teacher's training hours: the teacher, their school's admin and their bureau."""
    if actor.user_id == user_id or actor.has(*_BUREAU):
        return True
    return actor.has(Role.SCHOOL_ADMIN) and school_id is not None and actor.school_id == school_id


def may_publish_lesson_plan(actor: Actor, *, leader_id: UUID, core_school_id: UUID) -> bool:
    """A final lesson plan goes to the community's library by its group's leader or the core
    school's admin (教科室), who answer for what the library holds."""
    return may_schedule_research(actor, leader_id=leader_id, core_school_id=core_school_id)


# Joint assessment ----------------------------------------------------------------------------


def may_define_test(actor: Actor, *, owner_tenant_id: UUID, core_school_id: UUID) -> bool:
    """A unified test is set by the community: its bureau's admin or its core school's admin."""
    return (actor.has(Role.BUREAU_ADMIN) and actor.tenant_id == owner_tenant_id) or (
        actor.has(Role.SCHOOL_ADMIN) and actor.school_id == core_school_id
    )


def may_keep_roster(actor: Actor, school_id: UUID) -> bool:
    """The roster (学号, class, name) is the school's own: its admin keeps it, nobody else."""
    return actor.has(Role.SCHOOL_ADMIN) and actor.school_id == school_id


def may_upload_scores(actor: Actor, school_id: UUID) -> bool:
    return actor.school_id == school_id and actor.has(Role.SCHOOL_ADMIN, Role.TEACHER)


def may_read_scores(actor: Actor, *, school_id: UUID, uploaded_by: UUID | None) -> bool:
    """Names and individual scores: only inside the student's school, and there the school's
    admin and the teacher who uploaded the class (its subject teacher). Everyone else, the bureau
    included, sees aggregates of at least the tenant's smallest group."""
    if actor.school_id != school_id:
        return False
    return actor.has(Role.SCHOOL_ADMIN) or (
        actor.has(Role.TEACHER) and uploaded_by is not None and actor.user_id == uploaded_by
    )
