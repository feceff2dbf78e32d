"""The bureau dashboard's figures cache: served only at the version it was computed at.

A hit returns the very figures a computation returns; a new event of the bureau moves its version
and the next call computes again the communities the event touched. In Redis the figures survive the trip exactly
(amendments, plans, communities without a plan) and are shared by every worker; without Redis the
dashboard is computed as if nothing were cached.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib

from domain.counting import TaskKind
from domain.progress import Counted
from infra.dashboard_cache import FIGURE_BYTES, InProcessFiguresCache, RedisFiguresCache
from infra.wiring import Runtime
from services.progress import CommunityFigures, DashboardFilter, Status
from tests.conftest import open_runtime, sqlite_settings
from tests.web_dashboard.scripted_year import A_Q2, Year, at, history_at, record, seed

AS_OF = date(2025, 6, 30)


@pytest.fixture(params=["in_process", pytest.param("redis", marks=pytest.mark.redis)])
def cached_runtime(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    env = {}
    if request.param == "redis":
        env = {
            "JGT_REDIS_URL": request.getfixturevalue("redis_url"),
            "JGT_REDIS_PREFIX": request.getfixturevalue("redis_prefix"),
        }
    runtime = open_runtime(sqlite_settings(tmp_path, **env))
    yield runtime
    runtime.close()


@pytest.fixture
def redis_runtime(tmp_path: Path, redis_url: str, redis_prefix: str) -> Iterator[Runtime]:
    runtime = open_runtime(
        sqlite_settings(tmp_path, JGT_REDIS_URL=redis_url, JGT_REDIS_PREFIX=redis_prefix)
    )
    yield runtime
    runtime.close()


@pytest.fixture
def year(cached_runtime: Runtime) -> Year:
    return seed(cached_runtime)


def count_computations(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> list[set[Any]]:
    """Each time figures were computed (each reads the counted work once), for which communities."""
    view = runtime.services.progress.ctx.communities
    calls: list[set[Any]] = []
    counted = view.counted

    def spy(community_ids: list[Any], *args: Any, **kwargs: Any) -> Any:
        calls.append(set(community_ids))
        return counted(community_ids, *args, **kwargs)

    monkeypatch.setattr(view, "counted", spy)
    return calls


def position_of(runtime: Runtime) -> int:
    return runtime.services.progress.ctx.communities.position()


def percent_of(figures: list[CommunityFigures], year: Year) -> float | None:
    return next(f.percent for f in figures if f.community.id == year.a)


def test_a_hit_returns_the_same_figures_and_a_new_event_has_them_computed_again(
    cached_runtime: Runtime, year: Year, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = cached_runtime
    progress = runtime.services.progress
    ctx = progress.ctx
    computed = count_computations(runtime, monkeypatch)
    admin = year.hn.admin

    first = progress.dashboard(admin, as_of=AS_OF)
    assert len(computed) == 1
    assert percent_of(first, year) == A_Q2
    again = progress.dashboard(admin, as_of=AS_OF)
    assert again == first
    assert len(computed) == 1, "the second call was served from the cache"

    # The status filter is applied to the cached figures; a type filter is a query of its own.
    behind = progress.dashboard(admin, as_of=AS_OF, filters=DashboardFilter(status=Status.BEHIND))
    assert behind == [f for f in first if f.status == Status.BEHIND]
    assert len(computed) == 1
    # A type filter is a query of its own, assembled from each community's figures already kept.
    fusion = progress.dashboard(admin, as_of=AS_OF, filters=DashboardFilter(kind="fusion"))
    assert [f.community.id for f in fusion] == [year.a]
    assert fusion == [f for f in first if f.community.id == year.a]
    assert len(computed) == 1
    # Another date is another query.
    progress.dashboard(admin, as_of=date(2025, 3, 31))
    assert len(computed) == 2

    # A research session on 25 March: A is (4/4 + 1/2 + 2·1/2) / 4 = 62.5% by 30 June.
    position = position_of(runtime)
    record(
        runtime, year.hn.teacher, year.a, TaskKind.OFFLINE_RESEARCH, date(2025, 3, 25), "补充教研"
    )
    assert position_of(runtime) > position
    after = progress.dashboard(admin, as_of=AS_OF)
    assert len(computed) == 3, "a new event moved the bureau's version: computed again"
    assert computed[-1] == {year.a}, "only the community the event touched"
    assert percent_of(after, year) == 62.5
    assert progress.dashboard(admin, as_of=AS_OF) == after
    assert len(computed) == 3

    # The cached figures are the figures computed without any cache.
    monkeypatch.setattr(ctx, "figures_cache", None)
    monkeypatch.setattr(ctx, "community_figures", None)
    assert progress.dashboard(admin, as_of=AS_OF) == after
    assert len(computed) == 4


@pytest.mark.redis
def test_in_redis_the_figures_are_shared_by_every_worker_and_come_back_exact(
    redis_runtime: Runtime, redis_url: str, redis_prefix: str, redis_client: redis_lib.Redis
) -> None:
    runtime = redis_runtime
    year = seed(runtime)
    progress = runtime.services.progress
    assert isinstance(progress.ctx.figures_cache, RedisFiguresCache)
    # Q1 sealed, then a record for March entered late: A's figures carry an amendment.
    with history_at(runtime, at(date(2025, 7, 5))):
        progress.seal_quarter(year.hn.admin, year=2025, quarter=1)
    runtime.catch_up()
    record(
        runtime,
        year.hn.teacher,
        year.a,
        TaskKind.OFFLINE_RESEARCH,
        date(2025, 3, 25),
        "补录教研",
        recorded=at(date(2025, 7, 8)),
    )
    figures = progress.dashboard(year.hn.admin, as_of=date(2025, 7, 10))
    assert any(f.amendments for f in figures)
    assert any(f.plan is None for f in figures)
    # Sealing computed the figures at 31 March too: one key per query.
    stored = [
        key.decode()
        for key in redis_client.scan_iter(match=f"{redis_prefix}figures:*")
        if key.decode().endswith(":2025-07-10::")
    ]
    assert len(stored) == 1, stored

    # Another worker, with nothing in its own process yet, reads the same figures from Redis.
    other_client = redis_lib.Redis.from_url(redis_url)
    try:
        other = RedisFiguresCache(other_client, prefix=f"{redis_prefix}figures:")
        key = stored[0].removeprefix(other.prefix)
        position = progress.ctx.communities.version(year.hn.admin.tenant_id)  # the bureau's
        assert other.get(key, position) == figures
        assert other.get(key, position + 1) is None
        assert other.get(key + "x", position) is None
        # A value put by one worker is served to the others at that position only.
        other.put("shared", 41, figures[:1])
        mine = RedisFiguresCache(redis_client, prefix=f"{redis_prefix}figures:")
        assert mine.get("shared", 41) == figures[:1]
        assert mine.get("shared", 42) is None
    finally:
        other_client.close()


def test_the_figures_read_the_work_summed_per_school_task_unit_and_day(runtime: Runtime) -> None:
    year = seed(runtime)
    view = runtime.services.progress.ctx.communities
    research = TaskKind.OFFLINE_RESEARCH
    # Two more sessions at school 1 on 10 February, one of them withdrawn: 1 + 2 − 1 = 2.
    record(runtime, year.hn.teacher, year.a, research, date(2025, 2, 10), "数学集体备课")
    extra = record(runtime, year.hn.teacher, year.a, research, date(2025, 2, 10), "英语集体备课")
    with history_at(runtime, at(date(2025, 2, 12))):
        runtime.services.activities.withdraw(year.hn.teacher, extra, reason="重复录入")
    runtime.catch_up()
    assert view.counted([year.a], up_to=date(2025, 2, 28)) == {
        year.a: [Counted(research, year.hn.school_id, date(2025, 2, 10), 2)]
    }
    by_march = sorted(view.counted([year.a, year.c], up_to=date(2025, 3, 31))[year.a], key=str)
    assert by_march == sorted(
        [
            Counted(research, year.hn.school_id, date(2025, 2, 10), 2),
            Counted(TaskKind.DEMO_LESSON, year.hn.school_id, date(2025, 3, 5), 1),
            Counted(research, year.hn.other_school_id, date(2025, 3, 20), 1),
        ],
        key=str,
    )
    assert view.counted([year.c]) == {year.c: []}
    assert view.counted([]) == {}
    # A by 31 March: (3/4 + 1/2 + 0) / 4 = 31.2%.
    figures = runtime.services.progress.dashboard(year.hn.admin, as_of=date(2025, 3, 31))
    assert percent_of(figures, year) == 31.2


def test_the_in_process_cache_answers_only_at_the_position_and_forgets_the_least_used() -> None:
    cache = InProcessFiguresCache(max_bytes=5 * FIGURE_BYTES)  # five figures
    cache.put("a", 1, [1, 2])
    assert cache.get("a", 1) == [1, 2]
    assert cache.get("a", 2) is None
    cache.put("a", 2, [3])  # the same query at a later position replaces the older value
    assert cache.get("a", 1) is None
    assert cache.get("a", 2) == [3]
    cache.put("b", 2, [1, 2])
    assert cache.get("a", 2) == [3]  # a is now the most recently used
    cache.put("c", 2, [1, 2])  # 1 + 2 + 2 = 5 figures: all fit
    cache.put("d", 2, [1])  # 6: the least recently used (b) goes
    assert cache.get("b", 2) is None
    assert cache.get("a", 2) == [3]
    assert cache.get("c", 2) == [1, 2]
    assert cache.get("d", 2) == [1]
    cache.put("huge", 2, list(range(6)))  # larger than the whole cache: not kept
    assert cache.get("huge", 2) is None
    assert cache.get("d", 2) == [1]


def test_without_redis_the_cache_computes_as_if_nothing_were_stored() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    client = redis_lib.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2)
    cache = RedisFiguresCache(client, prefix="jgt-test-down:")
    assert cache.get("k", 1) is None
    cache.put("k", 1, [])  # not stored in Redis, and no error
    assert cache.get("k", 1) == []  # this process still has it
    assert RedisFiguresCache(client, prefix="jgt-test-down:").get("k", 1) is None
