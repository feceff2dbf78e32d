"""Leases: exactly one active runner per projection, across processes (Redis) or in one process."""

from __future__ import annotations

import threading
import time
from typing import Protocol

import redis


class Lease(Protocol):
    def acquire(self, name: str, holder: str, ttl: float) -> bool:
        """Take the lease, or extend it if ``holder`` has it. False if someone else holds it."""

    def release(self, name: str, holder: str) -> None: ...

    def holder(self, name: str) -> str | None: ...


class InProcessLease:
    """For the embedded default: one process, so a lock-guarded dict is the whole truth."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, tuple[str, float]] = {}

    def acquire(self, name: str, holder: str, ttl: float) -> bool:
        now = time.monotonic()
        with self._lock:
            current = self._held.get(name)
            if current is None or current[0] == holder or current[1] <= now:
                self._held[name] = (holder, now + ttl)
                return True
            return False

    def release(self, name: str, holder: str) -> None:
        with self._lock:
            if self._held.get(name, ("", 0.0))[0] == holder:
                del self._held[name]

    def holder(self, name: str) -> str | None:
        with self._lock:
            current = self._held.get(name)
            return current[0] if current and current[1] > time.monotonic() else None


# Extend only our own lease; take it only if free. One round trip, atomic in Redis.
_ACQUIRE = """
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if current == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLease:
    def __init__(self, client: redis.Redis, prefix: str = "jgt:lease:") -> None:
        self._client = client
        self._prefix = prefix
        self._acquire = client.register_script(_ACQUIRE)
        self._release = client.register_script(_RELEASE)

    def acquire(self, name: str, holder: str, ttl: float) -> bool:
        return bool(self._acquire(keys=[self._prefix + name], args=[holder, int(ttl * 1000)]))

    def release(self, name: str, holder: str) -> None:
        self._release(keys=[self._prefix + name], args=[holder])

    def holder(self, name: str) -> str | None:
        value = self._client.get(self._prefix + name)
        return value.decode() if isinstance(value, bytes) else None
