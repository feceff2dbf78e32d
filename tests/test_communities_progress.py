"""A bureau's year through the services: communities, plans, recorded work, progress, seals.

The numbers are worked out by hand in the comments; the services must reach the same ones.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from domain.counting import TaskKind
from domain.plan import Task
from infra.wiring import Runtime
from services.actor import Actor
from services.errors import DomainError, Forbidden, NotFound
from services.progress import DashboardFilter, Status
from tests.conftest import Bureau, SetClock, found_fusion, teacher_at


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 10, 0, tzinfo=UTC)


def drafted(runtime: Runtime, hn: Bureau, set_clock: SetClock) -> tuple[UUID, UUID]:
    """海宁's community of its two schools (founded 2 January) and its 2025 plan, drafted on
    1 March: (community, plan)."""
    set_clock(at(2025, 1, 2))
    community = found_fusion(runtime, hn).id
    runtime.catch_up()
    set_clock(at(2025, 3, 1))
    plan = runtime.services.plans.draft(
        hn.school_admin,
        community,
        year=2025,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        title="2025年度工作计划",
        tasks=[
            Task(TaskKind.OFFLINE_RESEARCH, 4),
            Task(TaskKind.DEMO_LESSON, 2),
            Task(TaskKind.RESEARCH_OUTPUT, 2, weight=2),
        ],
    ).id
    runtime.catch_up()
    return community, plan


@pytest.fixture
def year(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau], set_clock: SetClock
) -> dict[str, object]:
    """海宁's community of its two schools, with the 2025 plan approved in March."""
    hn, _ = two_bureaus
    community, plan = drafted(runtime, hn, set_clock)
    runtime.services.plans.submit(hn.school_admin, plan)
    runtime.services.plans.approve(hn.admin, plan)
    runtime.catch_up()
    return {"community": community, "plan": plan, "member_teacher": hn.other_teacher}


def record(
    runtime: Runtime,
    set_clock: SetClock,
    who: Actor,
    community: UUID,
    kind: str,
    happened: date,
    recorded: datetime | None = None,
    **details: object,
) -> UUID:
    set_clock(recorded or datetime.combine(happened, datetime.min.time(), UTC).replace(hour=18))
    done = runtime.services.activities.record(
        who, community, kind=kind, title=f"{kind} {happened}", occurred_on=happened, details=details
    )
    runtime.catch_up()
    return done.id


def test_the_bureau_sees_progress_computed_from_what_schools_recorded(
    runtime: Runtime,
    two_bureaus: tuple[Bureau, Bureau],
    year: dict[str, object],
    set_clock: SetClock,
) -> None:
    hn, _ = two_bureaus
    community = year["community"]
    assert isinstance(community, UUID)
    member = year["member_teacher"]
    assert isinstance(member, Actor)
    research = TaskKind.OFFLINE_RESEARCH
    record(runtime, set_clock, hn.teacher, community, research, date(2025, 2, 10))
    record(runtime, set_clock, member, community, research, date(2025, 3, 20))
    record(runtime, set_clock, hn.teacher, community, TaskKind.DEMO_LESSON, date(2025, 3, 5))
    record(
        runtime,
        set_clock,
        member,
        community,
        TaskKind.RESEARCH_OUTPUT,
        date(2025, 6, 20),
        title="城乡同步课堂实践",
        level="city",
    )
    record(runtime, set_clock, member, community, research, date(2025, 5, 15))
    progress = runtime.services.progress
    set_clock(at(2025, 11, 1))
    # 31 Mar: research 2/4, demo 1/2, outputs 0/2 → (0.5 + 0.5 + 0) / 4 = 25%
    q1 = progress.community(hn.monitor, community, as_of=date(2025, 3, 31))
    assert q1.percent == 25.0
    # 30 Jun: research 3/4, demo 1/2, outputs 1/2 → (0.75 + 0.5 + 1) / 4 = 56.25%
    q2 = progress.community(hn.monitor, community, as_of=date(2025, 6, 30))
    assert q2.percent == pytest.approx(56.2, abs=0.1)
    assert [c.met for c in q2.checkpoints] == [False, False, None, None]
    assert q2.status == Status.BEHIND
    dashboard = progress.dashboard(hn.admin, as_of=date(2025, 6, 30))
    assert [(f.community.id, f.percent) for f in dashboard] == [(community, q2.percent)]
    drill = progress.drill_down(hn.admin, community, task_kind=research, as_of=date(2025, 6, 30))
    assert [d.contribution.occurred_on for d in drill] == [
        date(2025, 5, 15),
        date(2025, 3, 20),
        date(2025, 2, 10),
    ]
    assert all(d.counts and d.visible for d in drill)


