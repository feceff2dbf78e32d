"""How fast does our event store make one event durable, against the library's and a raw loop?

``python -m bench.append [--events N] [--rounds R]``

Each contender saves N single-event transactions (a new small aggregate per save, one event, the
same payload every time) into a fresh PostgreSQL database created here and dropped afterwards:

- ``ours``: ``Platform`` opened through ``infra.eventstore`` (``store_env``, eventsourcing-sqlalchemy
  over psycopg2, our engine options), exactly as the web workers save;
- ``adapter``: the same, with the adapter's own recorder (ORM ``session.add``/``flush``) in place of
  our ``CoreInsert`` recorder: what ``infra/eventstore.py``'s recorder buys;
- ``library``: the same ``Platform`` class and events on eventsourcing's own PostgreSQL recorder
  (``PERSISTENCE_MODULE=eventsourcing.postgres``, psycopg 3 with its connection pool);
- ``raw``: a psycopg2 loop doing ``BEGIN; LOCK TABLE … IN EXCLUSIVE MODE; INSERT …; COMMIT`` of
  the stored bytes of one such event into an equivalent table (no Python domain or mapping work).

All are open at once, each in its own database, and take turns (rotating order) saving
N/R events at a time; the median saves/s of each over its R turns is reported (with the client's
CPU time per save, which other load on the machine disturbs less), and

    RATIO append_vs_library <ours/library>
    RATIO append_vs_raw <ours/raw>
"""

from __future__ import annotations

import argparse
import os
import platform as host
import statistics
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import psycopg2
import psycopg2.extensions
from eventsourcing.domain import Aggregate, event
from eventsourcing_sqlalchemy.recorders import (
    SQLAlchemyApplicationRecorder,
    SQLAlchemyProcessRecorder,
)
from sqlalchemy.engine import URL, make_url

from infra.eventstore import StoreFactory, datastore_of, store_env
from services.platform import Platform

ADMIN_URL = os.environ.get(
    "JGT_BENCH_POSTGRES_URL",
    os.environ.get(
        "JGT_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
    ),
)
WARM_UP = 200
CONTENDERS = ("ours", "adapter", "library", "raw")


class Probe(Aggregate):
    """A small aggregate shaped like ours: one creation event with tenant, actor and time."""

    class Created(Aggregate.Created):
        tenant_id: UUID
        actor_id: UUID | None
        occurred_at: datetime
        name: str

    @event(Created)
    def __init__(
        self, tenant_id: UUID, actor_id: UUID | None, occurred_at: datetime, name: str
    ) -> None:
        self.tenant_id = tenant_id
        self.actor_id = actor_id
        self.occurred_at = occurred_at
        self.name = name


TENANT = uuid.uuid4()
ACTOR = uuid.uuid4()
WHEN = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def new_probe() -> Probe:
    return Probe(tenant_id=TENANT, actor_id=ACTOR, occurred_at=WHEN, name="海宁市第一小学")


def connect(url: URL) -> psycopg2.extensions.connection:
    return psycopg2.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database
    )


@contextmanager
def fresh_database() -> Iterator[URL]:
    """A new empty database (its SQLAlchemy URL); dropped, connections and all, on exit."""
    url = make_url(ADMIN_URL)
    name = f"jgt_bench_{uuid.uuid4().hex[:10]}"
    admin = connect(url)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        try:
            yield url.set(database=name)
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


@dataclass
class Contender:
    name: str
    save: Callable[[], None]
    close: Callable[[], None]


def open_ours(url: URL) -> Contender:
    app = Platform(env=store_env(url.render_as_string(hide_password=False), create_tables=True))

    def save() -> None:
        app.save(new_probe())

    def close() -> None:
        app.close()
        datastore_of(app).engine.dispose()  # type: ignore[union-attr]

    return Contender("ours", save, close)


class AdapterFactory(StoreFactory):
    """Our factory and engine options, with eventsourcing-sqlalchemy's recorders as shipped."""

    application_recorder_class = SQLAlchemyApplicationRecorder
    process_recorder_class = SQLAlchemyProcessRecorder


def open_adapter(url: URL) -> Contender:
    env = store_env(url.render_as_string(hide_password=False), create_tables=True)
    env["PERSISTENCE_MODULE"] = "bench.append:AdapterFactory"
    app = Platform(env=env)
    assert type(app.recorder) is SQLAlchemyApplicationRecorder

    def save() -> None:
        app.save(new_probe())

    def close() -> None:
        app.close()
        datastore_of(app).engine.dispose()  # type: ignore[union-attr]

    return Contender("adapter", save, close)


