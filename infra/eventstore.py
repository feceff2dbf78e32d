"""The event store: eventsourcing-sqlalchemy over PostgreSQL (psycopg2) or a SQLite file.

Tables are created only by ``jgt db init``; web and projection workers start with table creation
off, because concurrent DDL from several processes races.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, StoredEvent
from eventsourcing.utils import Environment
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import (
    SQLAlchemyApplicationRecorder,
    SQLAlchemyProcessRecorder,
)
from sqlalchemy import Executable, Table, bindparam, insert, text
from sqlalchemy.orm import Session

from infra.settings import Settings
from services.platform import Platform


def engine_options(url: str) -> dict[str, Any]:
    if url.startswith("postgresql"):
        # Small pools: several gunicorn workers and projection workers share one server.
        return {"pool_size": 3, "max_overflow": 4, "pool_pre_ping": True, "pool_recycle": 1800}
    return {}


class CoreInsert:
    """Writes stored events with prepared SQLAlchemy Core statements instead of the ORM.

    Why (``bench/append.py``, ``docs/adr/0001-event-store.md``): per save the adapter builds one
    ORM object per event, flushes the session's unit of work, and sends ``LOCK TABLE``, the
    ``INSERT`` and ``NOTIFY`` as three statements. The same statements, in one transaction, cost
    less here: they are built once per recorder, and on psycopg2 a single event (the usual save)
    goes as one ``LOCK …; NOTIFY …; INSERT … RETURNING id`` string, one round trip instead of
    three. Several events go as ``LOCK …; NOTIFY …`` then one multi-row ``INSERT … RETURNING``,
    ids in the order of the events.

    The ``EXCLUSIVE`` table lock is what makes notification ids commit in the order they are
    issued, so a reader following the log never skips an id that a slower transaction commits
    later (reads are not blocked). SQLite has one writer at a time anyway. Transactions, error
    translation and SQLite's write lock stay the adapter's; ``tests/test_event_store_conformance``
    runs the library's recorder cases against this class.
    """

    datastore: SQLAlchemyDatastore
    events_record_cls: Any
    channel_name: str

    @cached_property
    def _statements(self) -> _Statements:
        engine = self.datastore.engine
        assert engine is not None
        table: Table = self.events_record_cls.__table__
        insert_many = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        if engine.dialect.name != "postgresql":
            return _Statements(lock_and_notify=None, insert_one=None, insert_many=insert_many)
        quote = engine.dialect.identifier_preparer
        # The channel unquoted, as the adapter's subscription LISTENs to it.
        lock_and_notify = (
            f"LOCK TABLE {quote.format_table(table)} IN EXCLUSIVE MODE; NOTIFY {self.channel_name}"
        )
        insert_one = None
        if engine.dialect.driver == "psycopg2":
            # psycopg2 sends a string of several statements as one query and returns the result
            # of the last one. (psycopg 3 refuses several statements with parameters.)
            names = ("originator_id", "originator_version", "topic", "state")
            # Identifiers quoted by the dialect; every value is a bound parameter.
            sql = (
                f"{lock_and_notify}; INSERT INTO {quote.format_table(table)}"  # noqa: S608
                f" ({', '.join(names)}) VALUES ({', '.join(':' + name for name in names)})"
                " RETURNING id"
            )
            insert_one = (
                text(sql)
                .bindparams(*(bindparam(name, type_=table.c[name].type) for name in names))
                .columns(table.c.id)
            )
        return _Statements(
            lock_and_notify=text(lock_and_notify), insert_one=insert_one, insert_many=insert_many
        )

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        if not stored_events:
            return []
        statements = self._statements
        rows = [
            {
                "originator_id": e.originator_id,
                "originator_version": e.originator_version,
                "topic": e.topic,
                "state": e.state,
            }
            for e in stored_events
        ]
        if len(rows) == 1 and statements.insert_one is not None:
            return [session.execute(statements.insert_one, rows[0]).scalar_one()]
        if statements.lock_and_notify is not None:
            session.execute(statements.lock_and_notify)
        if len(rows) == 1:
            return [session.execute(statements.insert_many, rows[0]).scalar_one()]
        # "insertmanyvalues": one multi-row INSERT per page of rows, ids in parameter order.
        return list(session.execute(statements.insert_many, rows).scalars())


@dataclass(frozen=True)
class _Statements:
    lock_and_notify: Executable | None
    insert_one: Executable | None
    insert_many: Executable


class EventRecorder(CoreInsert, SQLAlchemyApplicationRecorder):
    """The platform's event store: the adapter's application recorder with ``CoreInsert``."""


class ProcessEventRecorder(CoreInsert, SQLAlchemyProcessRecorder):
    """The adapter's process recorder (events and tracking in one transaction), ``CoreInsert``."""


class StoreFactory(SQLAlchemyFactory):
    """The adapter's factory with our engine options (pool sizes) and our event recorders."""

    application_recorder_class: type[SQLAlchemyApplicationRecorder] = EventRecorder
    process_recorder_class: type[SQLAlchemyProcessRecorder] = ProcessEventRecorder

    def __init__(self, env: Environment) -> None:
        InfrastructureFactory.__init__(self, env)
        self._schema_name = self.env.get(self.SQLALCHEMY_SCHEMA)
        url = self.env.get(self.SQLALCHEMY_URL)
        self.datastore = self.datastore_class(url=url, **engine_options(url or ""))


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
