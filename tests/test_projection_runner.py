"""The projection runner on SQLite and PostgreSQL: batches, failures, rebuilds, status, waiting."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from bench.rebuild import save_world
from infra.bootstrap import SYSTEM
from infra.leases import InProcessLease
from infra.runner import ProjectionRunner, ProjectionStopped, wait_for_position
from infra.views.base import SQLView
from infra.views.entries import audit_entries
from infra.wake import InProcessWake
from infra.wiring import Runtime
from tests.conftest import counting_commits, make_bureau
from tests.workers.dumps import all_rows, view_rows


def seed(runtime: Runtime, events: int, *, tag: str = "w", seed: int = 1) -> int:
    """Real domain events (bureaus, schools, classes, staff and their changes), quickly."""
    save_world(runtime.platform, events, tag=tag, seed=seed, chunk=400)
    return runtime.platform.recorder.max_notification_id() or 0


def audit_count(view: SQLView) -> int:
    with view.transaction(commit=False) as s:
        return int(s.execute(select(func.count()).select_from(audit_entries)).scalar_one())


def tracking_rows(view: SQLView) -> list[tuple[str, int]]:
    with view.transaction(commit=False) as s:
        rows = s.execute(
            select(view.tracking_table.c.application_name, view.tracking_table.c.notification_id)
        ).all()
    return [(r[0], r[1]) for r in rows]


def fail_on(runner: ProjectionRunner, when: Callable[[int, int], bool]) -> None:
    """Make the runner's handler raise when ``when(position, nth event of this run)`` holds."""
    process = runner.projection.process
    seen = [0]

    def process_or_fail(e: Any) -> None:
        seen[0] += 1
        if when(runner.projection.position, seen[0]):
            raise RuntimeError(f"handler failed at {runner.projection.position}")
        process(e)

    runner.projection.process = process_or_fail  # type: ignore[method-assign]


def test_a_batch_of_many_events_commits_as_one_transaction_with_one_tracking_row(
    runtime: Runtime,
) -> None:
    head = seed(runtime, 1200)
    runner = runtime.runner("audit_log", batch_size=10_000)
    with counting_commits(runtime) as commits:
        applied = runner.catch_up()
    assert applied == head
    assert len(commits) == 1  # one transaction for every row of the whole batch
    assert audit_count(runner.view) > 800  # claims are not audited; everything else is
    assert tracking_rows(runner.view) == [("jgt", head)]


