"""A view rebuilt beside the live one, and swapped in once it has caught up (ADR 0003).

The shadow is the same view class over storage of its own: on PostgreSQL the view's tables in the
schema ``jgt_rebuild`` (the shadow's engine translates every table there), on SQLite a database
file next to the live one. The live view keeps serving, and its runner may keep running, while the
shadow applies the log. The swap is one transaction on the live database: lock the live tables,
check that the shadow has reached the live position, replace the live rows with the shadow's and
set the live tracking row to the shadow's position. A live batch that commits before the swap is
replaced (the shadow had reached it); one that commits after fails its compare-and-set on the
tracking row and follows from the new position. Anything that fails before the commit leaves the
live view as it was.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    MetaData,
    Table,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from infra.settings import Settings
from infra.views.base import APPLICATION_NAME, SQLView

log = logging.getLogger(__name__)

SHADOW = "jgt_rebuild"
#: How often the swap asks for the live tables while a live batch holds them.
LOCK_ATTEMPTS = 200
SQLITE_BUSY_MILLISECONDS = 30_000


class ShadowBehind(Exception):
    """The live view moved past the shadow meanwhile: catch the shadow up and swap again."""


class Shadow:
    """Storage beside a live view for a rebuild, the shadow view over it, and the swap."""

    def __init__(self, live: SQLView) -> None:
        self.live = live
        engine = live.datastore.engine
        assert isinstance(engine, Engine)
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        live_tables = (*live.view_tables, live.tracking_table)
        copies = MetaData()
        #: The live tables and their shadows, as seen from a connection to the live database.
        self.pairs = [(t, t.to_metadata(copies, schema=SHADOW)) for t in live_tables]
        self.path = Path(f"{engine.url.database}.rebuild-{live.name}") if self.is_sqlite else None
        self._shadow_engine: Engine | None = None

    def open(self) -> SQLView:
        """Make empty shadow tables (throwing away a failed rebuild's) and the view over them."""
        self.drop()
        if self.path is not None:
            shadow_engine = create_engine(f"sqlite:///{self.path}", poolclass=NullPool)
            plain = MetaData()
            for live, _ in self.pairs:
                live.to_metadata(plain).create(shadow_engine)
        else:
            with self.engine.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{SHADOW}"'))
                for _, copy in self.pairs:
                    copy.create(connection)
            shadow_engine = create_engine(self.engine.url, poolclass=NullPool).execution_options(
                schema_translate_map={None: SHADOW}
            )
        self._shadow_engine = shadow_engine
        datastore = SQLAlchemyDatastore(session_maker=sessionmaker(bind=shadow_engine))
        return type(self.live)(datastore)

    def drop(self) -> None:
        if self._shadow_engine is not None:
            self._shadow_engine.dispose()
            self._shadow_engine = None
        if self.path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            return
        with self.engine.begin() as connection:
            for _, copy in reversed(self.pairs):
                copy.drop(connection, checkfirst=True)

    def swap(self) -> int:
        """Replace the live rows and position with the shadow's, in one transaction.

        Raises ``ShadowBehind`` (changing nothing) if the live view has moved past the shadow."""
        engine = self._swap_engine()
        try:
            for attempt in range(LOCK_ATTEMPTS):
                try:
                    with engine.begin() as connection:
                        return self._swap_in(connection)
                except OperationalError as exc:
                    if self.is_sqlite or "could not obtain lock" not in str(exc):
                        raise
                    # A live batch holds the tables: let it commit, then ask again.
                    time.sleep(min(0.01 * (attempt + 1), 0.25))
            raise RuntimeError(
                f"视图 {self.live.name} 一直被占用 / the live tables of {self.live.name} stayed "
                "busy; the rebuild changed nothing, try again"
            )
        finally:
            if engine is not self.engine:
                engine.dispose()

    def _swap_in(self, connection: Connection) -> int:
        live_tracking, shadow_tracking = self.pairs[-1]
        if not self.is_sqlite:
            names = ", ".join(f'"{live.name}"' for live, _ in self.pairs)
            # Readers go on (they take ACCESS SHARE); live batches wait for the commit.
            connection.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE NOWAIT"))
        live_position = _position(connection, live_tracking)
        shadow_position = _position(connection, shadow_tracking)
        if shadow_position < live_position:
            raise ShadowBehind(f"{shadow_position} < {live_position}")
        for live, _ in reversed(self.pairs):
            connection.execute(delete(live))
        for live, shadow in self.pairs[:-1]:
            columns = [c.name for c in live.columns]
            connection.execute(
                insert(live).from_select(columns, select(*(shadow.c[c] for c in columns)))
            )
            if not self.is_sqlite:
                _follow_sequence(connection, live)
        connection.execute(
            insert(live_tracking).values(
                application_name=APPLICATION_NAME, notification_id=shadow_position
            )
        )
        return shadow_position

    def _swap_engine(self) -> Engine:
        if self.path is None:
            return self.engine
        # SQLite: a connection of its own, with the shadow file attached, that takes the write
        # lock when it begins (a read first would see a snapshot a live batch may make stale).
        swap_engine = create_engine(self.engine.url, poolclass=NullPool)
        path = str(self.path)

        @event.listens_for(swap_engine, "connect")
        def attach(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.isolation_level = None
            dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MILLISECONDS}")
            dbapi_connection.execute(f'ATTACH DATABASE ? AS "{SHADOW}"', (path,))

        @event.listens_for(swap_engine, "begin")
        def begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return swap_engine


def _position(connection: Connection, tracking: Table) -> int:
    found = connection.execute(
        select(tracking.c.notification_id).where(tracking.c.application_name == APPLICATION_NAME)
    ).scalar_one_or_none()
    return int(found or 0)


def _follow_sequence(connection: Connection, table: Table) -> None:
    """After copying ids into a PostgreSQL serial column, its sequence continues above them."""
    keys: Sequence[Any] = list(table.primary_key.columns)
    if len(keys) != 1 or not isinstance(keys[0].type, Integer) or not keys[0].autoincrement:
        return
    key = keys[0]
    sequence = connection.execute(
        select(func.pg_get_serial_sequence(table.name, key.name))
    ).scalar_one_or_none()
    if sequence is None:
        return
    highest = connection.execute(select(func.max(key))).scalar_one_or_none()
    connection.execute(
        select(func.setval(sequence, (highest or 0) + 1, False))  # the next value is highest + 1
    )


@dataclass(frozen=True)
class Rebuilt:
    """One view's rebuild in ``rebuild_in_parallel``: the events it applied, or why it failed."""

    name: str
    events: int
    seconds: float
    error: str | None = None


def rebuild_in_parallel(
    settings: Settings, names: Sequence[str], batch_size: int, processes: int
) -> list[Rebuilt]:
    """Rebuild each view in a process of its own (``jgt projections rebuild --all``): a view's
    rebuild is one thread of Python, so views side by side use the other cores. Each process
    opens the store itself (spawned, not forked: no connection is shared); one view failing
    changes nothing of it and does not stop the others."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, processes), mp_context=context) as pool:
        futures = [pool.submit(_rebuild_one, settings, name, batch_size) for name in names]
        return [future.result() for future in futures]


def _rebuild_one(settings: Settings, name: str, batch_size: int) -> Rebuilt:
    # Imported here: the wiring imports the runner, which imports this module.
    from infra.wiring import build_runtime

    started = time.perf_counter()
    runtime = build_runtime(settings)
    try:
        count = runtime.runner(name, batch_size=batch_size).rebuild()
    except Exception as exc:
        cause = f" ({type(exc.__cause__).__name__}: {exc.__cause__})" if exc.__cause__ else ""
        return Rebuilt(name, 0, time.perf_counter() - started, f"{exc}{cause}")
    finally:
        runtime.close()
    return Rebuilt(name, count, time.perf_counter() - started)
