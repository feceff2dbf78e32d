"""A web world: two bureaus of tests.conftest behind the Flask app, and browsers that sign in."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from infra.wiring import Runtime
from tests.conftest import PASSWORD, Bureau, make_bureau
from web import create_app

_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
_addresses = itertools.count(1)


def csrf_token(response: TestResponse) -> str:
    found = _TOKEN.search(response.get_data(as_text=True))
    assert found, "the page has no CSRF token"
    return found.group(1)


class Browser:
    """One person with their own cookie jar and address (the login rate limit counts per address)."""

    def __init__(self, app: Flask) -> None:
        n = next(_addresses)
        self.client: FlaskClient = app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = (
            f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        )
        self.token = ""

    def sign_in(self, username: str, password: str = PASSWORD) -> Browser:
        page = self.client.get("/login")
        response = self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": csrf_token(page)},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        # Signing in starts a fresh session, and with it a fresh CSRF token.
        self.token = csrf_token(self.client.get("/"))
        return self

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, **kwargs)

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> TestResponse:
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.token
        return self.client.post(path, data=form, **kwargs)

    def text(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)


@dataclass
class Web:
    runtime: Runtime
    app: Flask
    hn: Bureau
    yy: Bureau

    def browser(self, username: str | None = None, password: str = PASSWORD) -> Browser:
        browser = Browser(self.app)
        return browser.sign_in(username, password) if username else browser


def make_web(runtime: Runtime) -> Web:
    hn = make_bureau(runtime, "hn", "海宁市教育局")
    yy = make_bureau(runtime, "yy", "余姚市教育局")
    runtime.catch_up()
    # As in a real process: projections run beside the app, so pages can read their own writes.
    runtime.start_embedded_projections()
    return Web(runtime=runtime, app=create_app(runtime=runtime), hn=hn, yy=yy)


@pytest.fixture
def web(sqlite_runtime: Runtime) -> Web:
    """The pages on SQLite, the embedded default."""
    return make_web(sqlite_runtime)


@pytest.fixture
def web_on_each_store(runtime: Runtime) -> Web:
    """The pages on SQLite and on PostgreSQL."""
    return make_web(runtime)
