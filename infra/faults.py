"""The events a projection could not apply: one row per stopped view, for ``/healthz`` and
``jgt projections status``.

A runner whose batch fails finds the event it fails on and records it here, in a transaction of its
own (the batch's was rolled back). It never skips the event: it retries with a backoff, and the row
goes when the view has moved past the event (a deployed fix resumes it). See ADR 0003.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from sqlalchemy import BigInteger, Column, DateTime, Integer, String, Table, Text, delete, select

from infra.views.base import as_utc, metadata, upsert

projection_faults = Table(
    "projection_faults",
    metadata,
    Column("view", String(100), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("topic", Text, nullable=False),
    Column("error", Text, nullable=False),  # the exception's class
    Column("message", Text, nullable=False),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False),
)

#: Enough of an error's message to recognise it; a driver may quote a whole statement.
MESSAGE_LIMIT = 2000


@dataclass(frozen=True)
class Fault:
    view: str
    position: int
    topic: str
    error: str
    message: str
    first_seen: datetime
    last_seen: datetime
    attempts: int

    def as_json(self) -> dict[str, object]:
        return {
            "view": self.view,
            "position": self.position,
            "topic": self.topic,
            "error": self.error,
            "message": self.message,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "attempts": self.attempts,
        }


class ProjectionFaults:
    def __init__(self, datastore: SQLAlchemyDatastore) -> None:
        self.datastore = datastore

    def create_table(self) -> None:
        assert self.datastore.engine is not None
        projection_faults.create(self.datastore.engine, checkfirst=True)

    def record(self, view: str, position: int, topic: str, error: BaseException) -> Fault:
        """Record (or see again) the event ``view`` cannot apply."""
        now = datetime.now(UTC)
        message = str(error)[:MESSAGE_LIMIT]
        kind = f"{type(error).__module__}.{type(error).__qualname__}"
        with self.datastore.transaction(commit=True) as session:
            table = projection_faults
            seen = session.execute(select(table).where(table.c.view == view)).one_or_none()
            same = seen is not None and seen.position == position
            fault = Fault(
                view=view,
                position=position,
                topic=topic,
                error=kind,
                message=message,
                first_seen=as_utc(seen.first_seen) if seen is not None and same else now,
                last_seen=now,
                attempts=seen.attempts + 1 if seen is not None and same else 1,
            )
            upsert(session, table, vars(fault), ["view"])
        return fault

    def clear(self, view: str, passed: int) -> None:
        """The view has applied every event up to ``passed``: a fault at or below it is over."""
        with self.datastore.transaction(commit=True) as session:
            session.execute(
                delete(projection_faults)
                .where(projection_faults.c.view == view)
                .where(projection_faults.c.position <= passed)
            )

    def all(self) -> list[Fault]:
        with self.datastore.transaction(commit=False) as session:
            rows = session.execute(select(projection_faults).order_by(projection_faults.c.view))
            return [
                Fault(
                    view=r.view,
                    position=r.position,
                    topic=r.topic,
                    error=r.error,
                    message=r.message,
                    first_seen=as_utc(r.first_seen),
                    last_seen=as_utc(r.last_seen),
                    attempts=r.attempts,
                )
                for r in rows
            ]

    def of(self, view: str) -> Fault | None:
        return next((f for f in self.all() if f.view == view), None)