def open_library(url: URL) -> Contender:
    app = Platform(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.database or "",
            "POSTGRES_HOST": url.host or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": url.username or "postgres",
            "POSTGRES_PASSWORD": url.password or "",
            "CREATE_TABLE": "yes",
        }
    )

    def save() -> None:
        app.save(new_probe())

    return Contender("library", save, app.close)


def stored_state() -> tuple[str, bytes]:
    """The topic and stored bytes of one probe event, as the platform's mapper writes them."""
    app = Platform(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    try:
        stored = app.mapper.to_stored_event(new_probe().collect_events()[0])
        return stored.topic, stored.state
    finally:
        app.close()


def open_raw(url: URL) -> Contender:
    topic, state = stored_state()
    conn = connect(url)
    with conn.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE raw_events ("
            " id BIGSERIAL PRIMARY KEY,"
            " originator_id UUID NOT NULL,"
            " originator_version BIGINT NOT NULL,"
            " topic TEXT NOT NULL,"
            " state BYTEA NOT NULL)"
        )
        cursor.execute(
            "CREATE UNIQUE INDEX raw_events_aggregate_idx"
            " ON raw_events (originator_id, originator_version)"
        )
    conn.commit()
    cursor = conn.cursor()
    payload = psycopg2.Binary(state)

    def save() -> None:
        # psycopg2 opens the transaction (BEGIN) before the first statement.
        cursor.execute("LOCK TABLE raw_events IN EXCLUSIVE MODE")
        cursor.execute(
            "INSERT INTO raw_events (originator_id, originator_version, topic, state)"
            " VALUES (%s, 1, %s, %s) RETURNING id",
            (str(uuid.uuid4()), topic, payload),
        )
        cursor.fetchone()
        conn.commit()

    return Contender("raw", save, conn.close)


OPENERS: dict[str, Callable[[URL], Contender]] = {
    "ours": open_ours,
    "adapter": open_adapter,
    "library": open_library,
    "raw": open_raw,
}


def server_settings() -> str:
    conn = connect(make_url(ADMIN_URL))
    try:
        with conn.cursor() as cursor:
            values = []
            for name in ("server_version", "synchronous_commit", "fsync", "wal_sync_method"):
                cursor.execute(f"SHOW {name}")
                row = cursor.fetchone()
                values.append(f"{name}={row[0] if row else '?'}")
        return " ".join(values)
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=3000, help="timed saves per contender")
    parser.add_argument("--rounds", type=int, default=10, help="turns the saves are split into")
    args = parser.parse_args(argv)
    # eventsourcing-sqlalchemy's record classes, defined again per datastore, say so loudly.
    warnings.filterwarnings("ignore", message="This declarative base already contains a class")

    print(
        f"# append bench: {args.events} single-event saves per contender in {args.rounds} turns;"
        f" {os.cpu_count()} cpus, python {host.python_version()}; {server_settings()}"
    )
    chunk = max(1, args.events // args.rounds)
    rates: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    cpu: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    with ExitStack() as stack:
        # All are open at once, each in its own fresh database, and take turns in chunks:
        # a burst of load from elsewhere on the machine then hits every contender alike.
        contenders = {}
        for name in CONTENDERS:
            contender = OPENERS[name](stack.enter_context(fresh_database()))
            stack.callback(contender.close)
            for _ in range(WARM_UP):
                contender.save()
            contenders[name] = contender
        for round_number in range(args.rounds):
            shift = round_number % len(CONTENDERS)
            for name in CONTENDERS[shift:] + CONTENDERS[:shift]:
                save = contenders[name].save
                started, started_cpu = time.perf_counter(), time.process_time()
                for _ in range(chunk):
                    save()
                elapsed = time.perf_counter() - started
                rates[name].append(chunk / elapsed)
                cpu[name].append((time.process_time() - started_cpu) / chunk * 1e6)
            print(
                f"round {round_number + 1}: "
                + "  ".join(f"{name} {rates[name][-1]:.0f}/s" for name in CONTENDERS)
            )

    medians = {name: statistics.median(values) for name, values in rates.items()}
    for name in CONTENDERS:
        print(
            f"SAVES_PER_SECOND {name} {medians[name]:.0f}"
            f"  (client CPU {statistics.median(cpu[name]):.0f} us/save)"
        )
    print(f"RATIO append_vs_library {medians['ours'] / medians['library']:.2f}")
    print(f"RATIO append_vs_raw {medians['ours'] / medians['raw']:.2f}")
    return medians


if __name__ == "__main__":
    main()
