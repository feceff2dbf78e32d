"""A bureau admin signs in to the real demo and creates a school in a browser, on a desktop and a phone.

The product runs as a newcomer runs it (``jgt demo``: SQLite under a fresh var dir, seeded demo bureau,
in-process projections); Debian's chromium is driven headless by Playwright for Python. Nothing is
downloaded: without /usr/bin/chromium the tests skip locally and fail in CI.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.harness import (
    PHONE,
    chromium,
    embedded_env,
    need_chromium,
    running,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DEMO_ADMIN, DEMO_PASSWORD = "hn-admin", "jgt-demo-2026"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``jgt demo`` on a free port with a var dir of its own; its base URL."""
    need_chromium()
    var_dir = tmp_path_factory.mktemp("demo-var")
    with running("demo", embedded_env(var_dir), var_dir) as url:
        yield url


@pytest.fixture(scope="module")
def browser(demo: str) -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.locator("input[name=username]").fill(DEMO_ADMIN)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form[action$='/login'] button[type=submit]").click()
    expect(page.locator("form[action$='/login']")).to_have_count(0)


def create_school_through_the_form(page: Page, base: str, name: str, code: str) -> None:
    # The schools page, reached the way a person reaches it: from the navigation.
    page.locator("nav a[href='/bureau/schools'], a[href='/bureau/schools']").first.click()
    expect(page).to_have_url(f"{base}/bureau/schools")
    form = page.locator("form[action$='/bureau/schools']")
    if not form.is_visible():
        page.locator("details#create > summary").click()
    expect(form).to_be_visible()
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=code]").fill(code)
    form.locator("input[name=student_count]").fill("321")
    form.locator("select[name=stage]").select_option("junior")
    form.locator("select[name=locality]").select_option("urban")
    submit = form.locator("button[type=submit]")
    expect(submit).to_be_visible()
    submit.click()
    expect(page.locator("body")).to_contain_text(name)


def see_it_listed(page: Page, base: str, name: str, code: str) -> None:
    page.goto(f"{base}/bureau/schools")
    row = page.locator("table tbody tr", has_text=name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(code)
    expect(row).to_contain_text("321")


def test_a_bureau_admin_creates_a_school_in_the_browser_and_sees_it_listed(
    demo: str, browser: Browser
) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        sign_in(page, demo)
        code = f"E2E-{uuid.uuid4().hex[:6].upper()}"
        name = f"海宁市浏览器测试学校{code[-6:]}"
        create_school_through_the_form(page, demo, name, code)
        see_it_listed(page, demo, name, code)
    finally:
        context.close()


def test_the_school_form_is_usable_on_a_phone(demo: str, browser: Browser) -> None:
    context = browser.new_context(
        locale="zh-CN", viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        sign_in(page, demo)
        page.goto(f"{demo}/bureau/schools")
        form = page.locator("form[action$='/bureau/schools']")
        if not form.is_visible():
            page.locator("details#create > summary").click()
        submit = form.locator("button[type=submit]")
        submit.scroll_into_view_if_needed()
        expect(submit).to_be_visible()
        # Every field and the button fit the phone's width: nothing to scroll sideways to reach.
        for control in [*form.locator("input:not([type=hidden]), select").all(), submit]:
            box = control.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= PHONE["width"] + 0.5, box
            assert box["height"] >= 24, f"too small to tap: {box}"
        code = f"M-{uuid.uuid4().hex[:6].upper()}"
        name = f"海宁市手机测试学校{code[-6:]}"
        page.goto(f"{demo}/")
        create_school_through_the_form(page, demo, name, code)
        see_it_listed(page, demo, name, code)
    finally:
        context.close()
