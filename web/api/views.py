"""The API's endpoints: each parses its input, calls one service method and answers JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from flask import request, url_for
from flask.typing import ResponseReturnValue

from domain.roles import Role
from projections.audit_log import AuditFilter, EventEntry
from projections.directory import ClassRow, SchoolRow, TenantRow, UserRow
from web.api import inputs as i
from web.api.base import (
    TOKEN_LIFETIME_SECONDS,
    actor,
    done,
    error_response,
    items,
    one,
)
from web.api.base import (
    issue_token as issue_token_for,
)
from web.api.contract import operation
from web.api.outputs import ClassOpened, Done, Token, items_of
from web.current import parse_id, services
from web.signin import attempt_sign_in

auth = partial(operation, tag="auth")
people = partial(operation, tag="people")
schools = partial(operation, tag="schools")
platform = partial(operation, tag="platform")


# Sign-in ---------------------------------------------------------------------------------------


@auth(
    "POST",
    "/auth/token",
    summary="Exchange a login name and password for a bearer token (12 h)",
    body=i.Credentials,
    answer=Token,
    public=True,
    errors=(401, 429),
)
def issue_token(body: i.Credentials) -> ResponseReturnValue:
    username = body.username.strip().lower()
    # The same limits, and the same keys, as the sign-in page.
    attempt = attempt_sign_in(username, body.password, request.remote_addr, kind="api")
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
        "token": issue_token_for(signed_in.actor.user_id, signed_in.session_id),
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECONDS,
    }


@people("GET", "/me", summary="The signed-in user", answer=UserRow)
def me() -> ResponseReturnValue:
    who = actor()
    assert who.user_id is not None  # a token always names a user
    return one(services().queries.user(who, who.user_id))


@people(
    "POST",
    "/me/password",
    summary="Change one's own password (the current one is needed)",
    description="Every token and signed-in session from before it stops working, this token "
    "too: ask for a new one.",
    body=i.PasswordChange,
    answer=Done,
)
def change_own_password(body: i.PasswordChange) -> ResponseReturnValue:
    result = services().people.change_own_password(actor(), current=body.current, new=body.new)
    return done(result)


# Bureaus (platform administrators) ----------------------------------------------------------------


@platform(
    "GET", "/tenants", summary="Every bureau (platform administrators)", answer=items_of(TenantRow)
)
def list_tenants() -> ResponseReturnValue:
    return items(services().queries.tenants(actor()))


@platform(
    "POST", "/tenants", summary="Register a bureau", body=i.NewTenant, answer=Done, status=201
)
def register_tenant(body: i.NewTenant) -> ResponseReturnValue:
    result = services().organisation.register_tenant(actor(), name=body.name, region=body.region)
    return done(result, 201)


@platform(
    "POST",
    "/tenants/<tenant_id>/admins",
    summary="Register a bureau's administrator",
    body=i.NewPerson,
    answer=Done,
    status=201,
)
def register_bureau_admin(tenant_id: str, body: i.NewPerson) -> ResponseReturnValue:
    result = services().people.register_user(
        actor(),
        tenant_id=parse_id(tenant_id),
        username=body.username,
        display_name=body.display_name,
        password=body.password,
        roles=[Role.BUREAU_ADMIN],
    )
    return done(result, 201, url_for("api.get_user", user_id=result.id))


# Schools ---------------------------------------------------------------------------------------


@schools("GET", "/schools", summary="The bureau's schools", answer=items_of(SchoolRow))
def list_schools() -> ResponseReturnValue:
    return items(services().queries.schools(actor()))


@schools(
    "POST",
    "/schools",
    summary="Register a school",
    body=i.NewSchool,
    answer=Done,
    status=201,
)
def register_school(body: i.NewSchool) -> ResponseReturnValue:
    result = services().organisation.register_school(
        actor(),
        name=body.name,
        code=body.code,
        stage=body.stage,
        locality=body.locality,
        student_count=body.student_count,
    )
    return done(result, 201, url_for("api.get_school", school_id=result.id))


@schools("GET", "/schools/<school_id>", summary="A school", answer=SchoolRow)
def get_school(school_id: str) -> ResponseReturnValue:
    return one(services().queries.school(actor(), parse_id(school_id)))


@schools(
    "PATCH",
    "/schools/<school_id>",
    summary="Change a school's details",
    body=i.SchoolDetails,
    answer=Done,
)
def change_school(school_id: str, body: i.SchoolDetails) -> ResponseReturnValue:
    result = services().organisation.change_school(
        actor(),
        parse_id(school_id),
        name=body.name,
        stage=body.stage,
        locality=body.locality,
        student_count=body.student_count,
    )
    return done(result)


@schools(
    "GET", "/schools/<school_id>/classes", summary="A school's classes", answer=items_of(ClassRow)
)
def list_classes(school_id: str) -> ResponseReturnValue:
    return items(services().queries.classes(actor(), parse_id(school_id)))


@schools(
    "POST",
    "/schools/<school_id>/classes",
    summary="Open a class",
    body=i.NewClass,
    answer=ClassOpened,
    status=201,
)
def open_class(school_id: str, body: i.NewClass) -> ResponseReturnValue:
    result = services().organisation.open_class(
        actor(), parse_id(school_id), grade=body.grade, name=body.name
    )
    location = url_for("api.list_classes", school_id=result.id)
    return done(result, 201, location, class_id=result.part_id or "")


@schools(
    "DELETE",
    "/schools/<school_id>/classes/<class_id>",
    summary="Close a class",
    path={"class_id": {"type": "string", "examples": ["3-1"]}},
    answer=Done,
)
def close_class(school_id: str, class_id: str) -> ResponseReturnValue:
    return done(services().organisation.close_class(actor(), parse_id(school_id), class_id))


@schools(
    "GET",
    "/schools/<school_id>/bell-schedule",
    summary="A school's bell schedule",
    answer=items_of(i.Period),
)
def get_bell_schedule(school_id: str) -> ResponseReturnValue:
    return items(services().queries.bell_schedule(actor(), parse_id(school_id)))


@schools(
    "PUT",
    "/schools/<school_id>/bell-schedule",
    summary="Set a school's bell schedule (all periods at once)",
    body=i.BellSchedule,
    answer=Done,
)
def set_bell_schedule(school_id: str, body: i.BellSchedule) -> ResponseReturnValue:
    periods: list[dict[str, object]] = [p.model_dump() for p in body.periods]
    return done(services().organisation.set_bell_schedule(actor(), parse_id(school_id), periods))


@schools(
    "GET",
    "/schools/<school_id>/activity",
    summary="What happened at a school, newest first, a page at a time",
    query=i.FeedPage,
    answer=items_of(EventEntry, paged=True),
)
def school_activity(school_id: str, query: i.FeedPage) -> ResponseReturnValue:
    entries = services().queries.school_feed(
        actor(), parse_id(school_id), before_position=query.before, limit=query.limit
    )
    return items(entries, next_before=_next_before(entries, query.limit))


# People ----------------------------------------------------------------------------------------


@people("GET", "/schools/<school_id>/staff", summary="A school's staff", answer=items_of(UserRow))
def list_staff(school_id: str) -> ResponseReturnValue:
    return items(services().queries.staff(actor(), parse_id(school_id)))


@people(
    "POST",
    "/schools/<school_id>/staff",
    summary="Register a teacher or a school admin",
    body=i.NewSchoolStaff,
    answer=Done,
    status=201,
)
def register_school_staff(school_id: str, body: i.NewSchoolStaff) -> ResponseReturnValue:
    result = services().people.register_user(
        actor(), school_id=parse_id(school_id), **_person(body), roles=list(body.roles)
    )
    return done(result, 201, url_for("api.get_user", user_id=result.id))


@people("GET", "/bureau/staff", summary="The bureau's own staff", answer=items_of(UserRow))
def list_bureau_staff() -> ResponseReturnValue:
    return items(services().queries.bureau_staff(actor()))


@people(
    "POST",
    "/bureau/staff",
    summary="Register a monitor or an expert of the bureau",
    body=i.NewBureauStaff,
    answer=Done,
    status=201,
)
def register_bureau_staff(body: i.NewBureauStaff) -> ResponseReturnValue:
    result = services().people.register_user(actor(), **_person(body), roles=list(body.roles))
    return done(result, 201, url_for("api.get_user", user_id=result.id))


def _person(body: i.NewStaff) -> dict[str, object]:
    return {
        "username": body.username,
        "display_name": body.display_name,
        "password": body.password,
        "subjects": list(body.subjects),
        "grades": list(body.grades),
        "key_level": body.key_level,
        "title": body.title,
    }


@people("GET", "/users/<user_id>", summary="A user", answer=UserRow)
def get_user(user_id: str) -> ResponseReturnValue:
    return one(services().queries.user(actor(), parse_id(user_id)))


@people("PATCH", "/users/<user_id>", summary="Change a user's profile", body=i.Profile, answer=Done)
def update_profile(user_id: str, body: i.Profile) -> ResponseReturnValue:
    result = services().people.update_profile(
        actor(),
        parse_id(user_id),
        display_name=body.display_name,
        subjects=list(body.subjects),
        grades=list(body.grades),
        key_level=body.key_level,
        title=body.title,
    )
    return done(result)


@people(
    "POST",
    "/users/<user_id>/password",
    summary="Reset a user's password (their tokens and sessions end)",
    body=i.NewPasswordInput,
    answer=Done,
)
def reset_password(user_id: str, body: i.NewPasswordInput) -> ResponseReturnValue:
    return done(services().people.reset_password(actor(), parse_id(user_id), new=body.password))


@people(
    "POST",
    "/users/<user_id>/transfer",
    summary="Move a teacher to another school of the bureau",
    body=i.Transfer,
    answer=Done,
)
def transfer(user_id: str, body: i.Transfer) -> ResponseReturnValue:
    return done(services().people.transfer(actor(), parse_id(user_id), body.school_id))


@people(
    "POST",
    "/users/<user_id>/deactivate",
    summary="Deactivate a user (the body and its reason are optional)",
    body=i.Deactivation,
    body_required=False,
    answer=Done,
)
def deactivate(user_id: str, body: i.Deactivation) -> ResponseReturnValue:
    return done(services().people.deactivate(actor(), parse_id(user_id), body.reason))


@people("POST", "/users/<user_id>/reactivate", summary="Reactivate a user", answer=Done)
def reactivate(user_id: str) -> ResponseReturnValue:
    return done(services().people.reactivate(actor(), parse_id(user_id)))


# The audit log ------------------------------------------------------------------------------------


@operation(
    "GET",
    "/audit",
    tag="activity",
    summary="The bureau's audit log, newest first, a page at a time",
    query=i.AuditQuery,
    answer=items_of(EventEntry, paged=True),
)
def audit_log(query: i.AuditQuery) -> ResponseReturnValue:
    filters = AuditFilter(
        school_id=query.school_id,
        actor_id=query.actor_id,
        event_type=query.event_type,
        occurred_from=_utc(query.occurred_from),
        occurred_to=_utc(query.occurred_to),
        before_position=query.before,
        limit=query.limit,
    )
    entries = services().queries.audit_log(actor(), filters)
    return items(entries, next_before=_next_before(entries, query.limit))


# Helpers ---------------------------------------------------------------------------------------


def _utc(value: datetime | None) -> datetime | None:
    """Without a zone, a time is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _next_before(entries: list[EventEntry], limit: int) -> int | None:
    """The cursor for the next (older) page, or None when this page is the last."""
    if len(entries) < limit or not entries:
        return None
    return entries[-1].position
