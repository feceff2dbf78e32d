"""Projection workers under failure, on PostgreSQL (and Redis for the leases).

- A worker killed with SIGKILL at random moments, again and again, loses and repeats nothing.
- A transaction that took a notification id and commits late is not skipped.
- Two runners for one view: only the lease holder applies events; and without any lease the
  tracking row's compare-and-set still lets every event in exactly once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg2
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.rebuild import save_world
from domain.tenant import Tenant
from infra.leases import Lease
from infra.runner import ProjectionRunner
from infra.settings import Settings, load_settings
from infra.views.base import SQLView
from infra.views.entries import audit_entries
from infra.wake import InProcessWake
from infra.wiring import Runtime
from tests.conftest import make_bureau, open_runtime
from tests.workers.dumps import all_rows

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def pg_settings(postgres_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        {
            "JGT_DATABASE_URL": postgres_url,
            "JGT_VAR_DIR": str(tmp_path),
            "JGT_SECRET_KEY": "test-secret",
            "JGT_EMBEDDED_PROJECTIONS": "false",
        }
    )


@pytest.fixture
def pg_runtime(pg_settings: Settings) -> Iterator[Runtime]:
    runtime = open_runtime(pg_settings)
    yield runtime
    runtime.close()


def head_of(runtime: Runtime) -> int:
    return runtime.platform.recorder.max_notification_id() or 0


def positions(runtime: Runtime) -> dict[str, int]:
    return {name: view.position() for name, view in runtime.views.items()}


def audit_positions(view: SQLView) -> tuple[int, int]:
    """(rows, distinct positions) of the audit log: equal when no event was applied twice."""
    with view.transaction(commit=False) as s:
        rows = s.execute(select(func.count()).select_from(audit_entries)).scalar_one()
        distinct = s.execute(select(func.count(audit_entries.c.position.distinct()))).scalar_one()
    return int(rows), int(distinct)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


# --- a killed worker ---------------------------------------------------------------------------


def start_worker(env: dict[str, str], log: Path, batch_size: int) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from infra.cli import main; main()",
                "projections",
                "run",
                "--batch-size",
                str(batch_size),
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_a_killed_worker_resumes_without_losing_or_repeating_events(
    postgres_url: str, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "JGT_DATABASE_URL": postgres_url,
        "JGT_REDIS_URL": redis_url,
        "JGT_REDIS_PREFIX": redis_prefix,
        "JGT_VAR_DIR": str(tmp_path),
        "JGT_SECRET_KEY": "test-secret",
        "JGT_EMBEDDED_PROJECTIONS": "false",
        # A killed worker cannot release its lease: the next one takes it when it lapses.
        "JGT_LEASE_TTL_SECONDS": "1.0",
    }
    runtime = open_runtime(load_settings(env))
    rng = random.Random(os.getpid())
    log = tmp_path / "worker.log"
    try:
        bureau = make_bureau(runtime, "hn", "海宁市教育局")
        # Enough work that a worker is still catching up when it is killed (runners got faster).
        save_world(runtime.platform, 6000, chunk=300)
        kills_mid_catch_up = 0
        for round_ in range(8):
            before = positions(runtime)
            worker = start_worker(env, log, batch_size=rng.choice((7, 20, 33)))
            # Let it get going (after the dead predecessor's lease lapsed), then kill it at a
            # random moment: between batches, inside one, or while it commits.
            wait_until(
                lambda before=before: sum(positions(runtime).values()) > sum(before.values()),
                timeout=60,
                what=f"worker {round_} to make progress",
            )
            time.sleep(rng.uniform(0.0, 0.2))
            worker.send_signal(signal.SIGKILL)
            assert worker.wait(timeout=10) == -signal.SIGKILL
            head = head_of(runtime)
            if any(p < head for p in positions(runtime).values()):
                kills_mid_catch_up += 1
            # Its leases outlive it: no one may run the views until they lapse.
            holders = {runtime.lease.holder(name) for name in runtime.views}
            assert any(h is not None and f":{worker.pid}:" in h for h in holders), holders
            # Meanwhile the platform goes on: new events arrive while no worker runs.
            runtime.services.organisation.open_class(
                bureau.admin, bureau.school_id, grade=1 + round_ % 6, name=f"{round_}班"
            )
            save_world(runtime.platform, 40, chunk=40, tag=f"k{round_}", seed=round_)
        assert kills_mid_catch_up >= 6, "the worker finished too early; kills must interrupt it"

        # The last worker finishes the job and stops cleanly on SIGTERM.
        worker = start_worker(env, log, batch_size=50)
        head = head_of(runtime)
        wait_until(
            lambda: all(p == head for p in positions(runtime).values()),
            timeout=180,
            what="the last worker to catch up",
        )
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, log.read_text()[-3000:]
        assert all(runtime.lease.holder(name) is None for name in runtime.views)

        followed = all_rows(runtime.views)
        rows, distinct = audit_positions(runtime.views["audit_log"])
        assert rows == distinct > 2000
        for name in runtime.views:
            runtime.runner(name, batch_size=1000).rebuild()
        assert positions(runtime) == dict.fromkeys(runtime.views, head)
        rebuilt = all_rows(runtime.views)
        for name in runtime.views:
            for table, table_rows in followed[name].items():
                assert table_rows == rebuilt[name][table], f"{name}.{table} differs from a rebuild"
    finally:
        runtime.close()


# --- a late commit -----------------------------------------------------------------------------


def stored_tenant(runtime: Runtime, name: str) -> tuple[UUID, Any]:
    """A real domain event (a bureau registered), mapped for the store, not yet saved."""
    tenant = Tenant(
        tenant_id=uuid4(), name=name, region="浙江省", actor_id=None, occurred_at=datetime.now(UTC)
    )
    (stored,) = [runtime.platform.mapper.to_stored_event(e) for e in tenant.collect_events()]
    return tenant.id, stored


def raw_connection(url: str) -> Any:
    u = make_url(url)
    return psycopg2.connect(host=u.host, port=u.port, user=u.username, dbname=u.database)


def raw_insert(conn: Any, stored: Any) -> int:
    """Insert a stored event as a writer that does NOT take the store's table lock would."""
    with conn.cursor() as cursor:
        cursor.execute(
            "INSERT INTO jgt_events (originator_id, originator_version, topic, state) "
            "VALUES (%s, %s, %s, %s) RETURNING id",
            (str(stored.originator_id), stored.originator_version, stored.topic, stored.state),
        )
        row = cursor.fetchone()
        assert row is not None
        return int(row[0])


