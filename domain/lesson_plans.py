"""Lesson plans (教案) of a research group: draft → group comments → revision → final → 精品教案.

A member drafts a plan (for a 集体备课 session, or for the group at large); members comment on a
revision; the author revises, and every revision is kept with who made it and when, so the library
shows the whole history and what changed between any two. The author (or the group's leader)
makes a revision final; the leader or the core school publishes a final plan to the community's
resource library as a 精品教案.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import DomainError, TenantAggregate
from domain.fields import (
    COMMENT_TEXT,
    LESSON_GRADE,
    LESSON_PLAN_TEXT,
    LESSON_PLAN_TITLE,
    MAX_REVISIONS,
    SUBJECT,
)


class PlanStatus(StrEnum):
    DRAFT = "draft"  # 草稿: open to comments and revisions
    FINAL = "final"  # 定稿
    PUBLISHED = "published"  # 精品教案, in the community's library


PLAN_STATUS_NAMES = {
    PlanStatus.DRAFT: "草稿 / Draft",
    PlanStatus.FINAL: "定稿 / Final",
    PlanStatus.PUBLISHED: "精品教案 / Published",
}


class LessonPlan(TenantAggregate):
    class Drafted(TenantAggregate.Created):
        group_id: UUID
        community_id: UUID
        session_id: UUID | None
        author_id: UUID
        title: str
        subject: str
        grade: str
        text: str

    @event(Drafted)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        group_id: UUID,
        community_id: UUID,
        session_id: UUID | None,
        author_id: UUID,
        title: str,
        subject: str,
        grade: str,
        text: str,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.group_id, self.community_id, self.session_id = group_id, community_id, session_id
        self.author_id = author_id
        self.subject, self.grade = subject, grade
        self.status = PlanStatus.DRAFT
        # Every revision as it was: number, title, text, who, when. Revision 1 is the draft.
        self.revisions: list[dict[str, Any]] = [
            {"number": 1, "title": title, "text": text, "by": author_id, "at": occurred_at}
        ]
        self.comments = 0

    @classmethod
    def draft(
        cls,
        *,
        tenant_id: UUID,
        group_id: UUID,
        community_id: UUID,
        session_id: UUID | None,
        author_id: UUID,
        title: str,
        subject: str,
        grade: str,
        text: str,
        occurred_at: datetime,
    ) -> LessonPlan:
        return cls(
            tenant_id=tenant_id,
            group_id=group_id,
            community_id=community_id,
            session_id=session_id,
            author_id=author_id,
            title=LESSON_PLAN_TITLE.check(title),
            subject=SUBJECT.check(subject),
            grade=LESSON_GRADE.check(grade),
            text=LESSON_PLAN_TEXT.check(text),
            actor_id=author_id,
            occurred_at=occurred_at,
        )

    @property
    def current(self) -> dict[str, Any]:
        return self.revisions[-1]

    @property
    def title(self) -> str:
        return str(self.current["title"])

    def _require_draft(self) -> None:
        if self.status != PlanStatus.DRAFT:
            raise DomainError("教案已定稿 / The lesson plan is final")

    class Commented(TenantAggregate.Event):
        comment_id: str
        author_id: UUID
        revision: int
        text: str

    @event(Commented)
    def _comment(
        self,
        comment_id: str,
        author_id: UUID,
        revision: int,
        text: str,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.comments += 1

    def comment(self, author_id: UUID, *, text: str, occurred_at: datetime) -> str:
        """A member's comment on the current revision, while the plan is a draft."""
        self._require_draft()
        comment_id = str(self.comments + 1)
        self._comment(
            comment_id,
            author_id,
            self.current["number"],
            COMMENT_TEXT.check(text),
            actor_id=author_id,
            occurred_at=occurred_at,
        )
        return comment_id

    class Revised(TenantAggregate.Event):
        number: int
        title: str
        text: str

    @event(Revised)
    def _revise(
        self, number: int, title: str, text: str, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.revisions.append(
            {"number": number, "title": title, "text": text, "by": actor_id, "at": occurred_at}
        )

    def revise(self, by: UUID, *, title: str, text: str, occurred_at: datetime) -> int:
        """The author revises the draft: a new revision, the old ones kept as they were."""
        self._require_draft()
        if by != self.author_id:
            raise DomainError("只有作者可以修改教案 / Only the author revises the lesson plan")
        title, text = LESSON_PLAN_TITLE.check(title), LESSON_PLAN_TEXT.check(text)
        if (title, text) == (self.current["title"], self.current["text"]):
            raise DomainError("内容没有变化 / Nothing changed")
        if len(self.revisions) >= MAX_REVISIONS:
            raise DomainError(f"修订不能超过{MAX_REVISIONS}次 / At most {MAX_REVISIONS} revisions")
        number = len(self.revisions) + 1
        self._revise(number, title, text, actor_id=by, occurred_at=occurred_at)
        return number

    class Finalised(TenantAggregate.Event):
        revision: int

    @event(Finalised)
    def _finalise(self, revision: int, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.status = PlanStatus.FINAL

    def finalise(self, by: UUID, *, leader_id: UUID, occurred_at: datetime) -> None:
        """The author, or the group's leader, makes the current revision the final one."""
        self._require_draft()
        if by not in (self.author_id, leader_id):
            raise DomainError("只有作者或组长可以定稿 / Only the author or the leader finalises")
        self._finalise(self.current["number"], actor_id=by, occurred_at=occurred_at)

    class Published(TenantAggregate.Event):
        revision: int

    @event(Published)
    def _publish(self, revision: int, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.status = PlanStatus.PUBLISHED

    def publish(self, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        """A final plan goes to the community's library (who may publish is the services' call)."""
        if self.status == PlanStatus.PUBLISHED:
            raise DomainError("教案已发布 / Already published")
        if self.status != PlanStatus.FINAL:
            raise DomainError("定稿后才能发布 / Finalise the lesson plan first")
        self._publish(self.current["number"], actor_id=actor_id, occurred_at=occurred_at)
