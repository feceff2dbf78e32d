"""A lesson plan's life: draft, comments on a revision, revisions kept, final, published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.base import DomainError
from domain.lesson_plans import LessonPlan, PlanStatus

AT = datetime(2025, 10, 14, 6, 30, tzinfo=UTC)
AUTHOR, LEADER, MEMBER = uuid4(), uuid4(), uuid4()


def a_plan() -> LessonPlan:
    return LessonPlan.draft(
        tenant_id=uuid4(),
        group_id=uuid4(),
        community_id=uuid4(),
        session_id=None,
        author_id=AUTHOR,
        title="《秋天的雨》教学设计",
        subject="语文",
        grade="三年级",
        text="一、教学目标\n认识生字",
        occurred_at=AT,
    )


def test_every_revision_is_kept_with_who_made_it_and_when() -> None:
    plan = a_plan()
    plan.comment(MEMBER, text="目标可以再具体些", occurred_at=AT + timedelta(hours=1))
    number = plan.revise(
        AUTHOR,
        title="《秋天的雨》教学设计",
        text="一、教学目标\n认识9个生字",
        occurred_at=AT + timedelta(days=1),
    )
    assert number == 2
    assert [(r["number"], r["by"], r["at"], r["text"]) for r in plan.revisions] == [
        (1, AUTHOR, AT, "一、教学目标\n认识生字"),
        (2, AUTHOR, AT + timedelta(days=1), "一、教学目标\n认识9个生字"),
    ]


def test_only_the_author_revises_and_a_revision_changes_something() -> None:
    plan = a_plan()
    with pytest.raises(DomainError, match="只有作者"):
        plan.revise(MEMBER, title="改", text="改", occurred_at=AT)
    with pytest.raises(DomainError, match="没有变化"):
        plan.revise(AUTHOR, title=plan.title, text="一、教学目标\n认识生字", occurred_at=AT)


def test_a_final_plan_takes_no_more_comments_or_revisions_and_is_published_once() -> None:
    plan = a_plan()
    with pytest.raises(DomainError, match="定稿后才能发布"):
        plan.publish(actor_id=LEADER, occurred_at=AT)
    with pytest.raises(DomainError, match="作者或组长"):
        plan.finalise(MEMBER, leader_id=LEADER, occurred_at=AT)
    plan.finalise(LEADER, leader_id=LEADER, occurred_at=AT)
    with pytest.raises(DomainError, match="已定稿"):
        plan.comment(MEMBER, text="晚了", occurred_at=AT)
    with pytest.raises(DomainError, match="已定稿"):
        plan.revise(AUTHOR, title="改", text="改", occurred_at=AT)
    plan.publish(actor_id=LEADER, occurred_at=AT)
    assert plan.status == PlanStatus.PUBLISHED
    with pytest.raises(DomainError, match="已发布"):
        plan.publish(actor_id=LEADER, occurred_at=AT)


def test_a_plan_refuses_an_empty_title_and_an_oversized_text() -> None:
    with pytest.raises(DomainError, match="教案标题不能为空"):
        LessonPlan.draft(
            tenant_id=uuid4(),
            group_id=uuid4(),
            community_id=uuid4(),
            session_id=None,
            author_id=AUTHOR,
            title=" ",
            subject="语文",
            grade="",
            text="正文",
            occurred_at=AT,
        )
    plan = a_plan()
    with pytest.raises(DomainError, match="教案正文不能超过"):
        plan.revise(AUTHOR, title="改", text="字" * 30_001, occurred_at=AT)
    assert len(plan.revisions) == 1