@dataclass
class LateCommit:
    slow_id: int = 0
    fast_id: int = 0
    fast_done_while_slow_open: bool = False
    position_while_slow_open: int = 0
    applied_subjects: set[UUID] = field(default_factory=set)
    slow_subject: UUID | None = None
    fast_subject: UUID | None = None


def late_commit(runtime: Runtime, url: str, *, writers_lock_the_table: bool) -> LateCommit:
    """A slow writer takes id N and commits 1.5 s later; a fast writer saves meanwhile; a runner
    follows the store the whole time. Returns what the audit log ended up with."""
    recorder = runtime.platform.recorder
    runner = runtime.runner("audit_log", batch_size=10)
    runner.catch_up()
    result = LateCommit()
    took_id, slow_committed, fast_committed = (
        threading.Event(),
        threading.Event(),
        threading.Event(),
    )
    result.slow_subject, slow_event = stored_tenant(runtime, "慢局")
    result.fast_subject, fast_event = stored_tenant(runtime, "快局")

    def slow_writer() -> None:
        if writers_lock_the_table:
            # The store's own path: LOCK TABLE ... IN EXCLUSIVE MODE, then the insert.
            with recorder.transaction(commit=True) as session:
                (result.slow_id,) = recorder.insert_events([slow_event], session=session)
                took_id.set()
                time.sleep(1.5)
        else:
            conn = raw_connection(url)
            result.slow_id = raw_insert(conn, slow_event)
            took_id.set()
            time.sleep(1.5)
            conn.commit()
            conn.close()
        slow_committed.set()

    def fast_writer() -> None:
        if writers_lock_the_table:
            (result.fast_id,) = recorder.insert_events([fast_event]) or [0]
        else:
            conn = raw_connection(url)
            result.fast_id = raw_insert(conn, fast_event)
            conn.commit()
            conn.close()
        fast_committed.set()

    stop = threading.Event()

    def follow() -> None:
        while not stop.is_set():
            runner.catch_up()
            time.sleep(0.01)

    threads = [threading.Thread(target=slow_writer)]
    threads[0].start()
    assert took_id.wait(10)
    threads += [threading.Thread(target=fast_writer), threading.Thread(target=follow)]
    for t in threads[1:]:
        t.start()
    time.sleep(1.0)  # the slow transaction is still open
    assert not slow_committed.is_set()
    result.fast_done_while_slow_open = fast_committed.is_set()
    result.position_while_slow_open = runner.view.position()
    assert slow_committed.wait(10)
    assert fast_committed.wait(10)
    head = head_of(runtime)
    wait_until(lambda: runner.view.position() >= head, 10, "the runner to reach the head")
    stop.set()
    for t in threads:
        t.join(10)
    view = runner.view
    with view.transaction(commit=False) as s:
        result.applied_subjects = set(s.execute(select(audit_entries.c.subject_id)).scalars())
    return result


