"""The API's endpoints: each parses its input, calls one service method and answers JSON."""

from __future__ import annotations

from flask import request, url_for
from flask.typing import ResponseReturnValue

from domain.roles import Role
from projections.audit_log import AuditFilter, EventEntry
from web.api.base import (
    TOKEN_LIFETIME_SECONDS,
    InvalidInput,
    actor,
    body,
    bp,
    done,
    error_response,
    issue_token,
    items,
    one,
    optional_query_int,
    optional_query_time,
    optional_query_uuid,
)
from web.current import parse_id, services
from web.signin import attempt_sign_in

#: Roles the school staff endpoint grants; bureau roles belong to no school.
SCHOOL_STAFF_ROLES = frozenset({Role.TEACHER, Role.SCHOOL_ADMIN})
#: Roles the bureau staff endpoint grants.
BUREAU_STAFF_ROLES = frozenset({Role.BUREAU_MONITOR, Role.EXPERT})
MAX_PAGE = 200


# Sign-in ---------------------------------------------------------------------------------------


@bp.post("/auth/token", endpoint="issue_token")
def issue_token_for_password() -> ResponseReturnValue:
    fields = body()
    username = fields.text("username").strip().lower()
    password = fields.text("password")
    # The same limits, and the same keys, as the sign-in page.
    attempt = attempt_sign_in(username, password, request.remote_addr, kind="api")
    if attempt.retry_after:
        wait = attempt.retry_after
        response = error_response(
            429, f"尝试次数过多，请{wait}秒后再试 / Too many attempts; try again in {wait} s"
        )
        response.headers["Retry-After"] = str(wait)
        return response
    signed_in = attempt.signed_in
    if signed_in is None or signed_in.actor.user_id is None:
        response = error_response(401, "登录名或密码不正确 / Wrong login name or password")
        response.headers["WWW-Authenticate"] = 'Bearer realm="jgt"'
        return response
    return {
        "token": issue_token(signed_in.actor.user_id, signed_in.session_id),
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECONDS,
    }


@bp.get("/me")
def me() -> ResponseReturnValue:
    who = actor()
    assert who.user_id is not None  # a token always names a user
    return one(services().queries.user(who, who.user_id))


@bp.post("/me/password")
def change_own_password() -> ResponseReturnValue:
    fields = body()
    result = services().people.change_own_password(
        actor(), current=fields.text("current"), new=fields.text("new")
    )
    return done(result)


# Bureaus (platform administrators) ----------------------------------------------------------------


@bp.get("/tenants")
def list_tenants() -> ResponseReturnValue:
    return items(services().queries.tenants(actor()))


@bp.post("/tenants")
def register_tenant() -> ResponseReturnValue:
    fields = body()
    result = services().organisation.register_tenant(
        actor(), name=fields.text("name"), region=fields.text("region", required=False)
    )
    return done(result, 201)


@bp.post("/tenants/<tenant_id>/admins")
def register_bureau_admin(tenant_id: str) -> ResponseReturnValue:
    fields = body()
    tenant = parse_id(tenant_id)
    result = services().people.register_user(
        actor(),
        tenant_id=tenant,
        username=fields.text("username"),
        display_name=fields.text("display_name"),
        password=fields.text("password"),
        roles=[Role.BUREAU_ADMIN],
    )
    return done(result, 201, url_for("api.get_user", user_id=result.id))


# Schools ---------------------------------------------------------------------------------------


@bp.get("/schools")
def list_schools() -> ResponseReturnValue:
    return items(services().queries.schools(actor()))


@bp.post("/schools")
def register_school() -> ResponseReturnValue:
    fields = body()
    result = services().organisation.register_school(
        actor(),
        name=fields.text("name"),
        code=fields.text("code"),
        stage=fields.text("stage"),
        locality=fields.text("locality"),
        student_count=fields.integer("student_count", required=False),
    )
    return done(result, 201, url_for("api.get_school", school_id=result.id))


@bp.get("/schools/<school_id>")
def get_school(school_id: str) -> ResponseReturnValue:
    return one(services().queries.school(actor(), parse_id(school_id)))


@bp.patch("/schools/<school_id>")
def change_school(school_id: str) -> ResponseReturnValue:
    fields = body()
    result = services().organisation.change_school(
        actor(),
        parse_id(school_id),
        name=fields.text("name"),
        stage=fields.text("stage"),
        locality=fields.text("locality"),
        student_count=fields.integer("student_count"),
    )
    return done(result)


@bp.get("/schools/<school_id>/classes")
def list_classes(school_id: str) -> ResponseReturnValue:
    return items(services().queries.classes(actor(), parse_id(school_id)))


@bp.post("/schools/<school_id>/classes")
def open_class(school_id: str) -> ResponseReturnValue:
    fields = body()
    result = services().organisation.open_class(
        actor(), parse_id(school_id), grade=fields.integer("grade"), name=fields.text("name")
    )
    return done(result, 201, url_for("api.list_classes", school_id=result.id))


@bp.delete("/schools/<school_id>/classes/<class_id>")
def close_class(school_id: str, class_id: str) -> ResponseReturnValue:
    return done(services().organisation.close_class(actor(), parse_id(school_id), class_id))