def test_as_of_figures_stay_put_when_later_work_is_recorded(
    runtime: Runtime,
    two_bureaus: tuple[Bureau, Bureau],
    year: dict[str, object],
    set_clock: SetClock,
) -> None:
    hn, _ = two_bureaus
    community = year["community"]
    assert isinstance(community, UUID)
    record(runtime, set_clock, hn.teacher, community, TaskKind.DEMO_LESSON, date(2025, 3, 5))
    before = runtime.services.progress.community(hn.admin, community, as_of=date(2025, 3, 31))
    record(runtime, set_clock, hn.teacher, community, TaskKind.DEMO_LESSON, date(2025, 4, 9))
    after = runtime.services.progress.community(hn.admin, community, as_of=date(2025, 3, 31))
    assert after.percent == before.percent == 12.5  # demo 1/2 → 0.5 / 4


def test_a_record_entered_after_the_seal_shows_as_an_amendment(
    runtime: Runtime,
    two_bureaus: tuple[Bureau, Bureau],
    year: dict[str, object],
    set_clock: SetClock,
) -> None:
    hn, _ = two_bureaus
    community = year["community"]
    assert isinstance(community, UUID)
    research = TaskKind.OFFLINE_RESEARCH
    record(runtime, set_clock, hn.teacher, community, research, date(2025, 2, 10))
    set_clock(at(2025, 4, 3))
    with pytest.raises(Forbidden):
        runtime.services.progress.seal_quarter(hn.monitor, year=2025, quarter=1)
    runtime.services.progress.seal_quarter(hn.admin, year=2025, quarter=1)
    runtime.catch_up()
    with pytest.raises(DomainError, match="已封存"):
        runtime.services.progress.seal_quarter(hn.admin, year=2025, quarter=1)
    # Entered on 20 April for work done on 28 March: Q1 was sealed at 6.2% (1/4 × ¼).
    record(runtime, set_clock, hn.teacher, community, research, date(2025, 3, 28), at(2025, 4, 20))
    figures = runtime.services.progress.community(hn.admin, community, as_of=date(2025, 4, 30))
    [amendment] = figures.amendments
    assert amendment.quarter == 1
    assert amendment.sealed_percent == 6.2
    assert amendment.now_percent == 12.5
    assert amendment.late_records == 1
    [seal] = runtime.services.progress.seals(hn.admin, 2025)
    assert seal.figures[0]["percent"] == 6.2


def test_a_school_counts_only_while_it_is_a_member(
    runtime: Runtime,
    two_bureaus: tuple[Bureau, Bureau],
    year: dict[str, object],
    set_clock: SetClock,
) -> None:
    hn, _ = two_bureaus
    community = year["community"]
    assert isinstance(community, UUID)
    member = year["member_teacher"]
    assert isinstance(member, Actor)
    record(runtime, set_clock, member, community, TaskKind.OFFLINE_RESEARCH, date(2025, 6, 10))
    assert (
        runtime.services.progress.community(hn.admin, community, as_of=date(2025, 6, 30)).percent
        == 6.2
    )
    # The bureau records, later, that the member school left on 1 June: its 10 June record stops
    # counting, as of any date.
    set_clock(at(2025, 7, 1))
    runtime.services.communities.release(
        hn.admin, community, hn.other_school_id, on=date(2025, 6, 1), reason="划片调整"
    )
    runtime.catch_up()
    assert (
        runtime.services.progress.community(hn.admin, community, as_of=date(2025, 6, 30)).percent
        == 0.0
    )
    drill = runtime.services.progress.drill_down(
        hn.admin, community, task_kind=None, as_of=date(2025, 6, 30)
    )
    assert [d.counts for d in drill] == [False]
    with pytest.raises(DomainError, match="不是该教共体成员"):
        record(runtime, set_clock, member, community, TaskKind.DEMO_LESSON, date(2025, 6, 20))


