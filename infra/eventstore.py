"""The event store: eventsourcing-sqlalchemy over PostgreSQL (psycopg2) or a SQLite file.

Tables are created only by ``jgt db init``; web and projection workers start with table creation
off, because concurrent DDL from several processes races.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from itertools import product
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    InfrastructureFactory,
    Notification,
    StoredEvent,
)
from eventsourcing.utils import Environment
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore, transactions
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import (
    SQLAlchemyApplicationRecorder,
    SQLAlchemyProcessRecorder,
)
from sqlalchemy import (
    Engine,
    Executable,
    Table,
    create_engine,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from infra.settings import Settings
from infra.store_connections import connected, forget_all_on_disconnect, held
from services.platform import Platform


def engine_options(url: str) -> dict[str, Any]:
    if url.startswith("postgresql"):
        # Small pools: several gunicorn workers and projection workers share one server. No
        # ``pool_pre_ping`` (a SELECT 1 on every checkout, a quarter of a command's time): a
        # statement that meets a connection the server has closed fails as a disconnect, which
        # SQLAlchemy answers by invalidating that connection and every one the pool handed out
        # before it; the request answers 503 (``infra.outages``) and the next one reconnects.
        return {"pool_size": 3, "max_overflow": 4, "pool_recycle": 1800}
    return {}


def autocommit_pool_options() -> dict[str, Any]:
    """The command path's pool (``StoreDatastore.autocommit``): a request holds at most one of its
    connections (``one_connection``), so a worker's threads are what it needs."""
    return {"pool_size": 2, "max_overflow": 4, "pool_recycle": 1800}


@contextmanager
def one_connection(platform: Platform) -> Iterator[None]:
    """Within the block, the event store's reads and its save on PostgreSQL share one pooled
    connection (``infra.store_connections.held``): a request's aggregate reads and its save cost
    one checkout, not one each. On SQLite (no round trips) it does nothing."""
    recorder = platform.recorder
    engine = recorder._autocommit if isinstance(recorder, CoreStatements) else None
    with held(engine):
        yield


