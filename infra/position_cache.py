"""Values computed from the read models, each kept with the view position it was computed at.

A value is served only for the same key *and* position: every new event moves the position, so
nothing stale is ever served and no expiry decides correctness. Two stores:

- ``LocalCache``: this process only, a bounded LRU (the weight of a value is the caller's choice:
  figures count communities, rendered pages count characters).
- ``SharedCache``: Redis, shared by every web worker and host, with a ``LocalCache`` in front of it
  (decoding costs too). Values travel through the caller's codec as bytes, never pickle: a shared
  Redis never gets to run code here. Keys idle for a day expire, so that queries nobody repeats go
  away. When Redis fails, the caller computes as if nothing were stored.
"""

from __future__ import annotations

import json
import logging
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import redis

log = logging.getLogger(__name__)


class LocalCache:
    """The latest value per key with its position; at most ``max_weight`` in all, least recently
    used first out. A value heavier than the whole cache is not kept."""

    def __init__(self, max_weight: int, weigh: Callable[[Any], int]) -> None:
        self.max_weight = max_weight
        self.weigh = weigh
        self._entries: OrderedDict[str, tuple[Hashable, Any, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, key: str, position: Hashable) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != position:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: str, position: Hashable, value: Any) -> None:
        weight = self.weigh(value)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._weight -= old[2]
            if weight > self.max_weight:
                return
            self._entries[key] = (position, value, weight)
            self._weight += weight
            while self._weight > self.max_weight:
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._weight -= dropped


class SharedCache:
    """In Redis under ``prefix`` + key: the position, a newline, the encoded value."""

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

    def get(self, key: str, position: Hashable) -> Any | None:
        found = self.local.get(key, position)
        if found is not None:
            return found
        try:
            raw: bytes | None = self.client.get(self.prefix + key)  # type: ignore[assignment]
        except redis.RedisError:
            log.warning("cache %s: Redis unavailable; computing", self.prefix, exc_info=True)
            return None
        if raw is None:
            return None
        head, _, body = raw.partition(b"\n")
        if head != str(position).encode():
            return None  # computed at another position: an event has arrived since (or not yet)
        value = self.decode(body)
        self.local.put(key, position, value)
        return value

    def put(self, key: str, position: Hashable, value: Any) -> None:
        self.local.put(key, position, value)
        try:
            self.client.set(
                self.prefix + key,
                str(position).encode() + b"\n" + self.encode(value),
                ex=self.idle_seconds,
            )
        except redis.RedisError:
            log.warning("cache %s: Redis unavailable; not stored", self.prefix, exc_info=True)


def encode_json(value: Any) -> bytes:
    """Plain values (a rendered page part and what the page needs beside it), zlib'd JSON."""
    return zlib.compress(json.dumps(value, ensure_ascii=False).encode(), 1)


def decode_json(data: bytes) -> Any:
    return json.loads(zlib.decompress(data))


def page_cache(
    client: redis.Redis | None, *, prefix: str = "", max_chars: int = 32_000_000
) -> LocalCache | SharedCache:
    """Rendered page parts: in this process (weighed in characters), and in Redis when there is
    one, so that one worker renders what the others then serve."""
    local = LocalCache(max_chars, lambda value: len(json.dumps(value)))
    if client is None:
        return local
    return SharedCache(client, prefix=prefix, local=local, encode=encode_json, decode=decode_json)
