"""专递课堂 (recorded lessons for a member school's weak subject), on SQLite and PostgreSQL: recorded
as an activity that names its subject and the class that used it, counted toward its own task (not
the 同步课堂 task), refused with the reason when either is missing, and told apart in a drill-down
of a task that counts more than one kind."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.counting import TaskKind
from domain.plan import Task
from infra.wiring import Runtime
from services.errors import DomainError
from tests.conftest import SetClock, found_fusion, make_bureau


def test_a_recorded_lesson_counts_toward_its_own_task_and_names_its_kind_in_the_drill_down(
    runtime: Runtime, set_clock: SetClock
) -> None:
    set_clock(datetime(2025, 3, 1, 2, 0, tzinfo=UTC))
    hn = make_bureau(runtime, "hn", "海宁市教育局")
    community = found_fusion(runtime, hn).id
    plans, activities = runtime.services.plans, runtime.services.activities
    plan = plans.draft(
        hn.school_admin,
        community,
        year=2025,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        title="2025年度工作计划",
        tasks=[
            Task(TaskKind.RECORDED_CLASS, 2),
            Task(TaskKind.SYNC_CLASS, 4, also=(TaskKind.DEMO_LESSON,)),
        ],
    ).id
    plans.submit(hn.school_admin, plan)
    plans.approve(hn.admin, plan)
    head = runtime.platform.head()
    with pytest.raises(DomainError, match="专递课堂需要使用班级"):
        activities.record(
            hn.teacher,
            community,
            kind=TaskKind.RECORDED_CLASS,
            title="英语微课《My family》",
            occurred_on=date(2025, 2, 27),
            details={"subject": "英语"},
        )
    assert runtime.platform.head() == head
    activities.record(
        hn.teacher,
        community,
        kind=TaskKind.RECORDED_CLASS,
        title="英语微课《My family》",
        occurred_on=date(2025, 2, 27),
        details={"subject": "英语", "used_by": "第二小学4年级1班"},
    )
    activities.record(
        hn.teacher,
        community,
        kind=TaskKind.DEMO_LESSON,
        title="送教到第二小学（数学）",
        occurred_on=date(2025, 2, 28),
    )
    runtime.catch_up()
    figures = runtime.services.progress.community(hn.admin, community, as_of=date(2025, 3, 1))
    done = {t.kind: t.done for t in figures.progress.tasks}  # type: ignore[union-attr]
    # The recorded lesson counts for 专递课堂 only; the sync task counts the 送教下乡 lesson.
    assert done == {TaskKind.RECORDED_CLASS: 1, TaskKind.SYNC_CLASS: 1}
    recorded = runtime.services.progress.drill_down(
        hn.admin, community, task_kind=TaskKind.RECORDED_CLASS, as_of=date(2025, 3, 1)
    )
    assert [(r.contribution.task_kind, r.counts) for r in recorded] == [
        (TaskKind.RECORDED_CLASS, True)
    ]
    sync = runtime.services.progress.drill_down(
        hn.admin, community, task_kind=TaskKind.SYNC_CLASS, as_of=date(2025, 3, 1)
    )
    assert [r.contribution.task_kind for r in sync if r.counts] == [TaskKind.DEMO_LESSON]