class CoreStatements:
    """Reads and writes stored events without the adapter's ORM, and on PostgreSQL/psycopg2 each
    in a single round trip.

    Why (``bench/append.py``, ``bench/command.py``, ``docs/adr/0001-event-store.md``,
    ``docs/adr/0007-command-path.md``): the adapter opens a session and a transaction per read
    (``BEGIN``, ``SELECT``, ``ROLLBACK``) and per save builds ORM objects, flushes, and holds
    ``LOCK TABLE`` from before the ``INSERT`` until the client's ``COMMIT`` comes back.

    On psycopg2 every statement goes, as SQL of our own with bound values, over a connection of
    the store's autocommit pool (``StoreDatastore.autocommit``): a read is one statement (its own
    snapshot, as the adapter's one-statement transactions gave), and a save is one query string,
    ``LOCK …; NOTIFY …; INSERT … VALUES (…), … RETURNING …``, which PostgreSQL runs as one
    implicit transaction and commits before answering. So the ``EXCLUSIVE`` table lock, which
    makes notification ids commit in the order they are issued (a reader following the log never
    skips an id that a slower transaction commits later), is held for the server's work only,
    never across a round trip. Saves with tracking (the process recorder) and saves inside a
    session of the adapter keep its transaction, with Core statements in it. SQLite has one
    writer at a time and no round trips: the adapter's transactions and locks stay, with Core
    statements. ``tests/test_event_store_conformance`` runs the library's recorder cases against
    this class.
    """

    datastore: SQLAlchemyDatastore
    events_record_cls: Any
    channel_name: str

    @cached_property
    def _table(self) -> Table:
        table: Table = self.events_record_cls.__table__
        return table

    @cached_property
    def _autocommit(self) -> Engine | None:
        datastore = self.datastore
        return datastore.autocommit if isinstance(datastore, StoreDatastore) else None

    def _own_statements(self) -> Engine | None:
        """The autocommit engine, unless an adapter transaction is open in this context (a view's
        batch, a caller's unit of work): then its session, so that what it reads and writes
        stays in it."""
        engine = self._autocommit
        return engine if engine is not None and transactions.get(None) is None else None

    @cached_property
    def _table_name(self) -> str:
        engine = self.datastore.engine
        assert engine is not None
        return engine.dialect.identifier_preparer.format_table(self._table)

    @cached_property
    def _lock_and_notify(self) -> str:
        # The channel unquoted, as the adapter's subscription LISTENs to it.
        return f"LOCK TABLE {self._table_name} IN EXCLUSIVE MODE; NOTIFY {self.channel_name}"

    @cached_property
    def _insert_many(self) -> Executable:
        table = self._table
        return insert(table).returning(table.c.id, sort_by_parameter_order=True)

    @cached_property
    def _selects(self) -> dict[tuple[bool, bool, bool, bool], str]:
        """The read of ``select_events`` for each combination of its optional arguments."""
        statements = {}
        for gt, lte, desc, limit in product((False, True), repeat=4):
            sql = (
                "SELECT originator_version, topic, state"  # noqa: S608 (identifiers quoted)
                f" FROM {self._table_name} WHERE originator_id = %(originator_id)s"
                + (" AND originator_version > %(gt)s" if gt else "")
                + (" AND originator_version <= %(lte)s" if lte else "")
                + f" ORDER BY originator_version{' DESC' if desc else ''}"
                + (" LIMIT %(limit)s" if limit else "")
            )
            statements[gt, lte, desc, limit] = sql
        return statements

    def _one_trip_insert(self, count: int) -> str:
        """``LOCK; NOTIFY; INSERT … VALUES`` (``count`` rows) ``RETURNING id, originator_id,
        originator_version`` as one query string; every value a bound parameter."""
        rows = ", ".join(
            f"(%(originator_id_{i})s, %(originator_version_{i})s, %(topic_{i})s, %(state_{i})s)"
            for i in range(count)
        )
        return (
            f"{self._lock_and_notify}; INSERT INTO {self._table_name}"  # noqa: S608
            f" (originator_id, originator_version, topic, state) VALUES {rows}"
            " RETURNING id, originator_id::text, originator_version"
        )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], *, session: Session | None = None, **kwargs: Any
    ) -> Sequence[int] | None:
        engine = self._own_statements()
        if engine is None or session is not None or kwargs.get("tracking") or not stored_events:
            inserted: Sequence[int] | None = super().insert_events(  # type: ignore[misc]
                stored_events, session=session, **kwargs
            )
            return inserted
        params: dict[str, Any] = {}
        for i, e in enumerate(stored_events):
            params[f"originator_id_{i}"] = str(e.originator_id)
            params[f"originator_version_{i}"] = e.originator_version
            params[f"topic_{i}"] = e.topic
            params[f"state_{i}"] = e.state
        sql = self._one_trip_insert(len(stored_events))
        with connected(engine) as connection:
            rows = connection.exec_driver_sql(sql, params).all()
        ids = {(row[1], row[2]): row[0] for row in rows}
        return [ids[str(e.originator_id), e.originator_version] for e in stored_events]

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        """Inside the adapter's transaction (SQLite; a save with tracking): Core statements."""
        if not stored_events:
            return []
        rows = [
            {
                "originator_id": e.originator_id,
                "originator_version": e.originator_version,
                "topic": e.topic,
                "state": e.state,
            }
            for e in stored_events
        ]
        engine = self.datastore.engine
        assert engine is not None
        if engine.dialect.name == "postgresql":
            session.execute(text(self._lock_and_notify))
        if len(rows) == 1:
            return [session.execute(self._insert_many, rows[0]).scalar_one()]
        # "insertmanyvalues": one multi-row INSERT per page of rows, ids in parameter order.
        return list(session.execute(self._insert_many, rows).scalars())

    def select_events(
        self,
        originator_id: UUID | str,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        engine = self._own_statements()
        if engine is None:
            return self._select_events_in_session(originator_id, gt, lte, desc, limit)
        sql = self._selects[gt is not None, lte is not None, desc, limit is not None]
        params = {"originator_id": str(originator_id), "gt": gt, "lte": lte, "limit": limit}
        with connected(engine) as connection:
            rows = connection.exec_driver_sql(sql, params).all()
        # Every row is the asked originator's: its id is not read back.
        return [
            StoredEvent(
                originator_id=originator_id,
                originator_version=row[0],
                topic=row[1],
                state=bytes(row[2]),
            )
            for row in rows
        ]

    def _select_events_in_session(
        self,
        originator_id: UUID | str,
        gt: int | None,
        lte: int | None,
        desc: bool,
        limit: int | None,
    ) -> list[StoredEvent]:
        table = self._table
        version = table.c.originator_version
        query = select(version, table.c.topic, table.c.state).where(
            table.c.originator_id == originator_id
        )
        if gt is not None:
            query = query.where(version > gt)
        if lte is not None:
            query = query.where(version <= lte)
        query = query.order_by(version.desc() if desc else version)
        if limit is not None:
            query = query.limit(limit)
        with self.datastore.transaction(commit=False) as session:
            rows = session.execute(query).all()
        return [
            StoredEvent(
                originator_id=originator_id,
                originator_version=row[0],
                topic=row[1],
                state=bytes(row[2]),
            )
            for row in rows
        ]

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> list[Notification]:
        """The log with a Core ``SELECT`` (the adapter builds an ORM object per row): in the
        adapter's transaction when one is open in this context (a view's batch reads in its own
        session), else as one autocommit statement (a rebuild's reads)."""
        table = self._table
        query = select(
            table.c.id, table.c.originator_id, table.c.originator_version, table.c.topic,
            table.c.state,
        )  # fmt: skip
        if start is not None:
            query = query.where(table.c.id >= start if inclusive_of_start else table.c.id > start)
        if stop is not None:
            query = query.where(table.c.id <= stop)
        if topics:
            query = query.where(table.c.topic.in_(topics))
        query = query.order_by(table.c.id).limit(limit)
        engine = self._own_statements()
        if engine is not None:
            with connected(engine) as connection:
                rows = connection.execute(query).all()
        else:
            with self.datastore.transaction(commit=False) as session:
                rows = session.execute(query).all()
        return [
            Notification(
                id=row[0],
                originator_id=row[1],
                originator_version=row[2],
                topic=row[3],
                state=bytes(row[4]),
            )
            for row in rows
        ]

    def max_notification_id(self) -> int | None:
        engine = self._own_statements()
        if engine is None:
            found: int | None = super().max_notification_id()  # type: ignore[misc]
            return found
        with connected(engine) as connection:
            highest: int | None = connection.exec_driver_sql(
                f"SELECT max(id) FROM {self._table_name}"  # noqa: S608
            ).scalar()
        return highest


class EventRecorder(CoreStatements, SQLAlchemyApplicationRecorder):
    """The platform's event store: the adapter's application recorder with ``CoreStatements``."""


class ProcessEventRecorder(CoreStatements, SQLAlchemyProcessRecorder):
    """The adapter's process recorder (events and tracking in one transaction), ``CoreStatements``."""


class StoreDatastore(SQLAlchemyDatastore):
    """The adapter's datastore, and on psycopg2 a second pool whose connections stay in
    autocommit (``CoreStatements``): set once per connection, not on every checkout, where
    psycopg2 makes it a round trip each way."""

    def __init__(self, *, url: str | None = None, **engine_kwargs: Any) -> None:
        super().__init__(url=url, **engine_kwargs)
        self.autocommit: Engine | None = None
        engine = self.engine
        if isinstance(engine, Engine) and engine.dialect.driver == "psycopg2":
            self.autocommit = create_engine(
                engine.url, isolation_level="AUTOCOMMIT", **autocommit_pool_options()
            )
            forget_all_on_disconnect(engine, self.autocommit)

    def close(self) -> None:
        if self.autocommit is not None:
            self.autocommit.dispose()


class StoreFactory(SQLAlchemyFactory):
    """The adapter's factory with our engine options (pool sizes), our datastore and our event
    recorders."""

    datastore_class = StoreDatastore

    application_recorder_class: type[SQLAlchemyApplicationRecorder] = EventRecorder
    process_recorder_class: type[SQLAlchemyProcessRecorder] = ProcessEventRecorder

    def __init__(self, env: Environment) -> None:
        InfrastructureFactory.__init__(self, env)
        self._schema_name = self.env.get(self.SQLALCHEMY_SCHEMA)
        url = self.env.get(self.SQLALCHEMY_URL)
        self.datastore = self.datastore_class(url=url, **engine_options(url or ""))

    def close(self) -> None:
        super().close()
        if isinstance(self.datastore, StoreDatastore):
            self.datastore.close()


def store_env(database_url: str, *, create_tables: bool = False) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": f"{StoreFactory.__module__}:{StoreFactory.__qualname__}",
        "SQLALCHEMY_URL": database_url,
        "CREATE_TABLE": "yes" if create_tables else "no",
    }


def open_platform(settings: Settings, *, create_tables: bool = False) -> Platform:
    return Platform(env=store_env(settings.database_url, create_tables=create_tables))


def datastore_of(platform: Platform) -> SQLAlchemyDatastore:
    datastore = platform.factory.datastore  # type: ignore[attr-defined]
    assert isinstance(datastore, SQLAlchemyDatastore)
    return datastore
