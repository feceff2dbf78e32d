"""The mentoring read model as SQL tables."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Table,
    Text,
    Uuid,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Row

from infra.views.base import SQLView, as_utc, metadata
from projections.base import plain
from projections.mentoring import MentoringView, PairRow, RecordRow

pairs = Table(
    "men_pairs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False, index=True),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("mentor_id", Uuid, nullable=False, index=True),
    Column("mentee_id", Uuid, nullable=False, index=True),
    Column("mentor_school_id", Uuid, nullable=False),
    Column("mentee_school_id", Uuid, nullable=False),
    Column("paired_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("ended_on", Date, nullable=True),
    Column("end_reason", Text, nullable=False),
)
records = Table(
    "men_records",
    metadata,
    Column("pair_id", Uuid, primary_key=True),
    Column("record_id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("mode", Text, nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("minutes", BigInteger, nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("confirmed_at", DateTime(timezone=True), nullable=True),
    Column("summary", Text, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("dispute_comment", Text, nullable=False),
)


def _pair(r: Row[Any]) -> PairRow:
    return PairRow(
        id=r.id,
        tenant_id=r.tenant_id,
        community_id=r.community_id,
        mentor_id=r.mentor_id,
        mentee_id=r.mentee_id,
        mentor_school_id=r.mentor_school_id,
        mentee_school_id=r.mentee_school_id,
        paired_on=r.paired_on,
        ends_on=r.ends_on,
        ended_on=r.ended_on,
        end_reason=r.end_reason,
    )


def _record(r: Row[Any]) -> RecordRow:
    return RecordRow(
        pair_id=r.pair_id,
        record_id=r.record_id,
        kind=r.kind,
        mode=r.mode,
        occurred_on=r.occurred_on,
        minutes=r.minutes,
        recorded_by=r.recorded_by,
        status=r.status,
        recorded_at=as_utc(r.recorded_at),
        confirmed_at=as_utc(r.confirmed_at) if r.confirmed_at else None,
        summary=r.summary,
        evidence=list(r.evidence),
        dispute_comment=r.dispute_comment,
    )


class SQLMentoringView(SQLView, MentoringView):
    name = "mentoring"
    view_tables = (pairs, records)

    def add_pair(self, row: PairRow) -> None:
        with self.transaction(commit=True) as s:
            s.execute(
                pairs.insert().values(
                    id=row.id,
                    tenant_id=row.tenant_id,
                    community_id=row.community_id,
                    mentor_id=row.mentor_id,
                    mentee_id=row.mentee_id,
                    mentor_school_id=row.mentor_school_id,
                    mentee_school_id=row.mentee_school_id,
                    paired_on=row.paired_on,
                    ends_on=row.ends_on,
                    ended_on=row.ended_on,
                    end_reason=row.end_reason,
                )
            )

    def end_pair(self, pair_id: UUID, ended_on: date, reason: str) -> None:
        with self.transaction(commit=True) as s:
            s.execute(
                update(pairs)
                .where(pairs.c.id == pair_id)
                .values(ended_on=ended_on, end_reason=reason)
            )

    def add_record(self, row: RecordRow) -> None:
        with self.transaction(commit=True) as s:
            s.execute(
                records.insert().values(
                    pair_id=row.pair_id,
                    record_id=row.record_id,
                    kind=row.kind,
                    mode=row.mode,
                    occurred_on=row.occurred_on,
                    minutes=row.minutes,
                    recorded_by=row.recorded_by,
                    status=row.status,
                    recorded_at=row.recorded_at,
                    confirmed_at=row.confirmed_at,
                    summary=row.summary,
                    evidence=plain(row.evidence),
                    dispute_comment=row.dispute_comment,
                )
            )

    def update_record(self, pair_id: UUID, record_id: str, **fields: Any) -> None:
        with self.transaction(commit=True) as s:
            s.execute(
                update(records)
                .where(records.c.pair_id == pair_id, records.c.record_id == record_id)
                .values(**fields)
            )

    def pair(self, pair_id: UUID) -> PairRow | None:
        with self.transaction(commit=False) as s:
            r = s.execute(select(pairs).where(pairs.c.id == pair_id)).first()
        return _pair(r) if r else None

    def pairs(
        self,
        *,
        tenant_id: UUID,
        community_id: UUID | None = None,
        school_id: UUID | None = None,
        user_id: UUID | None = None,
    ) -> list[PairRow]:
        query = select(pairs).where(pairs.c.tenant_id == tenant_id)
        if community_id is not None:
            query = query.where(pairs.c.community_id == community_id)
        if school_id is not None:
            query = query.where(
                or_(pairs.c.mentor_school_id == school_id, pairs.c.mentee_school_id == school_id)
            )
        if user_id is not None:
            query = query.where(or_(pairs.c.mentor_id == user_id, pairs.c.mentee_id == user_id))
        with self.transaction(commit=False) as s:
            rows = s.execute(query.order_by(pairs.c.paired_on, pairs.c.id)).all()
        return [_pair(r) for r in rows]

    def records(self, pair_ids: list[UUID]) -> list[RecordRow]:
        if not pair_ids:
            return []
        query = (
            select(records)
            .where(records.c.pair_id.in_(pair_ids))
            .order_by(records.c.occurred_on.desc(), records.c.recorded_at.desc())
        )
        with self.transaction(commit=False) as s:
            return [_record(r) for r in s.execute(query).all()]
