"""The core school's admin builds a two-slot master timetable, the member school accepts, a teacher
records a lesson with its attendance on a phone, and the community's 同步课堂 % moves.

The product runs as in production's embedded default (``jgt db init``, then ``jgt serve`` with
in-process projections) over a store seeded by ``tests.e2e.sync_world``: a community whose plan
asks for 4 同步课堂 lessons and has none, and no timetable yet. The timetable starts last Monday
week, so its first lessons are already due. Debian's chromium is driven headless by Playwright;
without /usr/bin/chromium the test skips locally and fails in CI. Screenshots of each step are
kept in the test's temporary directory.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.harness import PHONE, ROOT, chromium, embedded_env, jgt, need_chromium, running
from tests.e2e.sync_world import SYNC_TARGET, last_monday

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CORE_ADMIN, MEMBER_ADMIN, TEACHER, OFFICER = "hn-sadmin", "hn-badmin", "hn-teacher", "hn-monitor"


@dataclass
class Served:
    url: str
    community: str
    shots: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    need_chromium()
    var_dir = tmp_path_factory.mktemp("sync-var")
    env = embedded_env(var_dir, JGT_EMBEDDED_PROJECTIONS="true")
    subprocess.run([jgt(), "db", "init"], cwd=ROOT, env=env, check=True, capture_output=True)
    seeded = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "tests.e2e.sync_world", str(var_dir)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    community = seeded.stdout.split()[-1]
    with running("serve", env, var_dir, timeout=120) as url:
        yield Served(url, community, tmp_path_factory.mktemp("sync-shots"))


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def desktop(browser: Browser) -> BrowserContext:
    return browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})


def phone(browser: Browser) -> BrowserContext:
    return browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action$='/login'] button[type=submit]").click()
    expect(page.locator("form[action$='/login']")).to_have_count(0)


def sync_percent(page: Page, base: str, community: str) -> str:
    page.goto(f"{base}/dashboard/communities/{community}")
    return page.locator("tr[data-task='sync_class'] a.percent").inner_text().strip()


def propose(page: Page, weekday: str, period: str) -> None:
    form = page.locator("#propose form")
    form.locator("select[name=weekday]").select_option(weekday)
    form.locator("input[name=period]").fill(period)
    form.locator("select[name=subject]").select_option("语文")
    form.locator("input[name=grade]").fill("3")
    form.locator("select[name=host_class_id]").select_option(label="3年级1班")
    form.locator("select[name=host_teacher_id]").select_option(label="王老师")
    form.locator("select[name=receiver_class_1]").select_option(
        label="海宁市教育局第二小学 3年级1班"
    )
    form.locator("select[name=receiver_teacher_1]").select_option(label="李老师")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash.ok")).to_be_visible()


def test_a_timetable_is_built_accepted_and_taught_on_a_phone_and_the_percent_moves(
    served: Served, browser: Browser
) -> None:
    base, shots = served.url, served.shots
    monday = last_monday(date.today())
    officer, core, member, teacher = desktop(browser), desktop(browser), desktop(browser), None
    try:
        board = officer.new_page()
        sign_in(board, base, OFFICER)
        assert sync_percent(board, base, served.community) == "0%"

        # 狮岭's admin opens the semester's timetable and proposes two slots.
        page = core.new_page()
        sign_in(page, base, CORE_ADMIN)
        page.locator("header nav a", has_text="同步课堂").click()
        page.locator("#timetables a", has_text="狮岭—博达同步课堂教共体").click()
        draft = page.locator("#draft form")
        draft.locator("input[name=name]").fill("本学期同步课堂")
        draft.locator("input[name=starts_on]").fill(monday.isoformat())
        draft.locator("input[name=ends_on]").fill((monday + timedelta(days=27)).isoformat())
        draft.locator("button[type=submit]").click()
        expect(page.locator("h1")).to_contain_text("本学期同步课堂")
        propose(page, "2", "3")
        propose(page, "4", "3")
        slots = page.locator("#slots tbody tr")
        expect(slots).to_have_count(2)
        # Both bell schedules, ten minutes apart, each slot awaiting 博达's answer.
        expect(slots.first).to_contain_text("第3节 09:40–10:20 ⇄")
        expect(slots.first).to_contain_text("第3节 09:50–10:30 (重叠30分钟)")
        page.screenshot(path=str(shots / "1-timetable-proposed.png"), full_page=True)
        timetable_url = page.url.split("?")[0]

        # 博达's admin accepts both.
        answer = member.new_page()
        sign_in(answer, base, MEMBER_ADMIN)
        answer.goto(timetable_url)
        for _ in range(2):
            answer.locator("#slots button", has_text="接受").first.click()
            expect(answer.locator(".flash.ok")).to_be_visible()
        expect(answer.locator("#slots button", has_text="接受")).to_have_count(0)

        # 狮岭's admin generates the lessons.
        page.goto(timetable_url)
        page.locator("#slots form button", has_text="生成").click()
        expect(page.locator(".flash.ok")).to_be_visible()

        # The host teacher, on a phone, finds last week's Tuesday lesson and records it.
        teacher = phone(browser)
        mine = teacher.new_page()
        sign_in(mine, base, TEACHER)
        mine.goto(f"{base}/sync")
        mine.locator(".week-nav a", has_text="上一周").tap()
        lessons = mine.locator("ol.my-lessons > li")
        expect(lessons).to_have_count(2)
        expect(lessons.first).to_contain_text("记录上课与出勤")
        assert mine.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        mine.screenshot(path=str(shots / "2-phone-my-week.png"), full_page=True)
        lessons.first.locator("a.button").tap()
        form = mine.locator("#deliver form")
        form.locator("input[name=present_1]").fill("38")
        form.locator("input[name=size_1]").fill("40")
        assert mine.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        mine.screenshot(path=str(shots / "3-phone-delivery.png"), full_page=True)
        form.locator("button[type=submit]").tap()
        expect(mine.locator(".flash.ok")).to_contain_text("已记录上课与出勤")
        expect(mine.locator("body")).to_contain_text("出勤 38/40")
        mine.screenshot(path=str(shots / "4-phone-delivered.png"), full_page=True)

        # The community's 同步课堂 task moves by one lesson of its four.
        after = sync_percent(board, base, served.community)
        assert after == f"{100 / SYNC_TARGET:g}%"
        board.screenshot(path=str(shots / "5-dashboard.png"), full_page=True)
    finally:
        for context in (officer, core, member, teacher):
            if context is not None:
                context.close()
