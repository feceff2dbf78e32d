"""Joint assessment through the pages: the core school sets a test, a member school's admin keeps
the roster and uploads a class, everyone sees what privacy by projection lets them see."""

from __future__ import annotations

import io
from dataclasses import dataclass
from uuid import UUID

import openpyxl
import pytest
from flask import Flask

from infra.wiring import Runtime
from tests.assessment.world import World, csv_bytes, make_world, score_file
from tests.conftest import make_bureau
from tests.web.conftest import Browser
from web import create_app


@dataclass
class Site:
    runtime: Runtime
    app: Flask
    world: World

    def browser(self, username: str) -> Browser:
        return Browser(self.app).sign_in(username)

    def upload(self, who: Browser, test_id: UUID, data: bytes, name: str = "成绩.csv") -> str:
        response = who.post(
            f"/assessment/tests/{test_id}/scores",
            {"class_name": "1班", "file": (io.BytesIO(data), name)},
            follow_redirects=True,
        )
        return f"{response.status_code} {response.get_data(as_text=True)}"


@pytest.fixture
def site(sqlite_runtime: Runtime) -> Site:
    world = make_world(sqlite_runtime)
    sqlite_runtime.catch_up()
    sqlite_runtime.start_embedded_projections()
    return Site(sqlite_runtime, create_app(runtime=sqlite_runtime), world)


CORE: list[float | None] = [95, 90, 88, 80, 72, 65, 60, None]
MEMBER_FIRST: list[float | None] = [85, 70, 66, 61, 59, 45, 38, 90]
MEMBER_SECOND: list[float | None] = [88, 75, 70, 66, 62, 55, 48, 92]


