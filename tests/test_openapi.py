"""The OpenAPI document: it lists exactly the API's routes, it is well formed, and it tells the truth.

The document is written from the operations' models (web.api.contract). openapi-spec-validator is
not a dependency, so the structure of OpenAPI 3.1 that the document uses is checked here, its
schemas against the JSON Schema 2020-12 meta-schema, and real responses against the documented
schemas (jsonschema_rs, which schemathesis brings).
"""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema_rs
import pytest
from flask import Flask

from infra.bootstrap import bootstrap_platform_admin
from infra.ratelimit import InMemoryRateLimiter
from infra.wiring import Runtime
from tests.conftest import PASSWORD, make_bureau
from web import create_app
from web.api.document import document

DOCUMENT = document()

PREFIX = "/api/v1"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
HTTP_CODE = re.compile(r"^[1-5]\d\d$")


@pytest.fixture
def app(sqlite_runtime: Runtime) -> Flask:
    return create_app(runtime=sqlite_runtime)


def api_routes(app: Flask) -> set[tuple[str, str]]:
    """(documented path, method) for every /api/v1 rule of the app."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX) :])
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            found.add((path, method.lower()))
    return found


def documented_routes() -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in DOCUMENT["paths"].items()
        for method in item
        if method in METHODS
    }


def resolve(ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = DOCUMENT
    for part in ref[2:].split("/"):
        assert part in node, f"unresolved $ref {ref}"
        node = node[part]
    return node


def deref(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = resolve(node["$ref"])
    return node


# Drift ----------------------------------------------------------------------------------------------


def test_every_api_route_of_the_app_is_documented(app: Flask) -> None:
    missing = api_routes(app) - documented_routes()
    assert not missing, f"routes without documentation: {sorted(missing)}"


def test_every_documented_operation_is_a_route_of_the_app(app: Flask) -> None:
    invented = documented_routes() - api_routes(app)
    assert not invented, f"documented but not served: {sorted(invented)}"


def test_the_document_is_served_without_a_token_and_equals_the_module(app: Flask) -> None:
    response = app.test_client().get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    assert response.json == json.loads(json.dumps(DOCUMENT))
    assert DOCUMENT["paths"]["/openapi.json"]["get"]["security"] == []


# Structure ------------------------------------------------------------------------------------------


def test_the_document_has_the_shape_of_openapi_3_0() -> None:
    assert re.match(r"^3\.1\.\d+$", DOCUMENT["openapi"])
    assert DOCUMENT["info"]["title"]
    assert DOCUMENT["info"]["version"]
    assert DOCUMENT["servers"] == [{"url": PREFIX}]
    assert set(DOCUMENT) <= {
        "openapi",
        "info",
        "servers",
        "paths",
        "components",
        "security",
        "tags",
        "externalDocs",
    }
    scheme = DOCUMENT["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == scheme | {"type": "http", "scheme": "bearer"}
    assert DOCUMENT["security"] == [{"bearerAuth": []}]
    json.dumps(DOCUMENT)  # plain JSON values only


def all_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [ref for value in node.values() for ref in all_refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in all_refs(value)]
    return []


def test_every_reference_resolves_and_every_component_is_used() -> None:
    refs = all_refs(DOCUMENT)
    for ref in refs:
        resolve(ref)
    for kind, components in DOCUMENT["components"].items():
        if kind == "securitySchemes":
            continue
        for name in components:
            assert f"#/components/{kind}/{name}" in refs, f"unused component {kind}/{name}"


def check_parameter(parameter: dict[str, Any]) -> None:
    assert parameter["in"] in {"path", "query", "header", "cookie"}
    assert parameter["name"]
    assert "schema" in parameter or "content" in parameter
    if parameter["in"] == "path":
        assert parameter.get("required") is True, parameter


def test_every_operation_declares_its_parameters_body_and_responses() -> None:
    tags = {t["name"] for t in DOCUMENT["tags"]}
    schemes = set(DOCUMENT["components"]["securitySchemes"])
    for path, item in DOCUMENT["paths"].items():
        assert path.startswith("/")
        assert set(item) <= METHODS | {"parameters", "summary", "description"}, path
        shared = [deref(p) for p in item.get("parameters", [])]
        for method, operation in item.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            assert operation["summary"], where
            assert re.match(r"^[a-z_]+$", operation["operationId"]), where
            assert set(operation.get("tags", [])) <= tags, where
            for requirement in operation.get("security", DOCUMENT["security"]):
                assert set(requirement) <= schemes, where
            parameters = shared + [deref(p) for p in operation.get("parameters", [])]
            for parameter in parameters:
                check_parameter(parameter)
            keys = [(p["in"], p["name"]) for p in parameters]
            assert len(keys) == len(set(keys)), f"{where}: a parameter twice"
            in_path = {name for kind, name in keys if kind == "path"}
            assert in_path == set(re.findall(r"{([^}]+)}", path)), where
            if method == "get":
                public = operation.get("security") == []
                assert ("query", "min_position") in keys or public, where
            if "requestBody" in operation:
                assert method in {"post", "put", "patch"}, where
                assert "application/json" in operation["requestBody"]["content"], where
                assert "422" in operation["responses"] or (method == "post" and public), where
            responses = operation["responses"]
            assert responses, where
            assert all(HTTP_CODE.match(code) for code in responses), where
            assert any(code.startswith("2") for code in responses), where
            for response in responses.values():
                response = deref(response)
                assert response["description"], where
                for media in response.get("content", {}).values():
                    assert "schema" in media, where
            if operation.get("security", DOCUMENT["security"]):
                assert "401" in responses, f"{where}: signed in, so it can answer 401"


def test_operation_ids_are_unique() -> None:
    ids = [
        operation["operationId"]
        for item in DOCUMENT["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    ]
    assert len(ids) == len(set(ids))


def test_every_schema_is_json_schema_and_lists_real_required_properties() -> None:
    def walk(schema: Any, where: str) -> None:
        if not isinstance(schema, dict):
            return
        if schema.get("type") == "object":
            assert set(schema.get("required", [])) <= set(schema.get("properties", {})), where
        for key, sub in schema.items():
            if key == "properties":
                for name, inner in sub.items():
                    walk(inner, f"{where}.{name}")
            elif isinstance(sub, dict):
                walk(sub, f"{where}.{key}")
            elif isinstance(sub, list):
                for n, inner in enumerate(sub):
                    walk(inner, f"{where}.{key}[{n}]")

    for name, schema in DOCUMENT["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name
        walk(schema, name)


def test_the_limits_and_enums_are_the_domains() -> None:
    from domain import fields as f
    from domain.activity import ACTIVITY_KINDS
    from domain.mentoring import MentoringKind

    schemas = DOCUMENT["components"]["schemas"]
    assert schemas["NewSchool"]["properties"]["name"]["maxLength"] == f.SCHOOL_NAME.max_length
    minutes = schemas["NewMentoringRecord"]["properties"]["minutes"]
    assert (minutes["minimum"], minutes["maximum"]) == (f.MINUTES.minimum, f.MINUTES.maximum)
    assert set(schemas["NewMentoringRecord"]["required"]) >= {"kind", "mode", "summary"}
    assert schemas["NewMentoringRecord"]["properties"]["kind"]["enum"] == list(MentoringKind)
    assert schemas["NewActivity"]["properties"]["kind"]["enum"] == list(ACTIVITY_KINDS)
    weight = schemas["TaskInput"]["properties"]["weight"]
    assert weight["exclusiveMinimum"] == f.WEIGHT.minimum


def test_query_values_may_not_be_empty(app: Flask) -> None:
    parameters = DOCUMENT["paths"]["/audit"]["get"]["parameters"]
    event_type = next(p for p in parameters if p.get("name") == "event_type")
    assert event_type["schema"] == {"type": "string", "minLength": 1} | event_type["schema"]
    assert "anyOf" not in event_type["schema"]


# Truth: real answers match the documented schemas ----------------------------------------------------


def validate(value: Any, schema: dict[str, Any], where: str = "$") -> None:
    """``value`` is what ``schema`` (with the document's components) describes."""
    validator = jsonschema_rs.Draft202012Validator({**schema, "components": DOCUMENT["components"]})
    errors = [
        f"{where}: {e.message} at {list(e.instance_path)}" for e in validator.iter_errors(value)
    ]
    assert not errors, errors


def documented_response(path: str, method: str, status: int) -> dict[str, Any]:
    operation = DOCUMENT["paths"][path][method]
    response = deref(operation["responses"][str(status)])
    schema: dict[str, Any] = response["content"]["application/json"]["schema"]
    return schema


def test_real_answers_match_the_documented_schemas(sqlite_runtime: Runtime) -> None:
    rt = sqlite_runtime
    hn = make_bureau(rt, "hn", "海宁市教育局")
    bootstrap_platform_admin(rt, "platform", "平台管理员", PASSWORD)
    rt.catch_up()
    rt.start_embedded_projections()
    rt.rate_limiter = InMemoryRateLimiter(attempts=100, window_seconds=300)
    client = create_app(runtime=rt).test_client()

    def token(username: str) -> dict[str, str]:
        response = client.post(
            f"{PREFIX}/auth/token", json={"username": username, "password": PASSWORD}
        )
        validate(response.json, documented_response("/auth/token", "post", 200))
        return {"Authorization": f"Bearer {response.json['token']}"}  # type: ignore[index]

    admin, platform = token("hn-admin"), token("platform")
    school, teacher = hn.school_id, hn.teacher.user_id
    done = client.put(
        f"{PREFIX}/schools/{school}/bell-schedule",
        headers=admin,
        json={"periods": [{"weekday": 1, "number": 1, "start": "08:00", "end": "08:40"}]},
    )
    validate(done.json, documented_response("/schools/{school_id}/bell-schedule", "put", 200))
    position = done.json["position"]  # type: ignore[index]
    reads = [
        ("/me", "/me", admin),
        ("/tenants", "/tenants", platform),
        ("/schools", "/schools", admin),
        (f"/schools/{school}", "/schools/{school_id}", admin),
        (f"/schools/{school}/classes", "/schools/{school_id}/classes", admin),
        (f"/schools/{school}/bell-schedule", "/schools/{school_id}/bell-schedule", admin),
        (f"/schools/{school}/staff", "/schools/{school_id}/staff", admin),
        (f"/schools/{school}/activity", "/schools/{school_id}/activity", admin),
        ("/bureau/staff", "/bureau/staff", admin),
        (f"/users/{teacher}", "/users/{user_id}", admin),
        ("/audit", "/audit", admin),
    ]
    for url, path, headers in reads:
        response = client.get(f"{PREFIX}{url}?min_position={position}", headers=headers)
        assert response.status_code == 200, (url, response.json)
        validate(response.json, documented_response(path, "get", 200), url)
        if "items" in response.json:  # type: ignore[operator]
            assert response.json["items"], f"{url} answered no items to check"  # type: ignore[index]

    created = client.post(
        f"{PREFIX}/schools",
        headers=admin,
        json={"name": "新校", "code": "HN-NEW", "stage": "junior", "locality": "urban"},
    )
    validate(created.json, documented_response("/schools", "post", 201))
    taken = client.post(
        f"{PREFIX}/schools",
        headers=admin,
        json={"name": "新校", "code": "HN-NEW", "stage": "junior", "locality": "urban"},
    )
    assert taken.status_code == 409
    validate(taken.json, documented_response("/schools", "post", 409))
    bad = client.post(f"{PREFIX}/schools", headers=admin, json={"name": "新校"})
    assert bad.status_code == 400
    validate(bad.json, documented_response("/schools", "post", 400))


def test_the_reference_page_reads_the_document_with_no_inline_script(app: Flask) -> None:
    client = app.test_client()
    page = client.get(f"{PREFIX}/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert f'href="{PREFIX}/openapi.json"' in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    assert all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "http" not in "".join(attrs for attrs, _ in scripts)  # nothing from a CDN
    viewer = client.get("/static/api-docs/api-docs.js")
    assert viewer.status_code == 200
    assert b"doc.paths" in viewer.data  # it lists the document's operations
    viewer.close()
