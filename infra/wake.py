"""How a waiting projection runner learns that new events were saved.

SQLite cannot LISTEN, so in the embedded default the application wakes its runners in-process after
each save; PostgreSQL runners in other processes LISTEN on the channel the store NOTIFYs. Both also
poll on a timeout, so a lost wake-up only delays a view, never stalls it.
"""

from __future__ import annotations

import select
import threading
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
    def __init__(self, database_url: str, channel: str = "jgt_events") -> None:
        url = make_url(database_url)
        params: dict[str, Any] = {
            "host": url.host,
            "port": url.port,
            "dbname": url.database,
            "user": url.username,
            "password": url.password,
        }
        self._conn = psycopg2.connect(**{k: v for k, v in params.items() if v is not None})
        self._conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
        with self._conn.cursor() as cursor:
            cursor.execute(f"LISTEN {channel};")

    def wait(self, timeout: float) -> None:
        if select.select([self._conn], [], [], timeout)[0]:
            self._conn.poll()
            self._conn.notifies.clear()

    def close(self) -> None:
        self._conn.close()
