"""The event store's connections on the command path: one held for a request, errors as the
adapter names them, and every pool forgotten when the server was found gone (ADR 0007)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import sqlalchemy.exc
from eventsourcing.persistence import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
)
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import ExceptionContext

#: The connection held by ``held`` for this request or command (per engine).
_held: ContextVar[dict[int, _Held] | None] = ContextVar("jgt_store_connection", default=None)


@dataclass
class _Held:
    engine: Engine
    connection: Connection | None = None


@contextmanager
def held(engine: Engine | None) -> Iterator[None]:
    """Within the block, ``connected(engine)`` gives one connection of the engine's pool, checked
    out when first asked for and returned at the end (nothing without an engine)."""
    if engine is None:
        yield
        return
    held = dict(_held.get() or {})
    if id(engine) in held:
        yield  # already inside one
        return
    held[id(engine)] = slot = _Held(engine)
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
        if slot.connection is not None:
            slot.connection.close()


@contextmanager
def connected(engine: Engine) -> Iterator[Connection]:
    """The connection ``held`` for the engine, or one of the pool's for this statement;
    SQLAlchemy's errors as the adapter translates them (``infra.outages`` and ``Platform`` look
    for the adapter's kinds)."""
    slot = (_held.get() or {}).get(id(engine))
    try:
        if slot is None:
            with engine.connect() as connection:
                yield connection
            return
        if slot.connection is None or slot.connection.closed:
            slot.connection = engine.connect()
        yield slot.connection
    except sqlalchemy.exc.SQLAlchemyError as exc:
        for theirs, ours in _TRANSLATED:
            if isinstance(exc, theirs):
                raise ours(exc) from exc
        raise PersistenceError(exc) from exc


_TRANSLATED: tuple[tuple[type[sqlalchemy.exc.SQLAlchemyError], type[PersistenceError]], ...] = (
    (sqlalchemy.exc.InterfaceError, InterfaceError),
    (sqlalchemy.exc.DataError, DataError),
    (sqlalchemy.exc.OperationalError, OperationalError),
    (sqlalchemy.exc.IntegrityError, IntegrityError),
    (sqlalchemy.exc.InternalError, InternalError),
    (sqlalchemy.exc.ProgrammingError, ProgrammingError),
    (sqlalchemy.exc.NotSupportedError, NotSupportedError),
    (sqlalchemy.exc.DatabaseError, DatabaseError),
)


def forget_all_on_disconnect(*engines: Engine) -> None:
    """A connection found closed by the server means the server restarted (or failed over): every
    connection of every pool is then dead. SQLAlchemy already drops its own pool's; the others
    are replaced too, so that the next request does not meet a dead one there. Connections
    checked out meanwhile are left to their threads (``dispose(close=False)``)."""

    def on_error(context: ExceptionContext) -> None:
        if context.is_disconnect:
            for engine in engines:
                if engine is not context.engine:
                    engine.dispose(close=False)

    for engine in engines:
        event.listen(engine, "handle_error", on_error)
