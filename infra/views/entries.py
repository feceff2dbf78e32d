"""The audit log and the school activity feeds as SQL tables of event entries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    Table,
    Text,
    Uuid,
    select,
)
from sqlalchemy.engine import Row

from infra.views.base import SQLView, as_utc, metadata
from projections.activity_feed import ActivityFeedView
from projections.audit_log import AuditFilter, AuditLogView, EventEntry


def _entries_table(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
        Column("position", BigInteger, nullable=False),
        Column("tenant_id", Uuid, nullable=False),
        Column("event_type", Text, nullable=False),
        Column("subject_id", Uuid, nullable=False),
        Column("actor_id", Uuid, nullable=True),
        Column("school_id", Uuid, nullable=True),
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        Column("details", JSON, nullable=False),
    )


def _user_school_table(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("user_id", Uuid, primary_key=True),
        Column("school_id", Uuid, nullable=True),
    )


audit_entries = _entries_table("audit_entries")
Index("audit_tenant_position", audit_entries.c.tenant_id, audit_entries.c.position)
audit_user_school = _user_school_table("audit_user_school")
feed_entries = _entries_table("feed_entries")
Index(
    "feed_school_position",
    feed_entries.c.tenant_id,
    feed_entries.c.school_id,
    feed_entries.c.position,
)
feed_user_school = _user_school_table("feed_user_school")


def _entry(row: Row[Any]) -> EventEntry:
    return EventEntry(
        position=row.position,
        tenant_id=row.tenant_id,
        event_type=row.event_type,
        subject_id=row.subject_id,
        actor_id=row.actor_id,
        school_id=row.school_id,
        occurred_at=as_utc(row.occurred_at),
        recorded_at=as_utc(row.recorded_at),
        details=dict(row.details),
    )


class _EntriesView(SQLView):
    entries_table: Table
    user_school_table: Table

    def remember_user_school(self, user_id: UUID, school_id: UUID | None) -> None:
        memo = self._memo()
        if memo is not None:
            memo[("school", user_id)] = school_id
        self._upsert(
            self.user_school_table, {"user_id": user_id, "school_id": school_id}, ["user_id"]
        )

    def user_school(self, user_id: UUID) -> UUID | None:
        # In a batch, a user's school is read once and then known (and kept by later writes).
        memo = self._memo()
        if memo is not None and ("school", user_id) in memo:
            known: UUID | None = memo[("school", user_id)]
            return known
        table = self.user_school_table
        with self.transaction(commit=False) as s:
            found: UUID | None = s.execute(
                select(table.c.school_id).where(table.c.user_id == user_id)
            ).scalar_one_or_none()
        if memo is not None:
            memo[("school", user_id)] = found
        return found

    def append(self, entry: EventEntry) -> None:
        self._insert(
            self.entries_table,
            {
                "position": entry.position,
                "tenant_id": entry.tenant_id,
                "event_type": entry.event_type,
                "subject_id": entry.subject_id,
                "actor_id": entry.actor_id,
                "school_id": entry.school_id,
                "occurred_at": entry.occurred_at,
                "recorded_at": entry.recorded_at,
                "details": entry.details,
            },
        )


class SQLAuditLogView(_EntriesView, AuditLogView):
    name = "audit_log"
    entries_table = audit_entries
    user_school_table = audit_user_school
    view_tables = (audit_entries, audit_user_school)

    def entries(self, tenant_id: UUID, query: AuditFilter) -> list[EventEntry]:
        t = audit_entries
        stmt = select(t).where(t.c.tenant_id == tenant_id)
        if query.school_id is not None:
            stmt = stmt.where(t.c.school_id == query.school_id)
        if query.actor_id is not None:
            stmt = stmt.where(t.c.actor_id == query.actor_id)
        if query.event_type:
            stmt = stmt.where(t.c.event_type == query.event_type)
        if query.occurred_from is not None:
            stmt = stmt.where(t.c.occurred_at >= query.occurred_from)
        if query.occurred_to is not None:
            stmt = stmt.where(t.c.occurred_at < query.occurred_to)
        if query.before_position is not None:
            stmt = stmt.where(t.c.position < query.before_position)
        stmt = stmt.order_by(t.c.position.desc()).limit(query.limit)
        with self.transaction(commit=False) as s:
            return [_entry(r) for r in s.execute(stmt).all()]

    def event_types(self, tenant_id: UUID) -> list[str]:
        t = audit_entries
        stmt = select(t.c.event_type).where(t.c.tenant_id == tenant_id).distinct()
        with self.transaction(commit=False) as s:
            return sorted(s.execute(stmt).scalars())


class SQLActivityFeedView(_EntriesView, ActivityFeedView):
    name = "activity_feed"
    entries_table = feed_entries
    user_school_table = feed_user_school
    view_tables = (feed_entries, feed_user_school)

    def entries(
        self, tenant_id: UUID, school_id: UUID, *, before_position: int | None, limit: int
    ) -> list[EventEntry]:
        t = feed_entries
        stmt = select(t).where(t.c.tenant_id == tenant_id, t.c.school_id == school_id)
        if before_position is not None:
            stmt = stmt.where(t.c.position < before_position)
        stmt = stmt.order_by(t.c.position.desc(), t.c.id.desc()).limit(limit)
        with self.transaction(commit=False) as s:
            return [_entry(r) for r in s.execute(stmt).all()]