def test_a_school_of_another_bureau_joins_only_with_its_bureaus_consent(
    runtime: Runtime,
    two_bureaus: tuple[Bureau, Bureau],
    year: dict[str, object],
    set_clock: SetClock,
) -> None:
    hn, yy = two_bureaus
    community = year["community"]
    assert isinstance(community, UUID)
    set_clock(at(2025, 3, 2))
    runtime.services.communities.invite_across_regions(
        hn.admin, community, tenant_id=yy.tenant_id, school_code="yy-01", on=date(2025, 3, 1)
    )
    runtime.catch_up()
    with pytest.raises(NotFound):
        runtime.services.progress.community(yy.admin, community, as_of=date(2025, 3, 31))
    with pytest.raises(NotFound):
        record(runtime, set_clock, yy.teacher, community, TaskKind.DEMO_LESSON, date(2025, 3, 5))
    with pytest.raises(Forbidden):
        runtime.services.communities.consent(yy.monitor, community, yy.school_id)
    runtime.services.communities.consent(yy.admin, community, yy.school_id)
    runtime.catch_up()
    record(runtime, set_clock, yy.teacher, community, TaskKind.DEMO_LESSON, date(2025, 3, 5))
    record(runtime, set_clock, hn.teacher, community, TaskKind.DEMO_LESSON, date(2025, 3, 6))
    theirs = runtime.services.progress.dashboard(yy.monitor, as_of=date(2025, 3, 31))
    ours = runtime.services.progress.dashboard(hn.monitor, as_of=date(2025, 3, 31))
    assert [f.percent for f in theirs] == [f.percent for f in ours] == [25.0]
    drill = runtime.services.progress.drill_down(
        yy.admin, community, task_kind=None, as_of=date(2025, 3, 31)
    )
    assert sorted(d.visible for d in drill) == [False, True]
    hn_records = [
        a.id
        for a in runtime.services.activities.activities(hn.admin, community)
        if a.school_id == hn.school_id
    ]
    assert hn_records
    assert [a.school_id for a in runtime.services.activities.activities(yy.admin, community)] == [
        yy.school_id
    ]
    with pytest.raises(NotFound):
        runtime.services.activities.activity(yy.admin, hn_records[0])


def test_only_the_core_school_drafts_and_only_the_bureau_approves(
    runtime: Runtime,
    two_bureaus: tuple[Bureau, Bureau],
    year: dict[str, object],
    set_clock: SetClock,
) -> None:
    hn, _ = two_bureaus
    community, plan = year["community"], year["plan"]
    assert isinstance(community, UUID)
    assert isinstance(plan, UUID)
    set_clock(at(2025, 5, 1))
    plans = runtime.services.plans
    with pytest.raises(Forbidden):
        plans.revise(hn.teacher, plan, [Task(TaskKind.DEMO_LESSON, 3)])
    plans.revise(hn.school_admin, plan, [Task(TaskKind.DEMO_LESSON, 3)])
    runtime.catch_up()
    plans.submit(hn.school_admin, plan)
    runtime.catch_up()
    for someone in (hn.teacher, hn.school_admin, hn.monitor):
        with pytest.raises(Forbidden):
            plans.approve(someone, plan)
    assert [p.id for p in plans.review_queue(hn.admin)] == [plan]
    plans.approve(hn.admin, plan)
    runtime.catch_up()
    [row] = plans.plans(hn.admin, community)
    assert (row.version, row.tasks[0]["target"]) == (2, 3)


