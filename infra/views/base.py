"""What every SQL view shares: its tables, its tracking row and the exactly-once advance.

The runner applies a batch of events inside ``batch()``: one transaction, one session. Within it a
view may *buffer* its writes (``_insert``, ``_upsert``) and look rows up in the buffer; the buffer
is written with one executemany per table at the end of the batch, in the transaction that moves
the tracking row, and is thrown away with it if anything fails. Outside a batch the same calls write at
once, in a transaction of their own.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

from eventsourcing.persistence import IntegrityError
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.recorders import SQLAlchemyTrackingRecorder
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

APPLICATION_NAME = "jgt"
metadata = MetaData()


class TrackingConflict(IntegrityError):
    """Another runner advanced this view first: this batch is rolled back, not applied twice."""


class Batch:
    """The writes of one batch not yet sent to the database, and what was looked up meanwhile."""

    def __init__(self, session: Session) -> None:
        self.session = session
        #: Rows to insert per table, by primary key (or by arrival, for tables without one here).
        self.inserts: dict[Table, dict[Hashable, dict[str, Any]]] = {}
        #: Rows to upsert per table, by key: the last write of a key wins, as it would in order.
        self.upserts: dict[Table, tuple[list[str], dict[Hashable, dict[str, Any]]]] = {}
        #: Lookups the view may keep for the rest of the batch (e.g. a user's school).
        self.memo: dict[Hashable, Any] = {}


class SQLView(SQLAlchemyTrackingRecorder):
    """A read model whose rows and tracking position are written in one transaction."""

    name: ClassVar[str]
    view_tables: ClassVar[tuple[Table, ...]]

    def __init__(self, datastore: SQLAlchemyDatastore) -> None:
        super().__init__(datastore, tracking_table_name=f"{self.name}_tracking")
        self.tables.extend(self.view_tables)
        self._local = threading.local()

    def create_table(self) -> None:
        """Create the view's tables, and add the columns a later version of a table has gained
        (``jgt db init`` on an existing database). Only nullable columns are ever added: the rows
        already there have no value for them until the view is rebuilt or an event sets one.
        On PostgreSQL a column declared wider than it was made (VARCHAR(n) now TEXT, INTEGER now
        BIGINT) is widened in place; SQLite does not enforce either."""
        super().create_table()
        with self.transaction(commit=True) as session:
            connection = session.connection()
            found: Any = inspect(connection)
            for table in self.view_tables:
                present = {c["name"]: c["type"] for c in found.get_columns(table.name)}
                for column in table.columns:
                    if column.name in present:
                        if connection.dialect.name == "postgresql":
                            _widen(connection, column, present[column.name])
                        continue
                    if not column.nullable:
                        raise RuntimeError(
                            f"{table.name}.{column.name} is missing and may not be empty: "
                            f"rebuild the view {self.name} (drop its tables, then `jgt db init`)"
                        )
                    kind = column.type.compile(dialect=connection.dialect)
                    connection.execute(
                        text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}')
                    )

    # --- the runner's side -----------------------------------------------------------------

    def position(self) -> int:
        return self.max_tracking_id(APPLICATION_NAME) or 0

    @contextmanager
    def batch(self) -> Iterator[Session]:
        """One transaction for a batch of events; buffered writes are flushed before commit."""
        with self.transaction(commit=True) as session:
            batch = Batch(session)
            self._local.batch = batch
            try:
                yield session
                self._flush(batch)
            finally:
                self._local.batch = None

    def advance(self, session: Session, from_position: int, to_position: int) -> None:
        """Move the tracking row from ``from_position`` to ``to_position``, or fail.

        A compare-and-set: if another runner moved it meanwhile, nothing matches and the whole
        transaction (rows included) rolls back, so no event is applied twice.
        """
        tracking = self.tracking_table
        if from_position == 0:
            # Insert-if-absent: a second runner starting from nothing waits for the first
            # one's commit, then inserts nothing.
            dialect: Any = postgresql if self._dialect(session) == "postgresql" else sqlite
            result = session.execute(
                dialect.insert(tracking)
                .values(application_name=APPLICATION_NAME, notification_id=to_position)
                .on_conflict_do_nothing()
            )
        else:
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
        with self.transaction(commit=False) as session:
            return sum(
                session.execute(select(func.count()).select_from(t)).scalar_one()
                for t in self.view_tables
            )

    # --- for the views' update methods -----------------------------------------------------

    def _current_batch(self) -> Batch | None:
        batch: Batch | None = getattr(self._local, "batch", None)
        return batch

    def _insert(self, table: Table, values: dict[str, Any], key: Hashable = None) -> None:
        """Insert a row: buffered in a batch (by ``key``, to let later updates amend it)."""
        batch = self._current_batch()
        if batch is None:
            with self.transaction(commit=True) as session:
                session.execute(insert(table).values(**values))
            return
        rows = batch.inserts.setdefault(table, {})
        rows[key if key is not None else ("#", len(rows))] = values

    def _pending_insert(self, table: Table, key: Hashable) -> dict[str, Any] | None:
        """The buffered insert of ``key`` in this batch, for an update to amend in place."""
        batch = self._current_batch()
        return None if batch is None else batch.inserts.get(table, {}).get(key)

    def _upsert(self, table: Table, values: dict[str, Any], keys: list[str]) -> None:
        batch = self._current_batch()
        if batch is None:
            with self.transaction(commit=True) as session:
                upsert(session, table, values, keys)
            return
        _, rows = batch.upserts.setdefault(table, (keys, {}))
        rows[tuple(values[k] for k in keys)] = values

    def _update(
        self, table: Table, key: tuple[Any, ...], where: Any, fields: dict[str, Any]
    ) -> None:
        """Update the row ``where`` selects; in a batch, a row inserted earlier in the same batch
        (buffered under ``key``) is amended in place instead."""
        pending = self._pending_insert(table, key)
        if pending is not None:
            pending.update(fields)
            return
        with self.transaction(commit=True) as s:
            s.execute(update(table).where(where).values(**fields))

    def _write_buffered(self, *tables: Table) -> None:
        """In a batch, write the buffered inserts of ``tables`` now, for a query that reads them.

        They go in the batch's transaction, in the order they came (an autoincrement id keeps that order); inserts buffered later are written later, as usual."""
        batch = self._current_batch()
        if batch is None:
            return
        for table in tables:
            rows = list(batch.inserts.pop(table, {}).values())
            if rows:
                batch.session.execute(insert(table), _every_column(table, rows))

    def _memo(self) -> dict[Hashable, Any] | None:
        batch = self._current_batch()
        return None if batch is None else batch.memo

    def _flush(self, batch: Batch) -> None:
        session = batch.session
        for table in self.view_tables:
            rows = list(batch.inserts.pop(table, {}).values())
            if rows:
                session.execute(insert(table), _every_column(table, rows))
            keys, values = batch.upserts.pop(table, ([], {}))
            if values:
                rows = list(values.values())
                columns = sorted({c for row in rows for c in row})
                statement = _upsert_statement(session, table, keys, columns)
                session.execute(statement, [{c: row.get(c) for c in columns} for row in rows])

    @staticmethod
    def _dialect(session: Session) -> str:
        return session.get_bind().dialect.name


