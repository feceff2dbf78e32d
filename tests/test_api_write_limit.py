"""API writes are rate-limited per user: a write beyond the limit answers 429 and records nothing.

The limits here are small (``JGT_API_WRITES=3``) so that the fourth write of a user is the one
refused. Reads are never limited; each user has a count of their own; in Redis every worker of the
deployment shares it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.ratelimit import InMemoryRateLimiter, RedisRateLimiter, ResilientRateLimiter
from infra.settings import load_settings
from infra.wiring import Runtime
from tests.conftest import open_runtime, sqlite_settings
from tests.test_api import PERIODS, Api, Client, created, error, make_api
from tests.test_openapi import deref, documented_response, validate
from web import create_app
from web.api.document import document

DOCUMENT = document()

WRITES = 3


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Api]:
    runtime = open_runtime(sqlite_settings(tmp_path, JGT_API_WRITES=str(WRITES)))
    yield make_api(runtime)
    runtime.close()


def head(runtime: Runtime) -> int:
    """The store position of the last event recorded."""
    return runtime.platform.recorder.max_notification_id() or 0


def retry_after(response: object) -> int:
    seconds = int(response.headers["Retry-After"])  # type: ignore[attr-defined]
    return seconds


def grades(client: Client, school_id: object, position: int) -> list[int]:
    """The grades of the school's classes, as the read model shows them at ``position``."""
    found = client.get(f"/schools/{school_id}/classes", min_position=position)
    assert found.status_code == 200, found.json
    return sorted(c["grade"] for c in found.json["items"])


def test_the_write_limit_defaults_to_120_a_minute_and_must_be_at_least_one(
    tmp_path: Path,
) -> None:
    settings = sqlite_settings(tmp_path)
    assert (settings.api_writes, settings.api_write_window_seconds) == (120, 60)
    assert sqlite_settings(tmp_path, JGT_API_WRITES="7").api_writes == 7
    for name in ("JGT_API_WRITES", "JGT_API_WRITE_WINDOW_SECONDS"):
        for bad in ("0", "-5", "many"):
            with pytest.raises(ValueError, match=name):
                load_settings({"JGT_VAR_DIR": str(tmp_path), "JGT_SECRET_KEY": "x", name: bad})


def test_without_redis_the_write_limiter_is_in_memory_with_the_settings(limited: Api) -> None:
    limiter = limited.runtime.api_write_limiter
    assert isinstance(limiter, InMemoryRateLimiter)
    assert (limiter.attempts, limiter.window) == (WRITES, 60)


def test_a_user_who_writes_too_fast_is_told_when_to_retry_and_nothing_is_recorded(
    limited: Api,
) -> None:
    admin = limited.as_("hn-admin")
    school = limited.hn.school_id
    classes = f"/schools/{school}/classes"
    # Three writes, by three methods: all of them go through.
    created(admin.post(classes, {"grade": 4, "name": "1班"}))
    created(admin.put(f"/schools/{school}/bell-schedule", {"periods": PERIODS}), 200)
    _, position = created(admin.post(classes, {"grade": 5, "name": "1班"}))
    assert grades(admin, school, position) == [3, 4, 5]
    before = head(limited.runtime)
    assert before == position

    refused = admin.post(classes, {"grade": 6, "name": "1班"})
    message = error(refused, 429)
    wait = retry_after(refused)
    assert 1 <= wait <= 60
    assert message == f"写入过于频繁，请{wait}秒后再试"
    assert set(refused.json) == {"error", "status"}
    # Every writing method is refused, whatever the body, and none of them reaches its view.
    change = {"name": "x", "stage": "primary", "locality": "rural", "student_count": 1}
    for response in (
        admin.delete(f"{classes}/3-1"),
        admin.patch(f"/schools/{school}", change),
        admin.put(f"/schools/{school}/bell-schedule", {"periods": []}),
        admin.post(classes, {"grade": "not even valid"}),
    ):
        assert error(response, 429)
        assert 1 <= retry_after(response) <= 60

    assert head(limited.runtime) == before
    assert grades(admin, school, before) == [3, 4, 5]
    school_row = admin.get(f"/schools/{school}").json
    assert school_row["name"] != "x"

    validate(refused.json, documented_response("/schools/{school_id}/classes", "post", 429))

    admin.headers["Accept-Language"] = "en"
    english = admin.post(classes, {"grade": 6, "name": "1班"})
    wait = retry_after(english)
    assert error(english, 429) == f"Too many writes; try again in {wait} s"


