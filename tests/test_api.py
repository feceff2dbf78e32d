"""The JSON API: tokens, every endpoint's happy path and its errors, and reading one's own writes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from infra.bootstrap import bootstrap_platform_admin
from infra.ratelimit import InMemoryRateLimiter
from infra.wiring import Runtime
from tests.conftest import PASSWORD, Bureau, make_bureau, open_runtime, sqlite_settings
from web import create_app

NEW_SCHOOL = {"name": "海宁市新仓小学", "code": "HN-XC", "stage": "primary", "locality": "rural"}
PERIODS = [
    {"weekday": 1, "number": 1, "start": "08:00", "end": "08:40"},
    {"weekday": 1, "number": 2, "start": "08:50", "end": "09:30"},
]


@dataclass
class Api:
    runtime: Runtime
    app: Flask
    client: FlaskClient
    hn: Bureau
    yy: Bureau
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str, password: str = PASSWORD) -> str:
        response = self.client.post(
            "/api/v1/auth/token", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.json
        token: str = response.json["token"]  # type: ignore[index]
        return token

    def as_(self, username: str) -> Client:
        if username not in self.tokens:
            self.tokens[username] = self.token(username)
        return Client(self.client, {"Authorization": f"Bearer {self.tokens[username]}"})


@dataclass
class Client:
    """One signed-in caller: every request carries its bearer token."""

    client: FlaskClient
    headers: dict[str, str]

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers, query_string=params)

    def post(self, path: str, json: Any = None) -> Any:
        return self.client.post(f"/api/v1{path}", headers=self.headers, json=json)

    def patch(self, path: str, json: Any) -> Any:
        return self.client.patch(f"/api/v1{path}", headers=self.headers, json=json)

    def put(self, path: str, json: Any) -> Any:
        return self.client.put(f"/api/v1{path}", headers=self.headers, json=json)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", headers=self.headers)


def make_api(runtime: Runtime) -> Api:
    hn = make_bureau(runtime, "hn", "海宁市教育局")
    yy = make_bureau(runtime, "yy", "余姚市教育局")
    runtime.catch_up()
    runtime.start_embedded_projections()
    # Every test signs in as several people from one address; the limit has a test of its own.
    runtime.rate_limiter = InMemoryRateLimiter(attempts=1000, window_seconds=300)
    app = create_app(runtime=runtime)
    return Api(runtime, app, app.test_client(), hn, yy)


@pytest.fixture
def api(sqlite_runtime: Runtime) -> Api:
    return make_api(sqlite_runtime)


def created(response: Any, status: int = 201) -> tuple[str, int]:
    assert response.status_code == status, response.json
    assert {"id", "position"} <= set(response.json)
    return response.json["id"], response.json["position"]


def error(response: Any, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.json)
    assert response.json["status"] == status
    message: str = response.json["error"]
    return message


# The main flow, on SQLite and on PostgreSQL ---------------------------------------------------------


def test_a_bureau_admin_runs_a_school_through_the_api_and_reads_each_write_back(
    runtime: Runtime,
) -> None:
    api = make_api(runtime)
    admin = api.as_("hn-admin")

    school_id, position = created(admin.post("/schools", NEW_SCHOOL | {"student_count": 480}))
    school = admin.get(f"/schools/{school_id}", min_position=position).json
    assert school | {"id": None} == {
        "id": None,
        "tenant_id": str(api.hn.tenant_id),
        "name": "海宁市新仓小学",
        "code": "HN-XC",
        "stage": "primary",
        "locality": "rural",
        "student_count": 480,
        "teacher_count": 0,
        "class_count": 0,
    }

    _, position = created(admin.post(f"/schools/{school_id}/classes", {"grade": 4, "name": "1班"}))
    classes = admin.get(f"/schools/{school_id}/classes", min_position=position).json["items"]
    assert [(c["class_id"], c["grade"], c["name"]) for c in classes] == [("4-1", 4, "1班")]

    _, position = created(
        admin.put(f"/schools/{school_id}/bell-schedule", {"periods": PERIODS}), 200
    )
    schedule = admin.get(f"/schools/{school_id}/bell-schedule", min_position=position).json
    assert schedule["items"] == PERIODS

    teacher_id, position = created(
        admin.post(
            f"/schools/{school_id}/staff",
            {
                "username": "hn-xc-wang",
                "display_name": "王新",
                "password": PASSWORD,
                "roles": ["teacher"],
                "subjects": ["数学"],
                "grades": [4],
                "key_level": "county",
            },
        )
    )
    staff = admin.get(f"/schools/{school_id}/staff", min_position=position).json["items"]
    assert [(u["id"], u["username"], u["roles"]) for u in staff] == [
        (teacher_id, "hn-xc-wang", ["teacher"])
    ]

    _, position = created(
        admin.post(f"/users/{teacher_id}/transfer", {"school_id": str(api.hn.school_id)}), 200
    )
    moved = admin.get(f"/users/{teacher_id}", min_position=position).json
    assert moved["school_id"] == str(api.hn.school_id)

    feed = admin.get(f"/schools/{school_id}/activity", min_position=position).json["items"]
    assert [e["event_type"] for e in feed] == [
        "User.Transferred",
        "User.Registered",
        "School.BellScheduleSet",
        "School.ClassOpened",
        "School.Registered",
    ]
    audit = admin.get("/audit", school_id=school_id, min_position=position).json["items"]
    assert audit[0]["event_type"] == "School.BellScheduleSet" or audit[0]["position"] < position
    assert all(e["tenant_id"] == str(api.hn.tenant_id) for e in audit)

    # The other bureau sees none of it, and learns nothing from the ids.
    other = api.as_("yy-admin")
    for path in (f"/schools/{school_id}", f"/users/{teacher_id}", f"/schools/{school_id}/staff"):
        assert error(other.get(path), 404)
    assert school_id not in other.get("/schools").text


# Tokens ----------------------------------------------------------------------------------------


def test_a_token_is_issued_for_the_right_password_only(api: Api) -> None:
    response = api.client.post(
        "/api/v1/auth/token", json={"username": "HN-Admin", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.json["token_type"] == "Bearer"
    assert response.json["expires_in"] == 12 * 60 * 60
    wrong = api.client.post(
        "/api/v1/auth/token", json={"username": "hn-admin", "password": "not-the-password"}
    )
    assert error(wrong, 401)
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    nobody = api.client.post(
        "/api/v1/auth/token", json={"username": "nobody-at-all", "password": PASSWORD}
    )
    assert error(nobody, 401) == error(wrong, 401)


def test_a_token_request_without_a_json_object_names_the_missing_field(api: Api) -> None:
    response = api.client.post("/api/v1/auth/token", json={"username": "hn-admin"})
    error(response, 400)
    assert response.json["field"] == "password"
    response = api.client.post(
        "/api/v1/auth/token", data="username=hn-admin", content_type="text/plain"
    )
    error(response, 400)
    assert response.json["field"] == "body"


def test_me_answers_who_the_token_stands_for(api: Api) -> None:
    me = api.as_("hn-teacher").get("/me").json
    assert me["id"] == str(api.hn.teacher.user_id)
    assert me["school_id"] == str(api.hn.school_id)
    assert me["roles"] == ["teacher"]
    assert "password_hash" not in me


def test_every_endpoint_but_sign_in_and_the_document_needs_a_bearer_token(api: Api) -> None:
    public = {"api.issue_token", "api.openapi_document", "api.api_docs"}
    rules = [r for r in api.app.url_map.iter_rules() if r.endpoint.startswith("api.")]
    assert len(rules) > 15
    for rule in rules:
        if rule.endpoint in public:
            continue
        path = rule.rule.replace("<", "").replace(">", "")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = api.client.open(path, method=method, json={})
            assert response.status_code == 401, (method, path)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_garbage_forged_and_expired_tokens_answer_401(api: Api) -> None:
    assert api.hn.admin.user_id is not None
    uid = str(api.hn.admin.user_id)
    sid, _ = api.runtime.services.people.start_session(
        api.hn.admin.user_id, kind="api", address="10.0.0.1", agent=""
    )
    claims = {"uid": uid, "sid": str(sid)}

    class SignedLongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 12 * 60 * 60 - 5

    expired = URLSafeTimedSerializer("test-secret", salt="api-token", signer=SignedLongAgo).dumps(
        claims
    )
    forged = URLSafeTimedSerializer("another-secret", salt="api-token").dumps(claims)
    other_salt = URLSafeTimedSerializer("test-secret", salt="something-else").dumps(claims)
    fresh = URLSafeTimedSerializer("test-secret", salt="api-token").dumps(claims)
    nobody = URLSafeTimedSerializer("test-secret", salt="api-token").dumps({"uid": str(uuid4())})
    not_an_id = URLSafeTimedSerializer("test-secret", salt="api-token").dumps({"uid": "x"})
    # Signed by the app, but for no recorded session (or, from before sessions were recorded,
    # for none at all): nothing that can be ended, so nothing that signs in.
    unrecorded = URLSafeTimedSerializer("test-secret", salt="api-token").dumps(
        {"uid": uid, "sid": str(uuid4())}
    )
    sessionless = URLSafeTimedSerializer("test-secret", salt="api-token").dumps({"uid": uid})
    for header in (
        f"Bearer {expired}",
        f"Bearer {forged}",
        f"Bearer {other_salt}",
        f"Bearer {nobody}",
        f"Bearer {not_an_id}",
        f"Bearer {unrecorded}",
        f"Bearer {sessionless}",
        "Bearer garbage",
        "Bearer ",
        f"Basic {fresh}",
        fresh,
    ):
        response = api.client.get("/api/v1/me", headers={"Authorization": header})
        assert error(response, 401), header
    assert api.client.get("/api/v1/me", headers={"Authorization": f"bearer {fresh}"}).json[
        "id"
    ] == (uid)


def test_a_deactivated_users_token_stops_working(api: Api) -> None:
    teacher = api.as_("hn-teacher")
    assert teacher.get("/me").status_code == 200
    _, position = created(
        api.as_("hn-sadmin").post(
            f"/users/{api.hn.teacher.user_id}/deactivate", {"reason": "离职"}
        ),
        200,
    )
    assert api.runtime.services.queries.wait_for(position)
    assert error(teacher.get("/me"), 401)


def test_a_signed_in_session_cookie_does_not_sign_an_api_request_in(api: Api) -> None:
    assert api.hn.admin.user_id is not None
    signed_in, _ = api.runtime.services.people.start_session(
        api.hn.admin.user_id, kind="web", address="10.0.0.1", agent=""
    )
    with api.client.session_transaction() as session:
        session["_user_id"] = str(api.hn.admin.user_id)
        session["_fresh"] = True
        session["sid"] = str(signed_in)
    assert api.client.get("/").status_code == 200  # the cookie works for the pages
    assert error(api.client.get("/api/v1/me"), 401)
    assert error(api.client.post("/api/v1/schools", json=NEW_SCHOOL), 401)


def test_too_many_token_requests_answer_429_with_retry_after(api: Api) -> None:
    attempts = api.runtime.settings.login_attempts
    api.runtime.rate_limiter = InMemoryRateLimiter(
        attempts, api.runtime.settings.login_window_seconds
    )
    for _ in range(attempts):
        response = api.client.post(
            "/api/v1/auth/token", json={"username": "hn-admin", "password": "wrong-password"}
        )
        assert response.status_code == 401
    blocked = api.client.post(
        "/api/v1/auth/token", json={"username": "hn-admin", "password": PASSWORD}
    )
    assert error(blocked, 429)
    assert int(blocked.headers["Retry-After"]) > 0
    # Only this name from this address is slowed down: another name from here gets its token.
    other = api.client.post(
        "/api/v1/auth/token", json={"username": "hn-teacher", "password": PASSWORD}
    )
    assert other.status_code == 200, other.json


def test_the_api_needs_no_csrf_token_while_the_pages_still_do(sqlite_runtime: Runtime) -> None:
    make_bureau(sqlite_runtime, "hn", "海宁市教育局")
    sqlite_runtime.catch_up()
    app = create_app(runtime=sqlite_runtime, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post(
        "/api/v1/auth/token", json={"username": "hn-admin", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert client.post(
        "/login", data={"username": "hn-admin", "password": PASSWORD}
    ).status_code == (400)


# Read-your-writes ------------------------------------------------------------------------------


def test_min_position_waits_for_the_views_and_answers_503_when_they_lag(tmp_path: Path) -> None:
    runtime = open_runtime(sqlite_settings(tmp_path, JGT_READ_YOUR_WRITES_TIMEOUT="0.2"))
    try:
        make_bureau(runtime, "hn", "海宁市教育局")
        runtime.catch_up()
        app = create_app(runtime=runtime)
        admin = Api(runtime, app, app.test_client(), None, None).as_("hn-admin")  # type: ignore[arg-type]
        school_id, position = created(admin.post("/schools", NEW_SCHOOL))
        # No projection runs yet: the write is durable but not visible.
        assert error(admin.get(f"/schools/{school_id}"), 404)
        lagging = admin.get("/schools", min_position=position)
        assert error(lagging, 503)
        assert lagging.headers["Retry-After"] == "1"
        runtime.start_embedded_projections()
        assert admin.get(f"/schools/{school_id}", min_position=position).json["code"] == "HN-XC"
        assert error(admin.get("/schools", min_position="soon"), 400)
        assert error(admin.get("/schools", min_position=-1), 400)
    finally:
        runtime.close()


# Schools ---------------------------------------------------------------------------------------


def test_schools_are_listed_registered_read_and_changed(api: Api) -> None:
    admin = api.as_("hn-admin")
    names = [s["name"] for s in admin.get("/schools").json["items"]]
    assert names == ["海宁市教育局第一小学", "海宁市教育局第二小学"]
    response = admin.post("/schools", NEW_SCHOOL)
    school_id, position = created(response)
    assert response.headers["Location"] == f"/api/v1/schools/{school_id}"
    _, position = created(
        admin.patch(
            f"/schools/{school_id}",
            {
                "name": "海宁市新仓中心小学",
                "stage": "nine_year",
                "locality": "urban",
                "student_count": 9,
            },
        ),
        200,
    )
    school = admin.get(f"/schools/{school_id}", min_position=position).json
    assert (school["name"], school["stage"], school["locality"], school["student_count"]) == (
        "海宁市新仓中心小学",
        "nine_year",
        "urban",
        9,
    )
    assert school["code"] == "HN-XC"


def test_registering_a_school_answers_400_409_422_and_403_for_what_is_wrong(api: Api) -> None:
    admin = api.as_("hn-admin")
    response = admin.post("/schools", {k: v for k, v in NEW_SCHOOL.items() if k != "code"})
    error(response, 400)
    assert response.json["field"] == "code"
    response = admin.post("/schools", NEW_SCHOOL | {"student_count": "many"})
    error(response, 400)
    assert response.json["field"] == "student_count"
    assert "学校代码" in error(admin.post("/schools", NEW_SCHOOL | {"code": "hn-01"}), 409)
    assert error(admin.post("/schools", NEW_SCHOOL | {"stage": "university"}), 422)
    assert error(admin.post("/schools", NEW_SCHOOL | {"student_count": -1}), 422)
    for someone in ("hn-monitor", "hn-sadmin", "hn-teacher"):
        assert error(api.as_(someone).post("/schools", NEW_SCHOOL), 403)
    # The same code in another bureau is fine: codes are unique per bureau.
    created(api.as_("yy-admin").post("/schools", NEW_SCHOOL | {"code": "HN-01"}))


def test_a_school_of_another_bureau_or_a_malformed_id_is_not_found(api: Api) -> None:
    other = api.as_("yy-admin")
    change = {"name": "x", "stage": "primary", "locality": "rural", "student_count": 1}
    for response in (
        other.get(f"/schools/{api.hn.school_id}"),
        other.patch(f"/schools/{api.hn.school_id}", change),
        other.get(f"/schools/{uuid4()}"),
        other.get("/schools/not-a-uuid"),
    ):
        assert error(response, 404)
        assert str(api.hn.school_id) not in response.text
        assert "海宁" not in response.text
    assert error(api.as_("hn-admin").patch(f"/schools/{api.hn.school_id}", {"name": "x"}), 400)


def test_errors_speak_english_when_asked(api: Api) -> None:
    admin = api.as_("hn-admin")
    admin.headers["Accept-Language"] = "en"
    assert error(admin.post("/schools", NEW_SCHOOL | {"code": "HN-01"}), 409) == (
        "School code HN-01 is taken"
    )
    assert error(admin.get("/no-such-thing"), 404) == "Not found"
    assert error(admin.delete("/schools"), 405) == "Method not allowed"


# Classes and bell schedules ---------------------------------------------------------------------


def test_classes_are_opened_listed_and_closed(api: Api) -> None:
    sadmin = api.as_("hn-sadmin")
    path = f"/schools/{api.hn.school_id}/classes"
    response = sadmin.post(path, {"grade": 5, "name": "2班"})
    _, position = created(response)
    assert response.headers["Location"] == f"/api/v1{path}"
    classes = sadmin.get(path, min_position=position).json["items"]
    assert [(c["grade"], c["name"]) for c in classes] == [(3, "1班"), (5, "2班")]
    new_id = next(c["class_id"] for c in classes if c["name"] == "2班")
    _, position = created(sadmin.delete(f"{path}/{new_id}"), 200)
    classes = sadmin.get(path, min_position=position).json["items"]
    assert [c["name"] for c in classes] == ["1班"]
    assert error(sadmin.delete(f"{path}/{new_id}"), 422)
    assert error(sadmin.delete(f"{path}/9-9"), 422)


def test_opening_a_class_checks_its_grade_its_name_and_who_asks(api: Api) -> None:
    path = f"/schools/{api.hn.school_id}/classes"
    admin = api.as_("hn-admin")
    assert error(admin.post(path, {"grade": 8, "name": "1班"}), 422)  # a primary school
    assert error(admin.post(path, {"grade": 3, "name": "1班"}), 422)  # already exists
    response = admin.post(path, {"grade": "三", "name": "1班"})
    error(response, 400)
    assert response.json["field"] == "grade"
    assert error(api.as_("hn-teacher").post(path, {"grade": 3, "name": "2班"}), 403)
    other_school = f"/schools/{api.hn.other_school_id}/classes"
    assert error(api.as_("hn-sadmin").post(other_school, {"grade": 3, "name": "2班"}), 403)
    assert error(api.as_("yy-admin").post(path, {"grade": 3, "name": "2班"}), 404)
    assert error(api.as_("yy-admin").delete(f"{path}/3-1"), 404)


def test_a_bell_schedule_is_replaced_whole_and_checked(api: Api) -> None:
    sadmin = api.as_("hn-sadmin")
    path = f"/schools/{api.hn.school_id}/bell-schedule"
    assert sadmin.get(path).json["items"] == []
    _, position = created(sadmin.put(path, {"periods": list(reversed(PERIODS))}), 200)
    assert sadmin.get(path, min_position=position).json["items"] == PERIODS
    overlapping = [*PERIODS, {"weekday": 1, "number": 3, "start": "09:00", "end": "09:40"}]
    assert "重叠" in error(sadmin.put(path, {"periods": overlapping}), 422)
    # A period without its number, start and end is malformed: the field is named.
    incomplete = sadmin.put(path, {"periods": [{"weekday": 1}]})
    error(incomplete, 400)
    assert incomplete.json["field"] == "periods[0].number"
    response = sadmin.put(path, {"periods": "08:00-08:40"})
    error(response, 400)
    assert response.json["field"] == "periods"
    assert error(api.as_("hn-teacher").put(path, {"periods": PERIODS}), 403)
    assert error(api.as_("yy-admin").get(path), 404)


# People ----------------------------------------------------------------------------------------


def new_person(username: str, roles: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "username": username,
        "display_name": "新同事",
        "password": PASSWORD,
        "roles": roles,
        **extra,
    }


def test_a_school_admin_adds_teachers_at_their_own_school_only(api: Api) -> None:
    sadmin = api.as_("hn-sadmin")
    path = f"/schools/{api.hn.school_id}/staff"
    response = sadmin.post(path, new_person("hn-new-1", ["teacher"], subjects=["语文"], grades=[3]))
    user_id, position = created(response)
    assert response.headers["Location"] == f"/api/v1/users/{user_id}"
    staff = sadmin.get(path, min_position=position).json["items"]
    assert "hn-new-1" in [u["username"] for u in staff]
    assert error(sadmin.post(path, new_person("hn-new-2", ["school_admin"])), 403)
    other = f"/schools/{api.hn.other_school_id}/staff"
    assert error(sadmin.post(other, new_person("hn-new-3", ["teacher"])), 403)
    assert error(sadmin.get(other), 403)
    assert "hn-new-1" in error(sadmin.post(path, new_person("HN-NEW-1", ["teacher"])), 409)
    assert error(sadmin.post(path, new_person("hn-new-4", ["teacher"], subjects=["炼金"])), 422)
    assert error(sadmin.post(path, new_person("x", ["teacher"])), 422)
    response = sadmin.post(path, new_person("hn-new-5", ["bureau_monitor"]))
    error(response, 400)
    assert response.json["field"].startswith("roles")
    response = sadmin.post(path, new_person("hn-new-6", []))
    assert response.json["field"].startswith("roles")
    response = sadmin.post(path, new_person("hn-new-7", ["teacher"], grades=["三"]))
    assert response.json["field"].startswith("grades")
    # A bureau admin may make school admins; another bureau's admin cannot even find the school.
    created(api.as_("hn-admin").post(path, new_person("hn-new-8", ["school_admin", "teacher"])))
    assert error(api.as_("yy-admin").post(path, new_person("yy-new-9", ["teacher"])), 404)


def test_a_bureau_admin_adds_monitors_and_experts(api: Api) -> None:
    admin = api.as_("hn-admin")
    created(admin.post("/bureau/staff", new_person("hn-m2", ["bureau_monitor"])))
    _, position = created(
        admin.post("/bureau/staff", new_person("hn-exp", ["expert"], subjects=["语文"]))
    )
    staff = admin.get("/bureau/staff", min_position=position).json["items"]
    assert {u["username"] for u in staff} >= {"hn-admin", "hn-monitor", "hn-m2", "hn-exp"}
    assert all(u["school_id"] is None for u in staff)
    assert error(admin.post("/bureau/staff", new_person("hn-t9", ["teacher"])), 400)
    for someone in ("hn-monitor", "hn-sadmin", "hn-teacher"):
        assert error(api.as_(someone).post("/bureau/staff", new_person("hn-x", ["expert"])), 403)
        assert error(api.as_(someone).get("/bureau/staff"), 403)


def test_users_are_read_and_their_profiles_changed(api: Api) -> None:
    teacher_id = api.hn.teacher.user_id
    profile = {
        "display_name": "王老师",
        "subjects": ["语文", "班队"],
        "grades": [3, 4],
        "key_level": "city",
        "title": "语文教研组长",
    }
    _, position = created(api.as_("hn-sadmin").patch(f"/users/{teacher_id}", profile), 200)
    user = api.as_("hn-teacher").get(f"/users/{teacher_id}", min_position=position).json
    assert {k: user[k] for k in profile} == profile
    assert error(api.as_("hn-teacher").patch(f"/users/{teacher_id}", profile), 403)
    assert error(api.as_("hn-sadmin").patch(f"/users/{teacher_id}", {"title": "x"}), 400)
    assert error(
        api.as_("hn-sadmin").patch(f"/users/{teacher_id}", profile | {"grades": [12]}), 422
    )
    # A teacher of another school is not theirs to read; another bureau's teacher does not exist.
    assert error(api.as_("hn-teacher").get(f"/users/{api.hn.other_teacher.user_id}"), 403)
    assert error(api.as_("yy-admin").get(f"/users/{teacher_id}"), 404)
    assert error(api.as_("yy-admin").patch(f"/users/{teacher_id}", profile), 404)


def test_a_teacher_is_transferred_within_the_bureau_only(api: Api) -> None:
    teacher_id = api.hn.teacher.user_id
    to_other = {"school_id": str(api.hn.other_school_id)}
    assert error(api.as_("hn-sadmin").post(f"/users/{teacher_id}/transfer", to_other), 403)
    to_yy = {"school_id": str(api.yy.school_id)}
    assert error(api.as_("hn-admin").post(f"/users/{teacher_id}/transfer", to_yy), 404)
    response = api.as_("hn-admin").post(f"/users/{teacher_id}/transfer", {"school_id": "x"})
    error(response, 400)
    assert response.json["field"] == "school_id"
    _, position = created(api.as_("hn-admin").post(f"/users/{teacher_id}/transfer", to_other), 200)
    user = api.as_("hn-admin").get(f"/users/{teacher_id}", min_position=position).json
    assert user["school_id"] == str(api.hn.other_school_id)
    assert error(api.as_("hn-admin").post(f"/users/{teacher_id}/transfer", to_other), 422)


def test_users_are_deactivated_and_reactivated(api: Api) -> None:
    teacher_id = api.hn.teacher.user_id
    sadmin = api.as_("hn-sadmin")
    _, position = created(sadmin.post(f"/users/{teacher_id}/deactivate"), 200)
    assert sadmin.get(f"/users/{teacher_id}", min_position=position).json["active"] is False
    assert error(sadmin.post(f"/users/{teacher_id}/deactivate"), 422)
    _, position = created(sadmin.post(f"/users/{teacher_id}/reactivate"), 200)
    assert sadmin.get(f"/users/{teacher_id}", min_position=position).json["active"] is True
    assert api.token("hn-teacher")
    admin = api.as_("hn-admin")
    assert "自己" in error(admin.post(f"/users/{api.hn.admin.user_id}/deactivate"), 422)
    assert error(api.as_("hn-teacher").post(f"/users/{teacher_id}/deactivate"), 403)
    assert error(api.as_("yy-admin").post(f"/users/{teacher_id}/reactivate"), 404)
    assert error(sadmin.post(f"/users/{teacher_id}/deactivate", [1, 2]), 400)


def test_passwords_are_reset_by_a_manager_and_changed_by_their_owner(api: Api) -> None:
    teacher_id = api.hn.teacher.user_id
    path = f"/users/{teacher_id}/password"
    created(api.as_("hn-sadmin").post(path, {"password": "reset-by-admin-1"}), 200)
    token = api.token("hn-teacher", "reset-by-admin-1")
    assert error(api.as_("hn-sadmin").post(path, {"password": "short"}), 422)
    assert error(api.as_("hn-sadmin").post(path, {}), 400)
    assert error(api.as_("hn-teacher2").post(path, {"password": "x-long-enough"}), 403)
    assert error(api.as_("yy-admin").post(path, {"password": "x-long-enough"}), 404)

    teacher = Client(api.client, {"Authorization": f"Bearer {token}"})
    change = {"current": "wrong-password", "new": "mine-and-only-mine"}
    assert "当前密码" in error(teacher.post("/me/password", change), 422)
    created(teacher.post("/me/password", change | {"current": "reset-by-admin-1"}), 200)
    # The change ended every token, the one that made it too: the owner asks for a new one.
    assert error(teacher.post("/me/password", {"current": "mine-and-only-mine"}), 401)
    renewed = api.token("hn-teacher", "mine-and-only-mine")
    teacher = Client(api.client, {"Authorization": f"Bearer {renewed}"})
    response = teacher.post("/me/password", {"current": "mine-and-only-mine"})
    error(response, 400)
    assert response.json["field"] == "new"


# The activity feed and the audit log -------------------------------------------------------------


def test_a_school_feed_pages_backwards_with_before_and_limit(api: Api) -> None:
    admin = api.as_("hn-admin")
    path = f"/schools/{api.hn.school_id}/activity"
    everything = admin.get(path, limit=200).json
    assert everything["next_before"] is None
    positions = [e["position"] for e in everything["items"]]
    assert positions == sorted(positions, reverse=True)
    assert len(positions) >= 3
    first = admin.get(path, limit=2).json
    assert [e["position"] for e in first["items"]] == positions[:2]
    second = admin.get(path, limit=2, before=first["next_before"]).json
    assert [e["position"] for e in second["items"]] == positions[2:4]
    entry = everything["items"][-1]
    assert entry["event_type"] == "School.Registered"
    assert entry["occurred_at"].endswith("+00:00")
    assert entry["details"]["name"] == "海宁市教育局第一小学"
    assert api.as_("hn-teacher").get(path).status_code == 200
    other = f"/schools/{api.hn.other_school_id}/activity"
    assert error(api.as_("hn-teacher").get(other), 403)
    assert error(api.as_("yy-admin").get(path), 404)
    for bad in ({"limit": 0}, {"limit": 201}, {"limit": "x"}, {"before": 0}):
        response = admin.get(path, **bad)
        error(response, 400)
        assert response.json["field"] in bad


def test_the_audit_log_is_filtered_by_school_actor_type_and_time(api: Api) -> None:
    monitor = api.as_("hn-monitor")
    everything = monitor.get("/audit", limit=200).json["items"]
    assert everything
    assert all(e["tenant_id"] == str(api.hn.tenant_id) for e in everything)
    assert all("password_hash" not in e["details"] for e in everything)
    at_school = monitor.get("/audit", school_id=str(api.hn.school_id)).json["items"]
    assert at_school
    assert all(e["school_id"] == str(api.hn.school_id) for e in at_school)
    by_admin = monitor.get("/audit", actor_id=str(api.hn.school_admin.user_id)).json["items"]
    assert [e["event_type"] for e in by_admin] == ["User.Registered"]
    opened = monitor.get("/audit", event_type="School.ClassOpened").json["items"]
    assert [e["details"]["name"] for e in opened] == ["1班"]
    assert monitor.get("/audit", to="2000-01-01").json["items"] == []
    assert len(
        monitor.get("/audit", **{"from": "2000-01-01T00:00:00", "limit": 200}).json["items"]
    ) == (len(everything))
    assert monitor.get("/audit", **{"from": "2999-01-01T08:00:00+08:00"}).json["items"] == []
    page = monitor.get("/audit", limit=3).json
    assert page["next_before"] == page["items"][-1]["position"]
    for bad in ({"school_id": "x"}, {"actor_id": "1"}, {"from": "yesterday"}, {"limit": 1000}):
        response = monitor.get("/audit", **bad)
        error(response, 400)
        assert response.json["field"] in bad
    for someone in ("hn-sadmin", "hn-teacher"):
        assert error(api.as_(someone).get("/audit"), 403)
    # Another bureau's school filters another bureau's log down to nothing.
    assert api.as_("yy-admin").get("/audit", school_id=str(api.hn.school_id)).json["items"] == []


# Bureaus (platform administrators) ---------------------------------------------------------------


@pytest.fixture
def platform_api(api: Api) -> Api:
    done = bootstrap_platform_admin(api.runtime, "platform", "平台管理员", PASSWORD)
    assert api.runtime.services.queries.wait_for(done.position)
    return api


def test_a_platform_admin_registers_a_bureau_and_its_first_admin(platform_api: Api) -> None:
    api = platform_api
    platform = api.as_("platform")
    tenant_id, position = created(
        platform.post("/tenants", {"name": "桐乡市教育局", "region": "浙江省"})
    )
    tenants = platform.get("/tenants", min_position=position).json["items"]
    assert "桐乡市教育局" in [t["name"] for t in tenants]
    response = platform.post(
        f"/tenants/{tenant_id}/admins",
        {"username": "tx-admin", "display_name": "桐乡管理员", "password": PASSWORD},
    )
    admin_id, position = created(response)
    assert api.runtime.services.queries.wait_for(position)
    me = api.as_("tx-admin").get("/me").json
    assert (me["id"], me["tenant_id"], me["roles"]) == (admin_id, tenant_id, ["bureau_admin"])
    assert api.as_("tx-admin").get("/schools").json["items"] == []
    assert error(platform.post("/tenants", {"name": " "}), 422)
    assert error(platform.post("/tenants", {"region": "x"}), 400)
    assert error(platform.get("/schools"), 403)
    assert error(platform.post(f"/tenants/{uuid4()}/admins", new_person("tx-2", [])), 404)


def test_only_a_platform_admin_registers_bureaus(platform_api: Api) -> None:
    admin = platform_api.as_("hn-admin")
    assert error(admin.post("/tenants", {"name": "桐乡市教育局"}), 403)
    assert error(admin.get("/tenants"), 403)
    body = {"username": "hn-admin2", "display_name": "第二管理员", "password": PASSWORD}
    # A bureau admin adding an admin to another bureau finds no such bureau.
    assert error(admin.post(f"/tenants/{platform_api.yy.tenant_id}/admins", body), 404)


def test_the_document_and_unknown_paths_answer_json(api: Api) -> None:
    assert api.client.get("/api/v1/openapi.json").json["openapi"].startswith("3.1")
    assert error(api.client.get("/api/v1/nothing-here"), 404)
    response = api.client.get(f"/api/v1/users/{UUID(int=0)}")
    assert error(response, 401)
