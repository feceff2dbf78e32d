"""Lesson plan pages: a member drafts on the group page, the leader comments, the author revises,
the diff shows what changed, the leader finalises and publishes, and the library finds the plan
by a Chinese word of its text; HTML typed into a plan stays text; another bureau finds nothing."""

from __future__ import annotations

from urllib.parse import quote

from tests.web_research.test_research_pages import World
from tests.web_research.test_research_pages import world as world


def test_a_plan_is_drafted_revised_published_and_found_in_the_library(world: World) -> None:
    author = world.web.browser("hn-teacher2")
    leader = world.web.browser("hn-teacher")
    group_page = author.text(f"/research/groups/{world.group}")
    assert 'id="lesson-plans"' in group_page
    drafted = author.post(
        f"/research/groups/{world.group}/lesson-plans",
        {"title": "<b>秋天的雨</b>教学设计", "grade": "", "text": "教学目标：认识生字\n朗读课文"},
    )
    assert drafted.status_code == 302
    path = drafted.headers["Location"]
    assert leader.post(f"{path}/comments", {"text": "加一个写话练习"}).status_code == 302
    revised = author.post(
        f"{path}/revisions",
        {
            "title": "<b>秋天的雨</b>教学设计",
            "text": "教学目标：认识生字\n朗读课文\n写话：秋天的颜色",
        },
    )
    assert revised.status_code == 302
    diff = author.text(f"{path}/diff?from=1&to=2")
    assert "<ins>+ 写话：秋天的颜色</ins>" in diff
    assert author.post(f"{path}/publish").status_code == 403
    assert leader.post(f"{path}/final").status_code == 302
    assert leader.post(f"{path}/publish").status_code == 302
    page = leader.text(path)
    assert "&lt;b&gt;秋天的雨&lt;/b&gt;教学设计" in page
    assert "<b>秋天的雨</b>" not in page
    assert "加一个写话练习" in page
    library = world.web.browser("hn-teacher2").text(f"/research/library?q={quote('写话')}")
    assert "&lt;b&gt;秋天的雨&lt;/b&gt;教学设计" in library
    assert "秋天的雨" not in author.text(f"/research/library?q={quote('数学')}")


def test_an_empty_draft_answers_422_and_keeps_what_was_typed(world: World) -> None:
    author = world.web.browser("hn-teacher2")
    response = author.post(
        f"/research/groups/{world.group}/lesson-plans",
        {"title": "", "grade": "", "text": "我写的正文"},
    )
    assert response.status_code == 422
    assert "教案标题不能为空" in response.get_data(as_text=True)
    assert "我写的正文" in response.get_data(as_text=True)
    assert world.web.runtime.services.lesson_plans.ctx.lesson_plans.plans([world.group]) == []


def test_another_bureau_finds_no_plan_and_a_bad_diff_answers_400(world: World) -> None:
    author = world.web.browser("hn-teacher2")
    path = author.post(
        f"/research/groups/{world.group}/lesson-plans",
        {"title": "教案", "grade": "", "text": "正文"},
    ).headers["Location"]
    outsider = world.web.browser("yy-teacher")
    assert outsider.get(path).status_code == 404
    assert outsider.post(f"{path}/comments", {"text": "看看"}).status_code == 404
    assert author.get(f"{path}/diff?from=x&to=1").status_code == 400
    assert author.get(f"{path}/diff?from=1&to=9").status_code == 404
