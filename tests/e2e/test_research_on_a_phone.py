"""A teacher on a phone checks in to the demo's live 网络教研 session and posts, while the host's
desktop page shows both appear without reloading (Server-Sent Events); the library then finds the
published lesson plan by a Chinese word of its text.

The real product runs as a newcomer starts it (``jgt demo``: the seeded demo bureau, projections in
process). In the demo, 陈雨 (bd-chenyu) has signed up for the live 语文 session hosted by 孙飞凤
(sl-sunff) and not checked in yet.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from infra.demo import DEMO_PASSWORD
from tests.e2e.harness import chromium, embedded_env, need_chromium, running

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

POST = "手机发言：第二课时的朗读指导可以放在小组合作之前"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    need_chromium()
    var_dir = tmp_path_factory.mktemp("research-demo")
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


def test_a_phone_checks_in_and_posts_while_the_host_sees_both_live(
    demo: str, browser: Browser
) -> None:
    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    phone = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=3,
    )
    try:
        host = desk.new_page()
        sign_in(host, demo, "sl-sunff")
        host.goto(f"{demo}/research")
        host.locator("#live a", has_text="进行中").first.click()
        expect(host.locator("#check-in-code")).to_be_visible()
        expect(host.locator("#attendees ul")).not_to_contain_text("陈雨")

        page = phone.new_page()
        sign_in(page, demo, "bd-chenyu")
        page.goto(f"{demo}/research")
        page.locator("#live a", has_text="进行中").first.tap()
        page.locator("button", has_text="签到").first.tap()
        expect(page.locator(".flash.ok")).to_contain_text("已签到")
        page.locator("textarea[name=text]").fill(POST)
        page.locator("#posts button[type=submit]").tap()
        expect(page.locator(".flash.ok")).to_contain_text("已发布")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        # The host's page, never reloaded, shows both.
        expect(host.locator("#attendees ul")).to_contain_text("陈雨", timeout=15_000)
        expect(host.locator("#posts")).to_contain_text(POST, timeout=15_000)

        page.goto(f"{demo}/research/library?q=负荆请罪")
        expect(page.locator("#results")).to_contain_text("《将相和》第二课时教学设计")
    finally:
        desk.close()
        phone.close()
