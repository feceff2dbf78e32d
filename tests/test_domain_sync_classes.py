"""Synchronized classes in the domain: placing a lesson on two bell schedules, every clash, the
semester's lesson days, delivery with attendance, and how sessions count toward a plan."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from domain.base import DomainError
from domain.community import Community
from domain.counting import TaskKind
from domain.plan import Task
from domain.progress import Counted, done_for, shortfall
from domain.school import School
from domain.settings import CommunityType, TenantSettings
from domain.sync_session import SyncSession
from domain.timetable import (
    Booking,
    SchoolBookings,
    Timetable,
    place,
    require_members,
)

NOW = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
TENANT = uuid4()


def bell(first_start: int) -> list[dict[str, object]]:
    """Six 40-minute periods a weekday with 10-minute breaks, from ``first_start`` minutes."""
    periods: list[dict[str, object]] = []
    for weekday in range(1, 6):
        for number in range(1, 7):
            start = first_start + (number - 1) * 50
            end = start + 40
            periods.append(
                {
                    "weekday": weekday,
                    "number": number,
                    "start": f"{start // 60:02d}:{start % 60:02d}",
                    "end": f"{end // 60:02d}:{end % 60:02d}",
                }
            )
    return periods


def a_school(name: str, first_start: int) -> tuple[School, str, str]:
    school = School.register(
        tenant_id=TENANT,
        name=name,
        code=name[:2].encode().hex()[:8],
        stage="primary",
        locality="rural",
        actor_id=None,
        occurred_at=NOW,
    )
    school.set_bell_schedule(bell(first_start), actor_id=None, occurred_at=NOW)
    grade3 = school.open_class(grade=3, name="1班", actor_id=None, occurred_at=NOW)
    grade4 = school.open_class(grade=4, name="1班", actor_id=None, occurred_at=NOW)
    return school, grade3, grade4


SHILING, SL3, SL4 = a_school("狮岭学校", 8 * 60)  # 第3节 09:40–10:20
BODA, BD3, BD4 = a_school("博达学校", 8 * 60 + 10)  # 第3节 09:50–10:30
HOST_TEACHER, HELPER = uuid4(), uuid4()


def test_a_lesson_is_placed_on_the_period_it_overlaps_at_the_receiving_school() -> None:
    host, [there] = place(
        weekday=2,
        grade=3,
        host=SHILING,
        host_period_number=3,
        host_class_id=SL3,
        host_teacher_id=HOST_TEACHER,
        receivers=[(BODA, BD3, HELPER)],
        minimum=30,
    )
    assert (host.period.number, host.period.start, host.period.end) == (3, "09:40", "10:20")
    assert (there.period.number, there.period.start, there.period.end) == (3, "09:50", "10:30")
    assert there.overlap == 30


def test_a_slot_overlapping_less_than_the_minimum_is_refused_with_the_reason() -> None:
    with pytest.raises(DomainError, match="博达学校星期二没有与09:40–10:20重叠至少35分钟"):
        place(
            weekday=2,
            grade=3,
            host=SHILING,
            host_period_number=3,
            host_class_id=SL3,
            host_teacher_id=HOST_TEACHER,
            receivers=[(BODA, BD3, HELPER)],
            minimum=35,
        )


def test_a_slot_on_a_period_that_does_not_exist_is_refused() -> None:
    with pytest.raises(DomainError, match="狮岭学校星期二没有第9节"):
        place(
            weekday=2,
            grade=3,
            host=SHILING,
            host_period_number=9,
            host_class_id=SL3,
            host_teacher_id=HOST_TEACHER,
            receivers=[(BODA, BD3, HELPER)],
            minimum=30,
        )
    with pytest.raises(DomainError, match="星期六没有第1节"):
        place(
            weekday=6,
            grade=3,
            host=SHILING,
            host_period_number=1,
            host_class_id=SL3,
            host_teacher_id=HOST_TEACHER,
            receivers=[(BODA, BD3, HELPER)],
            minimum=30,
        )


def test_a_receiving_class_of_the_wrong_grade_is_refused() -> None:
    with pytest.raises(DomainError, match="博达学校4年级1班不是3年级的班级"):
        place(
            weekday=2,
            grade=3,
            host=SHILING,
            host_period_number=3,
            host_class_id=SL3,
            host_teacher_id=HOST_TEACHER,
            receivers=[(BODA, BD4, HELPER)],
            minimum=30,
        )


def test_a_school_that_is_not_a_member_on_the_slots_dates_is_refused() -> None:
    community = Community.found(
        tenant_id=TENANT,
        name="狮岭—博达教共体",
        kind=CommunityType("fusion", "融合型"),
        core_school_id=SHILING.id,
        founded_on=date(2025, 1, 1),
        round_start_year=2024,
        round_end_year=2026,
        actor_id=None,
        occurred_at=NOW,
    )
    community.admit(
        BODA.id,
        on=date(2025, 4, 1),
        kind=CommunityType("fusion", "融合型"),
        actor_id=None,
        occurred_at=NOW,
    )
    with pytest.raises(DomainError, match="不是教共体成员"):
        require_members(community, [SHILING.id, BODA.id], date(2025, 3, 1), date(2025, 6, 30))
    require_members(community, [SHILING.id, BODA.id], date(2025, 4, 1), date(2025, 6, 30))


def weekly(ref: str, *, teachers: set[UUID], classes: set[str], period: int = 3) -> Booking:
    return Booking(
        ref=ref,
        weekday=2,
        period=period,
        first=date(2025, 3, 1),
        last=date(2025, 6, 30),
        teachers=frozenset(teachers),
        classes=frozenset(classes),
        label="同步课（数学）",
    )


def test_a_teacher_or_a_class_booked_twice_at_the_same_time_is_refused() -> None:
    bookings = SchoolBookings(
        tenant_id=TENANT, school_id=SHILING.id, actor_id=None, occurred_at=NOW
    )
    names = {HOST_TEACHER: "孙飞凤"}
    bookings.book(
        weekly("a", teachers={HOST_TEACHER}, classes={SL3}),
        names=names,
        actor_id=None,
        occurred_at=NOW,
    )
    with pytest.raises(DomainError, match="教师孙飞凤星期二第3节已有同步课（数学）"):
        bookings.book(
            weekly("b", teachers={HOST_TEACHER}, classes={SL4}),
            names=names,
            actor_id=None,
            occurred_at=NOW,
        )
    with pytest.raises(DomainError, match="班级星期二第3节已有"):
        bookings.book(
            weekly("c", teachers={uuid4()}, classes={SL3}),
            names=names,
            actor_id=None,
            occurred_at=NOW,
        )
    # Another period, or the same period once its weekly booking is released, is free.
    bookings.book(
        weekly("d", teachers={HOST_TEACHER}, classes={SL3}, period=4),
        names=names,
        actor_id=None,
        occurred_at=NOW,
    )
    bookings.release("a", actor_id=None, occurred_at=NOW)
    bookings.book(
        weekly("e", teachers={HOST_TEACHER}, classes={SL3}),
        names=names,
        actor_id=None,
        occurred_at=NOW,
    )


def test_a_single_lesson_clashes_with_a_weekly_booking_only_on_a_day_it_keeps() -> None:
    bookings = SchoolBookings(
        tenant_id=TENANT, school_id=SHILING.id, actor_id=None, occurred_at=NOW
    )
    bookings.book(
        weekly("w", teachers={HOST_TEACHER}, classes={SL3}),
        names={},
        actor_id=None,
        occurred_at=NOW,
    )
    tuesday = date(2025, 3, 11)
    once = Booking("x", 2, 3, tuesday, tuesday, frozenset({HOST_TEACHER}), frozenset(), "", True)
    assert bookings.clash(once, {}) is not None
    bookings.free_day("w", tuesday, actor_id=None, occurred_at=NOW)
    assert bookings.clash(once, {}) is None


def a_timetable() -> Timetable:
    return Timetable.draft(
        tenant_id=TENANT,
        community_id=uuid4(),
        name="2025年春季学期",
        starts_on=date(2025, 3, 3),
        ends_on=date(2025, 4, 30),
        actor_id=None,
        occurred_at=NOW,
    )


def test_lesson_days_skip_holidays_and_keep_make_up_workdays() -> None:
    timetable = a_timetable()
    host, receiving = place(
        weekday=5,
        grade=3,
        host=SHILING,
        host_period_number=3,
        host_class_id=SL3,
        host_teacher_id=HOST_TEACHER,
        receivers=[(BODA, BD3, HELPER)],
        minimum=30,
    )
    slot = timetable.propose_slot(
        subject="语文", grade=3, host=host, receiving=receiving, actor_id=None, occurred_at=NOW
    )
    settings = TenantSettings(tenant_id=TENANT, actor_id=None, occurred_at=NOW)
    # 清明 on Friday 4 April; Sunday 27 April keeps Friday's timetable (调休).
    settings.set_school_calendar(
        year=2025,
        holidays=[date(2025, 4, 4)],
        workdays={date(2025, 4, 27): 5},
        actor_id=None,
        occurred_at=NOW,
    )
    days = timetable.lesson_days(slot, {2025: settings.school_calendar(2025)})
    assert date(2025, 4, 4) not in days
    assert date(2025, 4, 27) in days
    assert all(d.isoweekday() == 5 for d in days if d != date(2025, 4, 27))
    assert len(days) == 8  # eight Fridays from 7 March to 25 April, less one holiday, plus one


def test_a_slot_runs_only_once_every_receiving_school_has_answered_and_one_accepted() -> None:
    timetable = a_timetable()
    host, receiving = place(
        weekday=2,
        grade=3,
        host=SHILING,
        host_period_number=3,
        host_class_id=SL3,
        host_teacher_id=HOST_TEACHER,
        receivers=[(BODA, BD3, HELPER)],
        minimum=30,
    )
    first = timetable.propose_slot(
        subject="语文", grade=3, host=host, receiving=receiving, actor_id=None, occurred_at=NOW
    )
    second = timetable.propose_slot(
        subject="数学", grade=3, host=host, receiving=receiving, actor_id=None, occurred_at=NOW
    )
    assert timetable.runnable_slots() == []
    timetable.answer(first, school_id=BODA.id, accept=True, actor_id=None, occurred_at=NOW)
    with pytest.raises(DomainError, match="拒绝需要说明原因"):
        timetable.answer(second, school_id=BODA.id, accept=False, actor_id=None, occurred_at=NOW)
    timetable.answer(
        second, school_id=BODA.id, accept=False, reason="数学组外出", actor_id=None, occurred_at=NOW
    )
    assert timetable.runnable_slots() == [first]
    with pytest.raises(DomainError, match="已答复"):
        timetable.answer(
            first, school_id=BODA.id, accept=False, reason="x", actor_id=None, occurred_at=NOW
        )


def a_session(subject: str = "语文", on: date = date(2025, 3, 11)) -> SyncSession:
    host, receiving = place(
        weekday=2,
        grade=3,
        host=SHILING,
        host_period_number=3,
        host_class_id=SL3,
        host_teacher_id=HOST_TEACHER,
        receivers=[(BODA, BD3, HELPER)],
        minimum=30,
    )
    return SyncSession.schedule(
        tenant_id=TENANT,
        community_id=uuid4(),
        timetable_id=uuid4(),
        key=f"1@{on}",
        subject=subject,
        grade=3,
        on=on,
        host=host,
        receiving=receiving,
        actor_id=None,
        occurred_at=NOW,
    )


def deliver(session: SyncSession, present: int = 38, quality: str = "good", lost: int = 0) -> None:
    session.deliver(
        started="09:40",
        ended="10:20",
        attendance={f"{BODA.id}/{BD3}": (present, 40)},
        quality=quality,
        minutes_lost=lost,
        today=date(2025, 3, 11),
        actor_id=HOST_TEACHER,
        occurred_at=datetime(2025, 3, 11, 4, 0, tzinfo=UTC),
    )


def test_a_delivered_session_counts_once_for_its_subject_and_a_failed_one_does_not() -> None:
    session = a_session("数学")
    with pytest.raises(DomainError, match="超过班级人数"):
        deliver(session, present=41)
    deliver(session)
    [delivered] = [e for e in session.pending_events if isinstance(e, SyncSession.Delivered)]
    [counted] = delivered.counted()
    assert (counted.task_kind, counted.unit, counted.school_id) == (
        TaskKind.SYNC_CLASS,
        "数学",
        SHILING.id,
    )
    assert not delivered.late
    with pytest.raises(DomainError, match="已上完"):
        deliver(session)
    failed = a_session()
    deliver(failed, quality="failed", lost=40)
    [failure] = [e for e in failed.pending_events if isinstance(e, SyncSession.Delivered)]
    assert failure.counted() == []


def test_attendance_must_cover_every_receiving_class_and_a_cancelled_lesson_is_not_delivered() -> (
    None
):
    session = a_session()
    with pytest.raises(DomainError, match="每个接收班级"):
        session.deliver(
            started="09:40",
            ended="10:20",
            attendance={},
            quality="good",
            today=date(2025, 3, 11),
            actor_id=None,
            occurred_at=NOW,
        )
    session.cancel(reason="停电", actor_id=None, occurred_at=NOW)
    with pytest.raises(DomainError, match="已取消"):
        deliver(session)


def test_joint_preparation_keeps_every_revision_and_the_host_finalises_their_own() -> None:
    session = a_session()
    first = session.add_draft(by=HELPER, text="初稿：识字", occurred_at=NOW)
    session.comment(first, by=uuid4(), comment="增加互动环节", occurred_at=NOW)
    with pytest.raises(DomainError, match="主讲教师的修改稿"):
        session.finalise(first, by=HOST_TEACHER, occurred_at=NOW)
    second = session.add_draft(by=HOST_TEACHER, text="二稿：识字＋互动", occurred_at=NOW)
    with pytest.raises(DomainError, match="主讲教师定稿"):
        session.finalise(second, by=HELPER, occurred_at=NOW)
    session.finalise(second, by=HOST_TEACHER, occurred_at=NOW)
    assert [d["text"] for d in session.drafts] == ["初稿：识字", "二稿：识字＋互动"]
    assert session.final_revision == 2
    with pytest.raises(DomainError, match="已定稿"):
        session.add_draft(by=HELPER, text="三稿", occurred_at=NOW)


def test_feedback_comes_from_receiving_teachers_after_delivery() -> None:
    session = a_session()
    with pytest.raises(DomainError, match="尚未上完"):
        session.give_feedback(
            by=HELPER, student_response="积极", homework_rate=95, quiz_average=88, occurred_at=NOW
        )
    deliver(session)
    with pytest.raises(DomainError, match="接收班级的教师"):
        session.give_feedback(
            by=HOST_TEACHER,
            student_response="积极",
            homework_rate=95,
            quiz_average=88,
            occurred_at=NOW,
        )
    with pytest.raises(DomainError, match="百分比"):
        session.give_feedback(
            by=HELPER, student_response="积极", homework_rate=120, quiz_average=88, occurred_at=NOW
        )
    session.give_feedback(
        by=HELPER, student_response="积极", homework_rate=95, quiz_average=88.5, occurred_at=NOW
    )
    session.reflect(by=HOST_TEACHER, reflection="互动不足", occurred_at=NOW)
    assert session.feedback[f"{BODA.id}/{BD3}"]["quiz_average"] == 88.5


def test_twenty_sessions_in_one_subject_miss_the_yuyao_rule_and_say_what_is_missing() -> None:
    task = Task(TaskKind.SYNC_CLASS, target=20, min_units=2)
    school = uuid4()
    one_subject = [Counted(TaskKind.SYNC_CLASS, school, date(2025, 3, 1), unit="语文")] * 20
    assert done_for(task, one_subject) == 19
    assert "还差1个学科（已有：语文）" in shortfall(task, one_subject)
    two_subjects = [
        *one_subject[:19],
        Counted(TaskKind.SYNC_CLASS, school, date(2025, 3, 2), 1, "数学"),
    ]
    assert done_for(task, two_subjects) == 20
    assert shortfall(task, two_subjects) == ""


def test_a_task_may_count_sync_sessions_and_demo_lessons_together() -> None:
    task = Task(TaskKind.SYNC_CLASS, target=10, also=(TaskKind.DEMO_LESSON,))
    school = uuid4()
    work = [
        *[Counted(TaskKind.SYNC_CLASS, school, date(2025, 3, 1), unit="语文")] * 6,
        *[Counted(TaskKind.DEMO_LESSON, school, date(2025, 3, 1))] * 4,
        Counted(TaskKind.ONLINE_RESEARCH, school, date(2025, 3, 1)),
    ]
    assert done_for(task, work) == 10
    assert done_for(Task(TaskKind.SYNC_CLASS, target=10), work) == 6
