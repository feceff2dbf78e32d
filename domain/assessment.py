"""Joint assessment (联合质量检测): a community's unified test and the scores of each class.

Students are never named here. A score is filed under a pseudonymous student key that only the
student's own school can map to a 学号 and a name (the roster lives outside the event log, see
docs/adr/0006-student-roster-outside-the-log.md); erasing that mapping leaves these events, and so
every statistic, exactly as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import DomainError, TenantAggregate
from domain.fields import (
    CLASS_NAME,
    CLASS_SCORES,
    FULL_MARK,
    GRADE,
    HELD_ON,
    SCORE,
    SCORE_LINE,
    STUDENT_KEY,
    SUBJECT,
)


@dataclass(frozen=True)
class Lines:
    """A test's full mark and lines: a score equal to a line is on or above it (合格 at 60 is 60
    or more); a low score (低分) is one below the low line."""

    full_mark: float
    pass_line: float
    excellence_line: float
    low_line: float

    def check(self) -> Lines:
        full = FULL_MARK.check(self.full_mark)
        passing = SCORE_LINE.check(self.pass_line)
        excellent = SCORE_LINE.check(self.excellence_line)
        low = SCORE_LINE.check(self.low_line)
        if not low <= passing <= excellent <= full:
            raise DomainError(
                "分数线应满足 低分线 ≤ 合格线 ≤ 优秀线 ≤ 满分 / The lines must be "
                "low ≤ pass ≤ excellence ≤ full mark"
            )
        return Lines(full, passing, excellent, low)


class UnifiedTest(TenantAggregate):
    """A unified test the community sets for its schools: one subject, one grade, one date."""

    class Defined(TenantAggregate.Created):
        community_id: UUID
        core_school_id: UUID
        subject: str
        grade: int
        held_on: date
        full_mark: float
        pass_line: float
        excellence_line: float
        low_line: float

    @event(Defined)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        community_id: UUID,
        core_school_id: UUID,
        subject: str,
        grade: int,
        held_on: date,
        full_mark: float,
        pass_line: float,
        excellence_line: float,
        low_line: float,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.community_id = community_id
        self.core_school_id = core_school_id
        self.subject = subject
        self.grade = grade
        self.held_on = held_on
        self.lines = Lines(full_mark, pass_line, excellence_line, low_line)

    @classmethod
    def define(
        cls,
        *,
        tenant_id: UUID,
        community_id: UUID,
        core_school_id: UUID,
        subject: str,
        grade: int,
        held_on: date,
        lines: Lines,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> UnifiedTest:
        lines = lines.check()
        return cls(
            tenant_id=tenant_id,
            community_id=community_id,
            core_school_id=core_school_id,
            subject=SUBJECT.check(subject),
            grade=GRADE.check(grade),
            held_on=HELD_ON.check(held_on),
            full_mark=lines.full_mark,
            pass_line=lines.pass_line,
            excellence_line=lines.excellence_line,
            low_line=lines.low_line,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )


#: A class's scores by student key; ``None`` is a student absent from the test (缺考).
Scores = dict[str, float | None]


def check_scores(scores: Scores, lines: Lines) -> Scores:
    CLASS_SCORES.check(list(scores))
    checked: Scores = {}
    for key, score in scores.items():
        key = STUDENT_KEY.check(key)
        if score is None:
            checked[key] = None
            continue
        value = SCORE.check(score)
        if value > lines.full_mark:
            raise DomainError(
                f"成绩{value:g}超过满分{lines.full_mark:g} / A score of {value:g} is above "
                f"the full mark {lines.full_mark:g}"
            )
        checked[key] = value
    return checked


class ClassScores(TenantAggregate):
    """One class's scores in one test. Uploading again replaces them, as a new version."""

    @staticmethod
    def create_id(test_id: UUID, school_id: UUID, class_name: str) -> UUID:
        return class_scores_id(test_id, school_id, class_name)

    class Uploaded(TenantAggregate.Created):
        test_id: UUID
        school_id: UUID
        grade: int
        class_name: str
        scores: Scores
        #: Individual scores, even under pseudonymous keys, stay out of every shared read model
        #: (the bureau's audit log, the school feed): only the assessment view keeps them.
        PRIVATE_FIELDS: ClassVar[frozenset[str]] = frozenset({"scores"})

    @event(Uploaded)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        test_id: UUID,
        school_id: UUID,
        grade: int,
        class_name: str,
        scores: Scores,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.test_id = test_id
        self.school_id = school_id
        self.grade = grade
        self.class_name = class_name
        self.scores = scores
        self.uploads = 1

    @classmethod
    def upload(
        cls,
        *,
        test: UnifiedTest,
        tenant_id: UUID,
        school_id: UUID,
        class_name: str,
        scores: Scores,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> ClassScores:
        return cls(
            tenant_id=tenant_id,
            test_id=test.id,
            school_id=school_id,
            grade=test.grade,
            class_name=CLASS_NAME.check(class_name),
            scores=check_scores(scores, test.lines),
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    class Replaced(TenantAggregate.Event):
        scores: Scores
        PRIVATE_FIELDS: ClassVar[frozenset[str]] = frozenset({"scores"})

    @event(Replaced)
    def _replace(self, scores: Scores, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.scores = scores
        self.uploads += 1

    def replace(
        self, test: UnifiedTest, scores: Scores, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        """A corrected upload of the class: the new scores count, the old ones stay in the log."""
        self._replace(check_scores(scores, test.lines), actor_id=actor_id, occurred_at=occurred_at)


def class_scores_id(test_id: UUID, school_id: UUID, class_name: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"jgt:class-scores:{test_id}:{school_id}:{class_name}")


# Statistics ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """What statistics are computed from: counts and a sum, which add up across classes."""

    tested: int = 0
    absent: int = 0
    total: float = 0.0
    passed: int = 0
    excellent: int = 0
    low: int = 0

    @classmethod
    def of(cls, scores: list[float | None], lines: Lines) -> Tally:
        taken = [s for s in scores if s is not None]
        return cls(
            tested=len(taken),
            absent=len(scores) - len(taken),
            total=sum(taken),
            passed=sum(1 for s in taken if s >= lines.pass_line),
            excellent=sum(1 for s in taken if s >= lines.excellence_line),
            low=sum(1 for s in taken if s < lines.low_line),
        )

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.tested + other.tested,
            self.absent + other.absent,
            self.total + other.total,
            self.passed + other.passed,
            self.excellent + other.excellent,
            self.low + other.low,
        )

    def figures(self) -> Figures:
        """Rates over the students who sat the test; the absent count apart."""
        if not self.tested:
            return Figures(self.tested, self.absent)
        return Figures(
            tested=self.tested,
            absent=self.absent,
            average=round(self.total / self.tested, 2),
            pass_rate=self.passed / self.tested,
            excellence_rate=self.excellent / self.tested,
            low_rate=self.low / self.tested,
        )


@dataclass(frozen=True)
class Figures:
    tested: int
    absent: int
    average: float | None = None
    pass_rate: float | None = None
    excellence_rate: float | None = None
    low_rate: float | None = None


@dataclass(frozen=True)
class GradeTargets:
    """A school's targets for a grade (seed 002: grade 5 pass 90%, excellence 92%, low 0%, 91)."""

    pass_rate: float
    excellence_rate: float
    low_rate: float
    average: float

    def met_by(self, figures: Figures) -> list[bool]:
        """Which of the four targets the figures meet (none when nobody sat the test)."""
        if figures.average is None:
            return [False, False, False, False]
        assert figures.pass_rate is not None
        assert figures.excellence_rate is not None
        assert figures.low_rate is not None
        return [
            figures.pass_rate >= self.pass_rate,
            figures.excellence_rate >= self.excellence_rate,
            figures.low_rate <= self.low_rate,
            figures.average >= self.average,
        ]
