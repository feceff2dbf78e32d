"""Lesson plans (教案): the current revision of each, every revision, the comments, and the
community's resource library (the published ones, searchable)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from domain.lesson_plans import LessonPlan, PlanStatus
from projections.base import Projection


@dataclass(frozen=True)
class LessonPlanRow:
    id: UUID
    tenant_id: UUID
    community_id: UUID
    group_id: UUID
    session_id: UUID | None
    author_id: UUID
    title: str
    subject: str
    grade: str
    text: str
    status: str
    revision: int
    updated_at: datetime
    published_at: datetime | None = None

    @property
    def published(self) -> bool:
        return self.status == PlanStatus.PUBLISHED


@dataclass(frozen=True)
class RevisionRow:
    plan_id: UUID
    number: int
    title: str
    text: str
    by: UUID
    at: datetime


@dataclass(frozen=True)
class CommentRow:
    plan_id: UUID
    comment_id: str
    author_id: UUID
    revision: int
    text: str
    at: datetime


@dataclass(frozen=True)
class LibraryQuery:
    """What the library is searched by: each word must be in the title or the text."""

    subject: str = ""
    grade: str = ""
    words: tuple[str, ...] = ()


class LessonPlansView(ABC):
    @abstractmethod
    def add_plan(self, row: LessonPlanRow) -> None: ...

    @abstractmethod
    def add_revision(self, row: RevisionRow) -> None: ...

    @abstractmethod
    def set_status(self, plan_id: UUID, status: str, at: datetime) -> None: ...

    @abstractmethod
    def add_comment(self, row: CommentRow) -> None: ...

    @abstractmethod
    def plan(self, plan_id: UUID) -> LessonPlanRow | None: ...

    @abstractmethod
    def plans(self, group_ids: list[UUID]) -> list[LessonPlanRow]: ...

    @abstractmethod
    def authored_by(self, user_id: UUID) -> list[UUID]: ...

    @abstractmethod
    def revisions(self, plan_id: UUID) -> list[RevisionRow]: ...

    @abstractmethod
    def comments(self, plan_id: UUID) -> list[CommentRow]: ...

    @abstractmethod
    def library(
        self, community_ids: list[UUID], query: LibraryQuery, *, limit: int = 100
    ) -> list[LessonPlanRow]:
        """Published plans of the communities, newest first, matching the query."""


class LessonPlansProjection(Projection[LessonPlansView]):
    name = "lesson_plans"

    @singledispatchmethod
    def process(self, event: Any) -> None:
        """Events without a handler change nothing here."""

    @process.register
    def _(self, e: LessonPlan.Drafted) -> None:
        self.view.add_plan(
            LessonPlanRow(
                id=e.originator_id,
                tenant_id=e.tenant_id,
                community_id=e.community_id,
                group_id=e.group_id,
                session_id=e.session_id,
                author_id=e.author_id,
                title=e.title,
                subject=e.subject,
                grade=e.grade,
                text=e.text,
                status=PlanStatus.DRAFT,
                revision=1,
                updated_at=e.occurred_at,
            )
        )
        self.view.add_revision(
            RevisionRow(e.originator_id, 1, e.title, e.text, e.author_id, e.occurred_at)
        )

    @process.register
    def _(self, e: LessonPlan.Revised) -> None:
        assert e.actor_id is not None
        self.view.add_revision(
            RevisionRow(e.originator_id, e.number, e.title, e.text, e.actor_id, e.occurred_at)
        )

    @process.register
    def _(self, e: LessonPlan.Commented) -> None:
        self.view.add_comment(
            CommentRow(
                e.originator_id, e.comment_id, e.author_id, e.revision, e.text, e.occurred_at
            )
        )

    @process.register
    def _(self, e: LessonPlan.Finalised) -> None:
        self.view.set_status(e.originator_id, PlanStatus.FINAL, e.occurred_at)

    @process.register
    def _(self, e: LessonPlan.Published) -> None:
        self.view.set_status(e.originator_id, PlanStatus.PUBLISHED, e.occurred_at)
