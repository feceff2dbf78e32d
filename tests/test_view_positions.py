"""A process reads a view's position at most every ``max_age`` seconds, unless asked for one at
least as recent as a user's own write, and learns at once of what its own runners commit."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from infra.positions import ViewPositions
from tests.conftest import make_bureau, open_runtime, sqlite_settings


class View:
    """A view whose position the test moves, counting how often it is read."""

    def __init__(self) -> None:
        self.position = 10
        self.reads = 0

    def read(self) -> int:
        self.reads += 1
        return self.position


def world() -> tuple[View, list[float], ViewPositions]:
    view, clock = View(), [100.0]
    return (
        view,
        clock,
        ViewPositions({"communities": view.read}, max_age=1.0, clock=lambda: clock[0]),
    )


def test_a_position_read_is_used_until_it_is_max_age_old() -> None:
    view, clock, positions = world()
    assert positions.of("communities") == 10
    view.position = 12
    clock[0] += positions.max_age / 2
    assert positions.of("communities") == 10
    assert view.reads == 1
    clock[0] += positions.max_age / 2
    assert positions.of("communities") == 12
    assert view.reads == 2


def test_a_users_own_write_is_never_older_than_what_is_returned() -> None:
    view, _, positions = world()
    assert positions.of("communities") == 10
    view.position = 15
    assert positions.of("communities", at_least=15) == 15
    assert positions.of("communities", at_least=12) == 15  # known now: no read
    assert view.reads == 2


def test_what_a_runner_of_this_process_commits_is_known_without_a_read() -> None:
    view, _, positions = world()
    assert positions.of("communities") == 10
    view.position = 20
    positions.advanced("communities", 20)
    assert positions.of("communities") == 20
    positions.advanced("communities", 18)  # a slower runner reporting late moves nothing back
    assert positions.of("communities", at_least=20) == 20
    assert view.reads == 1


def test_many_threads_at_the_end_of_max_age_make_one_read() -> None:
    gate = threading.Event()
    reads: list[int] = []

    def slow_read() -> int:
        reads.append(1)
        gate.wait(5)
        return 30

    clock = [0.0]
    positions = ViewPositions({"directory": lambda: 25}, clock=lambda: clock[0])
    assert positions.of("directory") == 25
    positions.readers["directory"] = slow_read
    clock[0] = 1.0
    seen: list[int] = []
    threads = [
        threading.Thread(target=lambda: seen.append(positions.of("directory"))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while len(seen) < 7 and time.monotonic() < deadline:
        time.sleep(0.01)
    gate.set()
    for thread in threads:
        thread.join(timeout=5)
    assert len(reads) == 1
    assert sorted(seen) == [25] * 7 + [30]


@pytest.mark.redis
def test_a_worker_learns_what_a_runner_elsewhere_commits_through_redis(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    settings = sqlite_settings(tmp_path, JGT_REDIS_URL=redis_url, JGT_REDIS_PREFIX=redis_prefix)
    runner_side, web_side = open_runtime(settings), open_runtime(settings)
    try:
        positions = web_side.positions
        assert positions is not None
        positions.clock = lambda: 0.0  # never old: only a message can tell it anything new
        before = positions.of("communities")
        reads = []

        def counted_read() -> int:
            reads.append(1)
            return 0

        positions.readers["communities"] = counted_read
        web_side.listen_for_positions()
        make_bureau(runner_side, "hn", "海宁市教育局")  # events, and runners catching up on them
        deadline = time.monotonic() + 10
        while positions.of("communities") == before and time.monotonic() < deadline:
            runner_side.catch_up()  # publishes each batch (again, until the listener is in)
            time.sleep(0.05)
        assert positions.of("communities") > before
        assert positions.of("communities") == runner_side.views["communities"].position()
        assert reads == []
    finally:
        runner_side.close()
        web_side.close()
