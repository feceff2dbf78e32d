"""The HTTP edges: malformed JSON, numbers and years out of range answer 400 with a reason, never
500; 405 says what is allowed; every response carries the security headers the pages keep to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.wiring import Runtime
from tests.test_api import Api, error, make_api

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"


@pytest.fixture
def api(sqlite_runtime: Runtime) -> Api:
    return make_api(sqlite_runtime)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "Nested too deeply"),
        ('{"a":' * 40 + "1" + "}" * 40, "Nested too deeply"),
        ('{"name": "\\ud800", "grade": 4}', "lone surrogate"),
        ('{"name": "1班", "grade": 1e400}', "out of range"),
        ('{"name": "1班", "grade": 1' + "0" * 400 + "}", "out of range"),
        ('{"name": "1班", "grade": NaN}', "out of range"),
        ('{"name": "1班", "grade": 4', "not valid JSON"),
    ],
)
def test_json_that_would_fail_later_is_refused_with_400_and_a_reason(
    api: Api, data: str, reason: str
) -> None:
    admin = api.as_("hn-admin")
    admin.headers["Accept-Language"] = "en"
    before = api.runtime.platform.head()
    answer = api.client.post(
        f"/api/v1/schools/{api.hn.school_id}/classes",
        headers={**admin.headers, "Content-Type": "application/json"},
        data=data.encode("utf-8", "surrogatepass"),
    )
    assert reason in error(answer, 400)
    assert answer.json["field"] == "body"
    assert api.runtime.platform.head() == before


@pytest.mark.parametrize("year", ["0", "10000", "-1", "1e3"])
def test_seals_of_a_year_outside_the_calendar_answer_400(api: Api, year: str) -> None:
    admin = api.as_("hn-admin")
    assert error(admin.get("/seals", year=year), 400)
    if year.lstrip("-").isdigit():
        assert error(admin.post("/seals", {"year": int(year), "quarter": 1}), 400)


def test_a_method_not_allowed_says_which_are(api: Api) -> None:
    answer = api.as_("hn-admin").delete("/schools")
    error(answer, 405)
    assert set(answer.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_every_response_carries_the_security_headers(api: Api) -> None:
    responses = [
        api.client.get("/login"),
        api.client.get("/no-such-page"),
        api.client.get("/static/app.css"),
        api.client.get("/api/v1/me"),
        api.as_("hn-admin").get("/schools"),
    ]
    for response in responses:
        response.close()  # the static file's stream
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self';" in policy
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_template_has_inline_script_or_event_handlers_the_policy_would_block() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert not re.search(r"<style\b", text), template
        assert not re.search(r"\son[a-z]+\s*=", text), template
        assert "javascript:" not in text, template
