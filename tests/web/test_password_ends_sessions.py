"""A password changed or reset ends every session and API token from before it: a stolen cookie or
token is worth nothing once its owner changes the password. The session that changed it goes on."""

from __future__ import annotations

from tests.conftest import PASSWORD
from tests.test_api import Api
from tests.web.conftest import Web

NEW_PASSWORD = "a-new-pass-2026"


def signed_out(response: object) -> bool:
    location = getattr(response, "headers", {}).get("Location", "")
    return getattr(response, "status_code", 0) == 302 and "/login" in location


def test_changing_ones_password_ends_the_other_sessions_but_not_this_one(web: Web) -> None:
    here, elsewhere = web.browser("hn-teacher"), web.browser("hn-teacher")
    assert here.get("/mentoring").status_code == 200
    assert elsewhere.get("/mentoring").status_code == 200
    changed = here.post(
        "/password", {"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert changed.status_code == 302, changed.get_data(as_text=True)
    assert here.get("/mentoring").status_code == 200
    assert signed_out(elsewhere.get("/mentoring"))
    # Signing in again, with the new password, is a session of after the change.
    assert web.browser("hn-teacher", NEW_PASSWORD).get("/mentoring").status_code == 200


def test_a_password_reset_by_the_school_admin_signs_the_teacher_out(web: Web) -> None:
    teacher = web.browser("hn-teacher")
    assert teacher.get("/mentoring").status_code == 200
    done = web.runtime.services.people.reset_password(
        web.hn.school_admin, web.hn.teacher.user_id, new=NEW_PASSWORD
    )
    assert web.runtime.services.queries.wait_for(done.position)
    assert signed_out(teacher.get("/mentoring"))
    assert web.browser("hn-teacher", NEW_PASSWORD).get("/mentoring").status_code == 200


def test_an_api_token_from_before_a_password_change_stops_working(web: Web) -> None:
    api = Api(web.runtime, web.app, web.app.test_client(), web.hn, web.yy)
    old = api.as_("hn-teacher")
    assert old.get("/me").status_code == 200
    done = web.runtime.services.people.reset_password(
        web.hn.school_admin, web.hn.teacher.user_id, new=NEW_PASSWORD
    )
    assert web.runtime.services.queries.wait_for(done.position)
    refused = old.get("/me")
    assert refused.status_code == 401
    assert "令牌无效" in refused.json["error"]
    fresh = api.token("hn-teacher", NEW_PASSWORD)
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"})
    assert me.status_code == 200
    assert me.json["id"] == str(web.hn.teacher.user_id)
