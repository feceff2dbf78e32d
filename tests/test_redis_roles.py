"""Leases and rate limits behave alike in Redis (shared by every process) and in one process.

The Redis cases run against the real server under a key prefix of their own; two instances over
one Redis stand for two web workers or two projection workers on different hosts.
"""

from __future__ import annotations

import time

import pytest
import redis as redis_lib

from infra.leases import InProcessLease, Lease, RedisLease
from infra.ratelimit import InMemoryRateLimiter, RateLimiter, RedisRateLimiter

TTL = 0.4  # seconds; short, so that expiry can be waited for


@pytest.fixture(params=["in_process", pytest.param("redis", marks=pytest.mark.redis)])
def lease(request: pytest.FixtureRequest) -> Lease:
    if request.param == "in_process":
        return InProcessLease()
    client: redis_lib.Redis = request.getfixturevalue("redis_client")
    return RedisLease(client, prefix=request.getfixturevalue("redis_prefix") + "lease:")


def test_a_free_lease_is_taken_and_then_refused_to_anyone_else(lease: Lease) -> None:
    assert lease.holder("audit_log") is None
    assert lease.acquire("audit_log", "worker-a", TTL)
    assert lease.holder("audit_log") == "worker-a"
    assert not lease.acquire("audit_log", "worker-b", TTL)
    assert lease.holder("audit_log") == "worker-a"
    # Leases are per projection: another name is free.
    assert lease.acquire("directory", "worker-b", TTL)
    assert lease.holder("directory") == "worker-b"


def test_the_holder_renews_its_lease_beyond_the_first_ttl(lease: Lease) -> None:
    assert lease.acquire("audit_log", "worker-a", TTL)
    for _ in range(3):  # 3 × 0.6 TTL > TTL: without renewal it would have lapsed
        time.sleep(TTL * 0.6)
        assert lease.acquire("audit_log", "worker-a", TTL)
        assert not lease.acquire("audit_log", "worker-b", TTL)
    assert lease.holder("audit_log") == "worker-a"


def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_renew_it(lease: Lease) -> None:
    assert lease.acquire("audit_log", "worker-a", TTL)
    time.sleep(TTL * 1.5)  # worker-a died (or stalled) without releasing
    assert lease.holder("audit_log") is None
    assert lease.acquire("audit_log", "worker-b", TTL)
    assert lease.holder("audit_log") == "worker-b"
    assert not lease.acquire("audit_log", "worker-a", TTL)


def test_only_the_holder_can_release_a_lease(lease: Lease) -> None:
    assert lease.acquire("audit_log", "worker-a", 30)
    lease.release("audit_log", "worker-b")
    assert lease.holder("audit_log") == "worker-a"
    assert not lease.acquire("audit_log", "worker-b", 30)
    lease.release("audit_log", "worker-a")
    assert lease.holder("audit_log") is None
    assert lease.acquire("audit_log", "worker-b", 30)


@pytest.mark.redis
def test_a_redis_lease_is_one_truth_for_every_process(
    redis_url: str, redis_prefix: str, redis_client: redis_lib.Redis
) -> None:
    # Two hosts: two clients, two lease objects, one key.
    other_client = redis_lib.Redis.from_url(redis_url)
    try:
        here = RedisLease(redis_client, prefix=redis_prefix + "lease:")
        there = RedisLease(other_client, prefix=redis_prefix + "lease:")
        assert here.acquire("directory", "host-1", 30)
        assert not there.acquire("directory", "host-2", 30)
        assert there.holder("directory") == "host-1"
        # The key carries the TTL in Redis itself, so a dead holder's lease lapses there.
        ttl_ms = redis_client.pttl(redis_prefix + "lease:directory")
        assert isinstance(ttl_ms, int)
        assert 0 < ttl_ms <= 30_000
        here.release("directory", "host-1")
        assert there.acquire("directory", "host-2", 30)
    finally:
        other_client.close()


