"""Lesson plans through the services, on SQLite and PostgreSQL: drafted by a member, commented by
the group, revised with every revision kept, finalised, published as a 精品教案 to the community's
library, and found there by subject, grade and a Chinese word of its text."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.base import DomainError
from infra.wiring import Runtime
from services.errors import Forbidden, NotFound
from tests.conftest import SetClock
from tests.test_research import Story, a_session
from tests.test_research import story as story

TEXT = "一、教学目标\n认识“润、紫”等生字\n二、教学过程\n朗读课文"


def a_plan(runtime: Runtime, story: Story) -> UUID:
    return runtime.services.lesson_plans.draft(
        story.hn.other_teacher,
        story.group,
        title="《秋天的雨》教学设计",
        grade="",
        text=TEXT,
    ).id


def test_a_plan_goes_from_draft_through_comments_and_revisions_to_the_library(
    runtime: Runtime, story: Story, set_clock: SetClock
) -> None:
    hn, plans = story.hn, runtime.services.lesson_plans
    plan = a_plan(runtime, story)
    plans.comment(hn.teacher, plan, text="教学目标可以写得更具体")
    plans.revise(
        hn.other_teacher,
        plan,
        title="《秋天的雨》教学设计",
        text=TEXT.replace("朗读课文", "分角色朗读课文，体会秋天的五彩缤纷"),
    )
    with pytest.raises(DomainError, match="只有作者"):
        plans.revise(hn.teacher, plan, title="改", text="改")
    with pytest.raises(Forbidden):
        plans.publish(hn.other_teacher, plan)
    plans.finalise(hn.other_teacher, plan)
    plans.publish(hn.teacher, plan)  # the leader
    runtime.catch_up()
    page = plans.plan_page(hn.school_admin, plan)
    assert (page.plan.status, page.plan.revision, page.plan.subject, page.plan.grade) == (
        "published",
        2,
        "语文",
        "五年级",  # the group's grade band when none is given
    )
    assert [(r.number, page.names[r.by]) for r in page.revisions] == [(1, "李老师"), (2, "李老师")]
    assert [(c.revision, c.text) for c in page.comments] == [(1, "教学目标可以写得更具体")]
    _, lines = plans.diff(hn.teacher, plan, 1, 2)
    assert [(d.op, d.text) for d in lines if d.op != "same"] == [
        ("removed", "朗读课文"),
        ("added", "分角色朗读课文，体会秋天的五彩缤纷"),
    ]
    with pytest.raises(NotFound):
        plans.diff(hn.teacher, plan, 1, 3)


def test_the_library_finds_a_published_plan_by_subject_grade_and_a_chinese_word(
    runtime: Runtime, story: Story
) -> None:
    hn, plans = story.hn, runtime.services.lesson_plans
    published, draft = a_plan(runtime, story), a_plan(runtime, story)
    plans.finalise(hn.teacher, published)
    plans.publish(hn.school_admin, published)  # the core school
    runtime.catch_up()

    def found(**query: str) -> list[UUID]:
        return [p.id for p in plans.library(hn.other_teacher, **query).plans]

    assert found() == [published]  # the draft is not in the library
    assert found(words="生字") == [published]
    assert found(words="秋天 朗读", subject="语文", grade="五年级") == [published]
    assert found(words="生字 数学") == []
    assert found(subject="数学") == []
    assert found(words="%") == []  # LIKE's wildcards are plain characters here
    assert draft not in found(words="秋天")
    assert plans.library(story.yy.teacher, words="秋天").plans == []


def test_only_current_members_draft_and_comment_and_another_bureau_sees_no_plan(
    runtime: Runtime, story: Story
) -> None:
    hn, plans = story.hn, runtime.services.lesson_plans
    with pytest.raises(Forbidden):
        plans.draft(hn.school_admin, story.group, title="教案", grade="", text="正文")
    plan = a_plan(runtime, story)
    with pytest.raises(Forbidden):
        plans.comment(hn.school_admin, plan, text="路过")
    runtime.catch_up()
    with pytest.raises(NotFound):
        plans.plan_page(story.yy.admin, plan)
    with pytest.raises(NotFound):
        plans.comment(story.yy.teacher, plan, text="看看")
    session = a_session(runtime, story)
    runtime.catch_up()
    with_session = plans.draft(
        hn.other_teacher, story.group, title="集体备课稿", grade="", text="正文", session_id=session
    ).id
    runtime.catch_up()
    assert plans.plan_page(hn.teacher, with_session).plan.session_id == session
