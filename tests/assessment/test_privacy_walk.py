"""The privacy walk: every page, export and API read of the app, as everyone outside a class's
school, or inside it but not entitled, and none answers a name, a 学号 or an individual score.

The walk reads the app's URL map at run time, so routes added later are walked too. URL variables
are filled with the member school's things (its school, its test, its class); ones the walk does
not know get a made-up value. Exports (.xlsx) are unzipped before they are searched. The member
school's own admin, who may read the class's sheet, is walked the same way as a control: the
detector finds the names and the scores there, so it is not blind.
"""

from __future__ import annotations

import io
import re
import zipfile
from uuid import UUID

import pytest
from flask import Flask
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from infra.wiring import Runtime
from tests.assessment.world import World, make_world, score_file
from tests.conftest import PASSWORD, make_bureau
from tests.web.conftest import Browser
from web import create_app

#: Scores no figure of the walk's groups comes to (their average is 70.88).
MEMBER_SCORES: list[float | None] = [91.3, 72.7, 66.9, 58.1, 83.3, 47.9, 69.7, 77.1]
CORE_SCORES: list[float | None] = [95, 90, 88, 80, 72, 65, 60, None]
MADE_UP = "00000000-0000-4000-8000-000000000000"


def text_of(response: TestResponse) -> str:
    """What a person could read in the answer: the body, or every part of a zipped workbook."""
    data = response.get_data()
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
    return data.decode("utf-8", "replace")


def url_for_rule(rule: Rule, values: dict[str, str]) -> str:
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", values.get(name, MADE_UP), url)
    return url


def leaks(text: str, world: World) -> list[str]:
    found = [n for n, _ in world.member_class if n in text]
    found += [name for _, name in world.member_class if name in text]
    # A score on its own, not part of a longer number or an address (a session's 10.0.58.1).
    found += [
        f"{s:g}"
        for s in MEMBER_SCORES
        if s is not None and re.search(rf"(?<![\d.]){re.escape(f'{s:g}')}(?![\d])", text)
    ]
    return found


@pytest.fixture
def walked(sqlite_runtime: Runtime) -> tuple[Flask, World, UUID]:
    runtime = sqlite_runtime
    world = make_world(runtime)
    make_bureau(runtime, "yy", "余姚市教育局")
    test_id = world.define(runtime)
    assessment = runtime.services.assessment
    for admin, students, scores in (
        (world.core_admin, world.core_class, CORE_SCORES),
        (world.member_admin, world.member_class, MEMBER_SCORES),
    ):
        result = assessment.upload_scores(
            admin,
            test_id,
            class_name="1班",
            filename="成绩.csv",
            data=score_file(students, scores, with_names=True),
        )
        assert result.ok, result.errors
    runtime.catch_up()
    runtime.start_embedded_projections()
    return create_app(runtime=runtime), world, test_id


def walk(app: Flask, world: World, test_id: UUID, username: str) -> dict[str, list[str]]:
    """Every GET route as ``username``; what each answered that it should not have."""
    browser = Browser(app).sign_in(username)
    token = app.test_client().post(
        "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
    )
    assert token.status_code == 200, token.json
    headers = {"Authorization": f"Bearer {token.json['token']}"}  # type: ignore[index]
    values = {
        "test_id": str(test_id),
        "school_id": str(world.hn.other_school_id),
        "community_id": str(world.community_id),
        "tenant_id": str(world.hn.tenant_id),
        "user_id": str(world.member_admin.user_id),
        "class_name": "1班",
        "class_id": "5-1",
        "year": "2025",
        "kind": "xlsx",
        "code": "en",
        "filename": "app.css",
    }
    query = {
        "school_id": str(world.hn.other_school_id),
        "grade": "5",
        "class_name": "1班",
        "community_id": str(world.community_id),
    }
    found: dict[str, list[str]] = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in ("static", "auth.logout"):
            continue
        url = url_for_rule(rule, values)
        if url.startswith("/api/"):
            response = app.test_client().get(url, headers=headers, query_string=query)
        else:
            response = browser.get(url, query_string=query)
        problems = leaks(text_of(response), world)
        if problems:
            found[f"{rule.endpoint} {url} {response.status_code}"] = problems
    return found


@pytest.mark.parametrize(
    "outsider",
    [
        "hn-monitor",  # the bureau
        "hn-admin",  # the bureau's admin
        "hn-sadmin",  # another member school (the core school)
        "hn-teacher",  # a teacher of the other school
        "hn-teacher2",  # a teacher of the class's own school who did not upload it
        "yy-admin",  # another tenant
        "yy-sadmin",
    ],
)
def test_no_page_export_or_api_read_shows_a_name_or_a_score_outside_the_school(
    walked: tuple[Flask, World, UUID], outsider: str
) -> None:
    app, world, test_id = walked
    assert walk(app, world, test_id, outsider) == {}


def test_the_walk_sees_the_names_and_scores_where_they_may_be_read(
    walked: tuple[Flask, World, UUID],
) -> None:
    app, world, test_id = walked
    found = walk(app, world, test_id, "hn-sadmin2")
    seen = {item for problems in found.values() for item in problems}
    assert {name for _, name in world.member_class} <= seen
    assert {f"{s:g}" for s in MEMBER_SCORES if s is not None} <= seen
    # Only the class's sheet and the school's roster, on the pages and in the API, name them.
    assert all(("/classes/" in key or "/roster " in key) for key in found), found
    assert any(key.startswith("api.") for key in found)
