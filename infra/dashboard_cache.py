"""The bureau dashboard's figures, cached by query and the tenant's version.

Computing the figures of every community (2,500 in a large district) reads tens of thousands of
contributions and takes seconds; they change only when an event of that district arrives. So a
value is stored with the tenant's version in the communities view (the position of the last event
that changed its figures, ADR 0008) and served only while that is still the version
(``services.context.PositionCache``): one entry per query (tenant, as-of date, filters). No expiry
decides correctness; Redis keys expire after a day only so that queries nobody repeats go away.

- ``InProcessFiguresCache``: the embedded default (no Redis), a bounded LRU in this process, by
  the figures' estimated bytes. Also each community's figures (``community_figures_cache``).
- ``RedisFiguresCache``: shared by every web worker and host. Values are plain JSON (no pickle: a
  shared Redis never gets to run code here), zlib-compressed; each worker also keeps the values it
  has decoded in a small in-process LRU, since decoding thousands of figures costs milliseconds too.
  When Redis fails, the dashboard is computed as if nothing were cached.
"""

from __future__ import annotations

import gc
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from uuid import UUID

import redis

from domain.progress import CheckpointFigure, Forecast, Progress, TaskFigure
from infra.position_cache import LocalCache, SharedCache
from projections.communities import CommunityRow, PlanRow
from services.progress import Amendment, CommunityFigures, OwnerSeals

#: Changes whenever the encoding below changes (or the stored head), so that old values are
#: never decoded.
FORMAT = 2

#: What one community's figures take in memory, about (an estimate, checked by the RSS the
#: benchmark prints: ADR 0008).
FIGURE_BYTES = 4_000


#: What a school's name, a community with its memberships or a chart's point take, about.
NAME_BYTES, SCOPE_BYTES, POINT_BYTES, SEALED_BYTES = 200, 1_500, 120, 1_000


def weigh_figures(value: object) -> int:
    return FIGURE_BYTES * (len(value) if isinstance(value, list) else 1)


def weigh_kept(value: object) -> int:
    """``community_figures_cache``'s values: a community's figures, its chart (a list of
    points), a district (a list of communities with their memberships), school names (a dict),
    a bureau's seals."""
    if isinstance(value, CommunityFigures):
        return FIGURE_BYTES
    if isinstance(value, OwnerSeals):
        return SEALED_BYTES * max(value.lines, 1)
    if isinstance(value, dict):
        return NAME_BYTES * max(len(value), 1)
    if isinstance(value, list) and value and isinstance(value[0], tuple):
        return POINT_BYTES * len(value)
    if isinstance(value, list):
        return SCOPE_BYTES * max(len(value), 1)
    return FIGURE_BYTES


class InProcessFiguresCache(LocalCache):
    """At most ``max_bytes`` of figures, as estimated (``FIGURE_BYTES`` each). A dashboard's
    list shares its figures with ``community_figures_cache``, so both together take less."""

    def __init__(self, max_bytes: int = 24_000_000) -> None:
        super().__init__(max_bytes, weigh_figures)


def community_figures_cache(max_bytes: int = 32_000_000) -> LocalCache:
    """Each community's figures and chart as of a day, by its version, and each district's
    communities and school names, by its members version: in this process only (a worker that
    has none reads and computes them all once, then only what changes)."""
    return LocalCache(max_bytes, weigh_kept)


class RedisFiguresCache(SharedCache):
    """The figures as zlib'd JSON (the encoding below), each worker keeping what it decoded."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str,
        idle_seconds: int = 24 * 3600,
        local: InProcessFiguresCache | None = None,
    ) -> None:
        super().__init__(
            client,
            prefix=f"{prefix}v{FORMAT}:",
            local=local if local is not None else InProcessFiguresCache(),
            encode=encode_figures,
            decode=_decode_without_collection,
            idle_seconds=idle_seconds,
        )


def _decode_without_collection(data: bytes) -> list[CommunityFigures]:
    with _collection_paused():
        return decode_figures(data)


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