def test_the_api_document_says_every_write_may_answer_429_with_retry_after() -> None:
    writes = [
        (method, path, operation)
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
        if method in {"post", "put", "patch", "delete"}
    ]
    assert len(writes) > 30
    for method, path, operation in writes:
        response = deref(operation["responses"].get("429"))
        assert response is not None, f"{method.upper()} {path}"
        assert "Retry-After" in response["headers"], f"{method.upper()} {path}"
    reads = [item["get"] for item in DOCUMENT["paths"].values() if "get" in item]
    assert reads
    assert all("429" not in operation["responses"] for operation in reads)


def test_reads_are_never_limited(limited: Api) -> None:
    admin = limited.as_("hn-admin")
    school = limited.hn.school_id
    for _ in range(WRITES * 3):  # reads before the writes use up nothing
        assert admin.get(f"/schools/{school}").status_code == 200
    for grade in (4, 5, 6):
        created(admin.post(f"/schools/{school}/classes", {"grade": grade, "name": "1班"}))
    assert error(admin.post(f"/schools/{school}/classes", {"grade": 2, "name": "1班"}), 429)
    for path in ("/me", "/schools", f"/schools/{school}", f"/schools/{school}/classes", "/audit"):
        for _ in range(WRITES + 1):
            response = admin.get(path)
            assert response.status_code == 200, (path, response.json)
    # Signing in again is not a write either (it has a limit of its own).
    assert limited.token("hn-admin")


def test_the_limit_is_per_user(limited: Api) -> None:
    school = limited.hn.school_id
    admin = limited.as_("hn-admin")
    for grade in (4, 5, 6):
        created(admin.post(f"/schools/{school}/classes", {"grade": grade, "name": "1班"}))
    assert error(admin.post(f"/schools/{school}/classes", {"grade": 2, "name": "1班"}), 429)

    # A colleague in the same bureau, and an admin of another bureau, still have all of theirs.
    sadmin = limited.as_("hn-sadmin")
    for grade in (1, 2, 3):
        created(sadmin.post(f"/schools/{school}/classes", {"grade": grade, "name": "2班"}))
    assert error(sadmin.post(f"/schools/{school}/classes", {"grade": 4, "name": "2班"}), 429)
    other = limited.as_("yy-admin")
    yy_school = limited.yy.school_id
    for grade in (4, 5, 6):
        created(other.post(f"/schools/{yy_school}/classes", {"grade": grade, "name": "1班"}))
    assert error(other.post(f"/schools/{yy_school}/classes", {"grade": 2, "name": "1班"}), 429)


def test_after_retry_after_seconds_the_user_may_write_again(tmp_path: Path) -> None:
    runtime = open_runtime(
        sqlite_settings(tmp_path, JGT_API_WRITES="1", JGT_API_WRITE_WINDOW_SECONDS="1")
    )
    try:
        api = make_api(runtime)
        admin = api.as_("hn-admin")
        classes = f"/schools/{api.hn.school_id}/classes"
        created(admin.post(classes, {"grade": 4, "name": "1班"}))
        refused = admin.post(classes, {"grade": 5, "name": "1班"})
        assert error(refused, 429)
        assert retry_after(refused) == 1
        time.sleep(retry_after(refused))
        created(admin.post(classes, {"grade": 5, "name": "1班"}))
    finally:
        runtime.close()


@pytest.mark.redis
def test_in_redis_every_worker_of_the_deployment_shares_a_users_count(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    settings = sqlite_settings(
        tmp_path,
        JGT_REDIS_URL=redis_url,
        JGT_REDIS_PREFIX=redis_prefix,
        JGT_API_WRITES=str(WRITES),
    )
    first, second = open_runtime(settings), open_runtime(settings)
    try:
        for runtime in (first, second):
            limiter = runtime.api_write_limiter
            assert isinstance(limiter, ResilientRateLimiter)
            assert isinstance(limiter.primary, RedisRateLimiter)
        api = make_api(first)  # the same SQLite file and secret: a token works on both apps
        one = api.as_("hn-admin")
        other_app = create_app(runtime=second).test_client()
        two = Client(other_app, dict(one.headers))
        classes = f"/schools/{api.hn.school_id}/classes"

        created(one.post(classes, {"grade": 4, "name": "1班"}))
        created(two.post(classes, {"grade": 5, "name": "1班"}))
        _, position = created(one.post(classes, {"grade": 6, "name": "1班"}))
        before = head(first)

        refused = two.post(classes, {"grade": 2, "name": "1班"})
        assert error(refused, 429)
        assert 1 <= retry_after(refused) <= 60
        assert error(one.post(classes, {"grade": 2, "name": "1班"}), 429)
        assert head(first) == head(second) == before
        assert grades(one, api.hn.school_id, position) == [3, 4, 5, 6]

        # Another user of the bureau has a count of their own, on either app.
        sadmin = api.as_("hn-sadmin")
        created(Client(other_app, dict(sadmin.headers)).post(classes, {"grade": 2, "name": "2班"}))
    finally:
        second.close()
        first.close()