@bp.get("/schools/<school_id>/bell-schedule")
def get_bell_schedule(school_id: str) -> ResponseReturnValue:
    return items(services().queries.bell_schedule(actor(), parse_id(school_id)))


@bp.put("/schools/<school_id>/bell-schedule")
def set_bell_schedule(school_id: str) -> ResponseReturnValue:
    periods = body().objects("periods")
    return done(services().organisation.set_bell_schedule(actor(), parse_id(school_id), periods))


@bp.get("/schools/<school_id>/activity")
def school_activity(school_id: str) -> ResponseReturnValue:
    before = optional_query_int("before", minimum=1)
    limit = optional_query_int("limit", minimum=1, maximum=MAX_PAGE) or 50
    entries = services().queries.school_feed(
        actor(), parse_id(school_id), before_position=before, limit=limit
    )
    return items(entries, next_before=_next_before(entries, limit))


# People ----------------------------------------------------------------------------------------


@bp.get("/schools/<school_id>/staff")
def list_staff(school_id: str) -> ResponseReturnValue:
    return items(services().queries.staff(actor(), parse_id(school_id)))


@bp.post("/schools/<school_id>/staff")
def register_school_staff(school_id: str) -> ResponseReturnValue:
    fields = body()
    roles = _roles(fields.texts("roles"), SCHOOL_STAFF_ROLES)
    result = services().people.register_user(
        actor(),
        school_id=parse_id(school_id),
        username=fields.text("username"),
        display_name=fields.text("display_name"),
        password=fields.text("password"),
        roles=roles,
        subjects=fields.texts("subjects", required=False),
        grades=fields.integers("grades", required=False),
        key_level=fields.text("key_level", required=False),
        title=fields.text("title", required=False),
    )
    return done(result, 201, url_for("api.get_user", user_id=result.id))


@bp.get("/bureau/staff")
def list_bureau_staff() -> ResponseReturnValue:
    return items(services().queries.bureau_staff(actor()))


@bp.post("/bureau/staff")
def register_bureau_staff() -> ResponseReturnValue:
    fields = body()
    roles = _roles(fields.texts("roles"), BUREAU_STAFF_ROLES)
    result = services().people.register_user(
        actor(),
        username=fields.text("username"),
        display_name=fields.text("display_name"),
        password=fields.text("password"),
        roles=roles,
        subjects=fields.texts("subjects", required=False),
        grades=fields.integers("grades", required=False),
        key_level=fields.text("key_level", required=False),
        title=fields.text("title", required=False),
    )
    return done(result, 201, url_for("api.get_user", user_id=result.id))


@bp.get("/users/<user_id>")
def get_user(user_id: str) -> ResponseReturnValue:
    return one(services().queries.user(actor(), parse_id(user_id)))


@bp.patch("/users/<user_id>")
def update_profile(user_id: str) -> ResponseReturnValue:
    fields = body()
    result = services().people.update_profile(
        actor(),
        parse_id(user_id),
        display_name=fields.text("display_name"),
        subjects=fields.texts("subjects"),
        grades=fields.integers("grades"),
        key_level=fields.text("key_level"),
        title=fields.text("title"),
    )
    return done(result)


@bp.post("/users/<user_id>/password")
def reset_password(user_id: str) -> ResponseReturnValue:
    new = body().text("password")
    return done(services().people.reset_password(actor(), parse_id(user_id), new=new))


@bp.post("/users/<user_id>/transfer")
def transfer(user_id: str) -> ResponseReturnValue:
    to_school = body().uuid("school_id")
    return done(services().people.transfer(actor(), parse_id(user_id), to_school))


@bp.post("/users/<user_id>/deactivate")
def deactivate(user_id: str) -> ResponseReturnValue:
    reason = body().text("reason", required=False) if request.get_data() else ""
    return done(services().people.deactivate(actor(), parse_id(user_id), reason))


@bp.post("/users/<user_id>/reactivate")
def reactivate(user_id: str) -> ResponseReturnValue:
    return done(services().people.reactivate(actor(), parse_id(user_id)))


# The audit log ------------------------------------------------------------------------------------


@bp.get("/audit")
def audit_log() -> ResponseReturnValue:
    limit = optional_query_int("limit", minimum=1, maximum=MAX_PAGE) or 50
    query = AuditFilter(
        school_id=optional_query_uuid("school_id"),
        actor_id=optional_query_uuid("actor_id"),
        event_type=request.args.get("event_type") or None,
        occurred_from=optional_query_time("from"),
        occurred_to=optional_query_time("to"),
        before_position=optional_query_int("before", minimum=1),
        limit=limit,
    )
    entries = services().queries.audit_log(actor(), query)
    return items(entries, next_before=_next_before(entries, limit))


# Helpers ---------------------------------------------------------------------------------------


def _roles(given: list[str], allowed: frozenset[Role]) -> list[str]:
    if not given or any(role not in allowed for role in given):
        names = ", ".join(sorted(allowed))
        raise InvalidInput("roles", f"角色应为 {names} / Roles must be among {names}")
    return given


def _next_before(entries: list[EventEntry], limit: int) -> int | None:
    """The cursor for the next (older) page, or None when this page is the last."""
    if len(entries) < limit or not entries:
        return None
    return entries[-1].position
