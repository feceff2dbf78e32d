"""Progress of a community against its plan: pure arithmetic over counted work.

Progress of a task = min(done / target, 1); of a community = the weighted mean of its tasks. Only work
that happened inside the plan period, on or before the as-of date, at a school that was a member of
the community on that day counts. Nobody types a percentage.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.community import Stint
from domain.plan import Rule, Task
from domain.settings import Checkpoint


@dataclass(frozen=True)
class Counted:
    """One contribution as the read model keeps it."""

    task_kind: str
    school_id: UUID
    occurred_on: date
    amount: int = 1
    unit: str = ""


@dataclass(frozen=True)
class TaskFigure:
    kind: str
    done: int
    target: int
    weight: float
    rule: str

    @property
    def ratio(self) -> float:
        return min(self.done / self.target, 1.0) if self.target else 1.0


@dataclass(frozen=True)
class Progress:
    as_of: date
    tasks: list[TaskFigure]

    @property
    def ratio(self) -> float:
        total = sum(t.weight for t in self.tasks)
        return sum(t.weight * t.ratio for t in self.tasks) / total if total else 0.0

    @property
    def percent(self) -> float:
        return round(self.ratio * 100, 1)

    def missing(self) -> list[TaskFigure]:
        return [t for t in self.tasks if t.done < t.target]


def counts(
    contributions: Iterable[Counted],
    stints: list[Stint],
    *,
    period_start: date,
    period_end: date,
    as_of: date,
) -> list[Counted]:
    """The contributions that count as of a date, by membership at the time."""
    last = min(as_of, period_end)
    return [
        c
        for c in contributions
        if period_start <= c.occurred_on <= last
        and any(s.school_id == c.school_id and s.covers(c.occurred_on) for s in stints)
    ]


def units_for(task: Task, counted: Iterable[Counted]) -> list[str]:
    """The distinct units (for a sync-class task: the subjects) with work counted, sorted."""
    per_unit: dict[str, int] = defaultdict(int)
    for c in counted:
        if c.task_kind in task.kinds and c.unit:
            per_unit[c.unit] += c.amount
    return sorted(unit for unit, total in per_unit.items() if total > 0)


def done_for(task: Task, counted: Iterable[Counted]) -> int:
    mine = [c for c in counted if c.task_kind in task.kinds]
    if task.rule == Rule.UNITS:
        per_unit: dict[str, int] = defaultdict(int)
        for c in mine:
            per_unit[c.unit] += c.amount
        return sum(1 for total in per_unit.values() if total >= task.threshold)
    done = max(sum(c.amount for c in mine), 0)
    if task.min_units and len(units_for(task, mine)) < task.min_units:
        # Enough lessons in too few subjects is not done: it stops one short of the target.
        return min(done, task.target - 1)
    return done


def shortfall(task: Task, counted: Iterable[Counted]) -> str:
    """Which part of a task is missing, in words ("" when it is met)."""
    mine = [c for c in counted if c.task_kind in task.kinds]
    parts = []
    total = max(sum(c.amount for c in mine), 0) if task.rule == Rule.SUM else done_for(task, mine)
    if total < task.target:
        parts.append(f"还差{task.target - total}次 / {task.target - total} more")
    if task.min_units:
        units = units_for(task, mine)
        if len(units) < task.min_units:
            have = "、".join(units) or "无"
            parts.append(
                f"还差{task.min_units - len(units)}个学科（已有：{have}） / "
                f"{task.min_units - len(units)} more subject(s)"
            )
    return "；".join(parts)


def progress(
    tasks: list[Task],
    contributions: Iterable[Counted],
    stints: list[Stint],
    *,
    period_start: date,
    period_end: date,
    as_of: date,
) -> Progress:
    counted = counts(
        contributions, stints, period_start=period_start, period_end=period_end, as_of=as_of
    )
    return Progress(
        as_of=as_of,
        tasks=[TaskFigure(t.kind, done_for(t, counted), t.target, t.weight, t.rule) for t in tasks],
    )


@dataclass(frozen=True)
class CheckpointFigure:
    quarter: int
    due: date
    required: float
    actual: float | None  # None until the checkpoint's date has come

    @property
    def met(self) -> bool | None:
        return None if self.actual is None else self.actual + 1e-9 >= self.required


def checkpoint_figures(
    checkpoints: list[Checkpoint],
    ratio_on: dict[date, float],
    as_of: date,
) -> list[CheckpointFigure]:
    """Each checkpoint with the progress reached by its date (``ratio_on[due]``), once it is due."""
    return [
        CheckpointFigure(
            quarter=i,
            due=cp.due,
            required=cp.required,
            actual=ratio_on.get(cp.due) if cp.due <= as_of else None,
        )
        for i, cp in enumerate(sorted(checkpoints, key=lambda c: c.due), start=1)
    ]


def required_on(checkpoints: list[Checkpoint], as_of: date) -> Checkpoint | None:
    """The checkpoint that the as-of date is working towards (the next one due), if any."""
    upcoming = [cp for cp in sorted(checkpoints, key=lambda c: c.due) if cp.due >= as_of]
    return upcoming[0] if upcoming else None


@dataclass(frozen=True)
class Forecast:
    due: date
    required: float
    projected: float

    @property
    def will_miss(self) -> bool:
        return self.projected + 1e-9 < self.required


def forecast(
    current: float, *, period_start: date, as_of: date, checkpoints: list[Checkpoint]
) -> Forecast | None:
    """At the pace so far (progress per day since the period began), where the next checkpoint lands."""
    target = required_on(checkpoints, as_of)
    if target is None:
        return None
    elapsed = (as_of - period_start).days + 1
    pace = current / elapsed if elapsed > 0 else 0.0
    projected = min(current + pace * (target.due - as_of).days, 1.0)
    return Forecast(target.due, target.required, projected)
