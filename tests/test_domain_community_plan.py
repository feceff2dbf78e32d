"""Communities, plans and activities: the rules a bureau and its schools live by."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from domain.activity import Activity
from domain.base import DomainError
from domain.community import Community
from domain.counting import TaskKind
from domain.plan import Plan, PlanStatus, Task
from domain.settings import CommunityType, TenantSettings, default_plan_year

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
ACT = {"actor_id": uuid4(), "occurred_at": NOW}
FUSION = CommunityType("fusion", "融合型 / Fusion")
ALLIANCE = CommunityType("alliance", "联盟式 / Alliance", max_schools=4)


def a_community(kind: CommunityType = FUSION) -> Community:
    return Community.found(
        tenant_id=uuid4(),
        name="狮岭—博达教共体",
        kind=kind,
        core_school_id=uuid4(),
        founded_on=date(2024, 9, 1),
        round_start_year=2024,
        round_end_year=2026,
        **ACT,
    )


def test_the_core_school_is_a_member_from_the_founding_day() -> None:
    community = a_community()
    assert community.members_on(date(2024, 9, 1)) == {community.core_school_id}
    assert community.members_on(date(2024, 8, 31)) == set()


def test_membership_is_a_timeline_of_joining_and_leaving() -> None:
    community, school = a_community(), uuid4()
    community.admit(school, on=date(2025, 2, 1), kind=FUSION, **ACT)
    community.release(school, on=date(2025, 7, 1), reason="划片调整", **ACT)
    assert not community.is_member_on(school, date(2025, 1, 31))
    assert community.is_member_on(school, date(2025, 6, 30))
    assert not community.is_member_on(school, date(2025, 7, 1))
    community.admit(school, on=date(2025, 9, 1), kind=FUSION, **ACT)
    assert community.is_member_on(school, date(2025, 9, 1))


def test_an_alliance_takes_at_most_four_schools() -> None:
    community = a_community(ALLIANCE)
    for _ in range(3):
        community.admit(uuid4(), on=date(2024, 9, 1), kind=ALLIANCE, **ACT)
    with pytest.raises(DomainError, match="最多4所"):
        community.admit(uuid4(), on=date(2024, 9, 1), kind=ALLIANCE, **ACT)


def test_the_core_school_cannot_leave_and_a_school_cannot_join_twice() -> None:
    community, school = a_community(), uuid4()
    with pytest.raises(DomainError, match="核心校不能退出"):
        community.release(community.core_school_id, on=date(2025, 1, 1), reason="x", **ACT)
    community.admit(school, on=date(2024, 10, 1), kind=FUSION, **ACT)
    with pytest.raises(DomainError, match="已是成员"):
        community.admit(school, on=date(2024, 11, 1), kind=FUSION, **ACT)


def test_a_school_of_another_bureau_joins_only_after_its_bureau_consents() -> None:
    community, school, other_bureau = a_community(), uuid4(), uuid4()
    community.invite_across_regions(school, other_bureau, on=date(2025, 3, 1), kind=FUSION, **ACT)
    assert school not in community.current_members()
    assert not community.visible_to(other_bureau)
    with pytest.raises(DomainError, match="没有待同意的邀请"):
        community.consent(school, consenting_tenant_id=uuid4(), kind=FUSION, **ACT)
    community.consent(school, consenting_tenant_id=other_bureau, kind=FUSION, **ACT)
    assert community.is_member_on(school, date(2025, 3, 1))
    assert community.visible_to(other_bureau)


def test_a_round_lasts_two_or_three_school_years() -> None:
    with pytest.raises(DomainError, match="2或3个学年"):
        Community.found(
            tenant_id=uuid4(),
            name="x",
            kind=FUSION,
            core_school_id=uuid4(),
            founded_on=date(2024, 9, 1),
            round_start_year=2024,
            round_end_year=2024,
            **ACT,
        )


def a_plan() -> Plan:
    return Plan.draft(
        tenant_id=uuid4(),
        community_id=uuid4(),
        year=2025,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        title="",
        tasks=[Task(TaskKind.SYNC_CLASS, 10), Task(TaskKind.OFFLINE_RESEARCH, 4)],
        **ACT,
    )


def test_a_plan_is_reviewed_and_an_approved_version_is_superseded_not_edited() -> None:
    plan = a_plan()
    deadline = date(2025, 4, 15)
    plan.submit(deadline=deadline, today=date(2025, 3, 1), **ACT)
    plan.return_with_comments("同步课堂目标偏低", **ACT)
    assert plan.status == PlanStatus.RETURNED
    plan.revise([Task(TaskKind.SYNC_CLASS, 20), Task(TaskKind.OFFLINE_RESEARCH, 4)], **ACT)
    plan.submit(deadline=deadline, today=date(2025, 3, 1), **ACT)
    assert plan.approve(**ACT) == 1
    first = plan.approved_tasks()
    plan.revise([Task(TaskKind.SYNC_CLASS, 24), Task(TaskKind.OFFLINE_RESEARCH, 4)], **ACT)
    assert plan.approved_tasks() == first  # the draft of version 2 does not touch version 1
    plan.submit(deadline=deadline, today=date(2025, 3, 1), **ACT)
    assert plan.approve(**ACT) == 2
    assert plan.approved_tasks()[0].target == 24
    assert [v["version"] for v in plan.versions] == [1, 2]


def test_a_first_plan_cannot_be_submitted_after_the_deadline() -> None:
    plan = a_plan()
    late = {"actor_id": uuid4(), "occurred_at": datetime(2025, 4, 16, 8, 0, tzinfo=UTC)}
    with pytest.raises(DomainError, match="截止日期"):
        plan.submit(deadline=date(2025, 4, 15), today=date(2025, 4, 16), **late)


def test_the_deadline_is_a_date_where_the_schools_are_not_in_utc() -> None:
    # 17:00 UTC on 15 April is 01:00 on 16 April in Beijing: a day late there.
    evening = {"actor_id": uuid4(), "occurred_at": datetime(2025, 4, 15, 17, 0, tzinfo=UTC)}
    with pytest.raises(DomainError, match="截止日期"):
        a_plan().submit(deadline=date(2025, 4, 15), today=date(2025, 4, 16), **evening)
    # 15:00 UTC is 23:00 on the 15th there: still in time.
    in_time = {"actor_id": uuid4(), "occurred_at": datetime(2025, 4, 15, 15, 0, tzinfo=UTC)}
    plan = a_plan()
    plan.submit(deadline=date(2025, 4, 15), today=date(2025, 4, 15), **in_time)
    assert plan.status == PlanStatus.SUBMITTED


def test_a_plan_refuses_unknown_or_repeated_tasks_and_bad_targets() -> None:
    plan = a_plan()
    with pytest.raises(DomainError, match="重复"):
        plan.revise([Task(TaskKind.SYNC_CLASS, 1), Task(TaskKind.SYNC_CLASS, 2)], **ACT)
    with pytest.raises(DomainError, match="未知任务类型"):
        plan.revise([Task("karaoke", 1)], **ACT)
    with pytest.raises(DomainError, match="目标至少为1"):
        plan.revise([Task(TaskKind.SYNC_CLASS, 0)], **ACT)


def test_only_a_submitted_plan_can_be_approved_or_returned() -> None:
    plan = a_plan()
    with pytest.raises(DomainError, match="未提交"):
        plan.approve(**ACT)
    with pytest.raises(DomainError, match="未提交"):
        plan.return_with_comments("x", **ACT)


def test_tenant_settings_default_to_the_domain_numbers_and_can_be_changed() -> None:
    settings = TenantSettings(tenant_id=uuid4(), **ACT)
    year = settings.plan_year(2025)
    assert [round(c.required * 100) for c in year.checkpoints] == [40, 60, 80, 100]
    assert settings.community_type("alliance").max_schools == 4
    settings.set_community_type(key="alliance", name="片区联盟", max_schools=5, **ACT)
    assert settings.community_type("alliance").max_schools == 5
    changed = default_plan_year(2026)
    changed.targets["sync_class"] = 20
    settings.set_plan_year(changed, **ACT)
    assert settings.plan_year(2026).targets["sync_class"] == 20


def an_activity(kind: str, **details: object) -> Activity:
    return Activity.record(
        tenant_id=uuid4(),
        community_id=uuid4(),
        school_id=uuid4(),
        kind=kind,
        title="活动",
        occurred_on=date(2025, 2, 20),
        participant_ids=[],
        details=dict(details),
        evidence=[],
        today=date(2025, 3, 1),
        **ACT,
    )


def test_a_recorded_activity_counts_once_toward_its_task() -> None:
    activity = an_activity(TaskKind.OFFLINE_RESEARCH)
    recorded = activity.pending_events[0]
    assert isinstance(recorded, Activity.Recorded)
    [counted] = recorded.counted()
    assert (counted.task_kind, counted.amount, counted.occurred_on) == (
        "offline_research",
        1,
        date(2025, 2, 20),
    )


def test_a_shadow_placement_counts_only_when_completed_with_enough_days() -> None:
    placement = an_activity(
        TaskKind.SHADOW_PLACEMENT,
        teacher_id=uuid4(),
        host_school_id=uuid4(),
        starts_on=date(2025, 2, 20),
        ends_on=date(2025, 3, 20),
    )
    assert placement.pending_events[0].contributions == []
    with pytest.raises(DomainError, match="不足30天"):
        placement.complete_placement(
            ended_on=date(2025, 3, 10), required_days=30, today=date(2025, 4, 1), **ACT
        )
    placement.complete_placement(
        ended_on=date(2025, 3, 21), required_days=30, today=date(2025, 4, 1), **ACT
    )
    assert placement.pending_events[-1].contributions[0]["occurred_on"] == date(2025, 3, 21)


def test_withdrawing_a_record_takes_its_count_back() -> None:
    activity = an_activity(TaskKind.DEMO_LESSON)
    activity.withdraw("重复录入", **ACT)
    [taken_back] = activity.pending_events[-1].contributions
    assert taken_back["amount"] == -1
    assert taken_back["occurred_on"] == date(2025, 2, 20)
    with pytest.raises(DomainError, match="已撤回"):
        activity.withdraw("again", **ACT)


def test_activities_cannot_be_recorded_before_they_happen_or_without_their_details() -> None:
    with pytest.raises(DomainError, match="未来"):
        Activity.record(
            tenant_id=uuid4(),
            community_id=uuid4(),
            school_id=uuid4(),
            kind=TaskKind.DEMO_LESSON,
            title="送教",
            occurred_on=date(2025, 3, 2),
            participant_ids=[],
            details={},
            evidence=[],
            today=date(2025, 3, 1),
            **ACT,
        )
    with pytest.raises(DomainError, match="参与人数"):
        an_activity(TaskKind.STUDENT_EXCHANGE, student_count=0)
    with pytest.raises(DomainError, match="级别"):
        an_activity(TaskKind.RESEARCH_OUTPUT, title="论文", level="galactic")