def test_a_school_outside_the_community_and_another_bureau_cannot_see_it(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau], year: dict[str, object]
) -> None:
    hn, yy = two_bureaus
    community = year["community"]
    assert isinstance(community, UUID)
    outsider_school = runtime.services.organisation.register_school(
        hn.admin, name="局外小学", code="HN-99", stage="primary", locality="urban"
    ).id
    outsider = teacher_at(runtime, hn, outsider_school, "hn-outsider")
    runtime.catch_up()
    for someone in (outsider, yy.admin, yy.teacher):
        with pytest.raises(NotFound):
            runtime.services.progress.drill_down(
                someone, community, task_kind=None, as_of=date(2025, 6, 30)
            )
    assert runtime.services.progress.dashboard(yy.admin, as_of=date(2025, 6, 30)) == []
    with pytest.raises(Forbidden):
        runtime.services.progress.dashboard(hn.teacher, as_of=date(2025, 6, 30))


def test_an_assistance_application_becomes_an_assistance_community(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau], set_clock: SetClock
) -> None:
    hn, _ = two_bureaus
    set_clock(at(2025, 2, 1))
    communities = runtime.services.communities
    application = communities.apply_for_assistance(
        hn.school_admin, needs="英语学科师资薄弱，希望开展同步课堂与师徒结对", subjects=["英语"]
    ).id
    with pytest.raises(Forbidden):
        communities.assign_helper(
            hn.school_admin,
            application,
            helper_school_id=hn.other_school_id,
            founded_on=date(2025, 2, 1),
            round_start_year=2024,
            round_end_year=2025,
        )
    community = communities.assign_helper(
        hn.admin,
        application,
        helper_school_id=hn.other_school_id,
        founded_on=date(2025, 2, 1),
        round_start_year=2024,
        round_end_year=2025,
    ).id
    runtime.catch_up()
    dashboard = runtime.services.progress.dashboard(
        hn.admin, as_of=date(2025, 2, 2), filters=DashboardFilter(kind="assistance")
    )
    assert [f.community.id for f in dashboard] == [community]
    assert dashboard[0].community.core_school_id == hn.other_school_id
    assert dashboard[0].status == Status.NO_PLAN
    with pytest.raises(DomainError, match="已处理"):
        communities.decline_application(hn.admin, application, reason="x")


def test_a_record_made_early_in_the_morning_in_beijing_is_for_that_day_not_the_next(
    runtime: Runtime,
    two_bureaus: tuple[Bureau, Bureau],
    year: dict[str, object],
    set_clock: SetClock,
) -> None:
    hn, _ = two_bureaus
    community = year["community"]
    assert isinstance(community, UUID)
    # 07:30 on 12 May in Beijing is 23:30 on 11 May in UTC: "today" is the 12th for the school.
    set_clock(datetime(2025, 5, 11, 23, 30, tzinfo=UTC))
    runtime.services.activities.record(
        hn.teacher,
        community,
        kind=TaskKind.DEMO_LESSON,
        title="早读后送教",
        occurred_on=date(2025, 5, 12),
    )
    with pytest.raises(DomainError, match="未来"):
        runtime.services.activities.record(
            hn.teacher,
            community,
            kind=TaskKind.DEMO_LESSON,
            title="明天的课",
            occurred_on=date(2025, 5, 13),
        )


def test_a_first_plan_is_late_once_the_deadline_has_passed_in_beijing(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau], set_clock: SetClock
) -> None:
    hn, _ = two_bureaus
    _, plan = drafted(runtime, hn, set_clock)
    plans = runtime.services.plans
    deadline = plans.plan_page(hn.school_admin, plan).deadline
    # 17:00 UTC on the deadline is 01:00 the next day in Beijing: too late there.
    set_clock(datetime(deadline.year, deadline.month, deadline.day, 17, 0, tzinfo=UTC))
    with pytest.raises(DomainError, match="截止日期"):
        plans.submit(hn.school_admin, plan)
    # 15:00 UTC is 23:00 on the deadline in Beijing: still in time.
    set_clock(datetime(deadline.year, deadline.month, deadline.day, 15, 0, tzinfo=UTC))
    plans.submit(hn.school_admin, plan)
