"""What every SQL view shares: its tables, its tracking row and the exactly-once advance."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

from eventsourcing.persistence import IntegrityError
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.recorders import SQLAlchemyTrackingRecorder
from sqlalchemy import MetaData, Table, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

APPLICATION_NAME = "jgt"
metadata = MetaData()


class TrackingConflict(IntegrityError):
    """Another runner advanced this view first: this batch is rolled back, not applied twice."""


class SQLView(SQLAlchemyTrackingRecorder):
    """A read model whose rows and tracking position are written in one transaction."""

    name: ClassVar[str]
    view_tables: ClassVar[tuple[Table, ...]]

    def __init__(self, datastore: SQLAlchemyDatastore) -> None:
        super().__init__(datastore, tracking_table_name=f"{self.name}_tracking")
        self.tables.extend(self.view_tables)

    def position(self) -> int:
        return self.max_tracking_id(APPLICATION_NAME) or 0

    def advance(self, session: Session, from_position: int, to_position: int) -> None:
        """Move the tracking row from ``from_position`` to ``to_position``, or fail.

        A compare-and-set: if another runner moved it meanwhile, nothing matches and the whole
        transaction (rows included) rolls back, so no event is applied twice.
        """
        tracking = self.tracking_table
        if from_position == 0:
            session.execute(
                insert(tracking).values(
                    application_name=APPLICATION_NAME, notification_id=to_position
                )
            )
            return
        result = session.execute(
            update(tracking)
            .where(tracking.c.application_name == APPLICATION_NAME)
            .where(tracking.c.notification_id == from_position)
            .values(notification_id=to_position)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise TrackingConflict(
                f"view {self.name} is no longer at {from_position}; another runner moved it"
            )

    def clear(self) -> None:
        """Delete every row and the tracking position (the first step of a rebuild)."""
        with self.transaction(commit=True) as session:
            for table in reversed(self.view_tables):
                session.execute(delete(table))
            session.execute(
                delete(self.tracking_table).where(
                    self.tracking_table.c.application_name == APPLICATION_NAME
                )
            )

    def count_rows(self) -> int:
        from sqlalchemy import func

        with self.transaction(commit=False) as session:
            return sum(
                session.execute(select(func.count()).select_from(t)).scalar_one()
                for t in self.view_tables
            )


def upsert(session: Session, table: Table, values: dict[str, Any], keys: Iterable[str]) -> None:
    keys = list(keys)
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table).values(**values)
    changes = {k: v for k, v in values.items() if k not in keys}
    session.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changes))


def as_utc(value: datetime) -> datetime:
    # SQLite hands datetimes back without their zone; everything is stored in UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
