"""While Redis is away the rate limits count in this process: nothing answers 500, nothing is
unlimited, and the outage is logged once, not per request."""

from __future__ import annotations

import logging
import socket

import pytest
import redis as redis_lib

from infra.ratelimit import InMemoryRateLimiter, RedisRateLimiter, ResilientRateLimiter


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_without_redis_the_limits_count_in_this_process_and_the_outage_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = redis_lib.Redis(port=unused_port(), socket_connect_timeout=0.5)
    limiter = ResilientRateLimiter(
        RedisRateLimiter(client, 3, 60), InMemoryRateLimiter(3, 60), name="sign-in"
    )
    with caplog.at_level(logging.WARNING, logger="infra.ratelimit"):
        answers = [limiter.hit("login:user:wang") for _ in range(4)]
        waits = [limiter.retry_after("login:user:wang") for _ in range(3)]
        limiter.reset("login:user:wang")

    assert answers == [True, True, True, False]
    assert all(wait > 0 for wait in waits)
    assert limiter.retry_after("login:user:wang") == 0
    assert limiter.degraded
    outages = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert len(outages) == 1


def test_with_redis_answering_the_shared_count_decides(redis_url: str, redis_prefix: str) -> None:
    client = redis_lib.Redis.from_url(redis_url)
    shared = RedisRateLimiter(client, 2, 60, prefix=redis_prefix)
    one = ResilientRateLimiter(shared, InMemoryRateLimiter(2, 60))
    other = ResilientRateLimiter(shared, InMemoryRateLimiter(2, 60))  # another process

    assert one.hit("k")
    assert other.hit("k")
    assert not one.hit("k")
    assert not one.degraded
    client.close()
