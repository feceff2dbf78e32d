"""A bureau officer opens the progress dashboard of the real product in a browser, drills into a
community, exports the quarterly report, and the file holds the figures the page showed.

The product runs as in production's embedded default (``jgt db init``, then ``jgt serve`` with
in-process projections) on a SQLite store seeded beforehand with the scripted year of
``tests.web_dashboard.scripted_year`` through the services. Debian's chromium is driven headless by
Playwright for Python; nothing is downloaded: without /usr/bin/chromium the test skips locally and
fails in CI.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.harness import (
    PHONE,
    ROOT,
    chromium,
    embedded_env,
    jgt,
    need_chromium,
    running,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

OFFICER = "hn-monitor"


@dataclass
class Served:
    url: str
    fusion: str  # 狮岭—博达教共体, behind
    collaboration: str  # 城北协作体, on track
    assistance: str  # 南湖帮扶共同体, no plan


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``jgt serve`` on a free port over a store seeded with the scripted year."""
    need_chromium()
    var_dir = tmp_path_factory.mktemp("dashboard-var")
    env = embedded_env(var_dir, JGT_EMBEDDED_PROJECTIONS="true")
    subprocess.run([jgt(), "db", "init"], cwd=ROOT, env=env, check=True, capture_output=True)
    seeded = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "tests.web_dashboard.scripted_year", str(var_dir)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    fusion, collaboration, assistance = seeded.stdout.split()[-3:]
    with running("serve", env, var_dir, timeout=120) as url:
        yield Served(url, fusion, collaboration, assistance)


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.locator("input[name=username]").fill(OFFICER)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action$='/login'] button[type=submit]").click()
    expect(page.locator("form[action$='/login']")).to_have_count(0)


def open_dashboard_as_of(page: Page, base: str, day: str) -> None:
    """From the navigation to the dashboard, then the as-of date chosen in its form."""
    page.locator("header nav a[href='/dashboard']").click()
    expect(page).to_have_url(f"{base}/dashboard")
    form = page.locator("form.dash-filters")
    form.locator("input[name=as_of]").fill(day)
    form.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text(day)


def shown_percents(page: Page) -> dict[str, str]:
    """The big % of every community card that has a plan, by community id."""
    shown = {}
    for card in page.locator("article.community-card").all():
        figure = card.locator("a.big.percent")
        if figure.count():
            shown[str(card.get_attribute("data-community"))] = figure.inner_text().strip()
    return shown


def test_a_bureau_officer_drills_into_a_community_and_exports_the_figures_shown(
    served: Served, browser: Browser, tmp_path: Path
) -> None:
    base = served.url
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    try:
        page = context.new_page()
        sign_in(page, base)
        open_dashboard_as_of(page, base, "2025-06-30")
        shown = shown_percents(page)
        # By 30 June, worked out by hand: (3/4 + 1/2 + 2 × 1/2) / 4 = 56.2%; 城北 did its one task.
        assert shown == {served.fusion: "56.2%", served.collaboration: "100%"}
        fusion = page.locator(f"article[data-community='{served.fusion}']")
        expect(fusion).to_contain_text("落后")
        expect(fusion).to_contain_text("要求60%（6月30日前）")
        expect(fusion.locator("svg polyline.line")).to_have_count(1)
        expect(page.locator(f"article[data-community='{served.assistance}']")).to_contain_text(
            "无计划"
        )

        # Into the community: its tasks, and from a task's % to the records behind it.
        fusion.locator("h2 a").click()
        expect(page.locator("h1")).to_contain_text("狮岭—博达教共体")
        research = page.locator("table.tasks tr[data-task='offline_research']")
        expect(research).to_contain_text("3")
        research.locator("a.drill").click()
        expect(page.locator("h1")).to_contain_text("记录明细")
        rows = page.locator("table.drill tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.nth(0)).to_contain_text("2025-05-15")
        expect(rows.nth(0)).to_contain_text("英语主题研修")
        expect(rows.nth(0)).to_contain_text("海宁市教育局第二小学")
        expect(rows.nth(0)).to_contain_text("李老师")
        expect(rows.nth(0)).to_contain_text("2025-05-16 02:00")  # recorded, Beijing time
        expect(page.locator(".figure")).to_contain_text("75%")

        # Back on the dashboard, the quarterly report of the year as Excel.
        open_dashboard_as_of(page, base, "2025-06-30")
        with page.expect_download() as download_info:
            page.locator("a[href^='/dashboard/export.xlsx']").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".xlsx")
        path = tmp_path / "report.xlsx"
        download.save_as(path)
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == ["一季度", "二季度", "三季度", "四季度"]
        sheet = book["二季度"]
        assert [c.value for c in sheet[3]] == [
            "工作任务",
            "责任单位",
            "季度目标",
            "进展情况",
            "目标完成情况",
        ]
        reached = {
            str(row[0]).split("（")[0]: str(row[4])
            for row in sheet.iter_rows(min_row=4, values_only=True)
        }
        assert f"完成{shown[served.fusion]}，未达标" in reached["狮岭—博达教共体"]
        assert f"完成{shown[served.collaboration]}，达标" in reached["城北协作体"]
        assert "无已批准的年度计划" in reached["南湖帮扶共同体"]
    finally:
        context.close()


def test_the_dashboard_fits_a_phone(served: Served, browser: Browser) -> None:
    context = browser.new_context(
        locale="zh-CN", viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        sign_in(page, served.url)
        for path in (
            "/dashboard?as_of=2025-06-30",
            f"/dashboard/communities/{served.fusion}?as_of=2025-06-30",
            f"/dashboard/communities/{served.fusion}/events?as_of=2025-06-30",
        ):
            page.goto(f"{served.url}{path}")
            expect(page.locator("h1")).to_be_visible()
            # Nothing sticks out sideways: wide tables scroll inside their own wrapper.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], (path, width)
    finally:
        context.close()
