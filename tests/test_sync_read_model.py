"""The synchronized-class read model and the pages' queries, on SQLite and PostgreSQL: a semester
built through the services (two slots accepted, a lesson moved, one cancelled, one delivered with
attendance, feedback and reflection) as the timetable, a school and a teacher see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from domain.sync_session import SyncSession
from infra.wiring import Runtime
from services.errors import NotFound
from tests.conftest import Bureau, SetClock, make_bureau
from tests.test_sync_classes import (
    SPRING,
    at,
    bd_admin,
    bureau_with_bells,
    propose,
    semester,
    sessions_of,
)


@pytest.fixture
def hn(runtime: Runtime, set_clock: SetClock) -> Bureau:
    return bureau_with_bells(runtime, set_clock)


@dataclass(frozen=True)
class Semester:
    community: UUID
    timetable: UUID
    chinese: list[SyncSession]
    maths: list[SyncSession]


def a_synchronized_semester(runtime: Runtime, hn: Bureau, set_clock: SetClock) -> Semester:
    """狮岭 (the bureau's first school) hosts 语文 on Tuesdays and 数学 on Thursdays for 博达,
    whose bells ring ten minutes later. The hn fixture set the bells."""
    sync = runtime.services.sync_classes
    set_clock(at(2025, 2, 20))
    community, timetable = semester(runtime, hn)
    first = propose(runtime, hn, timetable, weekday=2, period=3)
    second = propose(runtime, hn, timetable, weekday=4, period=2, subject="数学")
    member = bd_admin(runtime, hn)
    sync.answer_slot(member, timetable, first, accept=True)
    sync.answer_slot(member, timetable, second, accept=True)
    sync.generate_sessions(hn.school_admin, timetable)
    chinese, maths = sessions_of(runtime, timetable, first), sessions_of(runtime, timetable, second)
    sync.reschedule(hn.school_admin, chinese[0].id, on=date(2025, 3, 6), period=4)
    sync.cancel(hn.school_admin, chinese[1].id, reason="停电 / Power cut")
    lesson = chinese[2]
    revision = sync.add_draft(hn.teacher, lesson.id, text="《荷花》第一课时教案")
    assert revision
    sync.finalise_plan(hn.teacher, lesson.id, 1)
    set_clock(datetime(2025, 3, 18, 11, 0, tzinfo=UTC))
    sync.deliver(
        hn.teacher,
        lesson.id,
        started="09:40",
        ended="10:20",
        attendance={f"{hn.other_school_id}/3-1": (38, 40)},
        quality="good",
    )
    sync.give_feedback(
        hn.other_teacher,
        lesson.id,
        student_response="学生积极发言",
        homework_rate=90,
        quiz_average=85,
    )
    sync.reflect(hn.teacher, lesson.id, reflection="互动环节时间不够")
    runtime.catch_up()
    return Semester(community, timetable, chinese, maths)


def test_the_timetable_shows_each_slot_on_both_bell_schedules_and_the_figures_per_subject(
    runtime: Runtime, hn: Bureau, set_clock: SetClock
) -> None:
    story = a_synchronized_semester(runtime, hn, set_clock)
    page = runtime.services.sync_pages.timetable_page(
        hn.school_admin, story.timetable, date(2025, 3, 4)
    )
    chinese = page.slots[0]
    assert chinese.mapping(chinese.receiving[0]) == (
        "海宁市教育局第一小学 第3节 09:40–10:20 ⇄ 海宁市教育局第二小学 第3节 09:50–10:30 (重叠30分钟)"
    )
    assert chinese.receiving[0].answer == "accepted"
    assert chinese.row.generated
    assert page.may_edit
    # The week of 3 March: Tuesday's 语文 moved to Thursday's fourth period, beside 数学.
    assert page.grid.cell(date(2025, 3, 4), 3) == []
    thursday = date(2025, 3, 6)
    assert [x.row.subject for x in page.grid.cell(thursday, 4)] == ["语文"]
    assert [x.row.subject for x in page.grid.cell(thursday, 2)] == ["数学"]
    assert page.grid.cell(thursday, 4)[0].row.rescheduled
    figures = page.by_subject["语文"]
    assert (figures.cancelled, figures.delivered, figures.counted) == (1, 1, 1)
    assert figures.attendance_rate == 95.0


def test_a_receiving_school_sees_delivered_against_planned_attendance_and_cancellations(
    runtime: Runtime, hn: Bureau, set_clock: SetClock
) -> None:
    a_synchronized_semester(runtime, hn, set_clock)
    pages = runtime.services.sync_pages
    page = pages.school_page(hn.other_teacher, hn.other_school_id, date(2025, 3, 3))
    # 博达 sits the lessons in its own periods: 数学 in its second, the moved 语文 in its fourth.
    thursday = page.grid.cell(date(2025, 3, 6), 4)
    assert [(x.here.start, x.here.end) for x in thursday] == [("10:40", "11:20")]
    assert page.received.delivered == 1
    assert page.received.cancelled == 1
    # Due by 18 March: 语文 on 6 March (moved) and 18 March, 数学 on 6 and 13 March.
    assert page.received.planned == 4
    assert page.received.attendance_rate == 95.0
    assert page.hosted.planned == 0
    assert [c.row.cancel_reason for c in page.cancellations] == ["停电 / Power cut"]
    assert page.to_answer == []
    hosting = pages.school_page(hn.school_admin, hn.school_id, None)
    assert hosting.hosted.delivered == 1
    assert hosting.received.planned == 0


def test_a_teachers_week_says_what_each_lesson_still_needs(
    runtime: Runtime, hn: Bureau, set_clock: SetClock
) -> None:
    story = a_synchronized_semester(runtime, hn, set_clock)
    set_clock(datetime(2025, 3, 19, 2, 0, tzinfo=UTC))
    week = runtime.services.sync_pages.my_week(hn.teacher, None)
    assert week.monday == date(2025, 3, 17)
    due = {(x.row.on, x.row.subject): x.due for x in week.lessons()}
    assert due[(date(2025, 3, 18), "语文")] == []  # delivered and reflected upon
    assert due[(date(2025, 3, 20), "数学")] == [
        "备课：教案尚未定稿 / Preparation: the plan is not final"
    ]
    receiving = runtime.services.sync_pages.my_week(hn.other_teacher, date(2025, 3, 17))
    assert {x.here.teacher for x in receiving.lessons()} == {"李老师"}
    lesson = runtime.services.sync_pages.session_page(hn.other_teacher, story.chinese[2].id)
    assert lesson.session is not None
    assert lesson.session.final_revision == 1
    assert not lesson.may_change
    assert lesson.is_teacher
    assert not lesson.is_host


def test_another_bureau_finds_no_timetable_school_or_lesson(
    runtime: Runtime, hn: Bureau, set_clock: SetClock
) -> None:
    story = a_synchronized_semester(runtime, hn, set_clock)
    yy = make_bureau(runtime, "yy", "余姚市教育局")
    pages = runtime.services.sync_pages
    for stranger in (yy.admin, yy.school_admin, yy.teacher):
        with pytest.raises(NotFound):
            pages.timetable_page(stranger, story.timetable, None)
        with pytest.raises(NotFound):
            pages.school_page(stranger, hn.other_school_id, None)
        with pytest.raises(NotFound):
            pages.session_page(stranger, story.chinese[2].id)
    # The bureau sees the lesson's facts, not its plan or feedback.
    bureau = pages.session_page(hn.admin, story.chinese[2].id)
    assert bureau.session is None
    assert bureau.lesson.row.status == "delivered"
    assert SPRING[0] <= bureau.lesson.row.on <= SPRING[1]
