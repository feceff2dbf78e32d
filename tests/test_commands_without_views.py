"""Each command right after the one it depends on, with the projection workers stopped.

Nothing here calls ``catch_up()``: the views stay where the world's setup left them (empty), so a
command that still decided from a view would answer "教共体不存在" or accept what the aggregates
refuse. Every test asserts the real outcome on the aggregates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from eventsourcing.application import AggregateNotFoundError

from domain.activity import Activity
from domain.community import Community
from domain.mentoring import Mentor, Pairing, RecordStatus, mentor_id_for
from domain.plan import Plan, PlanStatus, Task
from domain.roles import Role
from domain.seal import seal_id
from infra.settings import Settings
from infra.wiring import Runtime
from services.actor import Actor
from services.errors import DomainError, NotFound
from services.teacher_import import TeacherRow
from tests.conftest import PASSWORD, Bureau, found_fusion, make_bureau, open_runtime, teacher_at

TODAY = datetime(2025, 4, 10, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


@dataclass
class World:
    runtime: Runtime
    hn: Bureau
    yy: Bureau

    def get(self, aggregate_id: UUID) -> object:
        return self.runtime.platform.repository.get(aggregate_id)


@pytest.fixture
def world(store_settings: Settings) -> Iterator[World]:
    # A short read-your-writes bound: the one command that waits for the views (sealing) waits
    # for views that never move here.
    runtime = open_runtime(replace(store_settings, read_your_writes_timeout=0.2))
    runtime.services.plans.ctx.clock = lambda: TODAY
    try:
        yield World(
            runtime,
            make_bureau(runtime, "hn", "海宁市教育局"),
            make_bureau(runtime, "yy", "余姚市教育局"),
        )
    finally:
        runtime.close()


def found(world: World) -> UUID:
    community_id = found_fusion(world.runtime, world.hn).id
    # The workers are stopped: the view has not even seen the bureaus, let alone the community.
    assert world.runtime.services.plans.ctx.communities.community(community_id) is None
    return community_id


def draft(world: World, community_id: UUID, year: int = 2025) -> UUID:
    return world.runtime.services.plans.draft(
        world.hn.school_admin,
        community_id,
        year=year,
        period_start=date(year, 1, 1),
        period_end=date(year, 12, 31),
        title="",
        tasks=[Task("offline_research", 4)],
    ).id


def record(world: World, actor: Actor, community_id: UUID, on: date) -> UUID:
    return world.runtime.services.activities.record(
        actor, community_id, kind="offline_research", title="集体备课", occurred_on=on
    ).id


def test_a_plan_is_drafted_submitted_and_approved_right_after_its_community_is_founded(
    world: World,
) -> None:
    community_id = found(world)
    plans = world.runtime.services.plans
    plan_id = draft(world, community_id)
    plans.submit(world.hn.school_admin, plan_id)
    plans.approve(world.hn.admin, plan_id)

    plan = world.get(plan_id)
    assert isinstance(plan, Plan)
    assert (plan.community_id, plan.status) == (community_id, PlanStatus.APPROVED)
    with pytest.raises(DomainError, match="2025年度计划已存在"):
        draft(world, community_id)
    # Another year is another plan.
    assert draft(world, community_id, 2026) != plan_id


def test_an_activity_is_recorded_right_after_the_community_is_founded(world: World) -> None:
    community_id = found(world)
    activity_id = record(world, world.hn.teacher, community_id, date(2025, 4, 8))

    activity = world.get(activity_id)
    assert isinstance(activity, Activity)
    assert (activity.community_id, activity.school_id) == (community_id, world.hn.school_id)
    assert activity.counted
    # The recording teacher changes the record a moment later too.
    world.runtime.services.activities.withdraw(world.hn.teacher, activity_id, reason="重复")
    withdrawn = world.get(activity_id)
    assert isinstance(withdrawn, Activity)
    assert (withdrawn.withdrawn, withdrawn.counted) == (True, False)


def test_the_teacher_of_a_school_admitted_a_moment_ago_records_at_once(world: World) -> None:
    community_id = found(world)
    school_id = world.runtime.services.organisation.register_school(
        world.hn.admin, name="新建学校", code="hn-09", stage="primary", locality="rural"
    ).id
    teacher = teacher_at(world.runtime, world.hn, school_id, "new-teacher")
    with pytest.raises(NotFound, match="教共体不存在"):  # not a member's: not theirs to see
        record(world, teacher, community_id, date(2025, 4, 8))

    world.runtime.services.communities.admit(
        world.hn.admin, community_id, school_id, on=date(2025, 4, 1)
    )
    activity = world.get(record(world, teacher, community_id, date(2025, 4, 8)))
    assert isinstance(activity, Activity)
    assert activity.school_id == school_id
    with pytest.raises(DomainError, match="不是该教共体成员"):
        record(world, teacher, community_id, date(2025, 3, 31))


def test_a_record_dated_after_the_school_left_a_moment_ago_is_refused(world: World) -> None:
    community_id = found(world)
    world.runtime.services.communities.release(
        world.hn.admin, community_id, world.hn.other_school_id, on=date(2025, 4, 1), reason="调整"
    )
    with pytest.raises(DomainError, match="不是该教共体成员"):
        record(world, world.hn.other_teacher, community_id, date(2025, 4, 8))
    # What it did while a member still is recorded.
    before = world.get(record(world, world.hn.other_teacher, community_id, date(2025, 3, 20)))
    assert isinstance(before, Activity)


def pair(world: World, community_id: UUID, mentor: Actor, mentee: Actor) -> UUID:
    return world.runtime.services.mentoring.pair(
        world.hn.school_admin,
        community_id,
        mentor_id=mentor.user_id,  # type: ignore[arg-type]
        mentee_id=mentee.user_id,  # type: ignore[arg-type]
        paired_on=date(2025, 3, 1),
        ends_on=date(2026, 2, 28),
    ).id


def test_teachers_registered_a_moment_ago_are_paired_up_to_the_mentors_limit(world: World) -> None:
    community_id = found(world)
    mentor = teacher_at(world.runtime, world.hn, world.hn.school_id, "new-mentor")
    limit = world.runtime.services.communities.settings(world.hn.admin).plan_year(2025)
    mentees = [
        teacher_at(world.runtime, world.hn, world.hn.other_school_id, f"mentee-{n}")
        for n in range(limit.mentor_max_mentees + 1)
    ]
    for mentee in mentees[:-1]:
        pair(world, community_id, mentor, mentee)

    holder = world.get(mentor_id_for(mentor.user_id))  # type: ignore[arg-type]
    assert isinstance(holder, Mentor)
    assert sorted(holder.mentees.values()) == sorted(m.user_id for m in mentees[:-1])  # type: ignore[type-var]
    with pytest.raises(DomainError, match=f"最多带{limit.mentor_max_mentees}名徒弟"):
        pair(world, community_id, mentor, mentees[-1])


def test_a_teacher_deactivated_a_moment_ago_cannot_be_paired(world: World) -> None:
    community_id = found(world)
    world.runtime.services.people.deactivate(world.hn.admin, world.hn.other_teacher.user_id)  # type: ignore[arg-type]
    with pytest.raises(DomainError, match="不是在职教师"):
        pair(world, community_id, world.hn.teacher, world.hn.other_teacher)


def test_a_teacher_whose_school_left_a_moment_ago_cannot_be_paired(world: World) -> None:
    community_id = found(world)
    world.runtime.services.communities.release(
        world.hn.admin, community_id, world.hn.other_school_id, on=date(2025, 4, 1), reason="调整"
    )
    with pytest.raises(DomainError, match="不是该教共体成员"):
        pair(world, community_id, world.hn.teacher, world.hn.other_teacher)


def test_a_pair_formed_a_moment_ago_records_confirms_and_disputes(world: World) -> None:
    community_id = found(world)
    pair_id = pair(world, community_id, world.hn.teacher, world.hn.other_teacher)
    mentoring = world.runtime.services.mentoring

    def log(by: Actor) -> None:
        mentoring.record(
            by,
            pair_id,
            kind="observation",
            mode="offline",
            occurred_on=date(2025, 4, 8),
            minutes=45,
            summary="听课",
        )

    log(world.hn.teacher)
    log(world.hn.other_teacher)
    mentoring.confirm(world.hn.other_teacher, pair_id, "1")
    mentoring.dispute(world.hn.teacher, pair_id, "2", comment="时长不对")

    pairing = world.get(pair_id)
    assert isinstance(pairing, Pairing)
    assert [r["status"] for r in pairing.records.values()] == [
        RecordStatus.CONFIRMED,
        RecordStatus.DISPUTED,
    ]


def test_a_pair_ended_a_moment_ago_takes_no_record_after_its_end(world: World) -> None:
    community_id = found(world)
    pair_id = pair(world, community_id, world.hn.teacher, world.hn.other_teacher)
    mentoring = world.runtime.services.mentoring
    mentoring.end(world.hn.school_admin, pair_id, on=date(2025, 4, 1), reason="调动")
    with pytest.raises(DomainError, match="不在结对期内"):
        mentoring.record(
            world.hn.teacher,
            pair_id,
            kind="observation",
            mode="offline",
            occurred_on=date(2025, 4, 8),
            minutes=45,
            summary="听课",
        )
    holder = world.get(mentor_id_for(world.hn.teacher.user_id))  # type: ignore[arg-type]
    assert isinstance(holder, Mentor)
    assert holder.mentees == {}


def invite(world: World, community_id: UUID, code: str = "yy-01") -> None:
    world.runtime.services.communities.invite_across_regions(
        world.hn.admin,
        community_id,
        tenant_id=world.yy.tenant_id,
        school_code=code,
        on=date(2025, 3, 1),
    )


def test_a_school_invited_a_moment_ago_joins_when_its_bureau_consents_and_records(
    world: World,
) -> None:
    community_id = found(world)
    invite(world, community_id)
    communities = world.runtime.services.communities
    communities.consent(world.yy.admin, community_id, world.yy.school_id)

    community = world.get(community_id)
    assert isinstance(community, Community)
    assert world.yy.school_id in community.current_members()
    assert world.yy.tenant_id in community.partner_tenants
    activity = world.get(record(world, world.yy.teacher, community_id, date(2025, 4, 8)))
    assert isinstance(activity, Activity)
    assert (activity.tenant_id, activity.school_id) == (world.yy.tenant_id, world.yy.school_id)


def test_an_invitation_declined_a_moment_ago_cannot_be_consented_to(world: World) -> None:
    community_id = found(world)
    invite(world, community_id)
    communities = world.runtime.services.communities
    communities.decline(world.yy.admin, community_id, world.yy.school_id, reason="路途太远")
    with pytest.raises(NotFound, match="没有该邀请"):
        communities.consent(world.yy.admin, community_id, world.yy.school_id)
    community = world.get(community_id)
    assert isinstance(community, Community)
    assert world.yy.school_id not in community.current_members()


def test_an_invitation_of_a_made_up_code_is_nobodys_to_accept(world: World) -> None:
    community_id = found(world)
    invite(world, community_id, "yy-99")
    community = world.get(community_id)
    assert isinstance(community, Community)
    [(invited_id, waiting)] = community.pending.items()
    assert (waiting["tenant_id"], waiting["code"]) == (world.yy.tenant_id, "YY-99")
    with pytest.raises(NotFound, match="没有该邀请"):
        world.runtime.services.communities.consent(world.yy.admin, community_id, invited_id)


def test_a_school_registered_a_moment_ago_takes_imported_teachers(world: World) -> None:
    school_id = world.runtime.services.organisation.register_school(
        world.hn.admin, name="新建学校", code="hn-09", stage="primary", locality="rural"
    ).id
    result = world.runtime.services.teacher_import.import_teachers(
        world.hn.admin,
        school_id,
        [TeacherRow(row=2, username="imported-1", display_name="赵老师", password=PASSWORD)],
    )
    assert result.ok, result.errors
    [teacher] = result.imported
    user = world.get(teacher.id)
    assert (user.school_id, user.roles) == (school_id, [Role.TEACHER])  # type: ignore[attr-defined]


def test_a_quarter_is_not_sealed_from_figures_that_lag_behind_the_record(world: World) -> None:
    community_id = found(world)
    plans = world.runtime.services.plans
    plan_id = draft(world, community_id)
    plans.submit(world.hn.school_admin, plan_id)
    plans.approve(world.hn.admin, plan_id)
    record(world, world.hn.teacher, community_id, date(2025, 3, 10))

    with pytest.raises(DomainError, match="数据尚在更新"):
        world.runtime.services.progress.seal_quarter(world.hn.admin, year=2025, quarter=1)
    due = world.runtime.services.communities.settings(world.hn.admin).plan_year(2025).checkpoints
    with pytest.raises(AggregateNotFoundError):
        world.get(seal_id(world.hn.tenant_id, sorted(c.due for c in due)[0]))
