"""Online research through the services, on SQLite and PostgreSQL: a group across two schools,
a session held and counted, the hours it earns with mentoring's, and a school leaving."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from domain.base import DomainError
from domain.counting import TaskKind
from domain.plan import Task
from domain.roles import Role
from infra.wiring import Runtime
from services.actor import Actor
from services.errors import Forbidden, NotFound
from tests.conftest import PASSWORD, Bureau, SetClock, actor_for, found_fusion

SEPT = datetime(2025, 9, 15, 1, tzinfo=UTC)  # 09:00 in Beijing, in the 2025–2026 school year
STARTS = datetime(2025, 10, 14, 6, 30, tzinfo=UTC)


@dataclass
class Story:
    hn: Bureau
    yy: Bureau
    community: UUID
    group: UUID
    other_admin: Actor


@pytest.fixture
def story(runtime: Runtime, two_bureaus: tuple[Bureau, Bureau], set_clock: SetClock) -> Story:
    """狮岭 (core) and 博达 in one community with a 2025 plan of 4 online research sessions, and a
    语文 group led by 狮岭's teacher that 博达's teacher has joined through their school admin."""
    hn, yy = two_bureaus
    set_clock(datetime(2025, 3, 1, 1, tzinfo=UTC))
    community = found_fusion(runtime, hn).id
    runtime.catch_up()
    plan = runtime.services.plans.draft(
        hn.school_admin,
        community,
        year=2025,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        title="",
        tasks=[Task(TaskKind.ONLINE_RESEARCH, 4)],
    ).id
    runtime.catch_up()
    runtime.services.plans.submit(hn.school_admin, plan)
    runtime.services.plans.approve(hn.admin, plan)
    other_admin = actor_for(
        runtime,
        runtime.services.people.register_user(
            hn.admin,
            username="hn-bd-admin",
            display_name="博达校长",
            password=PASSWORD,
            roles=[Role.SCHOOL_ADMIN],
            school_id=hn.other_school_id,
        ).id,
    )
    set_clock(SEPT)
    research = runtime.services.research
    assert hn.teacher.user_id is not None
    assert hn.other_teacher.user_id is not None
    group = research.form_group(
        hn.school_admin,
        community,
        name="五年级语文网络教研组",
        subject="语文",
        grade_band="五年级",
        leader_id=hn.teacher.user_id,
    ).id
    research.request_to_join(hn.other_teacher, group)
    with pytest.raises(Forbidden):
        research.add_member(hn.school_admin, group, hn.other_teacher.user_id)
    research.add_member(other_admin, group, hn.other_teacher.user_id)
    runtime.catch_up()
    return Story(hn, yy, community, group, other_admin)


def a_session(runtime: Runtime, story: Story, starts: datetime = STARTS) -> UUID:
    assert story.hn.teacher.user_id is not None
    return runtime.services.research.schedule(
        story.hn.teacher,
        story.group,
        kind="collective_preparation",
        theme="《秋天的雨》第二课时",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        host_id=story.hn.teacher.user_id,
        meeting_link="https://meeting.example/123",
    ).id


def test_a_session_counts_toward_the_plan_once_attendees_come_from_two_schools(
    runtime: Runtime, story: Story, set_clock: SetClock
) -> None:
    hn, research, progress = story.hn, runtime.services.research, runtime.services.progress
    session = a_session(runtime, story)
    research.sign_up(hn.teacher, session)
    research.sign_up(hn.other_teacher, session)
    set_clock(STARTS - timedelta(minutes=5))
    research.check_in(hn.teacher, session)
    runtime.catch_up()
    assert progress.community(hn.admin, story.community, as_of=date(2025, 12, 31)).percent == 0.0
    set_clock(STARTS + timedelta(minutes=10))
    runtime.catch_up()
    page = research.session_page(hn.teacher, session)
    research.check_in_by_code(hn.other_teacher, page.session.code)
    runtime.catch_up()
    # One session of the four planned.
    assert progress.community(hn.admin, story.community, as_of=date(2025, 12, 31)).percent == 25.0
    page = research.session_page(hn.teacher, session)
    assert page.session.counted
    assert [(a.name, a.row.late) for a in page.attendees] == [("王老师", False), ("李老师", True)]
    assert page.leads  # the host's page shows the code, records attendance
    assert not research.session_page(hn.other_teacher, session).leads


def test_the_host_records_one_who_joined_by_phone_and_only_the_host(
    runtime: Runtime, story: Story, set_clock: SetClock
) -> None:
    hn, research = story.hn, runtime.services.research
    session = a_session(runtime, story)
    set_clock(STARTS + timedelta(hours=3))
    assert hn.other_teacher.user_id is not None
    with pytest.raises(Forbidden):
        research.record_attendance(hn.other_teacher, session, hn.other_teacher.user_id)
    research.record_attendance(hn.teacher, session, hn.other_teacher.user_id)
    runtime.catch_up()
    [attendee] = research.session_page(hn.teacher, session).attendees
    assert (attendee.row.by_host, attendee.row.at) == (True, STARTS)
    with pytest.raises(DomainError, match="研修已结束"):
        research.sign_up(hn.teacher, session)


def test_hours_come_from_sessions_and_confirmed_mentoring_and_the_school_sees_those_below_first(
    runtime: Runtime, story: Story, set_clock: SetClock
) -> None:
    hn, research, hours = story.hn, runtime.services.research, runtime.services.training_hours
    assert hn.teacher.user_id is not None
    assert hn.other_teacher.user_id is not None
    for week in range(3):
        starts = STARTS + timedelta(weeks=week)
        session = a_session(runtime, story, starts)
        research.sign_up(hn.other_teacher, session)
        set_clock(starts)
        research.check_in(hn.other_teacher, session)
        set_clock(SEPT)
    mentoring = runtime.services.mentoring
    set_clock(datetime(2025, 11, 20, 2, tzinfo=UTC))
    pair = mentoring.pair(
        hn.school_admin,
        story.community,
        mentor_id=hn.teacher.user_id,
        mentee_id=hn.other_teacher.user_id,
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
        summary="听课",
    )
    mentoring.confirm(hn.teacher, pair, "1")
    runtime.catch_up()
    line = hours.ledger(hn.other_teacher, hn.other_teacher.user_id)
    assert (line.by_source("research"), line.by_source("mentoring")) == (6, 1)
    assert line.sentence == "已获7学时，还需17学时"
    assert hours.ledger(hn.teacher, hn.teacher.user_id).earned == 1
    # The previous school year has none of it.
    assert hours.ledger(hn.other_teacher, hn.other_teacher.user_id, 2024).earned == 0
    with pytest.raises(Forbidden):
        hours.ledger(hn.teacher, hn.other_teacher.user_id)
    with pytest.raises(NotFound):
        hours.ledger(story.yy.admin, hn.other_teacher.user_id)
    table = hours.school_table(story.other_admin, hn.other_school_id)
    assert [(t.name, t.earned) for t in table] == [("李老师", 7)]
    with pytest.raises(Forbidden):
        hours.school_table(hn.school_admin, hn.other_school_id)
    assert hours.school_workbook(story.other_admin, hn.other_school_id).startswith(b"PK")


def test_a_teacher_of_a_school_that_leaves_keeps_their_hours_but_leaves_the_group(
    runtime: Runtime, story: Story, set_clock: SetClock
) -> None:
    hn, research = story.hn, runtime.services.research
    session = a_session(runtime, story)
    research.sign_up(hn.other_teacher, session)
    set_clock(STARTS)
    research.check_in(hn.other_teacher, session)
    set_clock(STARTS + timedelta(days=30))
    runtime.services.communities.release(
        hn.admin, story.community, hn.other_school_id, on=date(2025, 11, 13), reason="调整"
    )
    runtime.catch_up()
    later = a_session(runtime, story, STARTS + timedelta(days=40))
    with pytest.raises(Forbidden, match="不是该教共体成员"):
        research.sign_up(hn.other_teacher, later)
    members = {m.user_id: m for m in research.group_page(hn.teacher, story.group).members}
    assert hn.other_teacher.user_id is not None
    assert members[hn.other_teacher.user_id].left_on == date(2025, 11, 13)
    line = runtime.services.training_hours.ledger(hn.other_teacher, hn.other_teacher.user_id)
    assert line.by_source("research") == 2


def test_another_bureau_finds_neither_the_group_nor_its_sessions(
    runtime: Runtime, story: Story
) -> None:
    research, yy = runtime.services.research, story.yy
    session = a_session(runtime, story)
    runtime.catch_up()
    with pytest.raises(NotFound):
        research.group_page(yy.admin, story.group)
    with pytest.raises(NotFound):
        research.session_page(yy.teacher, session)
    with pytest.raises(NotFound):
        research.sign_up(yy.teacher, session)
    assert research.home(yy.teacher).groups == []


def test_posts_keep_their_text_as_typed_and_only_members_post(
    runtime: Runtime, story: Story, set_clock: SetClock
) -> None:
    hn, research = story.hn, runtime.services.research
    session = a_session(runtime, story)
    set_clock(STARTS)
    research.post(hn.other_teacher, session, text="<script>alert(1)</script>看教案")
    research.post(hn.teacher, session, text="收到", reply_to="1")
    with pytest.raises(Forbidden):
        research.post(hn.school_admin, session, text="路过")
    runtime.catch_up()
    posts = research.session_page(hn.teacher, session).posts
    assert [(p.author, p.row.text, p.row.reply_to) for p in posts] == [
        ("李老师", "<script>alert(1)</script>看教案", ""),
        ("王老师", "收到", "1"),
    ]
