"""Which failures are an outage of a server we depend on (answer 503 and retry later), not a bug.

The event store's adapter wraps the driver's errors (``eventsourcing.persistence.OperationalError``
from ``sqlalchemy.exc.OperationalError`` from ``psycopg2.OperationalError``), and code above it may
wrap them again, so the whole chain of causes is looked at.
"""

from __future__ import annotations

import sqlite3

import psycopg2
import redis
import sqlalchemy.exc
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError

#: Seconds a client is asked to wait before trying again while a server is away.
RETRY_AFTER_SECONDS = 5

#: SQLite's own words for "another writer holds the file" (the embedded default under load).
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def causes(exc: BaseException) -> list[BaseException]:
    """The exception and what it was raised from, outermost first (cycles cut)."""
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in found):
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _is_database_outage(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        return any(words in str(exc).lower() for words in _SQLITE_BUSY)
    if isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError):
        return True
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sqlalchemy.exc.TimeoutError):
        return True  # no connection free in the pool in time: the server is slow or away
    if isinstance(exc, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError):
        # SQLite's other operational errors ("no such table") are bugs, not outages.
        return not isinstance(exc.orig, sqlite3.Error) or _is_database_outage(exc.orig)
    return False


def database_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached or is busy right now (PostgreSQL down, a dropped
    connection, SQLite's write lock held too long): nothing was stored, trying later may work."""
    chain = causes(exc)
    if any(_is_database_outage(e) for e in chain):
        return True
    # The store's own wrappers name the kind even when the driver's error is not chained.
    return any(
        isinstance(e, StoreOperationalError | StoreInterfaceError)
        and not any(isinstance(c, sqlite3.Error) for c in chain)
        for e in chain
    )


def redis_unavailable(exc: BaseException) -> bool:
    """Redis cannot be reached or timed out."""
    return any(isinstance(e, redis.ConnectionError | redis.TimeoutError) for e in causes(exc))