@pytest.mark.postgres
def test_a_transaction_that_commits_late_is_not_skipped(
    pg_runtime: Runtime, postgres_url: str
) -> None:
    make_bureau(pg_runtime, "hn", "海宁市教育局")
    result = late_commit(pg_runtime, postgres_url, writers_lock_the_table=True)
    # The fast writer waited for the slow one's table lock, so ids commit in order...
    assert not result.fast_done_while_slow_open
    assert result.slow_id < result.fast_id
    # ...the runner could not pass the slow id while it was open...
    assert result.position_while_slow_open < result.slow_id
    # ...and both events are in the view.
    assert {result.slow_subject, result.fast_subject} <= result.applied_subjects


@pytest.mark.postgres
def test_without_the_table_lock_a_late_commit_would_be_skipped(
    pg_runtime: Runtime, postgres_url: str
) -> None:
    """The control: the same scenario with writers that bypass the lock shows what the lock
    prevents (and that the scenario above would catch a skipped event)."""
    make_bureau(pg_runtime, "hn", "海宁市教育局")
    result = late_commit(pg_runtime, postgres_url, writers_lock_the_table=False)
    assert result.fast_done_while_slow_open
    assert result.slow_id < result.fast_id
    assert result.position_while_slow_open >= result.fast_id
    assert result.fast_subject in result.applied_subjects
    assert result.slow_subject not in result.applied_subjects  # skipped for good


# --- two runners for one view ------------------------------------------------------------------


class WatchedLease:
    """The runtime's lease, with a record of who asked and whether they got it."""

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        self.attempts: list[tuple[str, bool]] = []
        self._lock = threading.Lock()

    def acquire(self, name: str, holder: str, ttl: float) -> bool:
        got = self.lease.acquire(name, holder, ttl)
        with self._lock:
            self.attempts.append((holder, got))
        return got

    def release(self, name: str, holder: str) -> None:
        self.lease.release(name, holder)

    def holder(self, name: str) -> str | None:
        return self.lease.holder(name)


