"""The scripted year behind the Flask app, and people who sign in to look at it."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from infra.wiring import Runtime
from services.reports import ReportService
from tests.conftest import PASSWORD
from tests.web_dashboard.scripted_year import Year, seed
from web import create_app

#: "Today" for the pages: Q1 and Q2 have come due, Q3 and Q4 have not.
TODAY = date(2025, 7, 10)

_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
_addresses = itertools.count(1)


def csrf_token(response: TestResponse) -> str:
    found = _TOKEN.search(response.get_data(as_text=True))
    assert found, "the page has no CSRF token"
    return found.group(1)


class Person:
    """Someone with their own cookie jar and address (sign-in is rate limited per address)."""

    def __init__(self, app: Flask) -> None:
        n = next(_addresses)
        self.client: FlaskClient = app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = f"10.9.{n // 256 % 256}.{n % 256}"
        self.token = ""

    def sign_in(self, username: str) -> Person:
        page = self.client.get("/login")
        response = self.client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": csrf_token(page)},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        self.token = csrf_token(self.client.get("/"))
        return self

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, **kwargs)

    def text(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    def post(self, path: str, data: dict[str, Any]) -> TestResponse:
        return self.client.post(path, data={**data, "csrf_token": self.token})


@dataclass
class World:
    runtime: Runtime
    app: Flask
    year: Year

    def person(self, username: str) -> Person:
        return Person(self.app).sign_in(username)

    def set_today(self, day: date) -> None:
        moment = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
        self.runtime.services.progress.ctx.clock = lambda: moment


def make_world(runtime: Runtime) -> World:
    year = seed(runtime)
    runtime.catch_up()
    runtime.start_embedded_projections()
    world = World(runtime=runtime, app=create_app(runtime=runtime), year=year)
    world.set_today(TODAY)
    return world


@pytest.fixture
def world(runtime: Runtime) -> World:
    """The scripted year on SQLite and on PostgreSQL."""
    return make_world(runtime)


@pytest.fixture
def sqlite_world(sqlite_runtime: Runtime) -> World:
    return make_world(sqlite_runtime)


@pytest.fixture
def computations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the dashboard's content was put together."""
    calls: list[int] = []
    dashboard = ReportService.dashboard

    def counted(self: ReportService, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return dashboard(self, *args, **kwargs)

    monkeypatch.setattr(ReportService, "dashboard", counted)
    return calls
