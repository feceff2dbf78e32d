"""Joint assessment through the JSON API: a test set, a class's file uploaded (row errors, then a
version), figures without a name for the bureau, the named sheet only inside the school, the
bundled ranking sealed once."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from infra.wiring import Runtime
from tests.assessment.world import World, csv_bytes, make_world, score_file
from tests.conftest import PASSWORD
from web import create_app

CORE: list[float | None] = [95, 90, 88, 80, 72, 65, 60, None]
MEMBER: list[float | None] = [85, 70, 66, 61, 59, 45, 38, 90]


@pytest.fixture
def api(sqlite_runtime: Runtime) -> tuple[Flask, World]:
    world = make_world(sqlite_runtime)
    sqlite_runtime.catch_up()
    sqlite_runtime.start_embedded_projections()
    return create_app(runtime=sqlite_runtime), world


class Caller:
    #: The store position of the last write of any caller: reads wait for it (min_position).
    seen = 0

    def __init__(self, app: Flask, username: str) -> None:
        self.client: FlaskClient = app.test_client()
        answer = self.client.post(
            "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.json
        self.headers = {"Authorization": f"Bearer {answer.json['token']}"}  # type: ignore[index]

    def get(self, path: str, query: dict[str, Any] | None = None) -> Any:
        wait = {"min_position": Caller.seen} if Caller.seen else {}
        return self.client.get(
            f"/api/v1{path}", headers=self.headers, query_string={**(query or {}), **wait}
        )

    def _wrote(self, answer: Any) -> Any:
        if answer.status_code < 300 and answer.json and answer.json.get("position"):
            Caller.seen = max(Caller.seen, answer.json["position"])
        return answer

    def send(self, method: str, path: str, body: dict[str, Any]) -> Any:
        return self._wrote(
            self.client.open(f"/api/v1{path}", method=method, headers=self.headers, json=body)
        )

    def upload(self, path: str, body: dict[str, Any], data: bytes, name: str) -> Any:
        return self._wrote(
            self.client.post(
                f"/api/v1{path}",
                headers=self.headers,
                data={"json": json.dumps(body), "file": (io.BytesIO(data), name)},
                content_type="multipart/form-data",
            )
        )


def define(caller: Caller, world: World, subject: str, held_on: str) -> str:
    answer = caller.send(
        "POST",
        f"/communities/{world.community_id}/tests",
        {
            "subject": subject,
            "grade": 5,
            "held_on": held_on,
            "full_mark": 100,
            "pass_line": 60,
            "excellence_line": 85,
            "low_line": 40,
        },
    )
    assert answer.status_code == 201, answer.json
    return str(answer.json["id"])


def test_a_class_file_with_problems_answers_every_row_and_a_good_one_makes_a_version(
    api: tuple[Flask, World],
) -> None:
    app, world = api
    Caller.seen = 0
    core, member = Caller(app, "hn-sadmin"), Caller(app, "hn-sadmin2")
    test_id = define(core, world, "语文", "2025-06-20")
    assert test_id in {t["id"] for t in member.get("/assessment/tests").json["items"]}
    (n0, _), (n1, _) = world.member_class[:2]
    bad = csv_bytes([["学号", "成绩"], [n0, "九十"], [n1, "120"]])
    refused = member.upload(
        f"/assessment/tests/{test_id}/scores", {"class_name": "1班"}, bad, "成绩.csv"
    )
    assert refused.status_code == 422
    assert [r["row"] for r in refused.json["rows"]] == [2, 3]
    for scores, version in ((MEMBER, 1), (MEMBER, 2)):
        answer = member.upload(
            f"/assessment/tests/{test_id}/scores",
            {"class_name": "1班"},
            score_file(world.member_class, scores),
            "成绩.csv",
        )
        assert answer.status_code == 200, answer.json
        assert answer.json["version"] == version
        assert (answer.json["tested"], answer.json["absent"]) == (8, 0)
    sheet = member.get(
        f"/assessment/tests/{test_id}/schools/{world.hn.other_school_id}/classes/1班"
    )
    assert [line["name"] for line in sheet.json["items"]] == [n for _, n in world.member_class]


def test_the_bureau_reads_aggregates_and_the_gap_but_no_name_and_ranks_the_community(
    api: tuple[Flask, World],
) -> None:
    app, world = api
    Caller.seen = 0
    core, member = Caller(app, "hn-sadmin"), Caller(app, "hn-sadmin2")
    for subject, day, scores in (
        ("语文", "2025-06-20", MEMBER),
        ("数学", "2025-11-20", [s + 5 if s is not None else None for s in MEMBER]),
    ):
        test_id = define(core, world, subject, day)
        for caller, students, sat in (
            (core, world.core_class, CORE),
            (member, world.member_class, scores),
        ):
            answer = caller.upload(
                f"/assessment/tests/{test_id}/scores",
                {"class_name": "1班"},
                score_file(students, sat),
                "成绩.csv",
            )
            assert answer.status_code == 200, answer.json
    monitor = Caller(app, "hn-monitor")
    figures = monitor.get(f"/assessment/tests/{test_id}")
    assert figures.status_code == 200
    text = figures.get_data(as_text=True)
    for number, name in world.member_class:
        assert name not in text
        assert number not in text
    boda = next(s for s in figures.json["schools"] if not s["core"])
    assert boda["classes"] == []
    assert boda["gap_message"] == "差距缩小了5.0分 / The gap narrowed by 5.0"
    sheet = monitor.get(
        f"/assessment/tests/{test_id}/schools/{world.hn.other_school_id}/classes/1班"
    )
    assert sheet.status_code == 404
    assert monitor.get(f"/schools/{world.hn.other_school_id}/roster").status_code == 404

    ranking = monitor.get("/assessment/bundled", {"year": 2025, "as_of": "2025-12-31"})
    (only,) = ranking.json["items"]
    assert only["narrowing"] == 5.0
    assert only["excellent"] is True
    admin = Caller(app, "hn-admin")
    body = {"year": 2025, "as_of": "2025-12-31"}
    assert monitor.send("POST", "/assessment/bundled/seal", body).status_code == 403
    assert admin.send("POST", "/assessment/bundled/seal", body).status_code == 200
    assert admin.send("POST", "/assessment/bundled/seal", body).status_code == 422
    sealed = monitor.get("/assessment/bundled", {"year": 2025}).json["sealed"]
    assert sealed["items"][0]["narrowing"] == 5.0