def test_smaller_batches_commit_once_each_and_keep_one_tracking_row(runtime: Runtime) -> None:
    head = seed(runtime, 1200)
    runner = runtime.runner("audit_log", batch_size=250)
    with counting_commits(runtime) as commits:
        assert runner.catch_up() == head
    assert len(commits) == -(-head // 250)
    assert tracking_rows(runner.view) == [("jgt", head)]
    # The rows are those of one big batch.
    batched = view_rows(runner.view)
    runtime.runner("audit_log", batch_size=10_000).rebuild()
    assert view_rows(runner.view) == batched


def test_a_failing_handler_stops_the_view_just_before_the_event_it_cannot_apply(
    runtime: Runtime,
) -> None:
    head = seed(runtime, 900)
    runner = runtime.runner("audit_log", batch_size=400)
    fail_on(runner, lambda position, _: position == 650)  # in the second batch (401–800)
    with pytest.raises(ProjectionStopped, match="650") as stopped:
        runner.catch_up()
    assert isinstance(stopped.value.__cause__, RuntimeError)
    # The second batch failed; applied again one event per transaction, it stops at 650.
    assert runner.view.position() == 649
    with runner.view.transaction(commit=False) as s:
        highest = s.execute(select(func.max(audit_entries.c.position))).scalar_one()
    assert 600 < highest < 650  # the events before it are in
    assert tracking_rows(runner.view) == [("jgt", 649)]

    del runner.projection.process  # the bug is fixed; the runner retries from 649
    assert runner.catch_up() == head - 649
    assert runner.view.position() == head
    retried = view_rows(runner.view)
    runner.rebuild()
    assert view_rows(runner.view) == retried


def test_a_batch_that_fails_once_is_applied_again_one_event_per_transaction(
    runtime: Runtime,
) -> None:
    head = seed(runtime, 300)
    runner = runtime.runner("directory", batch_size=10_000)
    fail_on(runner, lambda _, nth: nth == 150)  # once: the directory sees only its own events
    with counting_commits(runtime) as commits:
        applied = runner.catch_up()
    # The failed batch rolled back; then one commit per event (and perhaps one more to move
    # past other views' events at the end).
    assert len(commits) in (applied, applied + 1)
    assert runner.view.count_rows() > 100
    assert runner.view.position() == head
    assert runtime.faults.all() == []  # nothing to blame on an event


def test_a_rebuild_gives_the_same_rows_as_following_the_store(runtime: Runtime) -> None:
    bureau = make_bureau(runtime, "hn", "海宁市教育局")
    org, people = runtime.services.organisation, runtime.services.people
    for round_ in range(4):
        seed(runtime, 250, tag=f"r{round_}", seed=round_)
        # Changes that the views must fold in: a renamed school, a closed class, a transfer.
        org.change_school(
            bureau.admin,
            bureau.school_id,
            name=f"海宁市第{round_}小学",
            stage="primary",
            locality="urban",
            student_count=100 + round_,
        )
        people.transfer(
            bureau.admin,
            bureau.teacher.user_id,
            to_school_id=bureau.other_school_id if round_ % 2 == 0 else bureau.school_id,
        )
        # Found at the school the teacher is at now, by the feed and the audit log.
        people.update_profile(
            bureau.admin,
            bureau.teacher.user_id,
            display_name=f"王老师{round_}",
            subjects=["数学"],
            grades=[round_ + 1],
            key_level="",
            title="",
        )
        org.open_class(bureau.admin, bureau.school_id, grade=2, name=f"{round_}班")
        school = runtime.platform.repository.get(bureau.school_id)
        open_ids = sorted(k for k, c in school.classes.items() if c["open"])
        org.close_class(bureau.admin, bureau.school_id, open_ids[0])
        runtime.catch_up()  # incremental, one round at a time
    followed = all_rows(runtime.views)
    # The views this story feeds have rows in every table (communities and mentoring stay empty).
    fed = ("directory", "activity_feed", "audit_log")
    assert all(rows for name in fed for rows in followed[name].values())
    for name in runtime.views:
        runtime.runner(name, batch_size=97).rebuild()
    assert all_rows(runtime.views) == followed
    for name in runtime.views:
        runtime.runner(name, batch_size=100_000).rebuild()
    assert all_rows(runtime.views) == followed


def test_status_reports_position_head_and_lag(runtime: Runtime) -> None:
    head = seed(runtime, 200)
    runner = runtime.runner("audit_log")
    before = runner.status()
    assert (before.name, before.position, before.head, before.lag) == ("audit_log", 0, head, head)
    runner.catch_up()
    after = runner.status()
    assert (after.position, after.head, after.lag) == (head, head, 0)

    runtime.services.organisation.register_tenant(SYSTEM, name="慈溪市教育局", region="浙江省")
    assert runner.status().lag == 1
    assert {s.name: s.lag for s in runtime.status()}["audit_log"] == 1
    # A view that ignores the newest events still moves to the head when it catches up.
    directory = runtime.runner("directory")
    directory.catch_up()
    make_bureau(runtime, "cx", "慈溪市教育局")  # its last event is a login-name claim
    head = runtime.platform.recorder.max_notification_id() or 0
    (newest,) = runtime.platform.recorder.select_notifications(start=head, limit=1)
    assert newest.topic.endswith("NameClaim.Claimed")
    assert directory.status().lag > 0
    assert directory.catch_up() > 0
    assert (directory.status().position, directory.status().lag) == (head, 0)


def test_wait_for_position_returns_true_when_reached_and_false_on_time_out(
    runtime: Runtime,
) -> None:
    head = seed(runtime, 100)
    views = list(runtime.views.values())
    runtime.catch_up()
    assert wait_for_position(views, head, timeout=0.05)

    done = runtime.services.organisation.register_tenant(SYSTEM, name="慈溪市教育局")
    started = time.monotonic()
    assert not wait_for_position(views, done.position, timeout=0.3)
    assert 0.3 <= time.monotonic() - started < 1.5

    def later() -> None:
        time.sleep(0.2)
        runtime.catch_up()

    thread = threading.Thread(target=later)
    thread.start()
    started = time.monotonic()
    assert wait_for_position(views, done.position, timeout=10)
    waited = time.monotonic() - started
    thread.join()
    assert 0.15 <= waited < 2


def test_embedded_projections_follow_each_save_quickly(runtime: Runtime) -> None:
    runtime.start_embedded_projections()
    bureau = make_bureau(runtime, "hn", "海宁市教育局")
    org, queries = runtime.services.organisation, runtime.services.queries
    latencies = []
    for n in range(15):
        started = time.monotonic()
        done = org.open_class(bureau.admin, bureau.school_id, grade=4, name=f"{n + 2}班")
        assert queries.wait_for(done.position)
        latencies.append(time.monotonic() - started)
        # Read-your-writes: the class is there for the very next read, in every view.
        names = [c.name for c in queries.classes(bureau.admin, bureau.school_id)]
        assert f"{n + 2}班" in names
        feed = queries.school_feed(bureau.admin, bureau.school_id, limit=1)
        assert feed[0].position == done.position
    latencies.sort()
    assert latencies[len(latencies) // 2] < 0.5, latencies


def test_a_runner_that_read_a_stale_position_rolls_back_instead_of_applying_twice(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = seed(runtime, 300)
    first = runtime.runner("audit_log", batch_size=100)
    second = runtime.runner("audit_log", batch_size=100)
    first.catch_up()
    rows = view_rows(first.view)

    # The second runner read the position just before the first one moved it.
    stale = [0, 100]
    real: Callable[[], int] = type(second.view).position.__get__(second.view)
    monkeypatch.setattr(second.view, "position", lambda: stale.pop(0) if stale else real())
    assert second.catch_up() == 0
    assert second.conflicts == 2
    assert second.applied == 0
    assert view_rows(first.view) == rows
    assert tracking_rows(first.view) == [("jgt", head)]


class FlakyLease(InProcessLease):
    """Cannot be asked the first ``failures`` times (Redis unreachable), then works."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def acquire(self, name: str, holder: str, ttl: float) -> bool:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("Redis is not answering")
        return super().acquire(name, holder, ttl)


class LapsingLease(InProcessLease):
    """Granted ``grants`` times, then taken by someone else."""

    def __init__(self, grants: int) -> None:
        super().__init__()
        self.grants = grants

    def acquire(self, name: str, holder: str, ttl: float) -> bool:
        self.grants -= 1
        return self.grants >= 0 and super().acquire(name, holder, ttl)


def audit_projection(runtime: Runtime) -> Any:
    return next(p for p in runtime.projections if p.name == "audit_log")


def test_a_running_runner_outlives_a_failing_batch_and_an_unreachable_lease(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    head = seed(runtime, 300)
    runner = ProjectionRunner(
        platform=runtime.platform,
        projection=audit_projection(runtime),
        lease=FlakyLease(failures=2),
        batch_size=50,
        lease_ttl=0.3,  # retries after a failure come every 0.1 s
    )
    fail_on(runner, lambda _, nth: nth == 60)  # once: the second batch's first attempt
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop, InProcessWake(), 0.05))
    with caplog.at_level("ERROR", logger="infra.runner"):
        thread.start()
        reached = wait_for_position([runner.view], head, timeout=20)
        stop.set()
        thread.join(10)
    assert reached
    assert not thread.is_alive()
    assert runner.applied == head  # the failed batch was applied once, on its retry
    # The failing batch is retried within catch_up; the lease's two failures are logged.
    assert [r.message for r in caplog.records] == [
        "projection audit_log failed; retrying in 0 s",
        "projection audit_log failed; retrying in 0 s",
    ]
    with runner.view.transaction(commit=False) as s:
        positions = list(s.execute(select(audit_entries.c.position)).scalars())
    assert len(positions) == len(set(positions))
    assert runner.lease.holder("audit_log") is None  # released on stop


def test_a_rebuild_that_loses_its_lease_says_so_and_changes_nothing(runtime: Runtime) -> None:
    seed(runtime, 300)
    runtime.catch_up()
    live = runtime.views["audit_log"]
    before, position = view_rows(live), live.position()
    runner = ProjectionRunner(
        platform=runtime.platform,
        projection=audit_projection(runtime),
        lease=LapsingLease(grants=3),
        batch_size=50,
    )
    with pytest.raises(RuntimeError, match="lost the lease"):
        runner.rebuild()
    assert live.position() == position
    assert view_rows(live) == before


def test_a_rebuild_goes_on_beside_a_worker_but_not_beside_another_rebuild(
    runtime: Runtime,
) -> None:
    seed(runtime, 100)
    runtime.catch_up()
    live = runtime.views["audit_log"]
    before = view_rows(live)
    assert runtime.lease.acquire("audit_log", "a-worker", 30)
    runtime.runner("audit_log").rebuild()  # the worker keeps the live view meanwhile
    assert view_rows(live) == before
    assert runtime.lease.acquire("audit_log:rebuild", "another-rebuild", 30)
    with pytest.raises(RuntimeError, match="another rebuild of audit_log is under way"):
        runtime.runner("audit_log").rebuild()
