"""Sign-in limits: failures count per (login name, address), with larger budgets per name and per
address as backstops; attempts are counted atomically; successes use up nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError

from infra.wiring import Runtime
from tests.conftest import PASSWORD, Bureau, open_runtime, sqlite_settings
from web import create_app


def sign_in(client: FlaskClient, username: str, password: str, address: str = "10.0.0.1") -> int:
    headers = {"X-Forwarded-For": address}
    return client.post(
        "/login",
        data={"username": username, "password": password},
        headers=headers,
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    ).status_code


def sign_in_from(client: FlaskClient, address: str, username: str, password: str) -> int:
    """A sign-in straight from ``address`` (no proxy in front)."""
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    ).status_code


def app_for(runtime: Runtime) -> Flask:
    app = create_app(runtime=runtime, WTF_CSRF_ENABLED=False, TESTING=True)
    return app


@pytest.fixture
def behind_proxy(tmp_path: Path) -> Iterator[Runtime]:
    rt = open_runtime(sqlite_settings(tmp_path, JGT_PROXY_HOPS="1", JGT_LOGIN_ADDRESS_ATTEMPTS="5"))
    yield rt
    rt.close()


def test_five_wrong_passwords_slow_that_name_down_from_that_address(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    client = app_for(runtime).test_client()
    assert [sign_in(client, "hn-teacher", "wrong-password") for _ in range(5)] == [401] * 5
    assert sign_in(client, "hn-teacher", PASSWORD) == 429


def test_the_named_account_still_signs_in_from_another_address_while_someone_hammers_it(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    client = app_for(runtime).test_client()
    hammered = [sign_in_from(client, "10.6.6.6", "hn-admin", "wrong-password") for _ in range(8)]
    assert hammered == [401] * 5 + [429] * 3
    assert sign_in_from(client, "10.0.0.8", "hn-admin", PASSWORD) == 302
    # Nor is the attacker's address closed to the colleagues behind it.
    assert sign_in_from(client, "10.6.6.6", "hn-teacher", PASSWORD) == 302


def test_a_name_guessed_at_from_many_addresses_is_stopped_by_its_own_budget(
    tmp_path: Path,
) -> None:
    rt = open_runtime(sqlite_settings(tmp_path, JGT_LOGIN_NAME_ATTEMPTS="6"))
    try:
        from tests.conftest import make_bureau

        make_bureau(rt, "hn", "海宁市教育局")
        client = app_for(rt).test_client()
        spread = [
            sign_in_from(client, f"10.1.0.{n}", "hn-admin", "wrong-password") for n in range(8)
        ]
        assert spread == [401] * 6 + [429] * 2
    finally:
        rt.close()


def test_colleagues_signing_in_correctly_do_not_use_up_their_schools_address(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    client = app_for(runtime).test_client()
    users = ["hn-teacher", "hn-teacher2", "hn-sadmin", "hn-monitor", "hn-admin"]
    for _ in range(3):
        for username in users:
            assert sign_in(client, username, PASSWORD) == 302
            client.post("/logout")


def test_behind_a_proxy_each_client_address_has_its_own_budget(
    behind_proxy: Runtime,
) -> None:
    from tests.conftest import make_bureau

    make_bureau(behind_proxy, "hn", "海宁市教育局")
    behind_proxy.catch_up()
    client = app_for(behind_proxy).test_client()
    for n in range(5):
        assert sign_in(client, f"nobody-{n}", "wrong-password", address="10.0.0.7") == 401
    # The sixth failure from the same client address is refused before any check…
    assert sign_in(client, "nobody-9", "wrong-password", address="10.0.0.7") == 429
    # …while another client behind the same proxy signs in.
    assert sign_in(client, "hn-teacher", PASSWORD, address="10.0.0.8") == 302


def guess_in_parallel(app: Flask, guesses: int, address: str = "10.9.9.9") -> list[int]:
    """``guesses`` wrong passwords for one name from one address, all sent at once."""
    start = threading.Barrier(guesses)

    def guess(_: int) -> int:
        client = app.test_client()
        start.wait()
        return sign_in(client, "hn-admin", "wrong-password", address)

    with ThreadPoolExecutor(max_workers=guesses) as pool:
        return list(pool.map(guess, range(guesses)))


@pytest.mark.redis
def test_forty_parallel_guesses_against_redis_get_no_more_than_the_budget(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    rt = open_runtime(
        sqlite_settings(tmp_path, JGT_REDIS_URL=redis_url, JGT_REDIS_PREFIX=redis_prefix)
    )
    try:
        from tests.conftest import make_bureau

        make_bureau(rt, "hn", "海宁市教育局")
        answers = guess_in_parallel(app_for(rt), 40)
        assert answers.count(401) == rt.settings.login_attempts
        assert answers.count(429) == 40 - rt.settings.login_attempts
    finally:
        rt.close()


def test_parallel_guesses_in_one_process_get_no_more_than_the_budget(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    answers = guess_in_parallel(app_for(runtime), 20)
    assert answers.count(401) == runtime.settings.login_attempts
    assert answers.count(429) == 20 - runtime.settings.login_attempts


def test_a_store_outage_during_sign_in_is_neither_a_wrong_password_nor_a_failed_attempt(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = app_for(runtime).test_client()

    def unreachable(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT …", {}, Exception("server closed the connection"))

    with monkeypatch.context() as outage:
        outage.setattr(runtime.platform.repository, "get", unreachable)
        for _ in range(runtime.settings.login_attempts + 1):
            # A server error (web.errors: 503 with Retry-After), never "wrong password".
            assert sign_in(client, "hn-teacher", PASSWORD) >= 500
    assert sign_in(client, "hn-teacher", PASSWORD) == 302
