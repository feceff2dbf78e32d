"""The API's OpenAPI 3.0 document, written by hand and served at ``GET /api/v1/openapi.json``.

``tests/test_openapi.py`` checks it against the app's URL map both ways, so it cannot drift.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from web.api.base import bp
from web.api.field_limits import declare_limits

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _content(schema: dict[str, Any]) -> dict[str, Any]:
    return {JSON: {"schema": schema}}


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": _content(schema)}


def _list_of(name: str, *, paged: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {"items": {"type": "array", "items": _ref(name)}}
    if paged:
        properties["next_before"] = {
            "type": "integer",
            "nullable": True,
            "description": "Pass as `before` for the next (older) page; null on the last page.",
        }
    return {"type": "object", "required": list(properties), "properties": properties}


def _errors(*codes: int) -> dict[str, Any]:
    names = {
        400: "BadRequest",
        401: "Unauthorized",
        403: "Forbidden",
        404: "NotFound",
        409: "Conflict",
        422: "RuleBroken",
        429: "TooManyRequests",
        503: "NotYetVisible",
    }
    return {str(code): {"$ref": f"#/components/responses/{names[code]}"} for code in codes}


def _body(schema: str, description: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {"required": True, "content": _content(_ref(schema))}
    if description:
        found["description"] = description
    return found


def _read(summary: str, schema: dict[str, Any], *errors: int, **extra: Any) -> dict[str, Any]:
    """A GET: signed in, honours ``min_position``."""
    parameters = [*extra.pop("parameters", []), {"$ref": "#/components/parameters/MinPosition"}]
    return {
        "summary": summary,
        "parameters": parameters,
        "responses": {"200": _ok("OK", schema), **_errors(400, 401, *errors, 503)},
        **extra,
    }


def _command(
    summary: str, body: dict[str, Any] | None, status: int, *errors: int, **extra: Any
) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, **extra}
    if body is not None:
        operation["requestBody"] = body
    description = "Created" if status == 201 else "Done"
    response = _ok(description, _ref("Done"))
    if status == 201:
        response["headers"] = {
            "Location": {
                "description": "Where to read what was created (after `min_position`).",
                "schema": {"type": "string"},
            }
        }
    operation["responses"] = {
        str(status): response,
        **_errors(400, 401, 403, *errors),
        "429": {"$ref": "#/components/responses/TooManyWrites"},
    }
    return operation


_SCHOOL_ID = {"$ref": "#/components/parameters/SchoolId"}
_USER_ID = {"$ref": "#/components/parameters/UserId"}
_STRING = {"type": "string"}
_UUID = {"type": "string", "format": "uuid"}
_TIME = {"type": "string", "format": "date-time"}
_STAGE = {"type": "string", "enum": ["primary", "junior", "nine_year"]}
_LOCALITY = {"type": "string", "enum": ["urban", "rural"]}
_KEY_LEVEL = {"type": "string", "enum": ["", "county", "city", "province"]}
_ROLE = {
    "type": "string",
    "enum": [
        "platform_admin",
        "bureau_admin",
        "bureau_monitor",
        "school_admin",
        "teacher",
        "expert",
    ],
}
_SUBJECTS = {"type": "array", "items": _STRING, "description": "e.g. 语文, 数学, 英语"}
_GRADES = {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 9}}


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        found["required"] = required
    return found


def _error_response(description: str, *headers: str) -> dict[str, Any]:
    found: dict[str, Any] = {"description": description, "content": _content(_ref("Error"))}
    if headers:
        found["headers"] = {h: {"schema": {"type": "string"}} for h in headers}
    return found


_NEW_PERSON = {
    "username": {**_STRING, "pattern": "^[A-Za-z0-9_.@-]{3,64}$"},
    "display_name": _STRING,
    "password": {**_STRING, "format": "password"},
    "subjects": _SUBJECTS,
    "grades": _GRADES,
    "key_level": _KEY_LEVEL,
    "title": _STRING,
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "教共体 Jiaogongti API",
        "version": "1.0.0",
        "description": (
            "The same operations as the web pages, as JSON. Sign in with `POST /auth/token` and "
            "send `Authorization: Bearer <token>`. Every command answers the store `position` of "
            "its last event; pass it as `min_position` to a later GET to read your own write. "
            "Ids of another bureau answer 404, exactly like ids that do not exist."
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}],
    "tags": [
        {"name": "auth"},
        {"name": "schools"},
        {"name": "people"},
        {"name": "activity"},
        {"name": "platform"},
    ],
    "paths": {
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "tags": ["auth"],
                "security": [],
                "responses": {"200": _ok("The OpenAPI document", {"type": "object"})},
            }
        },
        "/auth/token": {
            "post": {
                "summary": "Exchange a login name and password for a bearer token (12 h)",
                "tags": ["auth"],
                "security": [],
                "requestBody": _body("Credentials"),
                "responses": {
                    "200": _ok("A token", _ref("Token")),
                    **_errors(400, 401, 429),
                },
            }
        },
        "/me": {"get": _read("The signed-in user", _ref("User"), tags=["people"])},
        "/me/password": {
            "post": _command(
                "Change one's own password (the current one is needed). Every token and signed-in "
                "session from before it stops working, this token too: ask for a new one",
                _body("PasswordChange"),
                200,
                422,
                tags=["people"],
            )
        },
        "/tenants": {
            "get": _read(
                "Every bureau (platform administrators)", _list_of("Tenant"), 403, tags=["platform"]
            ),
            "post": _command(
                "Register a bureau (platform administrators)",
                _body("NewTenant"),
                201,
                422,
                tags=["platform"],
            ),
        },
        "/tenants/{tenant_id}/admins": {
            "post": _command(
                "Create a bureau's administrator (platform administrators)",
                _body("NewPerson"),
                201,
                404,
                409,
                422,
                tags=["platform"],
                parameters=[
                    {
                        "name": "tenant_id",
                        "in": "path",
                        "required": True,
                        "schema": _UUID,
                    }
                ],
            )
        },
        "/schools": {
            "get": _read("The bureau's schools", _list_of("School"), 403, tags=["schools"]),
            "post": _command(
                "Register a school (bureau administrators)",
                _body("NewSchool"),
                201,
                409,
                422,
                tags=["schools"],
            ),
        },
        "/schools/{school_id}": {
            "parameters": [_SCHOOL_ID],
            "get": _read("One school", _ref("School"), 403, 404, tags=["schools"]),
            "patch": _command(
                "Change a school's details (all of them; the code never changes)",
                _body("SchoolDetails"),
                200,
                404,
                422,
                tags=["schools"],
            ),
        },
        "/schools/{school_id}/classes": {
            "parameters": [_SCHOOL_ID],
            "get": _read(
                "The school's open classes", _list_of("Class"), 403, 404, tags=["schools"]
            ),
            "post": _command(
                "Open a class; the answer's id is the school's, the new class appears in the list",
                _body("NewClass"),
                201,
                404,
                422,
                tags=["schools"],
            ),
        },
        "/schools/{school_id}/classes/{class_id}": {
            "parameters": [
                _SCHOOL_ID,
                {
                    "name": "class_id",
                    "in": "path",
                    "required": True,
                    "schema": {**_STRING, "example": "3-1"},
                },
            ],
            "delete": _command("Close a class", None, 200, 404, 422, tags=["schools"]),
        },
        "/schools/{school_id}/bell-schedule": {
            "parameters": [_SCHOOL_ID],
            "get": _read(
                "The school's bell schedule (作息时间)",
                _list_of("Period"),
                403,
                404,
                tags=["schools"],
            ),
            "put": _command(
                "Replace the school's bell schedule",
                _body("BellSchedule"),
                200,
                404,
                422,
                tags=["schools"],
            ),
        },
        "/schools/{school_id}/staff": {
            "parameters": [_SCHOOL_ID],
            "get": _read("The school's staff", _list_of("User"), 403, 404, tags=["people"]),
            "post": _command(
                "Create a teacher or school administrator at the school",
                _body("NewSchoolStaff"),
                201,
                404,
                409,
                422,
                tags=["people"],
            ),
        },
        "/schools/{school_id}/activity": {
            "parameters": [_SCHOOL_ID],
            "get": _read(
                "What happened at the school, newest first",
                _list_of("Entry", paged=True),
                403,
                404,
                tags=["activity"],
                parameters=[
                    {"$ref": "#/components/parameters/Before"},
                    {"$ref": "#/components/parameters/Limit"},
                ],
            ),
        },
        "/bureau/staff": {
            "get": _read(
                "The bureau's own staff (administrators, monitors, experts)",
                _list_of("User"),
                403,
                tags=["people"],
            ),
            "post": _command(
                "Create a bureau monitor or a research-office expert",
                _body("NewBureauStaff"),
                201,
                409,
                422,
                tags=["people"],
            ),
        },
        "/users/{user_id}": {
            "parameters": [_USER_ID],
            "get": _read("One user", _ref("User"), 403, 404, tags=["people"]),
            "patch": _command(
                "Change a user's profile (all of its fields)",
                _body("Profile"),
                200,
                404,
                422,
                tags=["people"],
            ),
        },
        "/users/{user_id}/password": {
            "parameters": [_USER_ID],
            "post": _command(
                "Set a new password for someone one manages (tell them the new one); their tokens "
                "and signed-in sessions stop working",
                _body("NewPassword"),
                200,
                404,
                422,
                tags=["people"],
            ),
        },
        "/users/{user_id}/transfer": {
            "parameters": [_USER_ID],
            "post": _command(
                "Transfer a teacher to another school of the bureau",
                _body("Transfer"),
                200,
                404,
                422,
                tags=["people"],
            ),
        },
        "/users/{user_id}/deactivate": {
            "parameters": [_USER_ID],
            "post": _command(
                "Deactivate a user (their tokens stop working)",
                {
                    "required": False,
                    "content": _content(_ref("Deactivation")),
                },
                200,
                404,
                422,
                tags=["people"],
            ),
        },
        "/users/{user_id}/reactivate": {
            "parameters": [_USER_ID],
            "post": _command("Reactivate a user", None, 200, 404, 422, tags=["people"]),
        },
        "/audit": {
            "get": _read(
                "The bureau's audit log, newest first (bureau administrators and monitors)",
                _list_of("Entry", paged=True),
                403,
                tags=["activity"],
                parameters=[
                    {"name": "school_id", "in": "query", "schema": _UUID},
                    {"name": "actor_id", "in": "query", "schema": _UUID},
                    {
                        "name": "event_type",
                        "in": "query",
                        "schema": {**_STRING, "example": "School.ClassOpened"},
                    },
                    {
                        "name": "from",
                        "in": "query",
                        "description": "Occurred at or after (ISO 8601; UTC if no zone).",
                        "schema": _STRING,
                    },
                    {
                        "name": "to",
                        "in": "query",
                        "description": "Occurred before (ISO 8601; UTC if no zone).",
                        "schema": _STRING,
                    },
                    {"$ref": "#/components/parameters/Before"},
                    {"$ref": "#/components/parameters/Limit"},
                ],
            )
        },
    },
    "components": {
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from `POST /auth/token`, valid for 12 hours.",
            }
        },
        "parameters": {
            "SchoolId": {"name": "school_id", "in": "path", "required": True, "schema": _UUID},
            "UserId": {"name": "user_id", "in": "path", "required": True, "schema": _UUID},
            "MinPosition": {
                "name": "min_position",
                "in": "query",
                "description": (
                    "Wait (bounded) until the read models include this store position, e.g. the "
                    "`position` a command answered; 503 with `Retry-After` if they do not in time, "
                    "or at once if this user already waits in 2 requests (or the server in too "
                    "many). A position no write has reached yet answers 400 at once."
                ),
                "schema": {"type": "integer", "minimum": 0},
            },
            "Before": {
                "name": "before",
                "in": "query",
                "description": "Only entries at store positions below this (a page cursor).",
                "schema": {"type": "integer", "minimum": 1},
            },
            "Limit": {
                "name": "limit",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
            },
        },
        "responses": {
            "BadRequest": _error_response("Malformed JSON, field or parameter (`field` names it)"),
            "Unauthorized": _error_response(
                "No token, or a forged, expired or deactivated user's token", "WWW-Authenticate"
            ),
            "Forbidden": _error_response("Signed in, but not allowed to do this"),
            "NotFound": _error_response("No such thing in the signed-in user's bureau"),
            "Conflict": _error_response(
                "The login name or school code is taken, or the record was changed by another "
                "request at the same moment (reload and try again)"
            ),
            "RuleBroken": _error_response("A rule of the domain was broken"),
            "TooManyRequests": _error_response("Too many sign-in attempts", "Retry-After"),
            "TooManyWrites": _error_response(
                "Too many writes by the signed-in user in the window; retry after `Retry-After` s",
                "Retry-After",
            ),
            "NotYetVisible": _error_response(
                "The read models did not reach `min_position` in time, too many requests wait at "
                "once, or the database is briefly unavailable; retry after `Retry-After` s",
                "Retry-After",
            ),
        },
        "schemas": {
            "Error": _object(
                ["error", "status"],
                error={**_STRING, "description": "Why, in the request's language"},
                status={"type": "integer"},
                field={**_STRING, "description": "The malformed field or parameter (400 only)"},
            ),
            "Done": _object(
                ["id", "position"],
                id={**_UUID, "description": "The aggregate the command created or changed"},
                position={
                    "type": "integer",
                    "description": "Store position of the command's last event",
                },
            ),
            "Credentials": _object(["username", "password"], username=_STRING, password=_STRING),
            "Token": _object(
                ["token", "token_type", "expires_in"],
                token=_STRING,
                token_type={**_STRING, "enum": ["Bearer"]},
                expires_in={"type": "integer", "description": "Seconds"},
            ),
            "Tenant": _object(["id", "name", "region"], id=_UUID, name=_STRING, region=_STRING),
            "NewTenant": _object(["name"], name=_STRING, region=_STRING),
            "School": _object(
                [
                    "id",
                    "tenant_id",
                    "name",
                    "code",
                    "stage",
                    "locality",
                    "student_count",
                    "teacher_count",
                    "class_count",
                ],
                id=_UUID,
                tenant_id=_UUID,
                name=_STRING,
                code=_STRING,
                stage=_STAGE,
                locality=_LOCALITY,
                student_count={"type": "integer"},
                teacher_count={"type": "integer"},
                class_count={"type": "integer"},
            ),
            "NewSchool": _object(
                ["name", "code", "stage", "locality"],
                name=_STRING,
                code={**_STRING, "pattern": "^[A-Za-z0-9_-]{2,32}$"},
                stage=_STAGE,
                locality=_LOCALITY,
                student_count={"type": "integer", "minimum": 0, "default": 0},
            ),
            "SchoolDetails": _object(
                ["name", "stage", "locality", "student_count"],
                name=_STRING,
                stage=_STAGE,
                locality=_LOCALITY,
                student_count={"type": "integer", "minimum": 0},
            ),
            "Class": _object(
                ["school_id", "class_id", "grade", "name"],
                school_id=_UUID,
                class_id={**_STRING, "example": "3-1"},
                grade={"type": "integer"},
                name=_STRING,
            ),
            "NewClass": _object(
                ["grade", "name"],
                grade={"type": "integer", "minimum": 1, "maximum": 9},
                name={**_STRING, "example": "1班"},
            ),
            "Period": _object(
                ["weekday", "number", "start", "end"],
                weekday={"type": "integer", "minimum": 1, "maximum": 7},
                number={"type": "integer", "minimum": 1},
                start={**_STRING, "example": "08:00"},
                end={**_STRING, "example": "08:40"},
            ),
            "BellSchedule": _object(
                ["periods"], periods={"type": "array", "items": _ref("Period")}
            ),
            "User": _object(
                [
                    "id",
                    "tenant_id",
                    "username",
                    "display_name",
                    "school_id",
                    "roles",
                    "subjects",
                    "grades",
                    "key_level",
                    "title",
                    "active",
                    "credentials_changed_at",
                ],
                id=_UUID,
                tenant_id=_UUID,
                username=_STRING,
                display_name=_STRING,
                school_id={**_UUID, "nullable": True},
                roles={"type": "array", "items": _ROLE},
                subjects=_SUBJECTS,
                grades=_GRADES,
                key_level=_KEY_LEVEL,
                title=_STRING,
                active={"type": "boolean"},
                credentials_changed_at={
                    **_TIME,
                    "nullable": True,
                    "description": "When the password was last changed or reset: tokens and "
                    "sessions from before then no longer work",
                },
            ),
            "NewPerson": _object(
                ["username", "display_name", "password"],
                username=_NEW_PERSON["username"],
                display_name=_STRING,
                password=_NEW_PERSON["password"],
            ),
            "NewSchoolStaff": _object(
                ["username", "display_name", "password", "roles"],
                **_NEW_PERSON,
                roles={
                    "type": "array",
                    "minItems": 1,
                    "items": {**_STRING, "enum": ["teacher", "school_admin"]},
                },
            ),
            "NewBureauStaff": _object(
                ["username", "display_name", "password", "roles"],
                **_NEW_PERSON,
                roles={
                    "type": "array",
                    "minItems": 1,
                    "items": {**_STRING, "enum": ["bureau_monitor", "expert"]},
                },
            ),
            "Profile": _object(
                ["display_name", "subjects", "grades", "key_level", "title"],
                display_name=_STRING,
                subjects=_SUBJECTS,
                grades=_GRADES,
                key_level=_KEY_LEVEL,
                title=_STRING,
            ),
            "PasswordChange": _object(
                ["current", "new"],
                current={**_STRING, "format": "password"},
                new={**_STRING, "format": "password", "minLength": 8},
            ),
            "NewPassword": _object(
                ["password"], password={**_STRING, "format": "password", "minLength": 8}
            ),
            "Transfer": _object(
                ["school_id"], school_id={**_UUID, "description": "The school to move to"}
            ),
            "Deactivation": _object([], reason=_STRING),
            "Entry": _object(
                [
                    "position",
                    "tenant_id",
                    "event_type",
                    "subject_id",
                    "actor_id",
                    "school_id",
                    "occurred_at",
                    "recorded_at",
                    "details",
                ],
                position={"type": "integer"},
                tenant_id=_UUID,
                event_type={**_STRING, "example": "School.ClassOpened"},
                subject_id=_UUID,
                actor_id={**_UUID, "nullable": True},
                school_id={**_UUID, "nullable": True},
                occurred_at={**_TIME, "description": "When it happened"},
                recorded_at={**_TIME, "description": "When it was recorded"},
                details={"type": "object", "additionalProperties": True},
            ),
        },
    },
}


# Communities, plans, activities, progress and settings (web/api/communities.py) ----------------------

_COMMUNITY_ID = {"name": "community_id", "in": "path", "required": True, "schema": _UUID}
_PLAN_ID = {"name": "plan_id", "in": "path", "required": True, "schema": _UUID}
_ACTIVITY_ID = {"name": "activity_id", "in": "path", "required": True, "schema": _UUID}
_APPLICATION_ID = {"name": "application_id", "in": "path", "required": True, "schema": _UUID}
_YEAR = {"name": "year", "in": "path", "required": True, "schema": {"type": "integer"}}
_DATE = {"type": "string", "format": "date"}
_AS_OF = {
    "name": "as_of",
    "in": "query",
    "description": "The figures as of this day (YYYY-MM-DD; today by default).",
    "schema": _DATE,
}
_OPEN = {"type": "object", "additionalProperties": True}


def _open(required: list[str], **properties: Any) -> dict[str, Any]:
    """A response object: the named properties are documented, more may come."""
    return {**_object(required, **properties), "additionalProperties": True}


_TASK = _object(
    ["kind", "target"],
    kind={
        **_STRING,
        "enum": [
            "sync_class",
            "online_research",
            "offline_research",
            "mentoring",
            "shadow_placement",
            "demo_lesson",
            "extension_course",
            "student_exchange",
            "research_output",
        ],
    },
    target={"type": "integer", "minimum": 1},
    weight={"type": "number", "default": 1},
    counts={**_STRING, "description": "What counts, in the plan's own words"},
    rule={**_STRING, "description": "How the task is counted (sum by default)"},
    threshold={"type": "integer", "default": 1},
)

DOCUMENT["tags"].extend(
    [{"name": "communities"}, {"name": "plans"}, {"name": "progress"}, {"name": "settings"}]
)
DOCUMENT["paths"].update(
    {
        "/communities": {
            "get": _read(
                "The communities the signed-in user sees, with today's figures",
                _list_of("CommunityItem"),
                tags=["communities"],
            ),
            "post": _command(
                "Found a community (bureau administrators)",
                _body("NewCommunity"),
                201,
                404,
                422,
                tags=["communities"],
            ),
        },
        "/communities/{community_id}": {
            "parameters": [_COMMUNITY_ID],
            "get": _read(
                "One community: members over time, plans, figures, what one may do",
                _ref("Community"),
                404,
                tags=["communities"],
            ),
        },
        "/communities/{community_id}/members": {
            "parameters": [_COMMUNITY_ID],
            "post": _command(
                "Admit a school of the bureau on a date",
                _body("Admission"),
                200,
                404,
                422,
                tags=["communities"],
            ),
        },
        "/communities/{community_id}/members/{school_id}/leave": {
            "parameters": [_COMMUNITY_ID, _SCHOOL_ID],
            "post": _command(
                "A school leaves the community on a date",
                _body("Leaving"),
                200,
                404,
                422,
                tags=["communities"],
            ),
        },
        "/communities/{community_id}/invitations": {
            "parameters": [_COMMUNITY_ID],
            "post": _command(
                "Invite another bureau's school (it joins when that bureau consents)",
                _body("Invitation"),
                200,
                404,
                422,
                tags=["communities"],
            ),
        },
        "/communities/{community_id}/invitations/{school_id}/consent": {
            "parameters": [_COMMUNITY_ID, _SCHOOL_ID],
            "post": _command(
                "The invited school's bureau consents", None, 200, 404, 422, tags=["communities"]
            ),
        },
        "/communities/{community_id}/invitations/{school_id}/decline": {
            "parameters": [_COMMUNITY_ID, _SCHOOL_ID],
            "post": _command(
                "The invited school's bureau declines, with a reason",
                _body("Reason"),
                200,
                404,
                422,
                tags=["communities"],
            ),
        },
        "/invitations": {
            "get": _read(
                "Invitations of other bureaus' communities awaiting this bureau's consent",
                _list_of("InvitationLine"),
                403,
                tags=["communities"],
            )
        },
        "/communities/{community_id}/plans": {
            "parameters": [_COMMUNITY_ID],
            "get": _read("The community's plans", _list_of("Plan"), 404, tags=["plans"]),
            "post": _command(
                "Draft a year's plan (the core school's administrator)",
                _body("NewPlan"),
                201,
                404,
                422,
                tags=["plans"],
            ),
        },
        "/plans/review": {
            "get": _read(
                "Plans awaiting the bureau's review", _list_of("Plan"), 403, tags=["plans"]
            )
        },
        "/plans/{plan_id}": {
            "parameters": [_PLAN_ID],
            "get": _read(
                "A plan with its approved versions and every step it went through",
                _ref("Plan"),
                404,
                tags=["plans"],
            ),
        },
        "/plans/{plan_id}/tasks": {
            "parameters": [_PLAN_ID],
            "put": _command(
                "Revise the draft's tasks (an approved plan gets a new version when approved)",
                _body("Tasks"),
                200,
                404,
                422,
                tags=["plans"],
            ),
        },
        "/plans/{plan_id}/submit": {
            "parameters": [_PLAN_ID],
            "post": _command("Submit the plan for review", None, 200, 404, 422, tags=["plans"]),
        },
        "/plans/{plan_id}/approve": {
            "parameters": [_PLAN_ID],
            "post": _command("Approve the plan (the bureau)", None, 200, 404, 422, tags=["plans"]),
        },
        "/plans/{plan_id}/return": {
            "parameters": [_PLAN_ID],
            "post": _command(
                "Return the plan with comments (the bureau)",
                _body("Comments"),
                200,
                404,
                422,
                tags=["plans"],
            ),
        },
        "/communities/{community_id}/activities": {
            "parameters": [_COMMUNITY_ID],
            "get": _read(
                "The community's records the signed-in user may see, newest first",
                _list_of("Activity"),
                404,
                tags=["communities"],
                parameters=[{"name": "kind", "in": "query", "schema": _STRING}],
            ),
            "post": _command(
                "Record an activity (staff of a member school); evidence as multipart files",
                {
                    "required": True,
                    "content": {
                        JSON: {"schema": _ref("NewActivity")},
                        "multipart/form-data": {
                            "schema": _object(
                                ["json"],
                                json={**_STRING, "description": "The NewActivity object as JSON"},
                                evidence={
                                    "type": "array",
                                    "items": {**_STRING, "format": "binary"},
                                },
                            )
                        },
                    },
                },
                201,
                404,
                422,
                tags=["communities"],
            ),
        },
        "/activities/{activity_id}": {
            "parameters": [_ACTIVITY_ID],
            "get": _read("One record", _ref("Activity"), 404, tags=["communities"]),
        },
        "/activities/{activity_id}/complete": {
            "parameters": [_ACTIVITY_ID],
            "post": _command(
                "A shadow placement is done (it counts after the required days)",
                _body("Completion"),
                200,
                404,
                422,
                tags=["communities"],
            ),
        },
        "/activities/{activity_id}/withdraw": {
            "parameters": [_ACTIVITY_ID],
            "post": _command(
                "Withdraw a record, with a reason",
                _body("Reason"),
                200,
                404,
                422,
                tags=["communities"],
            ),
        },
        "/activities/{activity_id}/evidence/{sha256}": {
            "parameters": [
                _ACTIVITY_ID,
                {"name": "sha256", "in": "path", "required": True, "schema": _STRING},
            ],
            "get": {
                "summary": "An evidence file of a record (as an attachment)",
                "tags": ["communities"],
                "parameters": [{"$ref": "#/components/parameters/MinPosition"}],
                "responses": {
                    "200": {
                        "description": "The file",
                        "content": {
                            "application/octet-stream": {"schema": {**_STRING, "format": "binary"}}
                        },
                    },
                    **_errors(400, 401, 404, 503),
                },
            },
        },
        "/dashboard": {
            "get": _read(
                "Every community of the bureau (and shared with it) with its figures",
                _list_of("CommunityFigures"),
                403,
                tags=["progress"],
                parameters=[
                    {"name": "kind", "in": "query", "schema": _STRING},
                    {"name": "school_id", "in": "query", "schema": _UUID},
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {
                            **_STRING,
                            "enum": ["no_plan", "met", "on_track", "warning", "behind"],
                        },
                    },
                    _AS_OF,
                ],
            )
        },
        "/communities/{community_id}/progress": {
            "parameters": [_COMMUNITY_ID],
            "get": _read(
                "A community's tasks, %, checkpoints, forecast, amendments and history",
                _ref("CommunityFigures"),
                404,
                tags=["progress"],
                parameters=[_AS_OF],
            ),
        },
        "/communities/{community_id}/events": {
            "parameters": [_COMMUNITY_ID],
            "get": _read(
                "The records behind a figure (partner bureaus' schools' rows redacted)",
                _ref("DrillDown"),
                404,
                tags=["progress"],
                parameters=[
                    {"name": "task", "in": "query", "schema": _TASK["properties"]["kind"]},
                    _AS_OF,
                ],
            ),
        },
        "/seals": {
            "get": _read(
                "The bureau's sealed quarters",
                _list_of("Seal"),
                403,
                tags=["progress"],
                parameters=[{"name": "year", "in": "query", "schema": {"type": "integer"}}],
            ),
            "post": _command(
                "Seal a quarter's figures as reported (bureau administrators)",
                _body("SealRequest"),
                201,
                422,
                tags=["progress"],
            ),
        },
        "/reports/{year}": {
            "parameters": [_YEAR],
            "get": _read(
                "The year's 民生实事 quarterly table, one entry per checkpoint",
                _ref("YearReport"),
                403,
                tags=["progress"],
            ),
        },
        "/assistance": {
            "get": _read(
                "Assistance applications (the bureau's, or one's school's)",
                _list_of("Application"),
                403,
                tags=["communities"],
            ),
            "post": _command(
                "Apply for assistance (a school administrator)",
                _body("NewApplication"),
                201,
                422,
                tags=["communities"],
            ),
        },
        "/assistance/{application_id}/assign": {
            "parameters": [_APPLICATION_ID],
            "post": _command(
                "Assign a helper school; founds the assistance community (its id is answered)",
                _body("Assignment"),
                201,
                404,
                422,
                tags=["communities"],
            ),
        },
        "/assistance/{application_id}/decline": {
            "parameters": [_APPLICATION_ID],
            "post": _command(
                "Decline an application, with a reason",
                _body("Reason"),
                200,
                404,
                422,
                tags=["communities"],
            ),
        },
        "/settings/community-types": {
            "get": _read(
                "The bureau's community types", _list_of("CommunityType"), tags=["settings"]
            ),
            "put": _command(
                "Rename or add a community type, with its rules",
                _body("CommunityType"),
                200,
                422,
                tags=["settings"],
            ),
        },
        "/settings/plan-years/{year}": {
            "parameters": [_YEAR],
            "get": _read(
                "A plan year's checkpoints, default targets and limits",
                _ref("PlanYear"),
                403,
                tags=["settings"],
            ),
            "put": _command(
                "Set a plan year's checkpoints, default targets and limits",
                _body("PlanYear"),
                200,
                422,
                tags=["settings"],
            ),
        },
    }
)
DOCUMENT["components"]["schemas"].update(
    {
        "CommunityItem": _open(
            ["community", "percent", "status"],
            community=_ref("CommunityRow"),
            type_name=_STRING,
            owner_name=_STRING,
            core_school=_STRING,
            members={"type": "array", "items": _STRING},
            percent={"type": "number", "nullable": True},
            status=_STRING,
        ),
        "CommunityRow": _open(
            ["id", "tenant_id", "name", "kind", "core_school_id"],
            id=_UUID,
            tenant_id=_UUID,
            name=_STRING,
            kind=_STRING,
            core_school_id=_UUID,
            founded_on=_DATE,
            round_start_year={"type": "integer"},
            round_end_year={"type": "integer"},
        ),
        "Community": _open(
            ["community", "members", "plans"],
            community=_ref("CommunityRow"),
            members={"type": "array", "items": _OPEN},
            plans={"type": "array", "items": _ref("Plan")},
            percent={"type": "number", "nullable": True},
            status=_STRING,
        ),
        "NewCommunity": _object(
            [
                "name",
                "kind",
                "core_school_id",
                "founded_on",
                "round_start_year",
                "round_end_year",
            ],
            name=_STRING,
            kind={**_STRING, "example": "fusion"},
            core_school_id=_UUID,
            founded_on=_DATE,
            round_start_year={"type": "integer"},
            round_end_year={"type": "integer"},
            member_school_ids={"type": "array", "items": _UUID},
        ),
        "Admission": _object(["school_id", "on"], school_id=_UUID, on=_DATE),
        "Leaving": _object(["on"], on=_DATE, reason=_STRING),
        "Invitation": _object(
            ["tenant_id", "school_code", "on"], tenant_id=_UUID, school_code=_STRING, on=_DATE
        ),
        "Reason": _object(["reason"], reason=_STRING),
        "Comments": _object(["comments"], comments=_STRING),
        "InvitationLine": _open(
            ["community_id", "school_id", "joins_on"],
            community_id=_UUID,
            community_name=_STRING,
            school_id=_UUID,
            joins_on=_DATE,
            school=_STRING,
            from_bureau=_STRING,
        ),
        "Plan": _open(
            ["id", "community_id", "year", "status", "version"],
            id=_UUID,
            community_id=_UUID,
            year={"type": "integer"},
            period_start=_DATE,
            period_end=_DATE,
            title=_STRING,
            status={**_STRING, "enum": ["draft", "submitted", "returned", "approved"]},
            version={"type": "integer"},
            tasks={"type": "array", "items": _TASK},
            draft_tasks={"type": "array", "items": _TASK},
        ),
        "NewPlan": _object(
            ["year", "period_start", "period_end", "tasks"],
            year={"type": "integer"},
            period_start=_DATE,
            period_end=_DATE,
            title=_STRING,
            tasks={"type": "array", "items": _TASK},
        ),
        "Tasks": _object(["tasks"], tasks={"type": "array", "items": _TASK}),
        "Activity": _open(
            ["id", "community_id", "school_id", "kind", "occurred_on", "recorded_at"],
            id=_UUID,
            community_id=_UUID,
            school_id=_UUID,
            kind=_STRING,
            title=_STRING,
            occurred_on=_DATE,
            recorded_at=_TIME,
            counted={"type": "boolean"},
            withdrawn={"type": "boolean"},
        ),
        "NewActivity": _object(
            ["kind", "title", "occurred_on"],
            kind=_TASK["properties"]["kind"],
            title=_STRING,
            occurred_on=_DATE,
            participant_ids={"type": "array", "items": _UUID},
            details={
                "type": "object",
                "additionalProperties": True,
                "description": (
                    "The kind's own details: a shadow placement's teacher_id, host_school_id, "
                    "starts_on, ends_on; a student exchange's exchange_kind and student_count; "
                    "a research output's level, title and link"
                ),
            },
        ),
        "Completion": _object(["ended_on"], ended_on=_DATE),
        "CommunityFigures": _open(
            ["community", "as_of", "percent", "status", "tasks", "checkpoints"],
            community=_ref("CommunityRow"),
            as_of=_DATE,
            percent={"type": "number", "nullable": True},
            required_now={"type": "number", "nullable": True},
            status=_STRING,
            tasks={"type": "array", "items": _OPEN},
            checkpoints={"type": "array", "items": _OPEN},
            forecast={**_OPEN, "nullable": True},
            amendments={"type": "array", "items": _OPEN},
            history={
                "type": "array",
                "items": _object(["day", "percent"], day=_DATE, percent={"type": "number"}),
            },
        ),
        "DrillDown": _open(
            ["community", "as_of", "items"],
            community=_ref("CommunityRow"),
            as_of=_DATE,
            task_kind={**_STRING, "nullable": True},
            percent={"type": "number", "nullable": True},
            items={
                "type": "array",
                "items": _open(
                    ["visible", "occurred_on", "counts", "reason", "task_kind", "amount"],
                    visible={
                        "type": "boolean",
                        "description": "False: a partner bureau's record, without its details",
                    },
                    occurred_on=_DATE,
                    counts={"type": "boolean"},
                    reason={**_STRING, "description": "Why it does not count (empty if it does)"},
                    task_kind=_STRING,
                    amount={"type": "integer"},
                    title=_STRING,
                    school=_STRING,
                    actor=_STRING,
                    recorded_at={**_TIME, "nullable": True},
                    late={"type": "boolean"},
                ),
            },
        ),
        "SealRequest": _object(
            ["year", "quarter"], year={"type": "integer"}, quarter={"type": "integer"}
        ),
        "Seal": _open(
            ["year", "quarter", "due", "sealed_at"],
            year={"type": "integer"},
            quarter={"type": "integer"},
            due=_DATE,
            sealed_at=_TIME,
            figures={"type": "array", "items": _OPEN},
        ),
        "YearReport": _open(
            ["year", "quarters"],
            tenant_name=_STRING,
            year={"type": "integer"},
            quarters={"type": "array", "items": _OPEN},
        ),
        "Application": _open(
            ["id", "school_id", "needs", "status"],
            id=_UUID,
            school_id=_UUID,
            needs=_STRING,
            status=_STRING,
            helper_school_id={**_UUID, "nullable": True},
            community_id={**_UUID, "nullable": True},
        ),
        "NewApplication": _object(
            ["needs"], needs=_STRING, subjects={"type": "array", "items": _STRING}
        ),
        "Assignment": _object(
            ["helper_school_id", "founded_on", "round_start_year", "round_end_year"],
            helper_school_id=_UUID,
            founded_on=_DATE,
            round_start_year={"type": "integer"},
            round_end_year={"type": "integer"},
        ),
        "CommunityType": _object(
            ["key", "name"],
            key=_STRING,
            name=_STRING,
            max_schools={"type": "integer", "nullable": True},
        ),
        "PlanYear": _object(
            [
                "year",
                "checkpoints",
                "targets",
                "plan_deadline",
                "shadow_placement_days",
                "mentor_max_mentees",
            ],
            year={"type": "integer"},
            checkpoints={
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["due", "required"],
                    "properties": {
                        "due": _DATE,
                        "required": {"type": "number", "description": "A fraction: 0.4 = 40%"},
                    },
                },
            },
            targets={
                "type": "object",
                "additionalProperties": {"type": "integer"},
                "description": "Default target per task kind",
            },
            plan_deadline=_DATE,
            shadow_placement_days={"type": "integer"},
            mentor_max_mentees={"type": "integer"},
        ),
    }
)


# Paired mentoring (web/api/mentoring.py) -----------------------------------------------------------

_PAIR_ID = {"name": "pair_id", "in": "path", "required": True, "schema": _UUID}
_RECORD_ID = {"name": "record_id", "in": "path", "required": True, "schema": _STRING}
_PRIVATE = " Only the mentor, the mentee and their two school admins receive it."

DOCUMENT["tags"].append({"name": "mentoring"})
DOCUMENT["paths"].update(
    {
        "/mentoring/me": {
            "get": _read(
                "The signed-in teacher's pairs, and the records awaiting their answer",
                _ref("MyMentoring"),
                tags=["mentoring"],
            )
        },
        "/communities/{community_id}/pairs": {
            "parameters": [_COMMUNITY_ID],
            "get": _read(
                "Each pair of the community: counts, kinds and hours, never the content",
                _list_of("PairSummary"),
                404,
                tags=["mentoring"],
            ),
            "post": _command(
                "Pair a mentor with a mentee (the core school's administrator)",
                _body("NewPair"),
                201,
                404,
                422,
                tags=["mentoring"],
            ),
        },
        "/schools/{school_id}/pairs": {
            "parameters": [_SCHOOL_ID],
            "get": _read(
                "The school's pairs (its administrator)",
                _list_of("PairSummary"),
                403,
                404,
                tags=["mentoring"],
            ),
        },
        "/pairs/{pair_id}": {
            "parameters": [_PAIR_ID],
            "get": _read(
                "A pair and its records (content only for the pair and their school admins)",
                _ref("PairDetail"),
                404,
                tags=["mentoring"],
            ),
        },
        "/pairs/{pair_id}/records": {
            "parameters": [_PAIR_ID],
            "post": _command(
                "Record a mentoring activity (the mentor or the mentee); evidence as multipart",
                {
                    "required": True,
                    "content": {
                        JSON: {"schema": _ref("NewMentoringRecord")},
                        "multipart/form-data": {
                            "schema": _object(
                                ["json"],
                                json={
                                    **_STRING,
                                    "description": "The NewMentoringRecord object as JSON",
                                },
                                evidence={
                                    "type": "array",
                                    "items": {**_STRING, "format": "binary"},
                                },
                            )
                        },
                    },
                },
                201,
                404,
                422,
                tags=["mentoring"],
            ),
        },
        "/pairs/{pair_id}/records/{record_id}/confirm": {
            "parameters": [_PAIR_ID, _RECORD_ID],
            "post": _command(
                "The other side confirms a record (twice is the same as once)",
                None,
                200,
                404,
                422,
                tags=["mentoring"],
            ),
        },
        "/pairs/{pair_id}/records/{record_id}/dispute": {
            "parameters": [_PAIR_ID, _RECORD_ID],
            "post": _command(
                "The other side disputes a record, with a comment",
                _body("Dispute"),
                200,
                404,
                422,
                tags=["mentoring"],
            ),
        },
        "/pairs/{pair_id}/end": {
            "parameters": [_PAIR_ID],
            "post": _command(
                "End a pairing early, with a reason (a school administrator)",
                _body("PairEnd"),
                200,
                404,
                422,
                tags=["mentoring"],
            ),
        },
    }
)
DOCUMENT["components"]["schemas"].update(
    {
        "NewPair": _object(
            ["mentor_id", "mentee_id", "paired_on", "ends_on"],
            mentor_id=_UUID,
            mentee_id=_UUID,
            paired_on={**_DATE, "description": "The pairing ceremony (结对仪式)"},
            ends_on=_DATE,
        ),
        "Pair": _object(
            [
                "id",
                "community_id",
                "mentor_id",
                "mentee_id",
                "mentor_school_id",
                "mentee_school_id",
                "paired_on",
                "ends_on",
            ],
            id=_UUID,
            tenant_id=_UUID,
            community_id=_UUID,
            mentor_id=_UUID,
            mentee_id=_UUID,
            mentor_school_id=_UUID,
            mentee_school_id=_UUID,
            paired_on=_DATE,
            ends_on=_DATE,
            ended_on={**_DATE, "nullable": True},
            end_reason={**_STRING, "description": "Why it ended early." + _PRIVATE},
        ),
        "PairSummary": _object(
            ["pair", "confirmed", "pending", "disputed", "minutes", "target", "readable"],
            pair=_ref("Pair"),
            confirmed={"type": "integer", "description": "Confirmed records this year"},
            pending={"type": "integer"},
            disputed={"type": "integer"},
            minutes={"type": "integer"},
            hours={"type": "number"},
            kinds={"type": "object", "additionalProperties": {"type": "integer"}},
            target={"type": "integer"},
            projected={"type": "integer", "description": "This year's count at the pace so far"},
            awaiting_me={"type": "integer"},
            mentor_name=_STRING,
            mentee_name=_STRING,
            mentor_school=_STRING,
            mentee_school=_STRING,
            community_name=_STRING,
            my_side={**_STRING, "nullable": True},
            readable={"type": "boolean", "description": "Whether the caller reads the content"},
            may_end={"type": "boolean"},
            active={"type": "boolean"},
        ),
        "MentoringRecord": _object(
            ["pair_id", "record_id", "kind", "mode", "occurred_on", "minutes", "status"],
            pair_id=_UUID,
            record_id=_STRING,
            kind=_STRING,
            mode={**_STRING, "enum": ["online", "offline"]},
            occurred_on=_DATE,
            minutes={"type": "integer"},
            recorded_by=_STRING,
            status=_STRING,
            recorded_at=_TIME,
            confirmed_at={**_TIME, "nullable": True},
            summary={**_STRING, "description": "What happened." + _PRIVATE},
            evidence={
                "type": "array",
                "items": {"type": "object", "additionalProperties": True},
                "description": "Evidence files (name, type, size, sha256)." + _PRIVATE,
            },
            dispute_comment={**_STRING, "description": "Why it was disputed." + _PRIVATE},
        ),
    }
)
_SUMMARY = DOCUMENT["components"]["schemas"]["PairSummary"]
DOCUMENT["components"]["schemas"]["PairDetail"] = {
    **_SUMMARY,
    "required": [*_SUMMARY["required"], "records"],
    "properties": {
        **_SUMMARY["properties"],
        "records": {"type": "array", "items": _ref("MentoringRecord")},
    },
}
DOCUMENT["components"]["schemas"].update(
    {
        "MyMentoring": _object(
            ["items", "awaiting"],
            items={"type": "array", "items": _ref("PairSummary")},
            awaiting={
                "type": "array",
                "items": _object(
                    ["pair_id", "record"], pair_id=_UUID, record=_ref("MentoringRecord")
                ),
            },
        ),
        "NewMentoringRecord": _object(
            ["kind", "mode", "occurred_on", "minutes"],
            kind={**_STRING, "description": "observation (听课), critique (评课), …"},
            mode={**_STRING, "enum": ["online", "offline"]},
            occurred_on=_DATE,
            minutes={"type": "integer", "minimum": 1},
            summary=_STRING,
        ),
        "Dispute": _object(["comment"], comment=_STRING),
        "PairEnd": _object(["on", "reason"], on=_DATE, reason=_STRING),
    }
)


declare_limits({**DOCUMENT["components"]["schemas"], "Task": _TASK})


@bp.get("/openapi.json", endpoint="openapi_document")
def openapi_document() -> ResponseReturnValue:
    return jsonify(DOCUMENT)
