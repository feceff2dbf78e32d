"""Community pages behind the Flask app: two bureaus, a community with an approved plan, browsers."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from domain.counting import TaskKind
from domain.plan import Task
from domain.roles import Role
from infra.wiring import Runtime
from services.actor import Actor, Done
from tests.conftest import PASSWORD, Bureau, actor_for, found_fusion, make_bureau
from web import create_app

_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
_addresses = itertools.count(1)

#: The day the tests live on: after the plan deadline, in the second quarter.
TODAY = datetime(2025, 5, 20, 2, 0, tzinfo=UTC)


def csrf_token(response: TestResponse) -> str:
    found = _TOKEN.search(response.get_data(as_text=True))
    assert found, "the page has no CSRF token"
    return found.group(1)


def read(response: TestResponse) -> TestResponse:
    """Read the body and close the response and the request's body.

    Without following redirects, the test client leaves a large upload's spooled temporary file
    open; closing it here keeps ResourceWarnings (errors in this suite) away.
    """
    response.get_data()
    response.close()
    response.request.input_stream.close()
    return response


class Browser:
    """One person with their own cookie jar and address (sign-in is rate-limited per address)."""

    def __init__(self, app: Flask) -> None:
        n = next(_addresses)
        self.client: FlaskClient = app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = f"10.9.{n // 256 % 256}.{n % 256}"
        self.token = ""

    def sign_in(self, username: str, password: str = PASSWORD) -> Browser:
        page = self.client.get("/login")
        response = self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": csrf_token(page)},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        self.token = csrf_token(self.client.get("/"))
        return self

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return read(self.client.get(path, **kwargs))

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> TestResponse:
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.token
        return read(self.client.post(path, data=form, **kwargs))

    def text(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)


@dataclass
class World:
    runtime: Runtime
    app: Flask
    hn: Bureau
    yy: Bureau
    community: UUID  # 海宁's community of its two schools, founded 2025-01-01
    plan: UUID  # its 2025 plan, approved as v1

    def browser(self, username: str | None = None) -> Browser:
        browser = Browser(self.app)
        return browser.sign_in(username) if username else browser

    def settle(self, done: Done) -> Done:
        assert self.runtime.services.queries.wait_for(done.position)
        return done

    def set_clock(self, moment: datetime) -> None:
        self.runtime.services.communities.ctx.clock = lambda: moment

    def outsider(self) -> Actor:
        """A teacher at a school of 海宁 that is not in the community."""
        services = self.runtime.services
        school = self.settle(
            services.organisation.register_school(
                self.hn.admin, name="局外小学", code="HN-99", stage="primary", locality="urban"
            )
        ).id
        done = self.settle(
            services.people.register_user(
                self.hn.admin,
                username="hn-outsider",
                display_name="局外老师",
                password=PASSWORD,
                roles=[Role.TEACHER],
                school_id=school,
            )
        )
        return actor_for(self.runtime, done.id)


def make_world(runtime: Runtime) -> World:
    hn = make_bureau(runtime, "hn", "海宁市教育局")
    yy = make_bureau(runtime, "yy", "余姚市教育局")
    runtime.catch_up()
    runtime.start_embedded_projections()
    services = runtime.services
    services.communities.ctx.clock = lambda: datetime(2025, 1, 2, 2, 0, tzinfo=UTC)
    community = found_fusion(runtime, hn)
    services.queries.wait_for(community.position)
    services.communities.ctx.clock = lambda: datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
    plan = services.plans.draft(
        hn.school_admin,
        community.id,
        year=2025,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        title="2025年度工作计划",
        tasks=[
            Task(TaskKind.OFFLINE_RESEARCH, 4),
            Task(TaskKind.DEMO_LESSON, 2),
            Task(TaskKind.RESEARCH_OUTPUT, 2, weight=2),
        ],
    )
    services.queries.wait_for(plan.position)
    services.queries.wait_for(services.plans.submit(hn.school_admin, plan.id).position)
    services.queries.wait_for(services.plans.approve(hn.admin, plan.id).position)
    services.communities.ctx.clock = lambda: TODAY
    app = create_app(runtime=runtime)
    return World(runtime, app, hn, yy, community.id, plan.id)


@pytest.fixture
def world(sqlite_runtime: Runtime) -> World:
    """The pages on SQLite, the embedded default."""
    return make_world(sqlite_runtime)


@pytest.fixture
def world_on_each_store(runtime: Runtime) -> World:
    """The pages on SQLite and on PostgreSQL."""
    return make_world(runtime)
