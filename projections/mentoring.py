"""Mentoring pairs and their records. The content columns are read only through services that
check who is asking (the pair and their school admins); everyone else gets counts and hours."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from domain.mentoring import Pairing
from projections.base import Projection


@dataclass(frozen=True)
class PairRow:
    id: UUID
    tenant_id: UUID
    community_id: UUID
    mentor_id: UUID
    mentee_id: UUID
    mentor_school_id: UUID
    mentee_school_id: UUID
    paired_on: date
    ends_on: date
    ended_on: date | None = None
    end_reason: str = ""


@dataclass(frozen=True)
class RecordRow:
    pair_id: UUID
    record_id: str
    kind: str
    mode: str
    occurred_on: date
    minutes: int
    recorded_by: str
    status: str
    recorded_at: datetime
    confirmed_at: datetime | None = None
    # Private to the pair and their school admins:
    summary: str = ""
    evidence: list[dict[str, Any]] = field(default_factory=list)
    dispute_comment: str = ""


class MentoringView(ABC):
    @abstractmethod
    def add_pair(self, row: PairRow) -> None: ...

    @abstractmethod
    def end_pair(self, pair_id: UUID, ended_on: date, reason: str) -> None: ...

    @abstractmethod
    def add_record(self, row: RecordRow) -> None: ...

    @abstractmethod
    def update_record(self, pair_id: UUID, record_id: str, **fields: Any) -> None: ...

    @abstractmethod
    def pair(self, pair_id: UUID) -> PairRow | None: ...

    @abstractmethod
    def pairs(
        self,
        *,
        tenant_id: UUID,
        community_id: UUID | None = None,
        school_id: UUID | None = None,
        user_id: UUID | None = None,
    ) -> list[PairRow]: ...

    @abstractmethod
    def records(self, pair_ids: list[UUID]) -> list[RecordRow]: ...


class MentoringProjection(Projection[MentoringView]):
    name = "mentoring"

    @singledispatchmethod
    def process(self, event: Any) -> None:
        """Events without a handler change nothing here."""

    @process.register
    def _(self, e: Pairing.Paired) -> None:
        self.view.add_pair(
            PairRow(
                id=e.originator_id,
                tenant_id=e.tenant_id,
                community_id=e.community_id,
                mentor_id=e.mentor_id,
                mentee_id=e.mentee_id,
                mentor_school_id=e.mentor_school_id,
                mentee_school_id=e.mentee_school_id,
                paired_on=e.paired_on,
                ends_on=e.ends_on,
            )
        )

    @process.register
    def _(self, e: Pairing.Ended) -> None:
        self.view.end_pair(e.originator_id, e.ended_on, e.reason)

    @process.register
    def _(self, e: Pairing.ActivityRecorded) -> None:
        self.view.add_record(
            RecordRow(
                pair_id=e.originator_id,
                record_id=e.record_id,
                kind=e.kind,
                mode=e.mode,
                occurred_on=e.occurred_on,
                minutes=e.minutes,
                recorded_by=e.recorded_by,
                status="pending",
                recorded_at=e.timestamp,
                summary=e.summary,
                evidence=list(e.evidence),
            )
        )

    @process.register
    def _(self, e: Pairing.ActivityConfirmed) -> None:
        self.view.update_record(
            e.originator_id, e.record_id, status="confirmed", confirmed_at=e.timestamp
        )

    @process.register
    def _(self, e: Pairing.ActivityDisputed) -> None:
        self.view.update_record(
            e.originator_id, e.record_id, status="disputed", dispute_comment=e.comment
        )
