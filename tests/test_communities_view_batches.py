"""The communities view buffers its inserts within a runner's batch (``SQLView._insert``).

Later events of the same batch read and amend those rows before they reach the database: a record
completed, given evidence or withdrawn right after it was recorded, a plan returned twice, a school
leaving a community it joined. One big batch must leave exactly the rows (and the figures) that
one batch per event leaves, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from uuid import UUID, uuid4

from domain.counting import TaskKind
from domain.plan import Task
from infra.views.communities import SQLCommunitiesView
from infra.wiring import Runtime
from projections.communities import ActivityRow, CommunityRow, PlanRow, StintRow
from services.actor import Actor
from services.evidence import Upload
from tests.conftest import Bureau, SetClock, counting_commits, found_fusion, make_bureau
from tests.workers.dumps import view_rows

AS_OF = date(2025, 10, 31)


def at(y: int, m: int, d: int, hour: int = 10) -> datetime:
    return datetime(y, m, d, hour, 0, tzinfo=UTC)


def pdf(name: str) -> list[Upload]:
    return [Upload(name, "application/pdf", f"%PDF-1.4 {name}".encode())]


@dataclass
class Story:
    hn: Bureau
    yy: Bureau
    community: UUID
    plan: UUID
    placement_withdrawn: UUID  # recorded, completed, given evidence, withdrawn
    placement_completed: UUID
    demo_with_evidence: UUID  # given evidence twice
    research_withdrawn: UUID
    member_research: UUID  # its school is recorded later as having left before it


def a_busy_year(runtime: Runtime, set_clock: SetClock) -> Story:
    """A community's 2025 through the services: founded, invitations, a school joining and
    leaving, a plan returned twice, records completed, given evidence, withdrawn, a sealed quarter.

    The services read the view (an activity to complete, an invitation to consent to), so the
    view follows the store here; the tests then apply the whole log again in other batches."""
    hn = make_bureau(runtime, "hn", "海宁市教育局")
    yy = make_bureau(runtime, "yy", "余姚市教育局")
    runtime.catch_up()
    communities, plans = runtime.services.communities, runtime.services.plans
    activities = runtime.services.activities

    def then() -> None:
        runtime.catch_up()

    set_clock(at(2025, 1, 2))
    community = found_fusion(runtime, hn).id
    then()
    set_clock(at(2025, 1, 3))
    for code, on in (("yy-01", date(2025, 1, 5)), ("yy-02", date(2025, 1, 6))):
        communities.invite_across_regions(
            hn.admin, community, tenant_id=yy.tenant_id, school_code=code, on=on
        )
    then()
    communities.consent(yy.admin, community, yy.school_id)  # yy-02's invitation stays open
    then()
    # A school that joins and leaves after the invitation was applied (which wrote the buffered
    # stints): in one batch its stint ends while still buffered.
    set_clock(at(2025, 2, 1))
    visiting = runtime.services.organisation.register_school(
        hn.admin, name="海宁市第三小学", code="hn-03", stage="primary", locality="rural"
    ).id
    then()
    communities.admit(hn.admin, community, visiting, on=date(2025, 2, 1))
    then()
    communities.release(hn.admin, community, visiting, on=date(2025, 2, 20), reason="试点结束")
    then()

    set_clock(at(2025, 3, 1))
    tasks = [Task(TaskKind.OFFLINE_RESEARCH, 4), Task(TaskKind.DEMO_LESSON, 2)]
    plan = plans.draft(
        hn.school_admin,
        community,
        year=2025,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        title="2025年度工作计划",
        tasks=tasks,
    ).id
    then()
    for comments, more in (("请补充跟岗", 1), ("跟岗目标偏低", 2)):
        plans.submit(hn.school_admin, plan)
        then()
        plans.return_with_comments(hn.admin, plan, comments)
        then()
        plans.revise(hn.school_admin, plan, [*tasks, Task(TaskKind.SHADOW_PLACEMENT, more)])
        then()
    plans.submit(hn.school_admin, plan)
    then()
    plans.approve(hn.admin, plan)
    then()

    def record(who: Actor, kind: str, day: date, **details: object) -> UUID:
        set_clock(datetime.combine(day, time(18), UTC))
        done = activities.record(
            who, community, kind=kind, title=f"{kind} {day}", occurred_on=day, details=details
        )
        then()
        return done.id

    def placement(ends_on: date) -> UUID:
        return record(
            hn.teacher,
            TaskKind.SHADOW_PLACEMENT,
            date(2025, 3, 3),
            teacher_id=hn.teacher.user_id,
            host_school_id=hn.other_school_id,
            starts_on=date(2025, 3, 3),
            ends_on=ends_on,
        )

    placement_withdrawn = placement(date(2025, 4, 10))
    placement_completed = placement(date(2025, 4, 5))
    demo = record(hn.teacher, TaskKind.DEMO_LESSON, date(2025, 3, 5))
    activities.attach_evidence(hn.teacher, demo, pdf("送教签到表.pdf"))
    then()
    record(yy.teacher, TaskKind.DEMO_LESSON, date(2025, 3, 6))
    research = record(hn.teacher, TaskKind.OFFLINE_RESEARCH, date(2025, 3, 20))
    set_clock(at(2025, 3, 21))
    activities.withdraw(hn.teacher, research, reason="重复录入")
    then()
    set_clock(at(2025, 4, 3))
    runtime.services.progress.seal_quarter(hn.admin, year=2025, quarter=1)
    then()
    set_clock(at(2025, 4, 5, 18))
    activities.complete_placement(hn.teacher, placement_completed, ended_on=date(2025, 4, 5))
    then()
    set_clock(at(2025, 4, 10, 18))
    activities.complete_placement(hn.teacher, placement_withdrawn, ended_on=date(2025, 4, 10))
    then()
    activities.attach_evidence(hn.teacher, placement_withdrawn, pdf("跟岗总结.pdf"))
    then()
    activities.attach_evidence(hn.teacher, demo, pdf("送教照片.pdf"))
    then()
    activities.withdraw(hn.teacher, placement_withdrawn, reason="带教老师有误")
    then()
    member_research = record(hn.other_teacher, TaskKind.OFFLINE_RESEARCH, date(2025, 5, 15))
    set_clock(at(2025, 7, 1))
    communities.release(
        hn.admin, community, hn.other_school_id, on=date(2025, 5, 1), reason="划片调整"
    )
    then()
    set_clock(at(2025, 11, 1))
    return Story(
        hn,
        yy,
        community,
        plan,
        placement_withdrawn,
        placement_completed,
        demo,
        research,
        member_research,
    )


def what_the_services_report(runtime: Runtime, story: Story) -> dict[str, object]:
    hn, progress = story.hn, runtime.services.progress
    view = runtime.views["communities"]
    assert isinstance(view, SQLCommunitiesView)
    return {
        "stints": view.stints([story.community])[story.community],
        "figures": progress.community(hn.admin, story.community, as_of=AS_OF),
        "history": progress.history(hn.admin, story.community, as_of=AS_OF),
        "drill": progress.drill_down(hn.admin, story.community, task_kind=None, as_of=AS_OF),
        "activities": {
            a.id: a for a in runtime.services.activities.activities(hn.admin, story.community)
        },
        "plan": runtime.services.plans.plan(hn.admin, story.plan),
        "invitations": runtime.services.communities.invitations(story.yy.admin),
        "seals": progress.seals(hn.admin, 2025),
    }


def the_story_is_told(report: dict[str, object], story: Story) -> None:
    """What the story must have left, whichever batches applied it."""
    activities = report["activities"]
    assert isinstance(activities, dict)
    withdrawn = activities[story.placement_withdrawn]
    assert (withdrawn.withdrawn, withdrawn.counted) == (True, False)
    assert (withdrawn.details["ends_on"], withdrawn.details["days"]) == ("2025-04-10", 39)
    assert [e["name"] for e in withdrawn.evidence] == ["跟岗总结.pdf"]
    completed = activities[story.placement_completed]
    assert (completed.withdrawn, completed.counted, completed.details["days"]) == (False, True, 34)
    demo = activities[story.demo_with_evidence]
    assert [e["name"] for e in demo.evidence] == ["送教签到表.pdf", "送教照片.pdf"]
    assert activities[story.research_withdrawn].withdrawn
    stints = report["stints"]
    assert isinstance(stints, list)
    assert [
        (s.joined_on, s.left_on) for s in stints if s.school_tenant_id == story.hn.tenant_id
    ] == [
        (date(2025, 1, 1), None),
        (date(2025, 1, 1), date(2025, 5, 1)),
        (date(2025, 2, 1), date(2025, 2, 20)),
    ]
    plan = report["plan"]
    assert isinstance(plan, PlanRow)
    assert (plan.status, plan.version, plan.comments) == (
        "approved",
        1,
        ["请补充跟岗", "跟岗目标偏低"],
    )
    invitations = report["invitations"]
    assert isinstance(invitations, list)
    [invitation] = invitations
    assert invitation.invitation.community_name == "狮岭—博达教共体"
    drill = report["drill"]
    assert isinstance(drill, list)
    # Counted work: the completed placement; the withdrawn one counted, then minus one; two demo
    # lessons; the research recorded then withdrawn; the member's research, no longer counting.
    amounts = sorted((d.contribution.task_kind, d.contribution.amount, d.counts) for d in drill)
    assert amounts == [
        (TaskKind.DEMO_LESSON, 1, True),
        (TaskKind.DEMO_LESSON, 1, True),
        (TaskKind.OFFLINE_RESEARCH, -1, True),
        (TaskKind.OFFLINE_RESEARCH, 1, False),
        (TaskKind.OFFLINE_RESEARCH, 1, True),
        (TaskKind.SHADOW_PLACEMENT, -1, True),
        (TaskKind.SHADOW_PLACEMENT, 1, True),
        (TaskKind.SHADOW_PLACEMENT, 1, True),
    ]


def test_a_year_applied_in_one_batch_leaves_the_rows_of_one_batch_per_event(
    runtime: Runtime, set_clock: SetClock
) -> None:
    story = a_busy_year(runtime, set_clock)
    view = runtime.views["communities"]
    head = runtime.platform.recorder.max_notification_id()

    runtime.runner("communities", batch_size=1).rebuild()
    one_by_one = view_rows(view)
    reported = what_the_services_report(runtime, story)
    the_story_is_told(reported, story)
    assert all(one_by_one[t] for t in one_by_one if t != "com_applications")

    view.clear()
    with counting_commits(runtime) as commits:
        applied = runtime.runner("communities", batch_size=5000).catch_up()
    assert 0 < applied < 5000
    assert len(commits) == 1  # the whole year in one batch
    assert view.position() == head
    assert view_rows(view) == one_by_one
    assert what_the_services_report(runtime, story) == reported


def test_a_rebuild_in_any_batches_gives_the_figures_the_view_had_when_following_the_store(
    runtime: Runtime, set_clock: SetClock
) -> None:
    story = a_busy_year(runtime, set_clock)
    view = runtime.views["communities"]
    followed = view_rows(view)
    reported = what_the_services_report(runtime, story)
    the_story_is_told(reported, story)

    view.clear()
    runtime.runner("communities", batch_size=5000).catch_up()
    assert view_rows(view) == followed
    assert what_the_services_report(runtime, story) == reported
    # Batches that end between a record and its changes: some are amended in the buffer, some
    # in the database.
    for batch_size in (2, 3, 7):
        runtime.runner("communities", batch_size=batch_size).rebuild()
        assert view_rows(view) == followed
        assert what_the_services_report(runtime, story) == reported


def an_activity(community_id: UUID) -> ActivityRow:
    return ActivityRow(
        id=uuid4(),
        tenant_id=uuid4(),
        community_id=community_id,
        school_id=uuid4(),
        kind=TaskKind.SHADOW_PLACEMENT,
        title="跟岗锻炼",
        occurred_on=date(2025, 3, 3),
        recorded_at=at(2025, 3, 3, 18),
        actor_id=uuid4(),
        participant_ids=[uuid4()],
        details={"teacher_id": uuid4(), "starts_on": date(2025, 3, 3)},
        evidence=[],
        counted=False,
        withdrawn=False,
    )


def test_within_a_batch_the_view_reads_back_and_amends_what_it_has_not_written_yet(
    runtime: Runtime,
) -> None:
    view = runtime.views["communities"]
    assert isinstance(view, SQLCommunitiesView)
    community = CommunityRow(
        uuid4(), uuid4(), "教共体", "fusion", uuid4(), date(2025, 1, 1), 2024, 2026
    )
    partner_tenant = uuid4()
    row = an_activity(community.id)
    plan = PlanRow(
        uuid4(),
        community.tenant_id,
        community.id,
        2025,
        date(2025, 1, 1),
        date(2025, 12, 31),
        "计划",
        "draft",
        0,
        [],
        [{"kind": TaskKind.DEMO_LESSON, "target": 2}],
        [],
        at(2025, 3, 1),
    )
    with view.batch():
        view.add_community(community)
        core = StintRow(
            community.id, community.core_school_id, community.tenant_id, date(2025, 1, 1), None
        )
        view.add_stint(core)
        view.add_plan(plan)
        view.add_activity(row)
        found = view.activity(row.id)
        assert found is not None
        found.details["tampered"] = True  # a copy: the buffered row is not changed
        view.update_activity(
            row.id, details={**row.details, "days": 39}, evidence=[{"name": "a.pdf"}], counted=True
        )
        view.update_plan(plan.id, status="returned", comments=["补充"])
        returned = view.plan(plan.id)
        assert returned is not None
        assert returned.comments == ["补充"]
        view.update_plan(plan.id, comments=[*returned.comments, "再补充"])
        member = uuid4()
        view.add_stint(StintRow(community.id, member, partner_tenant, date(2025, 2, 1), None))
        view.end_stint(community.id, member, date(2025, 6, 1))
        # The projection names the community of an invitation: the view writes what it holds.
        assert view.community(community.id) == CommunityRow(
            **{**community.__dict__, "partner_tenant_ids": [partner_tenant]}
        )
        view.add_stint(StintRow(community.id, member, partner_tenant, date(2025, 9, 1), None))
        view.end_stint(community.id, community.core_school_id, date(2025, 12, 31))
        in_batch = view.activity(row.id), view.plan(plan.id)
    after = view.activity(row.id), view.plan(plan.id)
    assert in_batch == after
    activity, written_plan = after
    assert activity is not None
    assert written_plan is not None
    assert activity.details == {
        "teacher_id": str(row.details["teacher_id"]),
        "starts_on": "2025-03-03",
        "days": 39,
    }
    assert (activity.evidence, activity.counted, activity.participant_ids) == (
        [{"name": "a.pdf"}],
        True,
        row.participant_ids,
    )
    assert (written_plan.status, written_plan.comments) == ("returned", ["补充", "再补充"])
    stints = view.stints([community.id])[community.id]
    assert [(s.school_id, s.left_on) for s in stints] == [
        (community.core_school_id, date(2025, 12, 31)),
        (member, date(2025, 6, 1)),
        (member, None),
    ]
