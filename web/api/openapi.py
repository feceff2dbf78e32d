"""The API's OpenAPI 3.0 document, written by hand and served at ``GET /api/v1/openapi.json``.

``tests/test_openapi.py`` checks it against the app's URL map both ways, so it cannot drift.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from web.api.base import bp

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
    operation["responses"] = {str(status): response, **_errors(400, 401, 403, *errors)}
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
                "Change one's own password (the current one is needed)",
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
                "Set a new password for someone one manages (tell them the new one)",
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
                    "`position` a command answered; 503 if they do not in time."
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
            "Conflict": _error_response("The login name or school code is taken"),
            "RuleBroken": _error_response("A rule of the domain was broken"),
            "TooManyRequests": _error_response("Too many sign-in attempts", "Retry-After"),
            "NotYetVisible": _error_response(
                "The read models did not reach `min_position` in time; retry", "Retry-After"
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


@bp.get("/openapi.json", endpoint="openapi_document")
def openapi_document() -> ResponseReturnValue:
    return jsonify(DOCUMENT)