@pytest.fixture
def pg_redis_runtime(
    postgres_url: str, redis_url: str, redis_prefix: str, tmp_path: Path
) -> Iterator[Runtime]:
    settings = load_settings(
        {
            "JGT_DATABASE_URL": postgres_url,
            "JGT_REDIS_URL": redis_url,
            "JGT_REDIS_PREFIX": redis_prefix,
            "JGT_VAR_DIR": str(tmp_path),
            "JGT_SECRET_KEY": "test-secret",
            "JGT_EMBEDDED_PROJECTIONS": "false",
        }
    )
    runtime = open_runtime(settings)
    yield runtime
    runtime.close()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_two_runners_sharing_a_redis_lease_only_one_applies_events(
    pg_redis_runtime: Runtime,
) -> None:
    runtime = pg_redis_runtime
    save_world(runtime.platform, 3000, chunk=300)
    lease = WatchedLease(runtime.lease)
    runners = [
        ProjectionRunner(
            platform=runtime.platform,
            projection=next(p for p in runtime.projections if p.name == "audit_log"),
            lease=lease,
            holder=holder,
            batch_size=50,
            lease_ttl=3.0,
        )
        for holder in ("runner-a", "runner-b")
    ]
    stop = threading.Event()
    wakes = [InProcessWake() for _ in runners]
    for wake in wakes:
        runtime.platform.on_saved(wake.notify)
    threads = [
        threading.Thread(target=r.run, args=(stop, w, 0.2))
        for r, w in zip(runners, wakes, strict=True)
    ]
    holders_seen: set[str | None] = set()
    for t in threads:
        t.start()
    wait_until(lambda: lease.holder("audit_log") is not None, 10, "a runner to take the lease")
    # Both run while more events arrive.
    for n in range(10):
        save_world(runtime.platform, 30, chunk=30, tag=f"live{n}", seed=n)
        holders_seen.add(lease.holder("audit_log"))
        time.sleep(0.05)
    head = head_of(runtime)
    view = runners[0].view
    wait_until(lambda: view.position() == head, 120, "the audit log to reach the head")
    holders_seen.add(lease.holder("audit_log"))
    stop.set()
    for t in threads:
        t.join(15)

    applied = {r.holder: r.applied for r in runners}
    assert sum(applied.values()) == head  # the audit log reads every event
    (active,) = [h for h, n in applied.items() if n > 0]
    (idle,) = [h for h, n in applied.items() if n == 0]
    assert holders_seen == {active}
    idle_attempts = [got for holder, got in lease.attempts if holder == idle]
    assert idle_attempts, "the idle runner never even asked for the lease"
    assert not any(idle_attempts)
    assert all(r.conflicts == 0 for r in runners)
    rows, distinct = audit_positions(view)
    assert rows == distinct


@pytest.mark.postgres
@pytest.mark.slow
def test_without_a_lease_two_runners_still_apply_each_event_once(pg_runtime: Runtime) -> None:
    runtime = pg_runtime
    save_world(runtime.platform, 3000, chunk=300)
    head = head_of(runtime)
    runners = [runtime.runner("audit_log", holder=h, batch_size=20) for h in ("a", "b")]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def race(runner: ProjectionRunner) -> None:
        start.wait()
        try:
            while runner.view.position() < head:
                runner.catch_up()  # no lease: only the tracking row's compare-and-set guards
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=race, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert runners[0].view.position() == head
    assert sum(r.applied for r in runners) == head
    # They did race: batches were rolled back on the fence, and nothing was applied twice.
    assert sum(r.conflicts for r in runners) > 0
    rows, distinct = audit_positions(runners[0].view)
    assert rows == distinct
    raced = all_rows({"audit_log": runners[0].view})
    runtime.runner("audit_log").rebuild()
    assert all_rows({"audit_log": runners[0].view}) == raced


# --- waking up ---------------------------------------------------------------------------------


def timed(action: Callable[[], None]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


@pytest.mark.postgres
def test_a_worker_is_woken_by_a_save_and_outlives_losing_its_listen_connection(
    pg_runtime: Runtime, pg_settings: Settings
) -> None:
    from infra.bootstrap import SYSTEM
    from infra.wake import PostgresWake

    wake = PostgresWake(pg_settings.database_url)
    org = pg_runtime.services.organisation

    def save_soon(name: str) -> threading.Timer:
        timer = threading.Timer(0.2, lambda: org.register_tenant(SYSTEM, name=name))
        timer.start()
        return timer

    try:
        assert timed(lambda: wake.wait(0.3)) >= 0.29  # nothing saved: the timeout
        timer = save_soon("海宁市教育局")
        assert 0.15 <= timed(lambda: wake.wait(10)) < 3  # woken by the store's NOTIFY
        timer.join()

        admin = raw_connection(pg_settings.database_url)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%%'"
            )
            assert cursor.fetchall() == [(True,)]
        admin.close()
        wake.wait(0.2)  # the connection is gone: no exception, just the timeout
        wake.wait(0.2)  # listening again
        timer = save_soon("余姚市教育局")
        assert timed(lambda: wake.wait(10)) < 3
        timer.join()
    finally:
        wake.close()