def _widen(connection: Connection, column: Column[Any], reflected: TypeEngine[Any]) -> None:
    """ALTER a column to its declared type when the table holds it narrower (never narrows)."""
    declared = column.type.dialect_impl(connection.dialect)
    if isinstance(reflected, Integer) and not isinstance(reflected, BigInteger):
        wider = isinstance(declared, BigInteger)
    elif isinstance(reflected, String) and reflected.length is not None:
        wider = isinstance(declared, String) and (
            declared.length is None or declared.length > reflected.length
        )
    else:
        wider = False
    if wider:
        kind = column.type.compile(dialect=connection.dialect)
        connection.execute(
            text(f'ALTER TABLE "{column.table.name}" ALTER COLUMN "{column.name}" TYPE {kind}')
        )


def _every_column(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with a value for every column a row of them names.

    An executemany takes its columns from the first row, so a value that only a later row has
    (set by an update in the same batch) would be dropped without a word. A column no row names
    is left to its default."""
    named = {c for row in rows for c in row}
    columns = [c.name for c in table.columns if c.name in named]
    return [{c: row.get(c) for c in columns} for row in rows]


def _upsert_statement(session: Session, table: Table, keys: list[str], columns: list[str]) -> Any:
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = module.insert(table)
    changes = {c: stmt.excluded[c] for c in columns if c not in keys}
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_=changes)
    # SQLAlchemy sends many rows per INSERT ... ON CONFLICT only with RETURNING; without it
    # psycopg2 would send one statement per row. (Keys are unique within a batch.)
    return stmt.returning(*(table.c[k] for k in keys)) if module is postgresql else stmt


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
