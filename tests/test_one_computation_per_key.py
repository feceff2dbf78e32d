"""A missing value is computed once, however many ask for it at the same time: in this process
the others wait for that computation (or are served the previous value, if it was made after
their own last write), and with Redis so do the other workers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import redis as redis_lib

from infra.position_cache import LocalCache, Served, SharedCache, decode_json, encode_json


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert condition()


class HeldComputation:
    """A computation that goes on until the test releases it, counting how often it ran."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.runs = 0
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> tuple[str, bool]:
        self.runs += 1
        self.started.set()
        assert self.release.wait(10)
        return self.value, True


def in_threads(
    count: int, ask: Callable[[], Served]
) -> tuple[list[threading.Thread], list[Served]]:
    served: list[Served] = []
    threads = [threading.Thread(target=lambda: served.append(ask())) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads, served


def never() -> tuple[str, bool]:
    raise AssertionError("computed a second time")


def test_eight_concurrent_misses_compute_once_and_all_get_the_value() -> None:
    cache = LocalCache(1_000, lambda _: 1)
    computation = HeldComputation("drawn at 9")
    threads, served = in_threads(8, lambda: cache.computed("k", 9, computation, made_at=9))
    wait_until(lambda: cache.waiting("k") == 8)
    computation.release.set()
    for thread in threads:
        thread.join(10)
    assert computation.runs == 1
    assert served == [Served("drawn at 9", 9)] * 8
    assert cache.computed("k", 9, never) == Served("drawn at 9", 9)


def test_meanwhile_the_previous_value_is_served_unless_older_than_the_readers_own_write() -> None:
    cache = LocalCache(1_000, lambda _: 1)
    cache.put("k", 5, "drawn at 5", made_at=7)  # version 5, computed once the view was at 7
    computation = HeldComputation("drawn at 9")
    computing, _ = in_threads(1, lambda: cache.computed("k", 9, computation, made_at=12))
    assert computation.started.wait(10)
    # Someone whose last write is at 7 or before (or who wrote nothing) gets the previous value.
    assert cache.computed("k", 9, never, made_at=12, stale_from=7) == Served(
        "drawn at 5", 5, stale=True
    )
    assert cache.computed("k", 9, never, made_at=12, stale_from=0).stale
    # Someone who wrote at 8 never sees a value made before that: they wait for the new one.
    waiting, served = in_threads(1, lambda: cache.computed("k", 9, never, made_at=12, stale_from=8))
    wait_until(lambda: cache.waiting("k") == 2)
    assert served == []
    computation.release.set()
    for thread in computing + waiting:
        thread.join(10)
    assert served == [Served("drawn at 9", 9)]
    assert computation.runs == 1


def test_a_value_not_to_be_kept_is_computed_again_by_the_next_caller() -> None:
    cache = LocalCache(1_000, lambda _: 1)
    runs: list[int] = []

    def unsettled() -> tuple[str, bool]:
        runs.append(1)
        return "drawn before the names caught up", False

    assert cache.computed("k", 3, unsettled).value == "drawn before the names caught up"
    assert cache.computed("k", 3, unsettled).value == "drawn before the names caught up"
    assert len(runs) == 2
    assert cache.get("k", 3) is None


@pytest.mark.redis
def test_with_redis_eight_misses_in_two_workers_compute_once(
    redis_client: redis_lib.Redis, redis_prefix: str
) -> None:
    def worker() -> SharedCache:
        return SharedCache(
            redis_client,
            prefix=f"{redis_prefix}pages:",
            local=LocalCache(1_000_000, lambda _: 1),
            encode=encode_json,
            decode=decode_json,
        )

    first, second = worker(), worker()  # each with its own process-local part
    computation = HeldComputation("drawn at 4")
    threads, served = in_threads(4, lambda: first.computed("k", 4, computation, made_at=4))
    assert computation.started.wait(10)
    more, served_too = in_threads(4, lambda: second.computed("k", 4, computation, made_at=4))
    wait_until(lambda: first.waiting("k") == 4 and second.waiting("k") == 4)
    computation.release.set()
    for thread in threads + more:
        thread.join(10)
    assert computation.runs == 1
    assert [s.value for s in served + served_too] == ["drawn at 4"] * 8
    # The other worker, while one computes the next version, serves the previous one.
    following = HeldComputation("drawn at 6")
    computing, _ = in_threads(1, lambda: first.computed("k", 6, following, made_at=6))
    assert following.started.wait(10)
    assert second.computed("k", 6, never, made_at=6, stale_from=4) == Served(
        "drawn at 4", 4, stale=True
    )
    following.release.set()
    for thread in computing:
        thread.join(10)
    assert second.computed("k", 6, never) == Served("drawn at 6", 6)
