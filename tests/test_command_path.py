"""The command path on PostgreSQL (``infra.eventstore``, ``docs/adr/0007-command-path.md``): no ping
before each statement, yet a restarted server costs one request; a save is one query that holds the
event table's lock only while the server runs it; a request's reads and save share one connection."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.domain import event as when
from sqlalchemy import Engine, event

from infra.eventstore import StoreDatastore, datastore_of, one_connection
from infra.wiring import Runtime
from services.platform import ConcurrentChange
from tests.conftest import open_runtime, sqlite_settings
from tests.fault_servers import OwnPostgres, own_postgres
from tests.test_outages import CLASS, bearer, postgres_world, started

__all__ = ["own_postgres", "postgres_world"]  # the fixtures, for pytest


@pytest.mark.postgres
@pytest.mark.slow
def test_a_request_that_meets_a_restarted_postgresql_answers_503_and_the_next_one_works(
    postgres_world: tuple[Runtime, OwnPostgres],
) -> None:
    runtime, server = postgres_world
    datastore = datastore_of(runtime.platform)
    assert isinstance(datastore, StoreDatastore)
    for engine in (datastore.engine, datastore.autocommit):
        assert isinstance(engine, Engine)
        assert not engine.pool._pre_ping  # nothing pings before a statement
    _, client = started(runtime)
    headers = bearer(client, "hn-admin")
    school = client.get("/api/v1/schools", headers=headers).json["items"][0]["id"]
    path = f"/api/v1/schools/{school}/classes"

    server.stop()
    server.start()  # every pooled connection is now dead, and nothing has noticed yet
    met = client.post(path, headers=headers, json=CLASS)
    assert met.status_code == 503, met.json
    assert int(met.headers["Retry-After"]) > 0
    # The next request works, reading the views (their pool's connections were dead too) ...
    assert client.get("/api/v1/schools", headers=headers).status_code == 200
    # ... and writing.
    after = client.post(path, headers=headers, json=CLASS)
    assert after.status_code == 201, after.json
    again = client.post(path, headers=headers, json={**CLASS, "name": "3班"})
    assert again.status_code == 201, again.json


class Note(Aggregate):
    """A bare aggregate: these tests are about the store, not about a rule of the domain."""

    @when("Written")
    def __init__(self, words: str) -> None:
        self.words = words

    @when("Amended")
    def amend(self, words: str) -> None:
        self.words = words


@pytest.fixture
def postgres_runtime(tmp_path: Path, postgres_url: str) -> Iterator[Runtime]:
    settings = sqlite_settings(
        tmp_path, JGT_DATABASE_URL=postgres_url, JGT_EMBEDDED_PROJECTIONS="false"
    )
    runtime = open_runtime(settings)
    yield runtime
    runtime.close()


@pytest.mark.postgres
def test_a_commands_reads_and_save_take_one_connection_and_lock_the_table_for_one_query(
    postgres_runtime: Runtime,
) -> None:
    runtime = postgres_runtime
    platform = runtime.platform
    note = Note("初稿")
    platform.save_all(note)
    datastore = datastore_of(platform)
    assert isinstance(datastore, StoreDatastore)
    engine = datastore.autocommit
    assert engine is not None
    checkouts: list[int] = []
    statements: list[tuple[str, bool]] = []

    def checked_out(*_: Any) -> None:
        checkouts.append(1)

    def executing(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        # Autocommit: the statement is its own transaction, committed before the server answers.
        statements.append((statement, conn.connection.dbapi_connection.autocommit))

    event.listen(engine.pool, "checkout", checked_out)
    event.listen(engine, "before_cursor_execute", executing)
    try:
        with one_connection(platform):
            stored: Any = platform.repository.get(note.id)
            stored.amend("二稿")
            position = platform.save_all(stored, Note("另一篇"))
    finally:
        event.remove(engine.pool, "checkout", checked_out)
        event.remove(engine, "before_cursor_execute", executing)

    assert len(checkouts) == 1
    locking = [(sql, autocommit) for sql, autocommit in statements if "LOCK TABLE" in sql]
    assert len(locking) == 1
    sql, autocommit = locking[0]
    assert autocommit
    assert sql.index("LOCK TABLE") < sql.index("INSERT INTO") < sql.index("RETURNING")
    assert len(statements) == 2  # the read, and the save
    assert platform.head() == position
    assert platform.repository.get(note.id).words == "二稿"


def test_a_save_that_fails_on_one_aggregate_stores_none_of_them(runtime: Runtime) -> None:
    platform = runtime.platform
    note = Note("初稿")
    platform.save_all(note)
    first: Any = platform.repository.get(note.id)
    second: Any = platform.repository.get(note.id)
    first.amend("甲")
    platform.save_all(first)
    before = platform.head()

    second.amend("乙")  # the same version as the first's amendment: taken
    fresh = Note("同批")
    with pytest.raises(ConcurrentChange):
        platform.save_all(fresh, second)

    assert platform.head() == before
    with pytest.raises(AggregateNotFoundError):
        platform.repository.get(fresh.id)
    assert platform.repository.get(note.id).words == "甲"


def test_saves_from_many_threads_get_every_position_once_and_in_order(runtime: Runtime) -> None:
    platform = runtime.platform
    start = platform.head()
    positions: list[int] = []
    lock = threading.Lock()

    def write() -> None:
        for _ in range(20):
            with one_connection(platform):
                position = platform.save_all(Note("并发"), Note("并发"))
            with lock:
                positions.append(position)

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    notifications = platform.recorder.select_notifications(start + 1, 1000)
    ids = [n.id for n in notifications]
    assert ids == list(range(start + 1, start + 1 + 240))  # none lost, none skipped
    assert sorted(positions) == ids[1::2]  # each save's position is its last event's


def test_a_save_inside_an_open_store_transaction_is_undone_with_it(runtime: Runtime) -> None:
    platform = runtime.platform
    before = platform.head()
    note = Note("撤回")

    def save_then_fail() -> None:
        with datastore_of(platform).transaction(commit=True):
            platform.save_all(note)
            raise RuntimeError("the unit of work around the save fails")

    with pytest.raises(RuntimeError):
        save_then_fail()
    assert platform.head() == before
    with pytest.raises(AggregateNotFoundError):
        platform.repository.get(note.id)
