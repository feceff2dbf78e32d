"""Joint assessment's read model: the tests, each class's current upload, and its scores by
pseudonymous key. No name is here to leak: names stay in the school's roster (ADR 0006), and
individual scores are read only through services that check the reader is of the school."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from domain.assessment import ClassScores, Lines, Scores, Tally, UnifiedTest
from projections.base import Projection


@dataclass(frozen=True)
class TestRow:
    id: UUID
    tenant_id: UUID
    community_id: UUID
    core_school_id: UUID
    subject: str
    grade: int
    held_on: date
    lines: Lines
    defined_at: datetime


@dataclass(frozen=True)
class UploadRow:
    scores_id: UUID
    test_id: UUID
    tenant_id: UUID
    school_id: UUID
    grade: int
    class_name: str
    version: int
    uploaded_at: datetime
    uploaded_by: UUID | None


@dataclass(frozen=True)
class ClassTally:
    test_id: UUID
    school_id: UUID
    class_name: str
    tally: Tally


class AssessmentView(ABC):
    @abstractmethod
    def add_test(self, row: TestRow) -> None: ...

    @abstractmethod
    def put_scores(self, row: UploadRow, scores: Scores) -> None:
        """The class's upload and scores, replacing any earlier version of them."""

    @abstractmethod
    def upload(self, scores_id: UUID) -> UploadRow | None: ...

    @abstractmethod
    def test(self, test_id: UUID) -> TestRow | None: ...

    @abstractmethod
    def tests(self, community_ids: list[UUID]) -> list[TestRow]: ...

    @abstractmethod
    def uploads(self, test_id: UUID, school_id: UUID | None = None) -> list[UploadRow]: ...

    @abstractmethod
    def tallies(self, test_ids: list[UUID]) -> list[ClassTally]:
        """Each class's counts and sum in each test, computed by the database."""

    @abstractmethod
    def scores(self, scores_id: UUID) -> list[tuple[str, float | None]]:
        """The class's (student key, score) pairs; a score of ``None`` is an absence."""


class AssessmentProjection(Projection[AssessmentView]):
    name = "assessment"

    @singledispatchmethod
    def process(self, event: Any) -> None:
        """Events without a handler change nothing here."""

    @process.register
    def _(self, e: UnifiedTest.Defined) -> None:
        self.view.add_test(
            TestRow(
                id=e.originator_id,
                tenant_id=e.tenant_id,
                community_id=e.community_id,
                core_school_id=e.core_school_id,
                subject=e.subject,
                grade=e.grade,
                held_on=e.held_on,
                lines=Lines(e.full_mark, e.pass_line, e.excellence_line, e.low_line),
                defined_at=e.timestamp,
            )
        )

    @process.register
    def _(self, e: ClassScores.Uploaded) -> None:
        self.view.put_scores(
            UploadRow(
                scores_id=e.originator_id,
                test_id=e.test_id,
                tenant_id=e.tenant_id,
                school_id=e.school_id,
                grade=e.grade,
                class_name=e.class_name,
                version=e.originator_version,
                uploaded_at=e.timestamp,
                uploaded_by=e.actor_id,
            ),
            e.scores,
        )

    @process.register
    def _(self, e: ClassScores.Replaced) -> None:
        earlier = self.view.upload(e.originator_id)
        if earlier is None:  # never: a replacement follows its upload in the log
            return
        self.view.put_scores(
            UploadRow(
                scores_id=e.originator_id,
                test_id=earlier.test_id,
                tenant_id=earlier.tenant_id,
                school_id=earlier.school_id,
                grade=earlier.grade,
                class_name=earlier.class_name,
                version=e.originator_version,
                uploaded_at=e.timestamp,
                uploaded_by=e.actor_id,
            ),
            e.scores,
        )
