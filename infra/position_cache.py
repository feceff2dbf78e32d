"""Values computed from the read models, each kept with the version it was computed at.

A value is served only for the same key *and* version (a view position, or a tenant's version
kept by the communities view): whatever could change the value moves the version, so nothing
stale is served as current and no expiry decides correctness. Two stores:

- ``LocalCache``: this process only, a bounded LRU (the weight of a value is the caller's choice:
  figures count communities, rendered pages count characters).
- ``SharedCache``: Redis, shared by every web worker and host, with a ``LocalCache`` in front of it
  (decoding costs too). Values travel through the caller's codec as bytes, never pickle: a shared
  Redis never gets to run code here. Keys idle for a day expire, so that queries nobody repeats go
  away. When Redis fails, the caller computes as if nothing were stored.

Both compute a missing value once per key (``computed``): concurrent misses wait for that one
computation, in this process (a lock per key) and, with Redis, across processes (a short lock
key); a caller that allows it is served the previous value meanwhile, with its version, if that
was made at or after a position it names (its own last write: never older than that).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import redis

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Served:
    """A value as served: the version it was computed at, and whether that is not the version
    asked for (the previous value, served while the current one is being computed)."""

    value: Any
    version: Hashable
    stale: bool = False


#: A computation: the value, and whether it may be kept (e.g. not if its inputs disagreed).
Compute = Callable[[], tuple[Any, bool]]


class _KeyLocks:
    """One lock per key while anyone holds or waits for it (then forgotten)."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[threading.Lock, int]] = {}
        self._mutex = threading.Lock()

    def users(self, key: str) -> int:
        with self._mutex:
            return self._locks.get(key, (None, 0))[1]

    @contextmanager
    def held(self, key: str) -> Iterator[threading.Lock]:
        with self._mutex:
            lock, users = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        try:
            yield lock
        finally:
            with self._mutex:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)


