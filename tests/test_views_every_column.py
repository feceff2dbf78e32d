"""Every column of every view table is the same however the log is applied: one event per batch,
the whole log in one batch, or a rebuild beside the live view.

The history exercises every view: two bureaus, a community's busy year (invitations, a school
joining and leaving, a plan returned twice, records amended and withdrawn), a mentoring pair with
records confirmed, a unified test with a class's scores uploaded twice, a semester of synchronized
classes, and a teacher registered and given a new password in the same batch (whose
records confirmed, a research group with a session attended and discussed, and a teacher registered and given a new password in the same batch (whose
``credentials_changed_at`` a multi-row INSERT once dropped, letting an old token work again).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from infra.wiring import Runtime
from tests.assessment.world import LINES, csv_bytes, names, score_file
from tests.conftest import PASSWORD, Bureau, SetClock, teacher_at
from tests.test_communities_view_batches import a_busy_year, at
from tests.test_sync_classes import bureau_with_bells
from tests.test_sync_read_model import a_synchronized_semester
from tests.workers.dumps import all_rows

Rows = dict[str, dict[str, list[tuple[Any, ...]]]]


def a_history_for_every_view(runtime: Runtime, set_clock: SetClock) -> None:
    story = a_busy_year(runtime, set_clock)
    hn, mentoring = story.hn, runtime.services.mentoring
    set_clock(at(2025, 11, 3))
    joining = runtime.services.organisation.register_school(
        hn.admin, name="海宁市第四小学", code="hn-04", stage="primary", locality="rural"
    ).id
    runtime.catch_up()
    runtime.services.communities.admit(hn.admin, story.community, joining, on=date(2025, 11, 3))
    mentee = teacher_at(runtime, hn, joining, "hn-mentee")
    runtime.catch_up()
    assert hn.teacher.user_id is not None
    assert mentee.user_id is not None
    pair = mentoring.pair(
        hn.school_admin,
        story.community,
        mentor_id=hn.teacher.user_id,
        mentee_id=mentee.user_id,
        paired_on=date(2025, 11, 3),
        ends_on=date(2026, 11, 2),
    ).id
    runtime.catch_up()
    set_clock(at(2025, 11, 6))
    for day in (4, 5):
        mentoring.record(
            mentee,
            pair,
            kind="observation",
            mode="offline",
            occurred_on=date(2025, 11, day),
            minutes=40,
            summary=f"第{day}日听课心得",
        )
    runtime.catch_up()
    mentoring.confirm(hn.teacher, pair, "1")
    mentoring.dispute(hn.teacher, pair, "2", comment="时长有误")
    # A research group: the mentee asks to join; a session with a sign-up, a check-in and a post.
    research = runtime.services.research
    group = research.form_group(
        hn.school_admin,
        story.community,
        name="语文教研组",
        subject="语文",
        grade_band="",
        leader_id=hn.teacher.user_id,
    ).id
    research.request_to_join(mentee, group)
    session = research.schedule(
        hn.teacher,
        group,
        kind="themed_research",
        theme="整本书阅读",
        starts_at=at(2025, 11, 6, 11),
        ends_at=at(2025, 11, 6, 12),
        host_id=hn.teacher.user_id,
    ).id
    research.sign_up(hn.teacher, session)
    set_clock(at(2025, 11, 6, 11))
    research.check_in(hn.teacher, session)
    research.post(hn.teacher, session, text="请先读第三章")
    # A lesson plan commented, revised, finalised and published to the library.
    plans = runtime.services.lesson_plans
    plan = plans.draft(hn.teacher, group, title="整本书阅读课", grade="五年级", text="目标")
    plans.comment(hn.teacher, plan.id, text="加上评价")
    plans.revise(hn.teacher, plan.id, title="整本书阅读课", text="目标\n评价")
    plans.finalise(hn.teacher, plan.id)
    plans.publish(hn.teacher, plan.id)
    # A certificate for the hours of that one session (the requirement lowered to meet them).
    runtime.catch_up()  # the certificate certifies the ledger as the view has it
    hours = runtime.services.training_hours
    hours.set_settings(hn.admin, replace(hours.settings(hn.admin), required_hours=3))
    runtime.services.certificates.issue(hn.teacher, hn.teacher.user_id)
    # Registered and given a new password with no catch-up between: one batch holds both.
    newcomer = teacher_at(runtime, hn, hn.school_id, "hn-newcomer")
    assert newcomer.user_id is not None
    runtime.services.people.reset_password(hn.school_admin, newcomer.user_id, new=PASSWORD + "-2")
    runtime.catch_up()
    # Another bureau's semester of synchronized classes: slots answered, lessons generated,
    # moved, cancelled and delivered with attendance, feedback and reflection.
    a_synchronized_semester(
        runtime, bureau_with_bells(runtime, set_clock, "zj", "诸暨市教育局"), set_clock
    )
    joint_assessment(runtime, hn, story.community)


def joint_assessment(runtime: Runtime, hn: Bureau, community: UUID) -> None:
    """A unified test, a class's scores and, in the same batch, their corrected version."""
    assessment = runtime.services.assessment
    runtime.services.organisation.open_class(hn.admin, hn.school_id, grade=5, name="1班")
    students = names("SL25", 6)
    roster = csv_bytes([["学号", "姓名"], *[[n, name] for n, name in students]])
    assessment.import_roster(
        hn.school_admin, hn.school_id, grade=5, class_name="1班", filename="a.csv", data=roster
    )
    test = assessment.define_test(
        hn.school_admin, community, subject="数学", grade=5, held_on=date(2025, 11, 5), lines=LINES
    ).id
    for scores in ([90, 80, 70, 60, 50, None], [91.5, 80, 70, 60, 50, 40]):
        done = assessment.upload_scores(
            hn.school_admin,
            test,
            class_name="1班",
            filename="s.csv",
            data=score_file(students, list(scores)),
        )
        assert done.ok, done.errors
    runtime.catch_up()


def newcomer_id(runtime: Runtime) -> UUID:
    found = runtime.services.people.ctx.directory.user_id_by_username("hn-newcomer")
    assert found is not None
    return found


def applied_again(runtime: Runtime, batch_size: int) -> Rows:
    for name, view in runtime.views.items():
        view.clear()
        runtime.runner(name, batch_size=batch_size).catch_up()
    return all_rows(runtime.views)


def test_every_column_of_every_view_is_the_same_in_one_batch_in_many_and_after_a_rebuild(
    runtime: Runtime, set_clock: SetClock
) -> None:
    a_history_for_every_view(runtime, set_clock)
    head = runtime.platform.recorder.max_notification_id()

    one_per_event = applied_again(runtime, batch_size=1)
    for view, tables in one_per_event.items():
        assert any(tables.values()), f"the history leaves the view {view} empty"
    directory = runtime.services.people.ctx.directory
    newcomer = directory.user_for_session(newcomer_id(runtime))
    assert newcomer is not None
    assert newcomer.credentials_changed_at is not None

    assert applied_again(runtime, batch_size=100_000) == one_per_event
    for name in runtime.views:
        runtime.runner(name, batch_size=100_000).rebuild()
    assert all_rows(runtime.views) == one_per_event
    assert all(view.position() == head for view in runtime.views.values())
