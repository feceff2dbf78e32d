"""The growth portfolio on the web: the teacher's page by school year and its xAPI export; the
school admin reaches it from the hours table; a colleague and another bureau do not."""

from __future__ import annotations

import json

from tests.web_research.test_research_pages import World
from tests.web_research.test_research_pages import world as world  # the fixture, by its name


def test_a_teacher_sees_and_exports_their_portfolio_and_the_school_admin_reaches_it(
    world: World,
) -> None:
    web = world.web
    phone = web.browser("hn-teacher2")
    path = f"/research/sessions/{world.session}"
    phone.post(f"{path}/sign-up")
    phone.post(f"{path}/check-in")
    phone.post(f"{path}/posts", {"text": "<em>发言</em>"})
    web.runtime.catch_up()
    page = phone.text("/research/portfolio")
    assert 'id="year-2025"' in page
    assert "《秋天的雨》第二课时" in page
    assert "&lt;em&gt;发言&lt;/em&gt;" in page
    exported = phone.get(f"/research/teachers/{web.hn.other_teacher.user_id}/portfolio.xapi.json")
    assert exported.status_code == 200
    statements = json.loads(exported.data)
    assert {s["verb"]["display"]["en-US"] for s in statements} == {"attended", "commented"}
    assert all(s["timestamp"] and s["stored"] for s in statements)
    other_admin_page = web.browser("hn-bd-admin").text(
        f"/research/schools/{web.hn.other_school_id}/hours"
    )
    link = f"/research/teachers/{web.hn.other_teacher.user_id}/portfolio"
    assert link in other_admin_page
    assert web.browser("hn-bd-admin").get(link).status_code == 200
    assert web.browser("hn-teacher").get(link).status_code == 403
    assert web.browser("yy-admin").get(link).status_code == 404