def define(site: Site, who: Browser, subject: str, held_on: str) -> UUID:
    response = who.post(
        f"/assessment/communities/{site.world.community_id}/tests",
        {
            "subject": subject,
            "grade": "5",
            "held_on": held_on,
            "full_mark": "100",
            "pass_line": "60",
            "excellence_line": "85",
            "low_line": "40",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return UUID(response.headers["Location"].rsplit("/", 1)[-1])


def test_the_core_school_sets_a_test_and_the_member_school_finds_it_in_its_list(
    site: Site,
) -> None:
    core = site.browser("hn-sadmin")
    assert "组织统测" in core.text("/assessment")
    test_id = define(site, core, "语文", "2025-06-20")
    member = site.browser("hn-sadmin2")
    listing = member.text("/assessment")
    assert f"/assessment/tests/{test_id}" in listing
    assert "组织统测" not in listing  # a member school does not set the community's tests


def test_lines_out_of_order_are_refused_with_the_form_kept(site: Site) -> None:
    core = site.browser("hn-sadmin")
    head = site.runtime.platform.head()
    response = core.post(
        f"/assessment/communities/{site.world.community_id}/tests",
        {
            "subject": "数学",
            "grade": "5",
            "held_on": "2025-06-20",
            "full_mark": "100",
            "pass_line": "九十",
            "excellence_line": "85",
            "low_line": "40",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "合格线应为数字" in page
    assert site.runtime.platform.head() == head


def test_a_school_admin_uploads_a_class_and_sees_it_against_the_targets_then_replaces_it(
    site: Site,
) -> None:
    core = site.browser("hn-sadmin")
    test_id = define(site, core, "语文", "2025-06-20")
    member = site.browser("hn-sadmin2")
    answer = site.upload(member, test_id, score_file(site.world.member_class, MEMBER_FIRST))
    assert answer.startswith("200")
    assert "已上传：8人参考，0人缺考" in answer
    page = member.text(f"/assessment/tests/{test_id}")
    assert "本校各班" in page
    assert "第1版" in page
    assert "目标：平均分91" in page  # seed 002's grade-5 targets
    assert "64.25" in page  # (85+70+66+61+59+45+38+90) / 8
    answer = site.upload(member, test_id, score_file(site.world.member_class, MEMBER_SECOND))
    assert "已替换为第2版" in answer
    assert "第2版（已替换之前的上传）" in member.text(f"/assessment/tests/{test_id}")
    sheet = member.text(
        f"/assessment/tests/{test_id}/schools/{site.world.hn.other_school_id}/classes/1班"
    )
    number, name = site.world.member_class[0]
    assert number in sheet
    assert name in sheet
    assert "88" in sheet


def test_a_bad_file_lists_each_rows_problem_and_stores_nothing(site: Site) -> None:
    core = site.browser("hn-sadmin")
    test_id = define(site, core, "语文", "2025-06-20")
    member = site.browser("hn-sadmin2")
    head = site.runtime.platform.head()
    (n0, _), (n1, _), (n2, _) = site.world.member_class[:3]
    bad = csv_bytes(
        [
            ["学号", "成绩", "缺考"],
            [n0, "九十", ""],
            [n1, "120", ""],
            [n2, "80", ""],
            [n2, "70", ""],
        ]
    )
    answer = site.upload(member, test_id, bad)
    assert answer.startswith("422")
    assert "未保存任何成绩" in answer
    for row in ("第2行", "第3行", "第5行"):
        assert row in answer
    assert "超过满分" in answer
    gbk = site.upload(member, test_id, "学号,成绩\r\n".encode("gbk") + b"\xff\xfe\xfa")
    assert gbk.startswith("422")
    assert site.runtime.platform.head() == head


def test_outside_the_school_the_pages_show_aggregates_and_the_gap_never_a_name_or_a_score(
    site: Site,
) -> None:
    world = site.world
    core = site.browser("hn-sadmin")
    member = site.browser("hn-sadmin2")
    first = define(site, core, "语文", "2025-06-20")
    second = define(site, core, "数学", "2025-06-27")
    for test_id, scores in ((first, MEMBER_FIRST), (second, MEMBER_SECOND)):
        assert site.upload(core, test_id, score_file(world.core_class, CORE)).startswith("200")
        assert site.upload(member, test_id, score_file(world.member_class, scores)).startswith(
            "200"
        )
    # The core averages 78.57 both times; the member 64.25, then 69.5: the gap narrowed 5.25.
    make_bureau(site.runtime, "yy", "余姚市教育局")
    monitor = site.browser("hn-monitor")
    page = monitor.text(f"/assessment/tests/{second}")
    assert "差距缩小了5.2分" in page or "差距缩小了5.3分" in page
    assert "本校各班" not in page
    # The bureau's list: each test's community aggregate, (550 + 556) / 15 on the second.
    assert "73.73" in monitor.text("/assessment")
    outsiders = {
        "hn-monitor": monitor,
        "hn-admin": site.browser("hn-admin"),
        "hn-sadmin": core,
        "hn-teacher2": site.browser("hn-teacher2"),
        "yy-admin": site.browser("yy-admin"),
    }
    named = world.member_class
    for username, who in outsiders.items():
        for test_id in (first, second):
            for path in ("/assessment", f"/assessment/tests/{test_id}"):
                response = who.get(path)
                body = response.get_data(as_text=True)
                for number, name in named:
                    assert name not in body, (username, path)
                    assert number not in body, (username, path)
            sheet = who.get(
                f"/assessment/tests/{test_id}/schools/{world.hn.other_school_id}/classes/1班"
            )
            assert sheet.status_code == 404, username
        roster = who.get(f"/assessment/schools/{world.hn.other_school_id}/roster")
        assert roster.status_code == 404, username


def test_the_roster_page_imports_a_class_and_erasing_a_name_keeps_the_statistics(
    site: Site,
) -> None:
    world = site.world
    core = site.browser("hn-sadmin")
    test_id = define(site, core, "语文", "2025-06-20")
    member = site.browser("hn-sadmin2")
    assert site.upload(member, test_id, score_file(world.member_class, MEMBER_FIRST)).startswith(
        "200"
    )
    roster = f"/assessment/schools/{world.hn.other_school_id}/roster"
    number, name = world.member_class[0]
    assert name in member.text(f"{roster}?grade=5&class_name=1班")
    response = member.post(f"{roster}/erase", {"number": number}, follow_redirects=True)
    assert response.status_code == 200
    assert name not in member.text(f"{roster}?grade=5&class_name=1班")
    sheet = member.text(
        f"/assessment/tests/{test_id}/schools/{world.hn.other_school_id}/classes/1班"
    )
    assert name not in sheet
    assert "已删除" in sheet
    assert "64.25" in member.text(f"/assessment/tests/{test_id}")
    bad = csv_bytes([["学号", "姓名"], ["X1", "甲"], ["X1", "乙"]])
    response = member.post(
        roster, {"class": "5|1班", "file": (io.BytesIO(bad), "名册.csv")}, follow_redirects=True
    )
    assert response.status_code == 422
    assert "重复" in response.get_data(as_text=True)


def test_the_bureau_ranks_the_communities_drills_down_exports_and_seals_the_year(
    site: Site,
) -> None:
    world = site.world
    core = site.browser("hn-sadmin")
    member = site.browser("hn-sadmin2")
    for subject, day, scores in (
        ("语文", "2025-06-20", MEMBER_FIRST),
        ("数学", "2025-11-20", MEMBER_SECOND),
    ):
        test_id = define(site, core, subject, day)
        assert site.upload(core, test_id, score_file(world.core_class, CORE)).startswith("200")
        assert site.upload(member, test_id, score_file(world.member_class, scores)).startswith(
            "200"
        )
    monitor = site.browser("hn-monitor")
    query = "?year=2025&as_of=2025-12-31"
    page = monitor.text(f"/assessment/bundled{query}")
    assert "狮岭—博达教共体" in page
    assert "优秀" in page
    assert "封存2025年度结果" not in page  # the monitor reads; the bureau's admin seals
    detail = monitor.text(f"/assessment/bundled/communities/{world.community_id}{query}")
    assert "差距14.32分" in detail
    assert "差距9.07分" in detail
    export = monitor.get(f"/assessment/bundled/export.xlsx{query}")
    assert export.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(export.get_data()))
    assert book.active is not None
    assert book.active.cell(4, 2).value == "狮岭—博达教共体"
    assert site.browser("hn-teacher").get(f"/assessment/bundled{query}").status_code == 403

    admin = site.browser("hn-admin")
    refused = admin.post(
        "/assessment/bundled/formula",
        {"completion": "0", "narrowing": "0", "targets": "0", "excellent_percent": "30"},
    )
    assert refused.status_code == 422
    sealed = admin.post(
        "/assessment/bundled/seal", {"year": "2025", "as_of": "2025-12-31"}, follow_redirects=True
    )
    assert sealed.status_code == 200
    assert "已于" in sealed.get_data(as_text=True)
    again = admin.post("/assessment/bundled/seal", {"year": "2025", "as_of": "2025-12-31"})
    assert again.status_code == 422
    assert "已封存" in again.get_data(as_text=True)


def test_a_school_sets_its_targets_and_the_bureau_raises_the_smallest_group(site: Site) -> None:
    world = site.world
    core = site.browser("hn-sadmin")
    member = site.browser("hn-sadmin2")
    test_id = define(site, core, "语文", "2025-06-20")
    assert site.upload(member, test_id, score_file(world.member_class, MEMBER_FIRST)).startswith(
        "200"
    )
    targets = f"/assessment/schools/{world.hn.other_school_id}/targets"
    wanted = {
        "test_id": str(test_id),
        "grade": "5",
        "pass_rate": "80",
        "excellence_rate": "30",
        "low_rate": "5",
        "average": "72.5",
    }
    refused = member.post(targets, {**wanted, "average": "七十"})
    assert refused.status_code == 422
    assert "平均分目标应为数字" in refused.get_data(as_text=True)
    # Another school's admin may not set them (the core school sees the form only for itself).
    assert core.post(targets, wanted).status_code == 403
    saved = member.post(targets, wanted, follow_redirects=True)
    assert saved.status_code == 200
    assert "目标：平均分72.5，合格率80.0%，优秀率30.0%，低分率5.0%" in saved.get_data(as_text=True)

    monitor = site.browser("hn-monitor")
    assert 'class="suppressed"' not in monitor.text(f"/assessment/tests/{test_id}")
    admin = site.browser("hn-admin")
    assert admin.post("/assessment/settings/min-group", {"min_group": "0"}).status_code == 422
    assert admin.post("/assessment/settings/min-group", {"min_group": "9"}).status_code == 302
    page = monitor.text(f"/assessment/tests/{test_id}")
    assert 'class="suppressed"' in page  # 8 sat the test
    assert "少于9人参考" in page
    assert monitor.post("/assessment/settings/min-group", {"min_group": "3"}).status_code == 403


def test_the_pages_read_in_english_too(site: Site) -> None:
    core = site.browser("hn-sadmin")
    test_id = define(site, core, "语文", "2025-06-20")
    monitor = site.browser("hn-monitor")
    assert monitor.get("/lang/en").status_code in (302, 303)
    page = monitor.text(f"/assessment/tests/{test_id}")
    assert "Schools against their targets" in page
    assert "Bundled evaluation" in monitor.text("/assessment/bundled")
