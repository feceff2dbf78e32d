"""A bureau's settings for joint assessment: the smallest group shown, each school's grade targets,
and the bundled evaluation's formula (捆绑考核). Every number has DOMAIN.md's default."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.assessment import GradeTargets
from domain.base import DomainError, TenantAggregate
from domain.fields import (
    EXCELLENT_SHARE,
    FORMULA_WEIGHT,
    GRADE,
    MIN_GROUP,
    TARGET_AVERAGE,
    TARGET_RATE,
    check_uuid,
)

#: Fewer students than this in a group, and outsiders see "人数过少" instead of its figures.
DEFAULT_MIN_GROUP = 5

#: A primary school's targets (seed 002): grades 1–2 are evaluated by process (no target score).
DEFAULT_TARGETS: dict[int, GradeTargets] = {
    1: GradeTargets(1.0, 0.98, 0.0, 0.0),
    2: GradeTargets(1.0, 0.98, 0.0, 0.0),
    3: GradeTargets(0.85, 0.90, 0.0, 90.0),
    4: GradeTargets(0.95, 0.96, 0.0, 91.0),
    5: GradeTargets(0.90, 0.92, 0.0, 91.0),
    6: GradeTargets(0.80, 0.82, 0.0, 87.0),
}


@dataclass(frozen=True)
class Formula:
    """The bundled evaluation: a weighted sum of plan completion (0–100), the narrowing of the
    member schools' gaps to the core school (marks, mean over members) and the member schools'
    movement toward their targets (percentage points of targets met, mean over members)."""

    completion: float = 0.5
    narrowing: float = 0.3
    targets: float = 0.2
    #: The top share of the ranking rated 优秀.
    excellent_share: float = 0.3

    def check(self) -> Formula:
        completion = FORMULA_WEIGHT.check(self.completion)
        narrowing = FORMULA_WEIGHT.check(self.narrowing)
        targets = FORMULA_WEIGHT.check(self.targets)
        if not any((completion, narrowing, targets)):
            raise DomainError("至少一个权重大于0 / At least one weight is above 0")
        return Formula(completion, narrowing, targets, EXCELLENT_SHARE.check(self.excellent_share))

    def score(self, completion: float, narrowing: float, targets: float) -> float:
        return round(
            self.completion * completion + self.narrowing * narrowing + self.targets * targets, 2
        )


def _check_targets(targets: GradeTargets) -> GradeTargets:
    return GradeTargets(
        TARGET_RATE.check(targets.pass_rate),
        TARGET_RATE.check(targets.excellence_rate),
        TARGET_RATE.check(targets.low_rate),
        TARGET_AVERAGE.check(targets.average),
    )


class AssessmentSettings(TenantAggregate):
    class Created(TenantAggregate.Created):
        pass

    @staticmethod
    def create_id(tenant_id: UUID) -> UUID:
        return assessment_settings_id(tenant_id)

    @event(Created)
    def __init__(self, *, tenant_id: UUID, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.tenant_id = tenant_id
        self.min_group = DEFAULT_MIN_GROUP
        self.school_targets: dict[str, dict[int, dict[str, float]]] = {}
        self.formula = Formula()

    class MinGroupSet(TenantAggregate.Event):
        min_group: int

    @event(MinGroupSet)
    def _set_min_group(
        self, min_group: int, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.min_group = min_group

    def set_min_group(
        self, min_group: int, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self._set_min_group(MIN_GROUP.check(min_group), actor_id=actor_id, occurred_at=occurred_at)

    class TargetsSet(TenantAggregate.Event):
        school_id: UUID
        grade: int
        targets: dict[str, float]

    @event(TargetsSet)
    def _set_targets(
        self,
        school_id: UUID,
        grade: int,
        targets: dict[str, float],
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.school_targets.setdefault(str(school_id), {})[grade] = targets

    def set_targets(
        self,
        school_id: UUID,
        grade: int,
        targets: GradeTargets,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        checked = _check_targets(targets)
        self._set_targets(
            check_uuid(school_id, "学校", "A school"),
            GRADE.check(grade),
            {
                "pass_rate": checked.pass_rate,
                "excellence_rate": checked.excellence_rate,
                "low_rate": checked.low_rate,
                "average": checked.average,
            },
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    def targets(self, school_id: UUID, grade: int) -> GradeTargets | None:
        raw = self.school_targets.get(str(school_id), {}).get(grade)
        if raw is None:
            return DEFAULT_TARGETS.get(grade)
        return GradeTargets(**raw)

    class FormulaSet(TenantAggregate.Event):
        formula: dict[str, float]

    @event(FormulaSet)
    def _set_formula(
        self, formula: dict[str, float], *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.formula = Formula(**formula)

    def set_formula(
        self, formula: Formula, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        checked = formula.check()
        raw: dict[str, Any] = {
            "completion": checked.completion,
            "narrowing": checked.narrowing,
            "targets": checked.targets,
            "excellent_share": checked.excellent_share,
        }
        self._set_formula(raw, actor_id=actor_id, occurred_at=occurred_at)


def assessment_settings_id(tenant_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"jgt:assessment-settings:{tenant_id}")
