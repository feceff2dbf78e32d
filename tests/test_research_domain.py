"""Online research sessions: the check-in window, lateness, the host's record, counting, groups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.base import DomainError
from domain.research import ResearchGroup, ResearchSession, school_year_of
from domain.settings import ResearchSettings, TenantSettings

STARTS = datetime(2025, 10, 14, 6, 30, tzinfo=UTC)  # 14:30 in Beijing
HOST, HOST_SCHOOL, OTHER_SCHOOL = uuid4(), uuid4(), uuid4()
SCHOOLS = frozenset({HOST_SCHOOL, OTHER_SCHOOL})


def a_session(
    kind: str = "collective_preparation", length: timedelta = timedelta(hours=2)
) -> ResearchSession:
    return ResearchSession.schedule(
        tenant_id=uuid4(),
        group_id=uuid4(),
        community_id=uuid4(),
        kind=kind,
        theme="《秋天的雨》第二课时",
        starts_at=STARTS,
        ends_at=STARTS + length,
        held_on=date(2025, 10, 14),
        host_id=HOST,
        host_school_id=HOST_SCHOOL,
        expert_id=None,
        meeting_link="https://meeting.example/123",
        hours=2,
        code="482913",
        actor_id=HOST,
        occurred_at=STARTS - timedelta(days=3),
    )


def check_in(session: ResearchSession, user: UUID, school: UUID, at: datetime) -> bool:
    return session.check_in(
        user, school, code=None, threshold=2, community_schools=SCHOOLS, occurred_at=at
    )


def test_a_teacher_checks_in_only_after_signing_up_and_only_during_the_window() -> None:
    session, teacher = a_session(), uuid4()
    with pytest.raises(DomainError, match="请先报名"):
        check_in(session, teacher, HOST_SCHOOL, STARTS)
    session.sign_up(teacher, HOST_SCHOOL, occurred_at=STARTS - timedelta(days=1))
    with pytest.raises(DomainError, match="不在签到时间内"):
        check_in(session, teacher, HOST_SCHOOL, STARTS - timedelta(minutes=16))
    with pytest.raises(DomainError, match="不在签到时间内"):
        check_in(session, teacher, HOST_SCHOOL, STARTS + timedelta(hours=2, seconds=1))
    assert check_in(session, teacher, HOST_SCHOOL, STARTS - timedelta(minutes=5))
    assert not check_in(session, teacher, HOST_SCHOOL, STARTS + timedelta(minutes=5))
    assert session.attendance[teacher]["late"] is False


def test_a_check_in_after_the_start_is_late_and_a_wrong_code_is_refused() -> None:
    session, teacher = a_session(), uuid4()
    session.sign_up(teacher, OTHER_SCHOOL, occurred_at=STARTS)
    with pytest.raises(DomainError, match="签到码不正确"):
        session.check_in(
            teacher,
            OTHER_SCHOOL,
            code="000000",
            threshold=2,
            community_schools=SCHOOLS,
            occurred_at=STARTS + timedelta(minutes=1),
        )
    session.check_in(
        teacher,
        OTHER_SCHOOL,
        code=" 482913 ",
        threshold=2,
        community_schools=SCHOOLS,
        occurred_at=STARTS + timedelta(minutes=1),
    )
    assert session.attendance[teacher]["late"] is True
    [checked] = [e for e in session.pending_events if isinstance(e, ResearchSession.CheckedIn)]
    assert (checked.hours, checked.occurred_at) == (2, STARTS + timedelta(minutes=1))


def test_only_the_host_records_attendance_of_one_who_joined_by_phone() -> None:
    session, by_phone = a_session(), uuid4()
    with pytest.raises(DomainError, match="只有主持人"):
        session.record_attendance(
            by_phone,
            OTHER_SCHOOL,
            by=uuid4(),
            late=False,
            threshold=2,
            community_schools=SCHOOLS,
            occurred_at=STARTS + timedelta(hours=3),
        )
    assert session.record_attendance(
        by_phone,
        OTHER_SCHOOL,
        by=HOST,
        late=True,
        threshold=2,
        community_schools=SCHOOLS,
        occurred_at=STARTS + timedelta(hours=3),
    )
    assert session.attendance[by_phone] | {"at": None} == {
        "school_id": OTHER_SCHOOL,
        "at": None,
        "late": True,
        "by_host": True,
    }
    # Recorded afterwards, it happened during the session (its hours belong to that day).
    assert session.attendance[by_phone]["at"] == STARTS


def test_a_session_counts_once_when_attendees_come_from_the_thresholds_number_of_schools() -> None:
    session = a_session()
    first, second, third = uuid4(), uuid4(), uuid4()
    for teacher in (first, second, third):
        session.sign_up(teacher, HOST_SCHOOL, occurred_at=STARTS)
    check_in(session, first, HOST_SCHOOL, STARTS)
    check_in(session, second, HOST_SCHOOL, STARTS)
    assert not session.counted
    # A school outside the community does not make the second school.
    session.check_in(
        third, uuid4(), code=None, threshold=2, community_schools=SCHOOLS, occurred_at=STARTS
    )
    assert not session.counted
    check_in(session, HOST, OTHER_SCHOOL, STARTS)
    assert session.counted
    counted = [
        e for e in session.pending_events if isinstance(e, ResearchSession.CountedTowardPlan)
    ]
    assert len(counted) == 1
    [contribution] = counted[0].counted()
    assert (contribution.task_kind, contribution.occurred_on, contribution.school_id) == (
        "online_research",
        date(2025, 10, 14),
        HOST_SCHOOL,
    )


def test_a_threshold_of_three_schools_waits_for_the_third() -> None:
    session = a_session()
    schools = [uuid4(), uuid4(), uuid4()]
    for school in schools:
        teacher = uuid4()
        session.sign_up(teacher, school, occurred_at=STARTS)
        session.check_in(
            teacher,
            school,
            code=None,
            threshold=3,
            community_schools=frozenset(schools),
            occurred_at=STARTS,
        )
        assert session.counted == (school == schools[-1])


def test_an_expert_talk_needs_an_expert_and_a_window_ends_after_it_starts() -> None:
    with pytest.raises(DomainError, match="需要专家"):
        a_session("expert_talk")
    with pytest.raises(DomainError, match="未知研修类型"):
        a_session("gossip")
    with pytest.raises(DomainError, match="结束时间须晚于开始时间"):
        a_session(length=timedelta(0))
    with pytest.raises(DomainError, match="结束时间须晚于开始时间"):
        a_session(length=timedelta(hours=13))


def test_posts_and_replies_are_numbered_and_a_reply_needs_its_post() -> None:
    session = a_session()
    first = session.post(
        HOST, text="<b>请大家看教案</b>", reply_to="", evidence=[], occurred_at=STARTS
    )
    assert session.post(HOST, text="补充", reply_to=first, evidence=[], occurred_at=STARTS) == "2"
    with pytest.raises(DomainError, match="回复的发言不存在"):
        session.post(HOST, text="?", reply_to="9", evidence=[], occurred_at=STARTS)
    with pytest.raises(DomainError, match="发言内容不能为空"):
        session.post(HOST, text="  ", reply_to="", evidence=[], occurred_at=STARTS)


def test_a_group_member_leaves_on_a_date_and_keeps_having_been_a_member() -> None:
    leader, teacher = uuid4(), uuid4()
    group = ResearchGroup.form(
        tenant_id=uuid4(),
        community_id=uuid4(),
        name="五年级语文网络教研组",
        subject="语文",
        grade_band="五年级",
        leader_id=leader,
        leader_school_id=HOST_SCHOOL,
        formed_on=date(2025, 9, 1),
        actor_id=None,
        occurred_at=STARTS,
    )
    group.request_to_join(teacher, OTHER_SCHOOL, occurred_at=STARTS)
    with pytest.raises(DomainError, match="等待审核"):
        group.request_to_join(teacher, OTHER_SCHOOL, occurred_at=STARTS)
    group.add_member(teacher, OTHER_SCHOOL, on=date(2025, 9, 2), actor_id=None, occurred_at=STARTS)
    assert group.is_member(teacher)
    assert not group.requests
    group.remove_member(teacher, on=date(2026, 1, 1), actor_id=None, occurred_at=STARTS)
    assert not group.is_member(teacher)
    assert group.members[teacher]["joined_on"] == date(2025, 9, 2)
    with pytest.raises(DomainError, match="组长不能退出"):
        group.remove_member(leader, on=date(2026, 1, 1), actor_id=None, occurred_at=STARTS)


def test_hours_settings_cover_every_session_type_and_the_school_year_starts_in_september() -> None:
    settings = TenantSettings(tenant_id=uuid4(), actor_id=None, occurred_at=STARTS)
    assert settings.research().required_hours == 24
    with pytest.raises(DomainError, match="每种研修类型"):
        settings.set_research(
            ResearchSettings(hours={"expert_talk": 3}), actor_id=None, occurred_at=STARTS
        )
    hours = dict(settings.research().hours, expert_talk=4)
    settings.set_research(
        ResearchSettings(hours=hours, required_hours=30, school_threshold=3),
        actor_id=None,
        occurred_at=STARTS,
    )
    assert settings.research().hours_of("expert_talk") == 4
    assert settings.research().school_threshold == 3
    assert (school_year_of(date(2025, 8, 31)), school_year_of(date(2025, 9, 1))) == (2024, 2025)