# --- rate limits -------------------------------------------------------------------------------


def make_limiter(request: pytest.FixtureRequest, attempts: int, window: int) -> RateLimiter:
    if request.param == "in_memory":
        return InMemoryRateLimiter(attempts, window)
    client: redis_lib.Redis = request.getfixturevalue("redis_client")
    return RedisRateLimiter(
        client, attempts, window, prefix=request.getfixturevalue("redis_prefix")
    )


@pytest.fixture(params=["in_memory", pytest.param("redis", marks=pytest.mark.redis)])
def limiter(request: pytest.FixtureRequest) -> RateLimiter:
    return make_limiter(request, attempts=3, window=300)


@pytest.fixture(params=["in_memory", pytest.param("redis", marks=pytest.mark.redis)])
def short_limiter(request: pytest.FixtureRequest) -> RateLimiter:
    return make_limiter(request, attempts=2, window=1)


def test_a_key_gets_n_attempts_per_window_and_then_is_refused(limiter: RateLimiter) -> None:
    assert [limiter.hit("login:wang") for _ in range(5)] == [True, True, True, False, False]
    # Other keys are counted apart.
    assert limiter.hit("login:li")


def test_retry_after_is_zero_while_allowed_and_up_to_the_window_when_refused(
    limiter: RateLimiter,
) -> None:
    assert limiter.retry_after("login:wang") == 0
    limiter.hit("login:wang")
    limiter.hit("login:wang")
    assert limiter.retry_after("login:wang") == 0
    limiter.hit("login:wang")
    assert 290 <= limiter.retry_after("login:wang") <= 301
    assert limiter.retry_after("login:li") == 0


def test_reset_gives_a_key_its_attempts_back(limiter: RateLimiter) -> None:
    for _ in range(3):
        limiter.hit("login:wang")
    assert not limiter.hit("login:wang")
    limiter.reset("login:wang")
    assert limiter.retry_after("login:wang") == 0
    assert limiter.hit("login:wang")


def test_attempts_older_than_the_window_no_longer_count(short_limiter: RateLimiter) -> None:
    assert short_limiter.hit("login:wang")
    assert short_limiter.hit("login:wang")
    assert not short_limiter.hit("login:wang")
    assert short_limiter.retry_after("login:wang") >= 1
    time.sleep(1.1)
    assert short_limiter.retry_after("login:wang") == 0
    assert short_limiter.hit("login:wang")


@pytest.mark.redis
def test_two_web_workers_share_one_count_in_redis(redis_url: str, redis_prefix: str) -> None:
    first_client = redis_lib.Redis.from_url(redis_url)
    second_client = redis_lib.Redis.from_url(redis_url)
    try:
        first = RedisRateLimiter(first_client, 5, 300, prefix=redis_prefix)
        second = RedisRateLimiter(second_client, 5, 300, prefix=redis_prefix)
        assert all(first.hit("login:wang") for _ in range(3))
        assert all(second.hit("login:wang") for _ in range(2))
        # Five attempts in all: both workers now refuse, and say for how long.
        assert not first.hit("login:wang")
        assert not second.hit("login:wang")
        assert first.retry_after("login:wang") > 0
        assert second.retry_after("login:wang") > 0
        # A reset through one (a successful sign-in) is seen by the other.
        second.reset("login:wang")
        assert first.hit("login:wang")
    finally:
        first_client.close()
        second_client.close()


@pytest.mark.redis
def test_concurrent_hits_from_many_workers_never_exceed_the_limit(
    redis_url: str, redis_prefix: str
) -> None:
    import threading

    allowed: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker() -> None:
        client = redis_lib.Redis.from_url(redis_url)
        limiter = RedisRateLimiter(client, 10, 300, prefix=redis_prefix)
        start.wait()
        results = [limiter.hit("api:school-1") for _ in range(5)]
        with lock:
            allowed.extend(results)
        client.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 40
    assert sum(allowed) == 10
