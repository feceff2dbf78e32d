"""Lesson plans and the community resource library as SQL tables.

The library's search runs the same on SQLite and PostgreSQL: Chinese has no spaces between words,
so a word is found as a substring of the plan's ``search`` column (its title and text, lower-cased),
each typed word (split on spaces) narrowing the result, with LIKE's wildcards escaped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, Column, DateTime, Table, Text, Uuid, select, update
from sqlalchemy.engine import Row

from domain.lesson_plans import PlanStatus
from infra.views.base import as_utc, metadata
from infra.views.direct_writes import DirectWrites
from projections.lesson_plans import (
    CommentRow,
    LessonPlanRow,
    LessonPlansView,
    LibraryQuery,
    RevisionRow,
)

plans = Table(
    "lp_plans",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False, index=True),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("group_id", Uuid, nullable=False, index=True),
    Column("session_id", Uuid, nullable=True),
    Column("author_id", Uuid, nullable=False),
    Column("title", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("grade", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("search", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("revision", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
)
revisions = Table(
    "lp_revisions",
    metadata,
    Column("plan_id", Uuid, primary_key=True),
    Column("number", BigInteger, primary_key=True),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("by_id", Uuid, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
comments = Table(
    "lp_comments",
    metadata,
    Column("plan_id", Uuid, primary_key=True),
    Column("comment_id", Text, primary_key=True),
    Column("author_id", Uuid, nullable=False),
    Column("revision", BigInteger, nullable=False),
    Column("text", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)


def _searchable(title: str, text: str) -> str:
    return f"{title}\n{text}".lower()


def _plan(r: Row[Any]) -> LessonPlanRow:
    return LessonPlanRow(
        id=r.id,
        tenant_id=r.tenant_id,
        community_id=r.community_id,
        group_id=r.group_id,
        session_id=r.session_id,
        author_id=r.author_id,
        title=r.title,
        subject=r.subject,
        grade=r.grade,
        text=r.text,
        status=r.status,
        revision=r.revision,
        updated_at=as_utc(r.updated_at),
        published_at=as_utc(r.published_at) if r.published_at else None,
    )


class SQLLessonPlansView(DirectWrites, LessonPlansView):
    name = "lesson_plans"
    view_tables = (plans, revisions, comments)

    def add_plan(self, row: LessonPlanRow) -> None:
        values = dict(row.__dict__, search=_searchable(row.title, row.text))
        with self.transaction(commit=True) as s:
            s.execute(plans.insert().values(**values))

    def add_revision(self, row: RevisionRow) -> None:
        with self.transaction(commit=True) as s:
            s.execute(
                revisions.insert().values(
                    plan_id=row.plan_id,
                    number=row.number,
                    title=row.title,
                    text=row.text,
                    by_id=row.by,
                    at=row.at,
                )
            )
            # The plan shows its newest revision (the draft's own revision 1 is already there).
            s.execute(
                update(plans)
                .where(plans.c.id == row.plan_id, plans.c.revision < row.number)
                .values(
                    title=row.title,
                    text=row.text,
                    search=_searchable(row.title, row.text),
                    revision=row.number,
                    updated_at=row.at,
                )
            )

    def set_status(self, plan_id: UUID, status: str, at: datetime) -> None:
        values: dict[str, Any] = {"status": status, "updated_at": at}
        if status == PlanStatus.PUBLISHED:
            values["published_at"] = at
        with self.transaction(commit=True) as s:
            s.execute(update(plans).where(plans.c.id == plan_id).values(**values))

    def add_comment(self, row: CommentRow) -> None:
        with self.transaction(commit=True) as s:
            s.execute(comments.insert().values(**row.__dict__))

    def plan(self, plan_id: UUID) -> LessonPlanRow | None:
        with self.transaction(commit=False) as s:
            r = s.execute(select(plans).where(plans.c.id == plan_id)).first()
        return _plan(r) if r else None

    def plans(self, group_ids: list[UUID]) -> list[LessonPlanRow]:
        if not group_ids:
            return []
        query = (
            select(plans)
            .where(plans.c.group_id.in_(group_ids))
            .order_by(plans.c.updated_at.desc(), plans.c.id)
        )
        with self.transaction(commit=False) as s:
            return [_plan(r) for r in s.execute(query).all()]

    def authored_by(self, user_id: UUID) -> list[UUID]:
        query = select(plans.c.id).where(plans.c.author_id == user_id).order_by(plans.c.id)
        with self.transaction(commit=False) as s:
            return [r.id for r in s.execute(query).all()]

    def revisions(self, plan_id: UUID) -> list[RevisionRow]:
        query = select(revisions).where(revisions.c.plan_id == plan_id).order_by(revisions.c.number)
        with self.transaction(commit=False) as s:
            return [
                RevisionRow(r.plan_id, r.number, r.title, r.text, r.by_id, as_utc(r.at))
                for r in s.execute(query).all()
            ]

    def comments(self, plan_id: UUID) -> list[CommentRow]:
        query = select(comments).where(comments.c.plan_id == plan_id).order_by(comments.c.at)
        with self.transaction(commit=False) as s:
            rows = [
                CommentRow(r.plan_id, r.comment_id, r.author_id, r.revision, r.text, as_utc(r.at))
                for r in s.execute(query).all()
            ]
        return sorted(rows, key=lambda c: int(c.comment_id))

    def library(
        self, community_ids: list[UUID], query: LibraryQuery, *, limit: int = 100
    ) -> list[LessonPlanRow]:
        if not community_ids:
            return []
        found = select(plans).where(
            plans.c.community_id.in_(community_ids), plans.c.status == PlanStatus.PUBLISHED
        )
        if query.subject:
            found = found.where(plans.c.subject == query.subject)
        if query.grade:
            found = found.where(plans.c.grade == query.grade)
        for word in query.words:
            found = found.where(plans.c.search.contains(word.lower(), autoescape=True))
        found = found.order_by(plans.c.published_at.desc(), plans.c.id).limit(limit)
        with self.transaction(commit=False) as s:
            return [_plan(r) for r in s.execute(found).all()]
