"""The dashboard is drawn once and served until something changes, without serving anyone a page
older than their own last write, and finds communities by part of a member school's name.

Some of these tests run the projections as if in another process: this process then learns the
views' positions only by reading them, at most every ``max_age`` seconds (a fake clock here).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from domain.counting import TaskKind
from infra.positions import ViewPositions
from infra.wake import InProcessWake
from infra.wiring import Runtime
from tests.conftest import open_runtime, sqlite_settings
from tests.web_dashboard.conftest import TODAY, World
from tests.web_dashboard.scripted_year import at, history_at, record, seed
from tests.web_dashboard.test_dashboard_pages import big_percent, cards
from web import create_app


class FarWorld(World):
    """The scripted year, its projections running as if in another process."""

    clock: list[float]

    def later(self, seconds: float = 1.0) -> None:
        self.clock[0] += seconds


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found, page
    return found.group(1)


def positions_of(runtime: Runtime) -> ViewPositions:
    assert runtime.positions is not None
    return runtime.positions


@pytest.fixture
def far_world(sqlite_runtime: Runtime) -> Iterator[FarWorld]:
    runtime = sqlite_runtime
    clock = [0.0]
    positions_of(runtime).clock = lambda: clock[0]
    year = seed(runtime)
    runtime.catch_up()
    stop = threading.Event()
    threads = []
    for name in runtime.views:
        # Not telling this process's positions: that is what a runner elsewhere cannot do.
        runner = runtime.runner(name, on_advanced=None)
        wake = InProcessWake()
        runtime.platform.on_saved(wake.notify)
        thread = threading.Thread(target=runner.run, args=(stop, wake), daemon=True)
        thread.start()
        threads.append(thread)
    world = FarWorld(runtime=runtime, app=create_app(runtime=runtime), year=year)
    world.clock = clock
    world.set_today(TODAY)
    yield world
    stop.set()
    for thread in threads:
        thread.join(timeout=5)


def research_recorded(world: World) -> None:
    """The teacher records a joint research session of 8 July in community A (views caught up)."""
    year = world.year
    record(
        world.runtime,
        year.hn.teacher,
        year.a,
        TaskKind.OFFLINE_RESEARCH,
        date(2025, 7, 8),
        "线下教研：数学单元整体教学",
        running=True,
    )


def test_a_refreshed_dashboard_is_drawn_again_only_after_an_event(
    sqlite_world: World, computations: list[int]
) -> None:
    world, year = sqlite_world, sqlite_world.year
    admin = world.person("hn-admin")
    first = admin.text("/dashboard")
    assert admin.text("/dashboard") == first
    assert len(computations) == 1
    research_recorded(world)
    after = admin.text("/dashboard")
    assert len(computations) == 2
    assert big_percent(cards(after)[str(year.a)]) != big_percent(cards(first)[str(year.a)])


def test_officers_share_the_content_but_each_gets_their_own_page(
    sqlite_world: World, computations: list[int]
) -> None:
    admin, monitor = sqlite_world.person("hn-admin"), sqlite_world.person("hn-monitor")
    admins, monitors = admin.text("/dashboard"), monitor.text("/dashboard")
    assert len(computations) == 1  # the monitor's content was the admin's, already drawn
    assert cards(admins) == cards(monitors)
    assert "海宁市教育局管理员" in admins
    assert "海宁市教育局管理员" not in monitors
    assert 'action="/dashboard/seal"' in admins
    assert 'action="/dashboard/seal"' not in monitors
    assert csrf_token(admins) != csrf_token(monitors)
    # Another tenant's officer, asking the very same URL, gets their own district.
    other = sqlite_world.person("yy-admin").text("/dashboard")
    assert cards(other) == {}
    assert len(computations) == 2


def test_a_flashed_message_is_shown_once_not_kept_with_the_page(sqlite_world: World) -> None:
    world = sqlite_world
    admin = world.person("hn-admin")
    world.set_today(date(2025, 4, 3))
    with history_at(world.runtime, at(date(2025, 4, 3))):
        admin.text("/dashboard?as_of=2025-04-03")
        sealed = admin.post("/dashboard/seal", {"year": 2025, "quarter": 1, "as_of": "2025-04-03"})
        assert sealed.status_code == 302
        assert "2025年一季度已封存" in admin.text("/dashboard?as_of=2025-04-03")
        assert "2025年一季度已封存" not in admin.text("/dashboard?as_of=2025-04-03")


def test_someone_elses_record_shows_once_this_process_reads_the_positions_again(
    far_world: FarWorld,
) -> None:
    year = far_world.year
    monitor = far_world.person("hn-monitor")
    before = monitor.text("/dashboard")
    research_recorded(far_world)
    # Within max_age of the last read the page is the one already drawn...
    assert monitor.text("/dashboard") == before
    # ...and the first request after it shows the new record.
    far_world.later(positions_of(far_world.runtime).max_age)
    after = monitor.text("/dashboard")
    assert big_percent(cards(after)[str(year.a)]) != big_percent(cards(before)[str(year.a)])


def test_an_officers_own_seal_shows_at_once_though_the_positions_were_just_read(
    far_world: FarWorld,
) -> None:
    admin = far_world.person("hn-admin")
    far_world.set_today(date(2025, 4, 3))
    with history_at(far_world.runtime, at(date(2025, 4, 3))):
        assert "2025年尚未封存任何季度" in admin.text("/dashboard?as_of=2025-04-03")
        sealed = admin.post("/dashboard/seal", {"year": 2025, "quarter": 1, "as_of": "2025-04-03"})
        assert sealed.status_code == 302
        page = admin.text(sealed.headers["Location"])
    assert "2025年尚未封存任何季度" not in page
    assert re.search(r"<td class=\"date\">2025 一季度</td>", page), page
    assert "一季度 （已封存）" in page  # the seal form beside the content knows it too


def test_a_deactivated_officer_is_signed_out_once_the_positions_are_read_again(
    far_world: FarWorld,
) -> None:
    runtime, year = far_world.runtime, far_world.year
    monitor = far_world.person("hn-monitor")
    assert monitor.get("/dashboard").status_code == 200
    done = runtime.services.people.deactivate(year.hn.admin, year.hn.monitor.user_id, "调离")
    assert runtime.services.queries.wait_for(done.position)
    far_world.later(positions_of(far_world.runtime).max_age)
    gone = monitor.get("/dashboard")
    assert gone.status_code == 302
    assert "/login" in gone.headers["Location"]


def test_the_school_filter_finds_communities_by_part_of_a_member_school_name(
    sqlite_world: World,
) -> None:
    year = sqlite_world.year
    officer = sqlite_world.person("hn-monitor")
    assert set(cards(officer.text("/dashboard?school_q=南湖"))) == {str(year.b), str(year.c)}
    assert set(cards(officer.text("/dashboard?school_q=第一小学"))) == {str(year.a)}
    nothing = officer.text("/dashboard?school_q=不存在的学校")
    assert cards(nothing) == {}
    assert "没有符合条件的教共体" in nothing
    # Few schools: their names are offered while typing; the status links keep the search.
    page = officer.text("/dashboard?school_q=南湖")
    assert '<option value="南湖小学">' in page
    assert "school_q=%E5%8D%97%E6%B9%96" in page
    # A school chosen by its id shows its name in the search box.
    by_id = officer.text(f"/dashboard?school={year.fourth_school}")
    assert 'name="school_q" value="南湖小学"' in by_id
    assert officer.get("/dashboard?school_q=" + "校" * 101).status_code == 400


@pytest.mark.redis
def test_with_redis_one_worker_draws_the_content_and_the_others_serve_it(
    tmp_path: Path, redis_url: str, redis_prefix: str, computations: list[int]
) -> None:
    settings = sqlite_settings(tmp_path, JGT_REDIS_URL=redis_url, JGT_REDIS_PREFIX=redis_prefix)
    first, second = open_runtime(settings), open_runtime(settings)  # two workers, one store
    try:
        year = seed(first)
        first.catch_up()
        worlds = [World(runtime=r, app=create_app(runtime=r), year=year) for r in (first, second)]
        for world in worlds:
            world.set_today(TODAY)
        pages = [world.person("hn-monitor").text("/dashboard") for world in worlds]
        assert len(computations) == 1
        assert cards(pages[0]) == cards(pages[1])
        assert set(cards(pages[1])) == {str(year.a), str(year.b), str(year.c)}
    finally:
        first.close()
        second.close()
