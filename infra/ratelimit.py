"""Rate limits (sign-in attempts, API writes): a sliding window per key, in Redis or in this process.

Counting is atomic: ``take`` checks every key's budget and counts the attempt against all of them
in one step (one Lua script in Redis, one lock here), so N attempts at once never get more than the
budget between them. An attempt is counted *before* the work it guards and given back after, when
it should not count (a correct password): counting only afterwards let 40 parallel guesses past a
5-guess budget, as each checked before any had failed.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import redis

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Taken:
    """One attempt counted against ``keys`` (``member`` names it), or refused: ``retry_after`` > 0
    seconds until every key has budget again, and nothing counted."""

    keys: tuple[str, ...]
    member: str
    retry_after: int = 0


class RateLimiter(Protocol):
    def hit(self, key: str) -> bool:
        """Count an attempt; False when the key has used up its attempts in the window."""

    def admit(self, key: str) -> int:
        """Count an attempt against the key's own budget: 0 when counted, else the seconds until
        one is allowed (nothing counted). One step, so in Redis one round trip either way."""

    def retry_after(self, key: str) -> int:
        """Seconds until the next attempt is allowed (0 if allowed now)."""

    def reset(self, key: str) -> None: ...

    def take(self, budgets: Mapping[str, int]) -> Taken:
        """Count one attempt against every key, each within its own budget of the window: all of
        them, atomically, or none (then ``retry_after`` says how long to wait)."""

    def give_back(self, taken: Taken) -> None:
        """Uncount an attempt ``take`` counted (a no-op for a refused one)."""


def _member() -> str:
    return uuid.uuid4().hex


class InMemoryRateLimiter:
    def __init__(self, attempts: int, window_seconds: int) -> None:
        self.attempts, self.window = attempts, window_seconds
        self._hits: dict[str, deque[tuple[float, str]]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[tuple[float, str]]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0][0] <= now - self.window:
            hits.popleft()
        return hits

    def _wait(self, hits: deque[tuple[float, str]], budget: int, now: float) -> int:
        if len(hits) < budget:
            return 0
        # The hit whose leaving the window makes room for one more.
        freeing = hits[len(hits) - budget][0]
        return max(1, int(freeing + self.window - now) + 1)

    def take(self, budgets: Mapping[str, int]) -> Taken:
        now, member = time.monotonic(), _member()
        with self._lock:
            wait = max(
                (
                    self._wait(self._recent(key, now), budget, now)
                    for key, budget in budgets.items()
                ),
                default=0,
            )
            if wait:
                return Taken(tuple(budgets), member, wait)
            for key in budgets:
                self._hits[key].append((now, member))
        return Taken(tuple(budgets), member)

    def give_back(self, taken: Taken) -> None:
        if taken.retry_after:
            return
        with self._lock:
            for key in taken.keys:
                hits = self._hits.get(key)
                if hits is not None:
                    self._hits[key] = deque(h for h in hits if h[1] != taken.member)

    def hit(self, key: str) -> bool:
        return not self.admit(key)

    def admit(self, key: str) -> int:
        return self.take({key: self.attempts}).retry_after

    def retry_after(self, key: str) -> int:
        now = time.monotonic()
        with self._lock:
            return self._wait(self._recent(key, now), self.attempts, now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


# For every key: drop hits older than the window and see whether its budget has room; if every key
# has, add this hit to each. Returns 0 when counted, else the milliseconds to wait.
_TAKE = """
local now, window, member = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local wait = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local budget = tonumber(ARGV[i + 3])
  local count = redis.call('ZCARD', key)
  if count >= budget then
    local freeing = redis.call('ZRANGE', key, count - budget, count - budget, 'WITHSCORES')
    local ms = tonumber(freeing[2]) + window - now
    if ms > wait then wait = ms end
  end
end
if wait > 0 then
  return wait
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
end
return 0
"""


class RedisRateLimiter:
    """Shared by every web worker on every host, so the limit holds for the whole deployment."""

    def __init__(
        self, client: redis.Redis, attempts: int, window_seconds: int, prefix: str = "jgt:rl:"
    ) -> None:
        self.attempts, self.window = attempts, window_seconds
        self._client, self._prefix = client, prefix
        self._take = client.register_script(_TAKE)

    def take(self, budgets: Mapping[str, int]) -> Taken:
        now_ms, member = int(time.time() * 1000), _member()
        wait_ms = int(
            self._take(
                keys=[self._prefix + key for key in budgets],
                args=[now_ms, self.window * 1000, member, *budgets.values()],
            )
        )
        wait = max(1, (wait_ms + 999) // 1000) if wait_ms else 0
        return Taken(tuple(budgets), member, wait)

    def give_back(self, taken: Taken) -> None:
        if taken.retry_after:
            return
        pipeline = self._client.pipeline(transaction=False)
        for key in taken.keys:
            pipeline.zrem(self._prefix + key, taken.member)
        pipeline.execute()

    def hit(self, key: str) -> bool:
        return not self.admit(key)

    def admit(self, key: str) -> int:
        return self.take({key: self.attempts}).retry_after

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

    def take(self, budgets: Mapping[str, int]) -> Taken:
        if self._use_primary():
            try:
                taken = self.primary.take(budgets)
            except redis.RedisError as exc:
                self._failed(exc)
            else:
                self._answered()
                return self._within_outage_counts(budgets, taken)
        return self.fallback.take(budgets)

    def _within_outage_counts(self, budgets: Mapping[str, int], taken: Taken) -> Taken:
        """What was counted here during an outage still counts until it ages out."""
        if taken.retry_after:
            return taken
        here = self.fallback.take(budgets)
        if here.retry_after:
            self.primary.give_back(taken)
            return here
        self.fallback.give_back(here)
        return taken

    def give_back(self, taken: Taken) -> None:
        # Either limiter may have counted it (the outage may have begun or ended since); each
        # forgets only the attempt it holds under ``taken.member``.
        self.fallback.give_back(taken)
        if self._use_primary():
            try:
                self.primary.give_back(taken)
            except redis.RedisError as exc:
                self._failed(exc)

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

    def admit(self, key: str) -> int:
        if self._use_primary():
            try:
                wait = self.primary.admit(key)
            except redis.RedisError as exc:
                self._failed(exc)
            else:
                self._answered()
                # What was counted here during an outage still counts until it ages out.
                return max(wait, self.fallback.retry_after(key)) if wait else 0
        return self.fallback.admit(key)

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
