"""The growth portfolio through the services, on SQLite and PostgreSQL: research, posts, lesson
plans, mentoring and activities by school year; mentoring content only for those who may read it;
xAPI statements with the time each thing happened and the time it was recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from infra.wiring import Runtime
from services.errors import Forbidden, NotFound
from tests.conftest import SetClock
from tests.test_research import STARTS, Story, a_session
from tests.test_research import story as story  # the fixture, by its name


def test_a_teachers_portfolio_gathers_every_area_by_year_and_exports_xapi(
    runtime: Runtime, story: Story, set_clock: SetClock
) -> None:
    hn, research = story.hn, runtime.services.research
    assert hn.teacher.user_id is not None
    assert hn.other_teacher.user_id is not None
    me = hn.other_teacher.user_id
    session = a_session(runtime, story)
    set_clock(STARTS + timedelta(hours=5))  # the host records it after the session
    research.record_attendance(hn.teacher, session, me)
    research.post(hn.other_teacher, session, text="我的研讨发言")
    runtime.services.lesson_plans.draft(
        hn.other_teacher, story.group, title="我的教案", grade="", text="正文"
    )
    set_clock(datetime(2025, 11, 20, 2, tzinfo=UTC))
    mentoring = runtime.services.mentoring
    pair = mentoring.pair(
        hn.school_admin,
        story.community,
        mentor_id=hn.teacher.user_id,
        mentee_id=me,
        paired_on=date(2025, 11, 1),
        ends_on=date(2026, 10, 31),
    ).id
    runtime.catch_up()
    mentoring.record(
        hn.other_teacher,
        pair,
        kind="observation",
        mode="online",
        occurred_on=date(2025, 11, 19),
        minutes=40,
        summary="听课心得：私密",
    )
    mentoring.confirm(hn.teacher, pair, "1")
    runtime.catch_up()

    portfolio = runtime.services.portfolio
    mine = portfolio.portfolio(hn.other_teacher, me)
    [(year, items)] = mine.years()
    assert year == 2025
    assert [i.area for i in items] == ["research", "post", "lesson_plan", "mentoring"]
    assert items[3].detail == "听课心得：私密"
    assert mine.hours(items) == 2
    by_bureau = portfolio.portfolio(hn.admin, me)
    assert [i.detail for i in by_bureau.items if i.area == "mentoring"] == [""]
    with pytest.raises(Forbidden):
        portfolio.portfolio(hn.teacher, me)
    with pytest.raises(NotFound):
        portfolio.portfolio(story.yy.admin, me)

    statements = portfolio.xapi(hn.other_teacher, me, "https://jgt.example/")
    assert len(statements) == 4
    assert len({s["id"] for s in statements}) == 4
    attended = statements[0]
    assert attended["verb"]["id"] == "http://adlnet.gov/expapi/verbs/attended"
    assert attended["actor"]["account"]["name"] == str(me)
    assert attended["timestamp"] == STARTS.isoformat()
    # Recorded (by the store's clock) after the session, not at the start it is dated.
    assert datetime.fromisoformat(attended["stored"]) >= STARTS + timedelta(hours=5)
    assert attended["result"] == {"duration": "PT120M"}
    assert "听课心得" not in str(statements)  # content stays out of the export
    assert portfolio.xapi(hn.other_teacher, me, "https://jgt.example/") == statements
