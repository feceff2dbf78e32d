"""The dashboard follows its own bureau's data: another county's events leave it as drawn, a
community shared across regions moves both bureaus' figures, the figures kept per community are
exactly what a full computation gives, and concurrent misses compute once.

These run on SQLite and PostgreSQL (the versions are rows of the communities view).
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import date

import pytest

from domain.counting import TaskKind
from infra.position_cache import LocalCache
from infra.views.communities import SQLCommunitiesView
from services.actor import Actor
from services.progress import CommunityFigures, ProgressService
from tests.web_dashboard.conftest import World
from tests.web_dashboard.scripted_year import A_Q2, Year, at, history_at, record
from tests.web_dashboard.test_dashboard_pages import cards

JUNE_30 = date(2025, 6, 30)


def view_of(world: World) -> SQLCommunitiesView:
    view = world.runtime.views["communities"]
    assert isinstance(view, SQLCommunitiesView)
    return view


def versions(world: World) -> tuple[int, int]:
    """The versions of 海宁 and 余姚."""
    year = world.year
    found = view_of(world).versions([year.hn.tenant_id, year.yy.tenant_id])
    return found.get(year.hn.tenant_id, 0), found.get(year.yy.tenant_id, 0)


def community_a(world: World, who: Actor) -> CommunityFigures:
    figures = world.runtime.services.progress.dashboard(who, as_of=JUNE_30)
    return next(f for f in figures if f.community.id == world.year.a)


def uncached(world: World) -> ProgressService:
    """The same service with nothing kept: every figure computed from the rows."""
    ctx = world.runtime.services.progress.ctx
    return ProgressService(replace(ctx, figures_cache=None, community_figures=None))


def share_a_with_yuyao(world: World) -> None:
    """余姚 consents to its school 1 joining A from 1 March."""
    runtime, year = world.runtime, world.year
    communities = runtime.services.communities
    with history_at(runtime, at(date(2025, 3, 2))):
        communities.invite_across_regions(
            year.hn.admin,
            year.a,
            tenant_id=year.yy.tenant_id,
            school_code="yy-01",
            on=date(2025, 3, 1),
        )
        communities.consent(year.yy.admin, year.a, year.yy.school_id)
    runtime.catch_up()


def test_a_dashboard_drawn_for_one_bureau_is_served_again_after_another_bureaus_event(
    world: World, computations: list[int]
) -> None:
    runtime, year = world.runtime, world.year
    admin = world.person("hn-admin")
    first = admin.text("/dashboard")
    position = view_of(world).position()
    hn_version, yy_version = versions(world)
    # 余姚 names a community type and opens a school: its dashboard changes, not 海宁's.
    with history_at(runtime, at(date(2025, 7, 9))):
        runtime.services.communities.set_community_type(
            year.yy.admin, key="fusion", name="余姚融合型", max_schools=None
        )
        runtime.services.organisation.register_school(
            year.yy.admin, name="余姚新校", code="yy-09", stage="primary", locality="urban"
        )
    runtime.catch_up()
    assert view_of(world).position() > position
    assert versions(world)[0] == hn_version
    assert versions(world)[1] > yy_version
    assert admin.text("/dashboard") == first
    assert len(computations) == 1, "served again, not drawn again"
    # 余姚's officer gets a dashboard drawn for 余姚.
    world.person("yy-admin").text("/dashboard")
    assert len(computations) == 2
    # 海宁's own event draws 海宁's again.
    record(runtime, year.hn.teacher, year.a, TaskKind.OFFLINE_RESEARCH, date(2025, 6, 1), "教研")
    assert versions(world)[0] > hn_version
    assert admin.text("/dashboard") != first
    assert len(computations) == 3


def test_a_cross_region_communitys_figures_move_for_both_bureaus(world: World) -> None:
    runtime, year = world.runtime, world.year
    share_a_with_yuyao(world)
    hn_before, yy_before = community_a(world, year.hn.monitor), community_a(world, year.yy.monitor)
    assert hn_before.percent == yy_before.percent == A_Q2
    # The partner bureau's teacher records research in A: both bureaus' versions and figures move.
    versions_before = versions(world)
    record(
        runtime, year.yy.teacher, year.a, TaskKind.OFFLINE_RESEARCH, date(2025, 6, 1), "跨区域教研"
    )
    after = versions(world)
    assert after[0] > versions_before[0]
    assert after[1] > versions_before[1]
    hn_after, yy_after = community_a(world, year.hn.monitor), community_a(world, year.yy.monitor)
    assert hn_after.percent == yy_after.percent
    assert hn_after.percent is not None
    assert hn_after.percent > A_Q2
    # And so does the owner's own record there.
    record(runtime, year.hn.teacher, year.a, TaskKind.DEMO_LESSON, date(2025, 6, 2), "送教")
    again = versions(world)
    assert again[0] > after[0]
    assert again[1] > after[1]
    hn_last, yy_last = community_a(world, year.hn.monitor), community_a(world, year.yy.monitor)
    assert hn_last.percent == yy_last.percent
    assert hn_last.percent is not None
    assert hn_last.percent > hn_after.percent


def scripted_changes(world: World, year: Year) -> list[tuple[str, object]]:
    """What happens after the scripted year, one change at a time (each applied by the views)."""
    runtime = world.runtime
    activities, progress = runtime.services.activities, runtime.services.progress

    def late_research() -> None:
        record(
            runtime,
            year.hn.teacher,
            year.a,
            TaskKind.OFFLINE_RESEARCH,
            date(2025, 3, 25),
            "补录教研",
            recorded=at(date(2025, 7, 8)),
        )

    def seal_q2() -> None:
        with history_at(runtime, at(date(2025, 7, 5))):
            progress.seal_quarter(year.hn.admin, year=2025, quarter=2)
        runtime.catch_up()

    def demo_in_b() -> None:
        record(runtime, year.third_teacher, year.b, TaskKind.DEMO_LESSON, date(2025, 5, 6), "送教")

    def withdrawn() -> None:
        done = record(
            runtime, year.hn.teacher, year.a, TaskKind.DEMO_LESSON, date(2025, 6, 3), "重复"
        )
        with history_at(runtime, at(date(2025, 7, 9))):
            activities.withdraw(year.hn.teacher, done, reason="重复录入")
        runtime.catch_up()

    return [
        ("a late record of March", late_research),
        ("Q2 sealed", seal_q2),
        ("a record in B", demo_in_b),
        ("a record withdrawn", withdrawn),
        ("A shared with 余姚", lambda: share_a_with_yuyao(world)),
    ]


def test_the_figures_kept_per_community_are_those_of_a_full_computation(world: World) -> None:
    year = world.year
    days = [date(2025, 3, 31), JUNE_30, date(2025, 7, 10)]
    full = uncached(world)
    progress = world.runtime.services.progress
    for day in days:
        assert progress.dashboard(year.hn.admin, as_of=day) == full.dashboard(
            year.hn.admin, as_of=day
        )
    for what, change in scripted_changes(world, year):
        change()  # type: ignore[operator]
        for who in (year.hn.admin, year.yy.admin):
            for day in days:
                kept = progress.dashboard(who, as_of=day)
                assert kept == full.dashboard(who, as_of=day), f"after {what}, as of {day}"


def test_eight_concurrent_misses_compute_the_figures_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    year = world.year
    progress = world.runtime.services.progress
    cache = progress.ctx.figures_cache
    assert isinstance(cache, LocalCache)
    key = f"dashboard:{year.hn.tenant_id}:{JUNE_30.isoformat()}::"
    computed, release = [], threading.Event()
    compute = ProgressService._dashboard

    def held(self: ProgressService, *args: object, **kwargs: object) -> list[CommunityFigures]:
        computed.append(1)
        assert release.wait(10)
        return compute(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ProgressService, "_dashboard", held)
    results: list[list[CommunityFigures]] = []

    def ask() -> None:
        results.append(progress.dashboard(year.hn.monitor, as_of=JUNE_30))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while cache.waiting(key) < 8 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.waiting(key) == 8, "all eight are computing or waiting"
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(computed) == 1
    assert len(results) == 8
    assert all(r == results[0] for r in results)
    assert any(f.percent == A_Q2 for f in results[0])


def test_a_member_school_renamed_is_found_by_its_new_name_at_once(
    world: World, computations: list[int]
) -> None:
    runtime, year = world.runtime, world.year
    officer = world.person("hn-monitor")
    assert set(cards(officer.text("/dashboard?school_q=南湖"))) == {str(year.b), str(year.c)}
    assert cards(officer.text("/dashboard?school_q=西湖")) == {}
    drawn = len(computations)
    with history_at(runtime, at(date(2025, 7, 9))):
        runtime.services.organisation.change_school(
            year.hn.admin,
            year.fourth_school,
            name="西湖小学",
            stage="primary",
            locality="rural",
            student_count=500,
        )
    runtime.catch_up()
    assert set(cards(officer.text("/dashboard?school_q=西湖"))) == {str(year.b), str(year.c)}
    assert cards(officer.text("/dashboard?school_q=南湖")) == {}
    assert len(computations) == drawn + 2, "the rename moved the bureau's version"
