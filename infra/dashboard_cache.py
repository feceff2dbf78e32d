"""The bureau dashboard's figures, cached by query and the communities view's position.

Computing the figures of every community (2,500 in a large district) reads tens of thousands of
contributions and takes seconds; they change only when an event arrives. So a value is stored with
the position of the communities view it was computed at and served only while the view is still
there (``services.context.FiguresCache``): one entry per query (tenant, as-of date, filters), each
new event moves the position and the next request computes it again. No expiry decides
correctness; Redis keys expire after a day only so that queries nobody repeats go away.

- ``InProcessFiguresCache``: the embedded default (no Redis), a bounded LRU in this process.
- ``RedisFiguresCache``: shared by every web worker and host. Values are plain JSON (no pickle: a
  shared Redis never gets to run code here), zlib-compressed; each worker also keeps the values it
  has decoded in a small in-process LRU, since decoding thousands of figures costs milliseconds too.
  When Redis fails, the dashboard is computed as if nothing were cached.
"""

from __future__ import annotations

import gc
import json
import logging
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from uuid import UUID

import redis

from domain.progress import CheckpointFigure, Forecast, Progress, TaskFigure
from projections.communities import CommunityRow, PlanRow
from services.progress import Amendment, CommunityFigures

log = logging.getLogger(__name__)

#: Changes whenever the encoding below changes, so that old values are never decoded.
FORMAT = 1


class InProcessFiguresCache:
    """The latest value per key, with its position; at most ``max_figures`` figures in all (a
    dashboard of 2,500 communities weighs 2,500), least recently used first out."""

    def __init__(self, max_figures: int = 10_000) -> None:
        self.max_figures = max_figures
        self._entries: OrderedDict[str, tuple[int, Any, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, key: str, position: int) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != position:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: str, position: int, value: Any) -> None:
        weight = len(value) if isinstance(value, list) else 1
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._weight -= old[2]
            if weight > self.max_figures:
                return
            self._entries[key] = (position, value, weight)
            self._weight += weight
            while self._weight > self.max_figures:
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._weight -= dropped


class RedisFiguresCache:
    """In Redis under ``prefix`` + key: the position, a newline, the figures as zlib'd JSON."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str,
        idle_seconds: int = 24 * 3600,
        local: InProcessFiguresCache | None = None,
    ) -> None:
        self.client = client
        self.prefix = f"{prefix}v{FORMAT}:"
        self.idle_seconds = idle_seconds
        self.local = local if local is not None else InProcessFiguresCache()

    def get(self, key: str, position: int) -> Any | None:
        found = self.local.get(key, position)
        if found is not None:
            return found
        try:
            raw: bytes | None = self.client.get(self.prefix + key)  # type: ignore[assignment]
        except redis.RedisError:
            log.warning("dashboard cache: Redis unavailable; computing", exc_info=True)
            return None
        if raw is None:
            return None
        head, _, body = raw.partition(b"\n")
        if head != str(position).encode():
            return None  # computed at another position: an event has arrived since (or not yet)
        with _collection_paused():
            value = decode_figures(body)
        self.local.put(key, position, value)
        return value

    def put(self, key: str, position: int, value: Any) -> None:
        self.local.put(key, position, value)
        try:
            self.client.set(
                self.prefix + key,
                str(position).encode() + b"\n" + encode_figures(value),
                ex=self.idle_seconds,
            )
        except redis.RedisError:
            log.warning("dashboard cache: Redis unavailable; not stored", exc_info=True)


@contextmanager
def _collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while tens of thousands of objects are made at once: each
    collection would scan them all again (it is most of the time of decoding 2,500 figures)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# The encoding: each figure as a JSON list of plain values, dates as ordinals. ---------------------


def _day(value: date) -> int:
    return value.toordinal()


def _community(c: CommunityRow) -> list[Any]:
    return [
        c.id.hex,
        c.tenant_id.hex,
        c.name,
        c.kind,
        c.core_school_id.hex,
        _day(c.founded_on),
        c.round_start_year,
        c.round_end_year,
        [t.hex for t in c.partner_tenant_ids],
    ]


class _Shared:
    """The plans' tasks and comments, each distinct value stored once: the plans of a district
    mostly share them, and they are most of the bytes and of the objects to decode."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._index: dict[str, int] = {}

    def ref(self, value: Any) -> int:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        found = self._index.get(text)
        if found is None:
            found = self._index[text] = len(self.values)
            self.values.append(value)
        return found


def _plan(p: PlanRow, shared: _Shared) -> list[Any]:
    return [
        p.id.hex,
        p.tenant_id.hex,
        p.community_id.hex,
        p.year,
        _day(p.period_start),
        _day(p.period_end),
        p.title,
        p.status,
        p.version,
        shared.ref(p.tasks),
        shared.ref(p.draft_tasks),
        shared.ref(p.comments),
        p.updated_at.isoformat(),
    ]


def _figure(f: CommunityFigures, shared: _Shared) -> list[Any]:
    progress = f.progress
    outlook = f.forecast
    return [
        _community(f.community),
        None if f.plan is None else _plan(f.plan, shared),
        _day(f.as_of),
        None
        if progress is None
        else [
            _day(progress.as_of),
            [[t.kind, t.done, t.target, t.weight, t.rule] for t in progress.tasks],
        ],
        [[c.quarter, _day(c.due), c.required, c.actual] for c in f.checkpoints],
        None if outlook is None else [_day(outlook.due), outlook.required, outlook.projected],
        f.status,
        [
            [a.quarter, _day(a.due), a.sealed_percent, a.now_percent, a.late_records]
            for a in f.amendments
        ],
    ]


def encode_figures(figures: list[CommunityFigures]) -> bytes:
    shared = _Shared()
    encoded = [_figure(f, shared) for f in figures]
    text = json.dumps([shared.values, encoded], ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode(), 1)


def decode_figures(data: bytes) -> list[CommunityFigures]:
    """The figures again. Plans with equal tasks share one decoded list (rows are read-only)."""
    day = date.fromordinal
    shared, encoded = json.loads(zlib.decompress(data))
    found = []
    for c, p, as_of, progress, checkpoints, outlook, status, amendments in encoded:
        found.append(
            CommunityFigures(
                community=CommunityRow(
                    UUID(c[0]),
                    UUID(c[1]),
                    c[2],
                    c[3],
                    UUID(c[4]),
                    day(c[5]),
                    c[6],
                    c[7],
                    [UUID(t) for t in c[8]],
                ),
                plan=None
                if p is None
                else PlanRow(
                    UUID(p[0]),
                    UUID(p[1]),
                    UUID(p[2]),
                    p[3],
                    day(p[4]),
                    day(p[5]),
                    p[6],
                    p[7],
                    p[8],
                    shared[p[9]],
                    shared[p[10]],
                    shared[p[11]],
                    datetime.fromisoformat(p[12]),
                ),
                as_of=day(as_of),
                progress=None
                if progress is None
                else Progress(day(progress[0]), [TaskFigure(*t) for t in progress[1]]),
                checkpoints=[
                    CheckpointFigure(q, day(due), required, actual)
                    for q, due, required, actual in checkpoints
                ],
                forecast=None if outlook is None else Forecast(day(outlook[0]), *outlook[1:]),
                status=status,
                amendments=[
                    Amendment(q, day(due), sealed, now, late)
                    for q, due, sealed, now, late in amendments
                ],
            )
        )
    return found
