"""Rate limits (login attempts): a sliding window per key, in Redis or in this process."""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from typing import Protocol

import redis


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
