"""博达's school admin uploads a class's workbook on a phone and sees the class against the targets;
the bureau sees the community's aggregate, never a student, and the bundled score move.

The real product runs as a newcomer starts it (``jgt demo``): the demo has two grade-5 tests of
狮岭—博达 with classes of 40 generated students (``infra.demo_assessment``). Debian's chromium is
driven headless by Playwright; without /usr/bin/chromium the test skips locally and fails in CI.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect

from infra.demo import DEMO_PASSWORD
from infra.demo_assessment import generated_class
from tests.e2e.harness import chromium, embedded_env, need_chromium, running

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    need_chromium()
    var_dir = tmp_path_factory.mktemp("assessment-demo")
    with running("demo", embedded_env(var_dir), var_dir) as url:
        yield url


@pytest.fixture(scope="module")
def browser(demo: str) -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form[action$='/login'] button[type=submit]").click()
    expect(page.locator("form[action$='/login']")).to_have_count(0)


def workbook(path: Path) -> Path:
    """博达 五年级2班's 数学 scores, corrected upward, as a teacher saves them from Excel."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["学号", "姓名", "成绩", "缺考"])
    for number, name in generated_class("BD", "2班"):
        sheet.append([number, name, 97, ""])
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return path


def fusion_score(page: Page) -> str:
    row = page.locator("#ranking tbody tr", has_text="狮岭—博达城乡教共体")
    return row.locator("td strong").inner_text().strip()


def test_a_school_admin_uploads_a_workbook_and_the_bureau_sees_the_aggregate_and_score_move(
    demo: str, browser: Browser, tmp_path: Path
) -> None:
    officer = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        board = officer.new_page()
        sign_in(board, demo, "hn-monitor")
        board.locator("header nav a", has_text="捆绑考核").click()
        before = fusion_score(board)

        page = phone.new_page()
        sign_in(page, demo, "bd-admin")
        page.goto(f"{demo}/assessment")
        page.locator("#tests tbody tr", has_text="数学").locator("a").first.tap()
        form = page.locator("#uploads form")
        form.locator("select[name=class_name]").select_option("2班")
        form.locator("input[type=file]").set_input_files(str(workbook(tmp_path / "数学成绩.xlsx")))
        form.locator("button[type=submit]").tap()
        expect(page.locator(".flash.ok")).to_contain_text("已替换为第2版")
        classes = page.locator("#classes")
        expect(classes).to_contain_text("2班")
        expect(page.locator("#schools")).to_contain_text("目标：平均分91")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px phone"

        board.goto(f"{demo}/assessment")
        board.locator("#tests tbody tr", has_text="数学").locator("a").first.click()
        expect(board.locator("#community")).to_contain_text("狮岭—博达城乡教共体")
        expect(board.locator("#classes")).to_have_count(0)  # no class of any school
        name = generated_class("BD", "2班")[0][1]
        expect(board.locator("body")).not_to_contain_text(name)
        board.locator("header nav a", has_text="捆绑考核").click()
        after = fusion_score(board)
        assert float(after) > float(before)
    finally:
        officer.close()
        phone.close()
