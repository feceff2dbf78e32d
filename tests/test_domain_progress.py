"""A scripted plan year whose figures are worked out by hand, then checked against the arithmetic.

Community: core school C (from 1 Jan), member M1 (from 1 Jan), member M2 (joined 1 May, left 1 Aug).
Plan 2025 (calendar year): 线下教研 target 4 (weight 1), 送教下乡 target 2 (weight 1),
论文/报道 target 2 (weight 2). Checkpoints: 40% by 31 Mar, 60% by 30 Jun, 80% by 30 Sep, 100% by 31 Oct.
"""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.community import Stint
from domain.plan import Rule, Task
from domain.progress import Counted, checkpoint_figures, forecast, progress
from domain.settings import default_checkpoints

C, M1, M2 = uuid4(), uuid4(), uuid4()
STINTS = [
    Stint(C, date(2025, 1, 1)),
    Stint(M1, date(2025, 1, 1)),
    Stint(M2, date(2025, 5, 1), date(2025, 8, 1)),
]
TASKS = [
    Task("offline_research", target=4),
    Task("demo_lesson", target=2),
    Task("research_output", target=2, weight=2),
]
RECORDS = [
    Counted("offline_research", C, date(2025, 2, 10)),
    Counted("offline_research", M1, date(2025, 3, 20)),
    Counted("offline_research", M2, date(2025, 4, 20)),  # before M2 joined: does not count
    Counted("offline_research", M1, date(2025, 5, 15)),
    Counted("offline_research", M2, date(2025, 6, 10)),
    Counted("demo_lesson", C, date(2025, 3, 5)),
    Counted("demo_lesson", M2, date(2025, 9, 1)),  # after M2 left: does not count
    Counted("research_output", M1, date(2025, 6, 20)),
    Counted("research_output", C, date(2025, 10, 10)),
]


def percent_on(day: date, records: list[Counted] = RECORDS) -> float:
    return progress(
        TASKS,
        records,
        STINTS,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        as_of=day,
    ).percent


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Q1: research 2/4, demo 1/2, outputs 0/2 → (0.5 + 0.5 + 0×2) / 4
        (date(2025, 3, 31), 25.0),
        # Q2: research 4/4, demo 1/2, outputs 1/2 → (1 + 0.5 + 0.5×2) / 4
        (date(2025, 6, 30), 62.5),
        # Q3: M2's demo lesson of 1 Sep is after it left → unchanged
        (date(2025, 9, 30), 62.5),
        # Q4: the second output → (1 + 0.5 + 1×2) / 4
        (date(2025, 10, 31), 87.5),
    ],
)
def test_each_checkpoint_figure_matches_the_hand_computed_one(day: date, expected: float) -> None:
    assert percent_on(day) == expected


def test_a_school_counts_only_while_it_is_a_member() -> None:
    figures = progress(
        TASKS,
        RECORDS,
        STINTS,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        as_of=date(2025, 12, 31),
    )
    by_kind = {t.kind: t.done for t in figures.tasks}
    assert by_kind == {"offline_research": 4, "demo_lesson": 1, "research_output": 2}
    assert [t.kind for t in figures.missing()] == ["demo_lesson"]


def test_as_of_figures_do_not_move_when_later_work_is_recorded() -> None:
    before = percent_on(date(2025, 6, 30))
    later = [*RECORDS, Counted("demo_lesson", C, date(2025, 7, 2))]
    assert percent_on(date(2025, 6, 30), later) == before
    assert percent_on(date(2025, 7, 31), later) == 75.0


def test_a_withdrawn_record_no_longer_counts_as_of_when_it_happened() -> None:
    withdrawn = [*RECORDS, Counted("offline_research", M1, date(2025, 5, 15), amount=-1)]
    # research 3/4 → (0.75 + 0.5 + 0.5×2) / 4 = 56.25 → 56.2 (one decimal, banker's rounding)
    assert percent_on(date(2025, 6, 30), withdrawn) == round(56.25, 1)


def test_a_task_never_counts_more_than_its_target() -> None:
    many = [Counted("offline_research", C, date(2025, 2, d)) for d in range(1, 20)]
    figures = progress(
        [Task("offline_research", target=4)],
        many,
        STINTS,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        as_of=date(2025, 12, 31),
    )
    assert figures.tasks[0].done == 19
    assert figures.percent == 100.0


def test_work_outside_the_plan_period_does_not_count() -> None:
    outside = [Counted("offline_research", C, date(2024, 12, 31))]
    assert percent_on(date(2025, 12, 31), outside) == 0.0


def test_a_units_task_counts_the_pairs_that_reached_the_threshold() -> None:
    task = Task("mentoring", target=3, rule=Rule.UNITS, threshold=5)
    confirmations = [
        *[Counted("mentoring", M1, date(2025, 3, d), unit="pair-a") for d in range(1, 6)],
        *[Counted("mentoring", M1, date(2025, 3, d), unit="pair-b") for d in range(1, 5)],
        *[Counted("mentoring", M1, date(2025, 4, d), unit="pair-c") for d in range(1, 7)],
    ]
    figures = progress(
        [task],
        confirmations,
        STINTS,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        as_of=date(2025, 12, 31),
    )
    assert figures.tasks[0].done == 2
    assert figures.percent == 66.7


def test_checkpoints_report_met_or_behind_once_due() -> None:
    checkpoints = default_checkpoints(2025)
    ratios = {cp.due: percent_on(cp.due) / 100 for cp in checkpoints}
    figures = checkpoint_figures(checkpoints, ratios, as_of=date(2025, 7, 15))
    assert [(f.quarter, f.met) for f in figures] == [(1, False), (2, True), (3, None), (4, None)]


def test_the_forecast_warns_a_community_that_will_miss_its_next_checkpoint() -> None:
    checkpoints = default_checkpoints(2025)
    # 25% after 90 days (1 Jan – 31 Mar) → 0.25/90 a day; 91 more days to 30 Jun → about 50%
    slow = forecast(
        0.25, period_start=date(2025, 1, 1), as_of=date(2025, 3, 31), checkpoints=checkpoints
    )
    assert slow is not None
    assert slow.due == date(2025, 3, 31)
    on_time = forecast(
        0.25, period_start=date(2025, 1, 1), as_of=date(2025, 4, 1), checkpoints=checkpoints
    )
    assert on_time is not None
    assert on_time.due == date(2025, 6, 30)
    assert on_time.projected == pytest.approx(0.25 + 0.25 / 91 * 90)
    assert on_time.will_miss
    fast = forecast(
        0.5, period_start=date(2025, 1, 1), as_of=date(2025, 4, 1), checkpoints=checkpoints
    )
    assert fast is not None
    assert not fast.will_miss
