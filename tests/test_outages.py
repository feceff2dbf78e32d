"""Faults with servers of the test's own (``tests.fault_servers``): Redis or PostgreSQL stops,
the site answers without a 500 (503 with Retry-After where nothing can be done), and it recovers
when the server returns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient

from infra.ratelimit import ResilientRateLimiter
from infra.wiring import Runtime
from tests.conftest import PASSWORD, make_bureau, open_runtime, sqlite_settings
from tests.fault_servers import OwnPostgres, OwnRedis, own_postgres, own_redis
from web import create_app

__all__ = ["own_postgres", "own_redis"]  # the fixtures, for pytest

CLASS = {"grade": 4, "name": "2班"}


def token(client: FlaskClient, username: str, password: str = PASSWORD) -> int:
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    status: int = answer.status_code
    return status


def bearer(client: FlaskClient, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.json
    return {"Authorization": f"Bearer {answer.json['token']}"}


def started(runtime: Runtime) -> tuple[Flask, FlaskClient]:
    app = create_app(runtime=runtime, WTF_CSRF_ENABLED=False)
    return app, app.test_client()


@pytest.fixture
def redis_world(tmp_path: Path, own_redis: OwnRedis) -> Iterator[tuple[Runtime, OwnRedis]]:
    settings = sqlite_settings(
        tmp_path, JGT_REDIS_URL=own_redis.url, JGT_LOGIN_ATTEMPTS="3", JGT_API_WRITES="100"
    )
    runtime = open_runtime(settings)
    make_bureau(runtime, "hn", "海宁市教育局")
    runtime.catch_up()
    runtime.start_embedded_projections()
    for limiter in (runtime.rate_limiter, runtime.api_write_limiter):
        assert isinstance(limiter, ResilientRateLimiter)
        limiter.probe_seconds = 0  # ask Redis on every request: recovery shows at once
    yield runtime, own_redis
    runtime.close()


@pytest.mark.redis
@pytest.mark.slow
def test_with_redis_stopped_sign_in_and_writes_answer_and_the_limits_still_hold(
    redis_world: tuple[Runtime, OwnRedis],
) -> None:
    runtime, server = redis_world
    _, client = started(runtime)
    headers = bearer(client, "hn-admin")
    school = client.get("/api/v1/schools", headers=headers).json["items"][0]["id"]

    server.stop()
    assert bearer(client, "hn-teacher")  # sign-in answers
    write = client.post(f"/api/v1/schools/{school}/classes", headers=headers, json=CLASS)
    assert write.status_code == 201, write.json
    assert client.get("/login").status_code == 200
    signed_in = client.post("/login", data={"username": "hn-admin", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.get("/").status_code == 200  # pages with their caches, without Redis
    # The in-process limits apply: three wrong passwords, then 429.
    wrong = [token(client, "hn-monitor", "wrong-password-1") for _ in range(4)]
    assert wrong == [401, 401, 401, 429]

    server.start()
    again = client.post(
        f"/api/v1/schools/{school}/classes", headers=headers, json={**CLASS, "name": "3班"}
    )
    assert again.status_code == 201, again.json
    shared = redis_lib.Redis.from_url(server.url)
    try:
        assert list(shared.scan_iter(match=f"{runtime.settings.redis_prefix}api-writes:*"))
    finally:
        shared.close()
    assert not runtime.api_write_limiter.degraded  # type: ignore[attr-defined]
    # What was counted during the outage still counts until it ages out.
    assert token(client, "hn-monitor") == 429


@pytest.fixture
def postgres_world(
    tmp_path: Path, own_postgres: OwnPostgres
) -> Iterator[tuple[Runtime, OwnPostgres]]:
    settings = sqlite_settings(
        tmp_path,
        JGT_DATABASE_URL=own_postgres.url,
        JGT_EMBEDDED_PROJECTIONS="false",
        JGT_LOGIN_ATTEMPTS="1",
    )
    runtime = open_runtime(settings)
    make_bureau(runtime, "hn", "海宁市教育局")
    runtime.catch_up()
    yield runtime, own_postgres
    runtime.close()


@pytest.mark.postgres
@pytest.mark.slow
def test_with_postgresql_stopped_pages_and_the_api_answer_503_and_recover_after(
    postgres_world: tuple[Runtime, OwnPostgres],
) -> None:
    runtime, server = postgres_world
    _, client = started(runtime)
    headers = bearer(client, "hn-admin")
    page = client.post("/login", data={"username": "hn-admin", "password": PASSWORD})
    assert page.status_code == 302
    schools = client.get("/api/v1/schools", headers=headers).json["items"]
    school = schools[0]["id"]
    me = client.get("/api/v1/me", headers=headers).json["id"]

    server.stop()
    answers = {
        "api read": client.get("/api/v1/schools", headers=headers),
        "api write": client.post(f"/api/v1/schools/{school}/classes", headers=headers, json=CLASS),
        "api change": client.patch(
            f"/api/v1/users/{me}",
            headers=headers,
            json={
                "display_name": "管理员",
                "subjects": [],
                "grades": [],
                "key_level": "",
                "title": "",
            },
        ),
        "page": client.get("/"),
        "health": client.get("/healthz"),
    }
    for name, answer in answers.items():
        assert answer.status_code == 503, (name, answer.status_code, answer.get_data(as_text=True))
        assert int(answer.headers["Retry-After"]) > 0, name
    assert answers["api read"].json["status"] == 503
    assert "text/html" in answers["page"].content_type

    server.start()
    assert client.get("/api/v1/schools", headers=headers).status_code == 200
    written = client.post(f"/api/v1/schools/{school}/classes", headers=headers, json=CLASS)
    assert written.status_code == 201, written.json
    assert client.get("/").status_code == 200


@pytest.mark.postgres
@pytest.mark.slow
def test_sign_in_while_postgresql_is_stopped_answers_503_and_locks_nobody_out(
    postgres_world: tuple[Runtime, OwnPostgres],
) -> None:
    runtime, server = postgres_world
    _, client = started(runtime)

    server.stop()
    during = client.post("/login", data={"username": "hn-admin", "password": PASSWORD})
    assert during.status_code == 503
    assert token(client, "hn-admin") == 503

    server.start()
    # One failure would lock the name out (JGT_LOGIN_ATTEMPTS=1): none was counted.
    assert token(client, "hn-admin") == 200
    assert (
        client.post("/login", data={"username": "hn-admin", "password": PASSWORD}).status_code
        == 302
    )
