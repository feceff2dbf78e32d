"""Signing in never waits for a view: with no projection runner at all (the views stay empty), a
new user's token works at once, and a deactivation, a password reset and a role change take effect
on the very next request, for page sessions and API tokens alike."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask

from domain.roles import Role
from infra.wiring import Runtime
from tests.conftest import PASSWORD, Bureau, make_bureau
from tests.web.conftest import Browser
from web import create_app

NEW_PASSWORD = "a-new-pass-2026"


@dataclass
class World:
    runtime: Runtime
    app: Flask
    hn: Bureau

    def token(self, username: str, password: str = PASSWORD) -> str:
        response = self.app.test_client().post(
            "/api/v1/auth/token", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.json
        token: str = response.json["token"]  # type: ignore[index]
        return token

    def api_status(self, token: str) -> int:
        """A command that reads only the user's aggregate: 422 (wrong current password) once
        signed in, 401 when the token no longer stands for anyone."""
        return (
            self.app.test_client()
            .post(
                "/api/v1/me/password",
                json={"current": "not-my-password", "new": NEW_PASSWORD},
                headers={"Authorization": f"Bearer {token}"},
            )
            .status_code
        )

    def page_status(self, browser: Browser) -> int:
        """A page that reads no view: 200 signed in, 302 to the sign-in page once signed out."""
        return browser.get("/password").status_code


@pytest.fixture
def world(runtime: Runtime) -> World:
    # No catch_up, no runner: every view stays empty for the whole test.
    hn = make_bureau(runtime, "hn", "海宁市教育局")
    assert runtime.views["directory"].position() == 0
    return World(runtime, create_app(runtime=runtime), hn)


def test_a_new_teachers_token_and_session_work_at_once(world: World) -> None:
    people = world.runtime.services.people
    people.register_user(
        world.hn.school_admin,
        username="hn-newcomer",
        display_name="新老师",
        password=PASSWORD,
        roles=[Role.TEACHER],
        school_id=world.hn.school_id,
    )
    assert world.api_status(world.token("hn-newcomer")) == 422
    assert world.page_status(Browser(world.app).sign_in("hn-newcomer")) == 200


def test_a_deactivation_ends_sessions_and_tokens_on_the_next_request(world: World) -> None:
    token, browser = world.token("hn-teacher"), Browser(world.app).sign_in("hn-teacher")
    assert (world.api_status(token), world.page_status(browser)) == (422, 200)
    assert world.hn.teacher.user_id is not None
    world.runtime.services.people.deactivate(world.hn.school_admin, world.hn.teacher.user_id)
    assert (world.api_status(token), world.page_status(browser)) == (401, 302)


def test_a_password_reset_ends_sessions_and_tokens_on_the_next_request(world: World) -> None:
    token, browser = world.token("hn-teacher"), Browser(world.app).sign_in("hn-teacher")
    assert world.hn.teacher.user_id is not None
    world.runtime.services.people.reset_password(
        world.hn.school_admin, world.hn.teacher.user_id, new=NEW_PASSWORD
    )
    assert (world.api_status(token), world.page_status(browser)) == (401, 302)
    assert world.api_status(world.token("hn-teacher", NEW_PASSWORD)) == 422


def test_a_role_change_applies_on_the_next_request(world: World) -> None:
    token = world.token("hn-teacher")
    teacher = world.hn.teacher.user_id
    assert teacher is not None
    people = world.runtime.services.people
    sessions = [s.id for s in people.sessions(world.hn.teacher)]
    assert len(sessions) == 1
    before = people.actor_for_session(teacher, sessions[0])
    assert before is not None
    assert before.roles == {Role.TEACHER}
    people.change_roles(world.hn.admin, teacher, [Role.TEACHER, Role.SCHOOL_ADMIN])
    after = people.actor_for_session(teacher, sessions[0])
    assert after is not None
    assert after.roles == {Role.TEACHER, Role.SCHOOL_ADMIN}
    assert world.api_status(token) == 422  # still signed in, with the new roles
