"""Sign-in limits: failures count per login name and per address; successes use up nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

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


def app_for(runtime: Runtime) -> Flask:
    app = create_app(runtime=runtime, WTF_CSRF_ENABLED=False, TESTING=True)
    return app


@pytest.fixture
def behind_proxy(tmp_path: Path) -> Iterator[Runtime]:
    rt = open_runtime(sqlite_settings(tmp_path, JGT_PROXY_HOPS="1", JGT_LOGIN_ATTEMPTS="5"))
    yield rt
    rt.close()


def test_five_wrong_passwords_lock_the_name_even_for_the_right_one(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    client = app_for(runtime).test_client()
    assert [sign_in(client, "hn-teacher", "wrong-password") for _ in range(5)] == [401] * 5
    assert sign_in(client, "hn-teacher", PASSWORD) == 429


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