class LocalCache:
    """The latest value per key with its version; at most ``max_weight`` in all, least recently
    used first out. A value heavier than the whole cache is not kept."""

    def __init__(self, max_weight: int, weigh: Callable[[Any], int]) -> None:
        self.max_weight = max_weight
        self.weigh = weigh
        # key: version, value, weight, the view position it was made at
        self._entries: OrderedDict[str, tuple[Hashable, Any, int, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()
        self._keys = _KeyLocks()

    @property
    def weight(self) -> int:
        return self._weight

    def get(self, key: str, position: Hashable) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != position:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def waiting(self, key: str) -> int:
        """How many callers in this process are computing ``key`` or waiting for it."""
        return self._keys.users(key)

    def latest(self, key: str) -> tuple[Hashable, Any, int] | None:
        """The value kept for ``key`` whatever its version: version, value, made at."""
        with self._lock:
            entry = self._entries.get(key)
        return None if entry is None else (entry[0], entry[1], entry[3])

    def put(self, key: str, position: Hashable, value: Any, made_at: int = 0) -> None:
        weight = self.weigh(value)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._weight -= old[2]
            if weight > self.max_weight:
                return
            self._entries[key] = (position, value, weight, made_at)
            self._weight += weight
            while self._weight > self.max_weight:
                _, (_, _, dropped, _) = self._entries.popitem(last=False)
                self._weight -= dropped

    def computed(
        self,
        key: str,
        version: Hashable,
        compute: Compute,
        *,
        made_at: int = 0,
        stale_from: int | None = None,
    ) -> Served:
        """The value at ``version``, computed by one caller at a time: the others wait for it,
        or (``stale_from`` given) are served the previous value if it was made at or after
        ``stale_from``. ``made_at``: the view position the computation reads at least."""
        return _computed(self, self._keys, None, key, version, compute, made_at, stale_from)


class SharedCache:
    """In Redis under ``prefix`` + key: "version made_at", a newline, the encoded value."""

    #: How long a worker may hold the computation of a key before another takes it over.
    LOCK_SECONDS = 30.0

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str,
        local: LocalCache,
        encode: Callable[[Any], bytes],
        decode: Callable[[bytes], Any],
        idle_seconds: int = 24 * 3600,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.local = local
        self.encode = encode
        self.decode = decode
        self.idle_seconds = idle_seconds

    #: Bytes enough for the head ("version made_at\n") of any stored value.
    HEAD_BYTES = 64

    def _read(self, key: str, wanted: Callable[[str], bool]) -> tuple[str, int, bytes] | None:
        """The stored version, made-at position and body, the body only if the version is
        ``wanted`` (the head is read first: values weigh hundreds of kilobytes, and while a key
        is being computed most readers only need to compare versions)."""
        try:
            name = self.prefix + key
            raw: bytes | None = self.client.getrange(name, 0, self.HEAD_BYTES)  # type: ignore[assignment]
            if not raw:
                return None
            version, made_at = _head(raw)
            if not wanted(version):
                return version, made_at, b""
            raw = self.client.get(name)  # type: ignore[assignment]
        except redis.RedisError:
            log.warning("cache %s: Redis unavailable; computing", self.prefix, exc_info=True)
            return None
        if raw is None:
            return None
        version, made_at = _head(raw)
        return version, made_at, raw.partition(b"\n")[2]

    def get(self, key: str, position: Hashable) -> Any | None:
        found = self.local.get(key, position)
        if found is not None:
            return found
        stored = self._read(key, lambda version: version == str(position))
        if stored is None or stored[0] != str(position):
            return None  # computed at another version: an event has arrived since (or not yet)
        value = self.decode(stored[2])
        self.local.put(key, position, value, stored[1])
        return value

    def latest(self, key: str) -> tuple[Hashable, Any, int] | None:
        found = self.local.latest(key)
        stored = self._read(key, lambda version: found is None or version != str(found[0]))
        if stored is None or (found is not None and str(found[0]) == stored[0]):
            return found
        return stored[0], self.decode(stored[2]), stored[1]

    def waiting(self, key: str) -> int:
        return self.local.waiting(key)

    def put(self, key: str, position: Hashable, value: Any, made_at: int = 0) -> None:
        self.local.put(key, position, value, made_at)
        try:
            self.client.set(
                self.prefix + key,
                f"{position} {made_at}".encode() + b"\n" + self.encode(value),
                ex=self.idle_seconds,
            )
        except redis.RedisError:
            log.warning("cache %s: Redis unavailable; not stored", self.prefix, exc_info=True)

    def computed(
        self,
        key: str,
        version: Hashable,
        compute: Compute,
        *,
        made_at: int = 0,
        stale_from: int | None = None,
    ) -> Served:
        """``LocalCache.computed``, one computation across every process sharing Redis."""
        return _computed(self, self.local._keys, self, key, version, compute, made_at, stale_from)

    @contextmanager
    def computing(self, key: str) -> Iterator[bool]:
        """Whether this process may compute ``key`` now: a lock key in Redis that expires by
        itself if its holder dies. Without Redis, yes (it cannot coordinate). Per key, not per
        version: while one worker computes, the others serve the previous value rather than
        compute a newer version beside it (on a busy district, one computation at a time)."""
        name, token = f"{self.prefix}lock:{key}", uuid.uuid4().hex
        try:
            got = bool(self.client.set(name, token, nx=True, px=int(self.LOCK_SECONDS * 1000)))
        except redis.RedisError:
            got, token = True, ""
        try:
            yield got
        finally:
            if got and token:
                try:
                    if self.client.get(name) == token.encode():
                        self.client.delete(name)
                except redis.RedisError:
                    log.warning("cache %s: lock left to expire", self.prefix, exc_info=True)

    def held_elsewhere(self, key: str) -> bool:
        try:
            return bool(self.client.exists(f"{self.prefix}lock:{key}"))
        except redis.RedisError:
            return False


def _head(raw: bytes) -> tuple[str, int]:
    head = raw.partition(b"\n")[0].decode()
    version, _, made_at = head.partition(" ")
    return version, int(made_at) if made_at.isdigit() else 0


def _computed(
    cache: LocalCache | SharedCache,
    keys: _KeyLocks,
    shared: SharedCache | None,
    key: str,
    version: Hashable,
    compute: Compute,
    made_at: int,
    stale_from: int | None,
) -> Served:
    found = cache.get(key, version)
    if found is not None:
        return Served(found, version)
    with keys.held(key) as lock:
        while True:
            if lock.acquire(blocking=False):
                try:
                    return _compute_once(cache, shared, key, version, compute, made_at, stale_from)
                finally:
                    lock.release()
            previous = _previous(cache, key, stale_from)
            if previous is not None:
                return previous
            with lock:  # the computation in this process is over: kept, or ours to do
                pass
            found = cache.get(key, version)
            if found is not None:
                return Served(found, version)


def _compute_once(
    cache: LocalCache | SharedCache,
    shared: SharedCache | None,
    key: str,
    version: Hashable,
    compute: Compute,
    made_at: int,
    stale_from: int | None,
) -> Served:
    found = cache.get(key, version)  # computed meanwhile, by the caller before us
    if found is not None:
        return Served(found, version)
    if shared is None:
        value, keep = compute()
        if keep:
            cache.put(key, version, value, made_at)
        return Served(value, version)
    deadline = time.monotonic() + SharedCache.LOCK_SECONDS
    while True:
        with shared.computing(key) as ours:
            if ours or time.monotonic() >= deadline:  # a holder that long gone is not waited for
                value, keep = compute()
                if keep:
                    cache.put(key, version, value, made_at)
                return Served(value, version)
        # Another worker computes it: serve the previous value if allowed, else wait for it.
        previous = _previous(cache, key, stale_from)
        if previous is not None:
            return previous
        while shared.held_elsewhere(key) and time.monotonic() < deadline:
            time.sleep(0.02)
            found = cache.get(key, version)
            if found is not None:
                return Served(found, version)
        found = cache.get(key, version)
        if found is not None:
            return Served(found, version)


def _previous(cache: LocalCache | SharedCache, key: str, stale_from: int | None) -> Served | None:
    if stale_from is None:
        return None
    latest = cache.latest(key)
    if latest is None or latest[2] < stale_from:
        return None
    return Served(latest[1], latest[0], stale=True)


def encode_json(value: Any) -> bytes:
    """Plain values (a rendered page part and what the page needs beside it), zlib'd JSON."""
    return zlib.compress(json.dumps(value, ensure_ascii=False).encode(), 1)


def decode_json(data: bytes) -> Any:
    return json.loads(zlib.decompress(data))


def page_cache(
    client: redis.Redis | None, *, prefix: str = "", max_chars: int = 16_000_000
) -> LocalCache | SharedCache:
    """Rendered page parts: in this process (weighed in characters), and in Redis when there is
    one, so that one worker renders what the others then serve."""
    local = LocalCache(max_chars, lambda value: len(json.dumps(value)))
    if client is None:
        return local
    return SharedCache(client, prefix=prefix, local=local, encode=encode_json, decode=decode_json)
