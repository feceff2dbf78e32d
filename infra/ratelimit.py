"""Rate limits (login attempts): a sliding window per key, in Redis or in this process."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Protocol

import redis

log = logging.getLogger(__name__)


class RateLimiter(Protocol):
    def hit(self, key: str) -> bool:
        """Count an attempt; False when the key has used up its attempts in the window."""

    def retry_after(self, key: str) -> int:
        """Seconds until the next attempt is allowed (0 if allowed now)."""

    def reset(self, key: str) -> None: ...


class InMemoryRateLimiter:
    def __init__(self, attempts: int, window_seconds: int) -> None:
        self.attempts, self.window = attempts, window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def hit(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            hits = self._recent(key, now)
            if len(hits) >= self.attempts:
                return False
            hits.append(now)
            return True

    def retry_after(self, key: str) -> int:
        now = time.monotonic()
        with self._lock:
            hits = self._recent(key, now)
            if len(hits) < self.attempts:
                return 0
            return max(1, int(hits[0] + self.window - now) + 1)

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


# Drop hits older than the window, then count and add this one, atomically.
_HIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


class RedisRateLimiter:
    """Shared by every web worker on every host, so the limit holds for the whole deployment."""

    def __init__(
        self, client: redis.Redis, attempts: int, window_seconds: int, prefix: str = "jgt:rl:"
    ) -> None:
        self.attempts, self.window = attempts, window_seconds
        self._client, self._prefix = client, prefix
        self._hit = client.register_script(_HIT)

    def hit(self, key: str) -> bool:
        now_ms = int(time.time() * 1000)
        return bool(
            self._hit(
                keys=[self._prefix + key],
                args=[now_ms, self.window * 1000, self.attempts, f"{now_ms}:{uuid.uuid4().hex}"],
            )
        )

    def retry_after(self, key: str) -> int:
        now_ms = int(time.time() * 1000)
        full_key = self._prefix + key
        self._client.zremrangebyscore(full_key, "-inf", now_ms - self.window * 1000)
        if int(self._client.zcard(full_key)) < self.attempts:
            return 0
        oldest = self._client.zrange(full_key, 0, 0, withscores=True)
        if not oldest:
            return 0
        return max(1, int((float(oldest[0][1]) + self.window * 1000 - now_ms) / 1000) + 1)

    def reset(self, key: str) -> None:
        self._client.delete(self._prefix + key)


class ResilientRateLimiter:
    """The shared limiter while Redis answers; this process's own while it does not.

    A Redis outage must not stop sign-ins and writes (each would be a 500), nor lift the limits:
    each process then counts on its own, which is looser by the number of processes, for as long
    as the outage lasts. After a failure Redis is asked again only every ``probe_seconds``, so
    that requests do not each wait for it to fail; the outage is logged when it begins and ends.
    """

    def __init__(
        self,
        primary: RateLimiter,
        fallback: RateLimiter,
        *,
        name: str = "",
        probe_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary, self.fallback = primary, fallback
        self.name = name
        self.probe_seconds = probe_seconds
        self.clock = clock
        self._down_until: float | None = None  # None while Redis answers
        self._lock = threading.Lock()

    @property
    def degraded(self) -> bool:
        return self._down_until is not None

    def _use_primary(self) -> bool:
        with self._lock:
            return self._down_until is None or self.clock() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            began = self._down_until is None
            self._down_until = self.clock() + self.probe_seconds
        if began:
            log.warning(
                "rate limits %s: Redis unavailable (%s); counting in this process", self.name, exc
            )

    def _answered(self) -> None:
        with self._lock:
            ended, self._down_until = self._down_until is not None, None
        if ended:
            log.warning("rate limits %s: Redis answers again; counting there", self.name)

    def hit(self, key: str) -> bool:
        if self._use_primary():
            try:
                allowed = self.primary.hit(key)
            except redis.RedisError as exc:
                self._failed(exc)
            else:
                self._answered()
                return allowed
        return self.fallback.hit(key)

    def retry_after(self, key: str) -> int:
        if self._use_primary():
            try:
                wait = self.primary.retry_after(key)
            except redis.RedisError as exc:
                self._failed(exc)
            else:
                self._answered()
                # What was counted here during an outage still counts until it ages out.
                return max(wait, self.fallback.retry_after(key))
        return self.fallback.retry_after(key)

    def reset(self, key: str) -> None:
        # Both: an attempt counted here during an outage must not outlive a correct sign-in.
        self.fallback.reset(key)
        if self._use_primary():
            try:
                self.primary.reset(key)
            except redis.RedisError as exc:
                self._failed(exc)
