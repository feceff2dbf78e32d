"""A mentee records a lesson observation on a phone, the mentor confirms it on theirs, and the
community's progress moves by one pair.

The real product runs as a newcomer starts it (``jgt demo``: the seeded demo bureau on the embedded
SQLite store, projections in process). In the demo, 付开萍 (bd-fukp) has four confirmed records with
her mentor 孙飞凤 (sl-sunff) and nothing waiting; the plan counts a pair when it reaches five
confirmed, so the confirmation moves the community's mentoring task from 6 to 7 pairs. Debian's
chromium is driven headless by Playwright for Python; nothing is downloaded: without
/usr/bin/chromium the test skips locally and fails in CI.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from infra.demo import DEMO_PASSWORD
from tests.e2e.harness import (
    chromium,
    embedded_env,
    need_chromium,
    running,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MENTEE, MENTOR, OFFICER = "bd-fukp", "sl-sunff", "hn-monitor"
SUMMARY = "手机记录：听孙老师《少年中国说》朗读指导，学习节奏划分"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``jgt demo`` on a free port, with its own var directory."""
    need_chromium()
    var_dir = tmp_path_factory.mktemp("mentoring-demo")
    with running("demo", embedded_env(var_dir), var_dir) as url:
        yield url


@pytest.fixture(scope="module")
def browser(demo: str) -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def phone(browser: Browser) -> BrowserContext:
    return browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=3,
    )


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form[action$='/login'] button[type=submit]").click()
    expect(page.locator("form[action$='/login']")).to_have_count(0)


def fits_the_screen(page: Page) -> None:
    """Nothing on the page is wider than the phone (no sideways scrolling to reach a button)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"


def mentoring_done(page: Page) -> int:
    """The community progress page's count for the mentoring task (pairs that reached 5)."""
    cell = page.locator("table.tasks tr[data-task='mentoring'] td.num").first
    return int(cell.inner_text().strip())


def test_a_mentee_records_on_a_phone_the_mentor_confirms_and_the_community_progress_moves(
    demo: str, browser: Browser
) -> None:
    officer = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    mentee, mentor = phone(browser), phone(browser)
    try:
        # The bureau's officer opens the community's figures first.
        board = officer.new_page()
        sign_in(board, demo, OFFICER)
        board.locator("header nav a", has_text="师徒结对").click()
        board.locator("a", has_text="狮岭—博达城乡教共体").click()
        expect(board.locator("h1")).to_contain_text("狮岭—博达城乡教共体")
        fukp = board.locator("table.pairs-table tbody tr", has_text="付开萍")
        expect(fukp.locator("td.confirmed")).to_have_text("4/5")
        expect(board.locator("body")).not_to_contain_text("草船借箭")  # content stays private
        # Its progress page, where the plan's mentoring task counts the pairs that reached five
        # (linked when the progress pages are part of this build).
        progress = board.locator("a", has_text="教共体年度进度")
        community_progress = ""
        if importlib.util.find_spec("web.dashboard") is not None:
            expect(progress).to_have_count(1)
            progress.click()
            before = mentoring_done(board)
            community_progress = board.url

        # The mentee records on her phone: the form is the first thing on her mentoring page.
        page = mentee.new_page()
        sign_in(page, demo, MENTEE)
        page.locator("header nav a", has_text="师徒结对").tap()
        form = page.locator("form.quick")
        expect(form).to_be_visible()
        expect(form).to_contain_text("与孙飞凤的结对")
        form.locator("label.chip", has_text="听课").tap()
        form.locator("label.chip", has_text="线下").tap()
        form.locator("label.chip", has_text="45分钟").tap()
        expect(form.locator("input[name=occurred_on]")).not_to_have_value("")
        form.locator("textarea[name=summary]").fill(SUMMARY)
        expect(form.locator("input[type=file][name=evidence]")).to_have_attribute(
            "accept", "image/*,application/pdf"
        )
        fits_the_screen(page)
        box = form.locator("button[type=submit]").bounding_box()
        assert box is not None
        assert box["height"] >= 44
        assert box["width"] >= 300  # one wide button, easy to hit with a thumb
        form.locator("button[type=submit]").tap()
        expect(page.locator(".flash.ok")).to_contain_text("已记录，等待对方确认")
        expect(page.locator("#pairs")).to_contain_text("待确认1条")

        # The mentor sees it waiting on his phone and confirms it.
        page = mentor.new_page()
        sign_in(page, demo, MENTOR)
        page.goto(f"{demo}/mentoring")
        waiting = page.locator("#awaiting li", has_text=SUMMARY)
        expect(waiting).to_contain_text("付开萍记录")
        expect(waiting).to_contain_text("45分钟")
        fits_the_screen(page)
        waiting.locator("button", has_text="确认").first.tap()
        expect(page.locator(".flash.ok")).to_contain_text("已确认")
        expect(page.locator("#awaiting li", has_text=SUMMARY)).to_have_count(0)
        expect(page.locator("#pairs li", has_text="付开萍")).to_contain_text(
            "今年已确认5次，目标5次"
        )

        # The community's figures show the new count.
        if community_progress:
            board.goto(community_progress)
            assert mentoring_done(board) == before + 1
        board.goto(f"{demo}/mentoring")
        board.locator("a", has_text="狮岭—博达城乡教共体").click()
        fukp = board.locator("table.pairs-table tbody tr", has_text="付开萍")
        expect(fukp.locator("td.confirmed")).to_have_text("5/5")
        expect(board.locator("body")).not_to_contain_text(SUMMARY)
    finally:
        for context in (officer, mentee, mentor):
            context.close()
