"""How a waiting projection runner learns that new events were saved.

SQLite cannot LISTEN, so in the embedded default the application wakes its runners in-process after
each save; PostgreSQL runners in other processes LISTEN on the channel the store NOTIFYs. Both also
poll on a timeout, so a lost wake-up only delays a view, never stalls it.
"""

from __future__ import annotations

import contextlib
import select
import threading
import time
from typing import Any, Protocol

import psycopg2
import psycopg2.extensions
from sqlalchemy.engine import make_url


class Wake(Protocol):
    def wait(self, timeout: float) -> None: ...

    def close(self) -> None: ...


class InProcessWake:
    def __init__(self) -> None:
        self._event = threading.Event()

    def notify(self, position: int = 0) -> None:
        self._event.set()

    def wait(self, timeout: float) -> None:
        # Clearing after the wait loses nothing: the runner catches up right after, and every
        # notified event was committed before its notify.
        self._event.wait(timeout)
        self._event.clear()

    def close(self) -> None:
        self._event.set()


class PostgresWake:
    """LISTEN on the store's channel. If the server drops the connection, the wake polls on its
    timeout and listens again once the server answers: a runner is never stopped by it."""

    def __init__(self, database_url: str, channel: str = "jgt_events") -> None:
        url = make_url(database_url)
        params: dict[str, Any] = {
            "host": url.host,
            "port": url.port,
            "dbname": url.database,
            "user": url.username,
            "password": url.password,
        }
        self._params = {k: v for k, v in params.items() if v is not None}
        self._channel = channel
        self._conn: Any = None
        self._closed = False
        self._listen()

    def _listen(self) -> None:
        conn = psycopg2.connect(**self._params)
        conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
        with conn.cursor() as cursor:
            cursor.execute(f"LISTEN {self._channel};")
        self._conn = conn

    def wait(self, timeout: float) -> None:
        if self._closed:
            return
        try:
            if self._conn is None:
                self._listen()
            if select.select([self._conn], [], [], timeout)[0]:
                self._conn.poll()
                self._conn.notifies.clear()
        except (psycopg2.Error, OSError, ValueError):
            # Connection lost (or never regained): drop it, wait out the timeout, retry later.
            self._drop()
            time.sleep(timeout)

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg2.Error):
                conn.close()

    def close(self) -> None:
        self._closed = True
        self._drop()
