"""Synchronized classes through the services, on SQLite and PostgreSQL: a semester's timetable,
acceptance, the generated lessons, changes checked like new slots, and the plan's 同步课堂 task."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.counting import TaskKind
from domain.plan import Task
from domain.roles import Role
from domain.sync_session import Status, SyncSession, session_id_for
from domain.timetable import Timetable
from infra.wiring import Runtime
from services.actor import Actor
from services.errors import DomainError, Forbidden, NotFound
from services.sync_classes import Receiver
from tests.conftest import Bureau, SetClock, found_fusion, make_bureau, teacher_at
from tests.test_domain_sync_classes import bell

SPRING = (date(2025, 3, 3), date(2025, 4, 30))


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 10, 0, tzinfo=UTC)


@pytest.fixture
def hn(runtime: Runtime, set_clock: SetClock) -> Bureau:
    return bureau_with_bells(runtime, set_clock)


def bureau_with_bells(
    runtime: Runtime, set_clock: SetClock, prefix: str = "hn", name: str = "海宁市教育局"
) -> Bureau:
    """A bureau's two schools with bells ten minutes apart, and classes of grades 3 and 4 at the
    second."""
    set_clock(at(2025, 1, 2))
    bureau = make_bureau(runtime, prefix, name)
    org = runtime.services.organisation
    org.set_bell_schedule(bureau.admin, bureau.school_id, bell(8 * 60))
    org.set_bell_schedule(bureau.admin, bureau.other_school_id, bell(8 * 60 + 10))
    org.open_class(bureau.admin, bureau.other_school_id, grade=3, name="1班")
    org.open_class(bureau.admin, bureau.other_school_id, grade=4, name="1班")
    return bureau


def semester(runtime: Runtime, hn: Bureau) -> tuple[UUID, UUID]:
    community = found_fusion(runtime, hn).id
    timetable = runtime.services.sync_classes.draft_timetable(
        hn.school_admin, community, name="2025年春季学期", starts_on=SPRING[0], ends_on=SPRING[1]
    ).id
    return community, timetable


def propose(
    runtime: Runtime,
    hn: Bureau,
    timetable: UUID,
    *,
    weekday: int = 2,
    period: int = 3,
    **kw: object,
) -> str:
    args: dict[str, Any] = {
        "weekday": weekday,
        "period": period,
        "subject": "语文",
        "grade": 3,
        "host_class_id": "3-1",
        "host_teacher_id": hn.teacher.user_id,
        "receivers": [Receiver(hn.other_school_id, "3-1", hn.other_teacher.user_id)],
    }
    args.update(kw)
    runtime.services.sync_classes.propose_slot(hn.school_admin, timetable, **args)
    stored: Timetable = runtime.platform.repository.get(timetable)
    return max(stored.slots, key=int)


def bd_admin(runtime: Runtime, hn: Bureau) -> Actor:
    """博达's admin (the bureau's own login, seated at the member school)."""
    return Actor(
        user_id=hn.admin.user_id,
        tenant_id=hn.tenant_id,
        school_id=hn.other_school_id,
        roles=frozenset({Role.SCHOOL_ADMIN}),
    )


def sessions_of(runtime: Runtime, timetable: UUID, slot: str) -> list[SyncSession]:
    stored: Timetable = runtime.platform.repository.get(timetable)
    found = []
    calendars = {
        2025: runtime.services.sync_classes._settings(stored.tenant_id).school_calendar(2025)
    }
    for day in stored.lesson_days(slot, calendars):
        found.append(runtime.platform.repository.get(session_id_for(timetable, f"{slot}@{day}")))
    return found


def test_a_two_slot_timetable_is_accepted_and_generates_the_semesters_lessons_without_holidays(
    runtime: Runtime, hn: Bureau
) -> None:
    sync = runtime.services.sync_classes
    sync.set_school_calendar(hn.admin, year=2025, holidays=[date(2025, 4, 1)], workdays={})
    _, timetable = semester(runtime, hn)
    first = propose(runtime, hn, timetable, weekday=2, period=3)
    second = propose(runtime, hn, timetable, weekday=4, period=2, subject="数学")
    with pytest.raises(DomainError, match="不涉及本校"):
        sync.answer_slot(hn.school_admin, timetable, first, accept=True)
    with pytest.raises(Forbidden):
        sync.answer_slot(hn.other_teacher, timetable, first, accept=True)
    member = bd_admin(runtime, hn)
    sync.answer_slot(member, timetable, first, accept=True)
    sync.answer_slot(member, timetable, second, accept=True)
    sync.generate_sessions(hn.school_admin, timetable)
    tuesdays = sessions_of(runtime, timetable, first)
    assert date(2025, 4, 1) not in [s.on for s in tuesdays]
    assert len(tuesdays) == 8  # nine Tuesdays from 4 March to 29 April, less 1 April
    assert tuesdays[0].receiving[0]["start"] == "09:50"  # 博达's own third period
    assert len(sessions_of(runtime, timetable, second)) == 8  # Thursdays 6 March–24 April
    with pytest.raises(DomainError, match="没有已被接受"):
        sync.generate_sessions(hn.school_admin, timetable)


def test_a_teacher_booked_twice_is_refused_and_nothing_is_stored(
    runtime: Runtime, hn: Bureau
) -> None:
    _, timetable = semester(runtime, hn)
    propose(runtime, hn, timetable)
    other_class = runtime.services.organisation.open_class(
        hn.admin, hn.school_id, grade=3, name="2班"
    )
    assert other_class
    helper = teacher_at(runtime, hn, hn.school_id, "hn-helper")
    head = runtime.platform.head()
    with pytest.raises(DomainError, match="教师王老师星期二第3节已有同步课（语文）"):
        propose(runtime, hn, timetable, host_class_id="3-2", subject="数学")
    with pytest.raises(DomainError, match="班级星期二第3节已有"):
        propose(runtime, hn, timetable, host_class_id="3-1", host_teacher_id=helper.user_id)
    stored: Timetable = runtime.platform.repository.get(timetable)
    assert len(stored.slots) == 1
    assert runtime.platform.head() == head


def test_bad_slots_answer_with_the_reason_and_store_nothing(runtime: Runtime, hn: Bureau) -> None:
    _, timetable = semester(runtime, hn)
    head = runtime.platform.head()
    with pytest.raises(DomainError, match="没有第9节"):
        propose(runtime, hn, timetable, period=9)
    with pytest.raises(DomainError, match="不是3年级的班级"):
        propose(
            runtime,
            hn,
            timetable,
            receivers=[Receiver(hn.other_school_id, "4-2", hn.other_teacher.user_id)],
        )
    assert runtime.platform.head() == head
    runtime.services.sync_classes.set_min_overlap(hn.admin, 35)
    head = runtime.platform.head()
    with pytest.raises(DomainError, match="重叠至少35分钟"):
        propose(runtime, hn, timetable)
    assert runtime.platform.head() == head


def test_another_bureau_cannot_see_a_timetable(runtime: Runtime, hn: Bureau) -> None:
    _, timetable = semester(runtime, hn)
    yy = make_bureau(runtime, "yy", "余姚市教育局")
    with pytest.raises(NotFound):
        runtime.services.sync_classes.generate_sessions(yy.school_admin, timetable)


def test_rescheduling_and_cancelling_free_the_day_and_delivered_lessons_move_the_sync_task(
    runtime: Runtime, hn: Bureau, set_clock: SetClock
) -> None:
    sync = runtime.services.sync_classes
    community, timetable = semester(runtime, hn)
    set_clock(at(2025, 3, 1))
    plan = runtime.services.plans.draft(
        hn.school_admin,
        community,
        year=2025,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        title="2025年度工作计划",
        tasks=[Task(TaskKind.SYNC_CLASS, 2, min_units=2)],
    ).id
    runtime.services.plans.submit(hn.school_admin, plan)
    runtime.services.plans.approve(hn.admin, plan)
    first = propose(runtime, hn, timetable, weekday=2, period=3)
    second = propose(runtime, hn, timetable, weekday=4, period=2, subject="数学")
    member = bd_admin(runtime, hn)
    sync.answer_slot(member, timetable, first, accept=True)
    sync.answer_slot(member, timetable, second, accept=True)
    sync.generate_sessions(hn.school_admin, timetable)
    chinese, maths = sessions_of(runtime, timetable, first), sessions_of(runtime, timetable, second)
    # Moving Tuesday's lesson onto Thursday's second period clashes with the maths slot.
    with pytest.raises(DomainError, match="已有同步课（数学）"):
        sync.reschedule(hn.school_admin, chinese[0].id, on=date(2025, 3, 6), period=2)
    sync.reschedule(hn.school_admin, chinese[0].id, on=date(2025, 3, 6), period=4)
    # Tuesday 4 March is free again: an extra lesson may take it.
    sync.add_extra_session(hn.school_admin, timetable, second, on=date(2025, 3, 4), period=3)
    sync.cancel(hn.school_admin, chinese[1].id, reason="停电 / Power cut")
    stored: SyncSession = runtime.platform.repository.get(chinese[1].id)
    assert stored.status == Status.CANCELLED

    def deliver(session: SyncSession) -> None:
        set_clock(datetime.combine(session.on, datetime.min.time(), UTC).replace(hour=9))
        fresh: SyncSession = runtime.platform.repository.get(session.id)
        key = f"{hn.other_school_id}/3-1"
        with pytest.raises(DomainError, match="超过班级人数"):
            sync.deliver(
                hn.teacher,
                session.id,
                started="09:40",
                ended="10:20",
                attendance={key: (41, 40)},
                quality="good",
            )
        sync.deliver(
            hn.teacher,
            fresh.id,
            started="09:40",
            ended="10:20",
            attendance={key: (38, 40)},
            quality="good",
        )

    deliver(chinese[2])
    runtime.catch_up()
    figures = runtime.services.progress.community(hn.admin, community, as_of=date(2025, 6, 30))
    assert figures.percent == 50.0  # one lesson of two, in one subject of two
    deliver(maths[2])
    runtime.catch_up()
    figures = runtime.services.progress.community(hn.admin, community, as_of=date(2025, 6, 30))
    assert figures.percent == 100.0
    drill = runtime.services.progress.drill_down(
        hn.admin, community, task_kind=TaskKind.SYNC_CLASS, as_of=date(2025, 6, 30)
    )
    assert sorted(r.contribution.unit for r in drill if r.counts) == ["数学", "语文"]


def test_another_bureaus_teacher_is_not_found_and_not_named(runtime: Runtime, hn: Bureau) -> None:
    _, timetable = semester(runtime, hn)
    yy = make_bureau(runtime, "yy", "余姚市教育局")
    with pytest.raises(NotFound) as refused:
        propose(runtime, hn, timetable, host_teacher_id=yy.teacher.user_id)
    assert "王老师" not in str(refused.value)
