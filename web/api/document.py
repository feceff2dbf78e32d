"""The OpenAPI 3.1 document, written from the operations' declared models (``web.api.contract``).

Served at ``GET /api/v1/openapi.json`` and read by the reference page at ``/api/v1/docs``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from web.api.contract import JSON, OPERATIONS, UUID_PATH, Operation
from web.api.outputs import Error

REF = "#/components/schemas/{model}"
WRITES = frozenset({"post", "put", "patch", "delete"})

ERRORS = {
    400: ("BadRequest", "Malformed: a body or parameter of the wrong type, or missing (`field`)"),
    401: ("Unauthorized", "No bearer token, or one that is forged, expired or ended"),
    403: ("Forbidden", "The signed-in user's roles do not allow it"),
    404: ("NotFound", "No such object, or one of another bureau (the same answer)"),
    409: ("Conflict", "It conflicts with what is recorded (a code taken, changed meanwhile)"),
    413: ("TooLarge", "The request or an evidence file is larger than the limit"),
    422: ("RuleBroken", "Well formed, but it breaks a rule or a limit of the domain"),
    429: ("TooManyRequests", "Too many writes (or sign-ins) in the window: see Retry-After"),
    503: (
        "Unavailable",
        "The database is away, or `min_position` was not reached in time: see Retry-After",
    ),
}

INFO = {
    "title": "教共体 Jiaogongti API",
    "version": "1.1.0",
    "description": (
        "The same operations as the web pages, as JSON. Sign in with `POST /auth/token` and send "
        "`Authorization: Bearer <token>`. Every command answers the store `position` of its last "
        "event; pass it as `min_position` to a later GET to read your own write. Ids of another "
        "bureau answer 404, exactly like ids that do not exist. Errors answer "
        "`{error, status, field?}` with the reason in Chinese and English."
    ),
}


@cache
def document() -> dict[str, Any]:
    schemas, parameters_of, bodies_of, answers_of = _schemas()
    paths: dict[str, dict[str, Any]] = {}
    for op in sorted(OPERATIONS, key=lambda o: o.rule):
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", op.rule)
        paths.setdefault(path, {})[op.method] = _operation(
            op,
            path,
            parameters_of.get(op.endpoint, []),
            bodies_of.get(op.endpoint),
            answers_of.get(op.endpoint),
        )
    error = TypeAdapter(Error).json_schema(ref_template=REF)
    schemas["Error"] = error
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": t} for t in sorted({op.tag for op in OPERATIONS})],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "responses": {
                name: _error_response(code, text) for code, (name, text) in ERRORS.items()
            },
            "parameters": {
                "MinPosition": {
                    "name": "min_position",
                    "in": "query",
                    "required": False,
                    "description": "Wait (bounded) until the read models show this store "
                    "position, a command's `position`: read your own write",
                    "schema": {"type": "integer", "minimum": 0},
                }
            },
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "From POST /auth/token, valid 12 hours",
                }
            },
        },
    }


def _error_response(code: int, text: str) -> dict[str, Any]:
    found: dict[str, Any] = {"description": text, "content": {JSON: {"schema": _ref("Error")}}}
    if code in {429, 503}:
        found["headers"] = {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}
        }
    if code == 401:
        found["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    return found


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _schemas() -> tuple[
    dict[str, Any], dict[str, list[dict[str, Any]]], dict[str, Any], dict[str, Any]
]:
    """Every model's schema in one pass, so a model used twice is one component."""
    inputs: list[tuple[Any, Any, TypeAdapter[Any]]] = []
    for op in OPERATIONS:
        if op.body is not None:
            inputs.append(((op.endpoint, "body"), "validation", TypeAdapter(op.body)))
        if op.media == JSON:
            inputs.append(((op.endpoint, "answer"), "serialization", TypeAdapter(op.answer)))
    found, definitions = TypeAdapter.json_schemas(inputs, ref_template=REF)
    schemas: dict[str, Any] = dict(definitions.get("$defs", {}))
    parameters: dict[str, list[dict[str, Any]]] = {}
    bodies: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    for op in OPERATIONS:
        if op.query is not None:
            # Parameters, not a component: their properties are inlined one by one.
            parameters[op.endpoint] = _query_parameters(op.query.model_json_schema())
    for (endpoint, part), _mode in found:
        schema = found[(endpoint, part), _mode]
        if part == "body":
            bodies[endpoint] = schema
        else:
            answers[endpoint] = schema
    return schemas, parameters, bodies, answers


def _query_parameters(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    found = []
    for name, sub in schema.get("properties", {}).items():
        sub = dict(sub)
        description = sub.pop("description", "")
        sub.pop("title", None)
        sub.pop("default", None)
        # A query value is never null: it is present (and not empty), or left out.
        if "anyOf" in sub:
            options = [o for o in sub.pop("anyOf") if o.get("type") != "null"]
            sub = {**sub, **options[0]} if len(options) == 1 else {**sub, "anyOf": options}
        if sub.get("type") == "string" and "enum" not in sub and "format" not in sub:
            sub["minLength"] = 1
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": sub,
        }
        if description:
            parameter["description"] = description
        found.append(parameter)
    return found


def _operation(
    op: Operation,
    path: str,
    query: list[dict[str, Any]],
    body: dict[str, Any] | None,
    answer: dict[str, Any] | None,
) -> dict[str, Any]:
    names = re.findall(r"{([^}]+)}", path)
    parameters = [
        {"name": n, "in": "path", "required": True, "schema": op.path.get(n, UUID_PATH)}
        for n in names
    ]
    parameters += query
    if op.method == "get" and not op.public:
        parameters.append({"$ref": "#/components/parameters/MinPosition"})
    found: dict[str, Any] = {
        "operationId": op.endpoint,
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.description:
        found["description"] = op.description
    if parameters:
        found["parameters"] = parameters
    if body is not None:
        content: dict[str, Any] = {JSON: {"schema": body}}
        if op.multipart:
            content["multipart/form-data"] = {
                "schema": {
                    "type": "object",
                    "required": ["json"],
                    "properties": {
                        "json": {"type": "string", "description": "The JSON body, as text"},
                        "evidence": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "Evidence files (images, PDF, mp4, office documents)",
                        },
                    },
                }
            }
        found["requestBody"] = {"required": op.body_required, "content": content}
    if op.public:
        found["security"] = []
    success: dict[str, Any] = {"description": "Created" if op.status == 201 else "OK"}
    if answer is not None:
        success["content"] = {JSON: {"schema": answer}}
    else:
        success["content"] = {op.media: {"schema": {"type": "string", "format": "binary"}}}
    if op.location:
        success["headers"] = {
            "Location": {
                "description": "Where to read what was created (after `min_position`)",
                "schema": {"type": "string"},
            }
        }
    responses: dict[str, Any] = {str(op.status): success}
    for code in sorted(_errors(op, names, body is not None, bool(query))):
        responses[str(code)] = {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
    found["responses"] = responses
    return found


def _errors(op: Operation, names: list[str], has_body: bool, has_query: bool) -> set[int]:
    """The errors the operation can answer: declared ones and those of every such operation."""
    codes = set(op.errors) | {503}
    if not op.public:
        codes |= {401, 403}
        if op.method == "get":
            codes.add(400)  # min_position
    if names or (op.method in WRITES and not op.public):
        codes.add(404)  # an id in the path, or in a command's body, that is not the bureau's
    if has_body or has_query:
        codes.add(400)
    if has_body and op.method in WRITES:
        codes.add(422)
    if op.method in WRITES and not op.public:
        codes |= {409, 422, 429}
    return codes
