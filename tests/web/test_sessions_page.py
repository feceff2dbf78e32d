"""Sessions are ended on the server: signing out voids the cookie, ending a token voids it, and
each person sees their own sessions and tokens on "登录设备 / Sessions" and ends them there."""

from __future__ import annotations

from tests.test_api import Api
from tests.web.conftest import Browser, Web
from tests.web.test_password_ends_sessions import signed_out


def test_a_copied_cookie_opens_nothing_after_signing_out(web: Web) -> None:
    browser = web.browser("hn-teacher")
    assert browser.get("/password").status_code == 200
    copy = Browser(web.app)
    copy.client.set_cookie("session", browser.client.get_cookie("session").value)  # type: ignore[union-attr]
    assert copy.get("/password").status_code == 200
    assert browser.post("/logout").status_code == 302
    assert signed_out(copy.get("/password"))


def test_the_sessions_page_lists_sessions_and_tokens_and_ends_a_token(web: Web) -> None:
    api = Api(web.runtime, web.app, web.app.test_client(), web.hn, web.yy)
    token = api.as_("hn-teacher")
    assert token.get("/me").status_code == 200
    browser = web.browser("hn-teacher")
    page = browser.text("/sessions")
    assert "API" in page
    assert page.count('/end"') == 2  # this browser and the token, each with its End button
    assert web.hn.teacher.user_id is not None
    sessions = web.runtime.services.people.sessions(web.hn.teacher)
    api_token = next(s for s in sessions if s.kind == "api")
    ended = browser.post(f"/sessions/{api_token.id}/end")
    assert ended.status_code == 302
    assert token.get("/me").status_code == 401
    assert browser.get("/password").status_code == 200  # this session goes on


def test_ending_all_other_sessions_keeps_only_this_one(web: Web) -> None:
    here, elsewhere = web.browser("hn-teacher"), web.browser("hn-teacher")
    assert here.post("/sessions/end-others").status_code == 302
    assert signed_out(elsewhere.get("/password"))
    assert here.get("/password").status_code == 200


def test_nobody_ends_another_persons_session(web: Web) -> None:
    teacher, colleague = web.browser("hn-teacher"), web.browser("hn-teacher2")
    assert web.hn.teacher.user_id is not None
    (mine,) = web.runtime.services.people.sessions(web.hn.teacher)
    assert colleague.post(f"/sessions/{mine.id}/end").status_code == 404
    assert teacher.get("/password").status_code == 200


def test_ending_a_session_needs_the_csrf_token(web: Web) -> None:
    browser = web.browser("hn-teacher")
    assert browser.post("/sessions/end-others", csrf=False).status_code == 400
