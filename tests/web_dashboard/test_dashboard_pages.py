"""The progress pages through the Flask test client, on SQLite and PostgreSQL: the dashboard's
figures are the services' figures, filters and as-of dates work, a seal followed by a late record
shows the amendment, the drill-down lists the records with both dates, the report and its .xlsx hold
the page's percentages, and nobody sees what they may not."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from domain.counting import TaskKind
from services.progress import Status
from services.report_texts import percent_text
from tests.web_dashboard.conftest import TODAY, Person, World
from tests.web_dashboard.scripted_year import A_Q1, A_Q2, at, history_at, record

WEB = Path(__file__).resolve().parents[2] / "web"
HEADERS = ["工作任务", "责任单位", "季度目标", "进展情况", "目标完成情况"]
STATUS_LABELS = {
    Status.MET: "达标",
    Status.ON_TRACK: "进度正常",
    Status.WARNING: "预警",
    Status.BEHIND: "落后",
    Status.NO_PLAN: "无计划",
}


def cards(html: str) -> dict[str, str]:
    """The dashboard's community cards by community id."""
    return dict(
        re.findall(r'<article[^>]*data-community="([^"]+)"[^>]*>(.*?)</article>', html, re.S)
    )


def big_percent(card: str) -> str:
    found = re.search(r'class="drill big percent"[^>]*>([^<]+)</a>', card)
    assert found, card
    return found.group(1)


def status_counts(html: str) -> dict[str, int]:
    found = re.findall(r'class="status-(\w+)" href="[^"]*"[^>]*><strong>(\d+)</strong>', html)
    return {status: int(n) for status, n in found}


def test_the_dashboard_shows_the_figures_the_services_compute(world: World) -> None:
    hn, year = world.year.hn, world.year
    officer = world.person("hn-monitor")
    progress = world.runtime.services.progress
    for as_of in (date(2025, 3, 31), date(2025, 6, 30), TODAY):
        html = officer.text(f"/dashboard?as_of={as_of.isoformat()}")
        shown = cards(html)
        figures = progress.dashboard(hn.monitor, as_of=as_of)
        assert (
            set(shown)
            == {str(f.community.id) for f in figures}
            == {
                str(year.a),
                str(year.b),
                str(year.c),
            }
        )
        for f in figures:
            card = shown[str(f.community.id)]
            assert f.community.name in card
            assert STATUS_LABELS[f.status] in card
            if f.percent is None:
                assert "尚无已批准的年度计划" in card
                continue
            assert big_percent(card) == percent_text(f.percent)
            assert f"要求{percent_text((f.required_now or 0) * 100)}" in card
        counts = status_counts(html)
        for status, label in STATUS_LABELS.items():
            assert counts[status] == sum(1 for f in figures if f.status == status), label
    # The numbers worked out by hand in the scripted year.
    q1 = cards(officer.text("/dashboard?as_of=2025-03-31"))[str(year.a)]
    q2 = cards(officer.text("/dashboard?as_of=2025-06-30"))[str(year.a)]
    assert big_percent(q1) == percent_text(A_Q1) == "25%"
    assert big_percent(q2) == percent_text(A_Q2) == "56.2%"
    assert "要求40%（3月31日前）" in q1
    assert "要求60%（6月30日前）" in q2
    today = cards(officer.text("/dashboard"))
    assert "按当前进度，到9月30日将达到" in today[str(year.a)]
    assert "落后" in today[str(year.a)]
    assert "进度正常" in today[str(year.b)]
    assert "<svg" in today[str(year.a)]
    assert "polyline" in today[str(year.a)]


def test_the_filters_narrow_the_dashboard_by_type_school_and_status(world: World) -> None:
    year = world.year
    officer = world.person("hn-admin")
    assert set(cards(officer.text("/dashboard?kind=fusion"))) == {str(year.a)}
    assert set(cards(officer.text(f"/dashboard?school={year.fourth_school}"))) == {
        str(year.b),
        str(year.c),
    }
    assert set(cards(officer.text("/dashboard?status=behind"))) == {str(year.a)}
    assert set(cards(officer.text("/dashboard?status=no_plan&kind=fusion"))) == set()
    # The counts at the top stay those of every status, so one can switch between them.
    assert status_counts(officer.text("/dashboard?status=behind")) == {
        Status.MET: 0,
        Status.ON_TRACK: 1,
        Status.WARNING: 0,
        Status.BEHIND: 1,
        Status.NO_PLAN: 1,
    }
    for bad in ("status=lost", "school=not-an-id", "as_of=2025-13-01"):
        assert officer.get(f"/dashboard?{bad}").status_code == 400


def test_a_seal_then_a_late_record_shows_the_amendment(world: World) -> None:
    year, runtime = world.year, world.runtime
    admin, monitor = world.person("hn-admin"), world.person("hn-monitor")
    world.set_today(date(2025, 4, 3))
    with history_at(runtime, at(date(2025, 4, 3))):
        assert monitor.post("/dashboard/seal", {"year": 2025, "quarter": 1}).status_code == 403
        sealed = admin.post("/dashboard/seal", {"year": 2025, "quarter": 1, "as_of": "2025-04-03"})
        assert sealed.status_code == 302
        page = admin.text("/dashboard?as_of=2025-04-03")
        assert "2025年一季度已封存" in page
        again = admin.post("/dashboard/seal", {"year": 2025, "quarter": 1})
        assert "已封存" in admin.text(again.headers["Location"])
        too_early = admin.post("/dashboard/seal", {"year": 2025, "quarter": 2})
        assert "尚未到期" in admin.text(too_early.headers["Location"])
        assert admin.post("/dashboard/seal", {"quarter": 2}).status_code == 400
        assert admin.post("/dashboard/seal", {"year": 2025, "quarter": "x"}).status_code == 400
    [seal] = runtime.services.progress.seals(year.hn.admin, 2025)
    assert seal.quarter == 1
    # Work of 28 March entered on 20 April: 线下教研 3/4 → (0.75 + 0.5 + 0) / 4 = 31.2%.
    record(
        runtime,
        year.hn.teacher,
        year.a,
        TaskKind.OFFLINE_RESEARCH,
        date(2025, 3, 28),
        "补录：语文同课异构",
        recorded=at(date(2025, 4, 20)),
        running=True,
    )
    world.set_today(TODAY)
    amendment = "一季度封存时为25%，现为31.2%：封存后补录1条记录"
    assert amendment in cards(monitor.text("/dashboard?as_of=2025-04-30"))[str(year.a)]
    assert amendment in monitor.text(f"/dashboard/communities/{year.a}")
    # Before the seal's date there is nothing to amend.
    assert "封存时为" not in monitor.text("/dashboard?as_of=2025-03-30")
    # The late record is flagged in the drill-down, with when it happened and when it was recorded.
    drill = monitor.text(f"/dashboard/communities/{year.a}/events?task=offline_research")
    row = re.search(r"<tr[^>]*>\s*<td[^>]*>2025-03-28</td>(.*?)</tr>", drill, re.S)
    assert row, drill
    assert "补录：语文同课异构" in row.group(1)
    assert "2025-04-20 18:00" in row.group(1)  # recorded 10:00 UTC, shown in Beijing time
    assert "badge late" in row.group(1)
    # The sealed quarter's sheet keeps the sealed figure and shows the amendment.
    sheet = workbook(monitor)["一季度"]
    cell = next(str(r[4]) for r in sheet.iter_rows(min_row=4, values_only=True) if "狮岭" in r[0])
    assert "封存时完成25%，未达标" in cell
    assert amendment in cell


def test_the_drill_down_lists_the_records_behind_a_figure_with_both_dates(world: World) -> None:
    year = world.year
    officer = world.person("hn-monitor")
    page = f"/dashboard/communities/{year.a}"
    html = officer.text(f"{page}?as_of=2025-06-30")
    # Every % on the community page opens its drill-down.
    links = dict(re.findall(r'<a class="drill[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>', html))
    assert links[f"{page}/events?task=offline_research&amp;as_of=2025-06-30"] == "75%"
    assert links[f"{page}/events?as_of=2025-03-31"] == "25%"  # the Q1 checkpoint's figure
    assert links[f"{page}/events?as_of=2025-06-30"] == "56.2%"
    drill = officer.text(f"{page}/events?task=offline_research&as_of=2025-06-30")
    rows = re.findall(r'<tr class="(counts|inactive)">(.*?)</tr>', drill, re.S)
    assert len(rows) == 3
    texts = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r[1])).strip() for r in rows]
    assert texts[0].startswith("2025-05-15 英语主题研修")
    assert "海宁市教育局第二小学" in texts[0]
    assert "李老师" in texts[0]
    assert "2025-05-16 02:00" in texts[0]  # recorded at 18:00 UTC on the day it happened
    assert texts[2].startswith("2025-02-10 语文集体备课")
    assert "海宁市教育局第一小学" in texts[2]
    assert "王老师" in texts[2]
    assert all(r[0] == "counts" for r in rows)
    assert "75%" in drill
    assert "已完成3/4" in drill
    # As of an earlier date, later records are not listed.
    earlier = officer.text(f"{page}/events?task=offline_research&as_of=2025-03-31")
    assert "英语主题研修" not in earlier
    assert "数学课堂诊断" in earlier
    assert officer.get(f"{page}/events?task=homework").status_code == 400


def test_a_record_outside_the_membership_is_listed_as_not_counting(sqlite_world: World) -> None:
    world = sqlite_world
    year, runtime = world.year, world.runtime
    with history_at(runtime, at(date(2025, 7, 1))):
        done = runtime.services.communities.release(
            year.hn.admin, year.a, year.hn.other_school_id, on=date(2025, 6, 1), reason="划片调整"
        )
    assert runtime.services.queries.wait_for(done.position)
    drill = world.person("hn-admin").text(
        f"/dashboard/communities/{year.a}/events?task=research_output&as_of=2025-06-30"
    )
    assert "城乡同步课堂实践" in drill
    assert "不计入" in drill
    assert "当天该校不是成员校" in drill


def test_a_teacher_or_school_admin_may_not_open_the_bureau_dashboard(world: World) -> None:
    for username in ("hn-teacher", "hn-sadmin"):
        person = world.person(username)
        for path in ("/dashboard", "/dashboard/export.xlsx?year=2025", "/dashboard/print"):
            assert person.get(path).status_code == 403, (username, path)
        assert person.post("/dashboard/seal", {"year": 2025, "quarter": 1}).status_code == 403
    # Staff of a member school see their community's page and its drill-down, and a list of theirs.
    member = world.person("hn-teacher2")
    assert "狮岭—博达教共体" in member.text(f"/dashboard/communities/{world.year.a}")
    assert member.get(f"/dashboard/communities/{world.year.a}/events").status_code == 200
    mine = member.text("/dashboard/mine")
    assert "狮岭—博达教共体" in mine
    assert "城北协作体" not in mine


def test_a_school_outside_the_community_and_another_bureau_get_not_found(world: World) -> None:
    year = world.year
    a = f"/dashboard/communities/{year.a}"
    outsider = world.person("hn-teacher3")  # at 城北小学: in B and C, never in A
    assert outsider.get(f"/dashboard/communities/{year.b}").status_code == 200
    other_bureau = world.person("yy-admin")
    other_monitor = world.person("yy-monitor")
    for person in (outsider, other_bureau, other_monitor, world.person("yy-teacher")):
        for path in (a, f"{a}/events", f"{a}/events?task=offline_research&as_of=2025-06-30"):
            assert person.get(path).status_code == 404, path
    assert cards(other_bureau.text("/dashboard")) == {}
    assert "狮岭" not in other_bureau.text("/dashboard?as_of=2025-06-30")
    admin = world.person("hn-admin")
    for path in (f"/dashboard/communities/{uuid.uuid4()}", "/dashboard/communities/not-an-id"):
        assert admin.get(path).status_code == 404
        assert admin.get(f"{path}/events").status_code == 404


def test_a_partner_bureau_sees_the_other_bureaus_records_only_as_such(
    sqlite_world: World,
) -> None:
    world = sqlite_world
    year, runtime = world.year, world.runtime
    hn, yy = year.hn, year.yy
    with history_at(runtime, at(date(2025, 3, 2))):
        done = runtime.services.communities.invite_across_regions(
            hn.admin, year.a, tenant_id=yy.tenant_id, school_code="yy-01", on=date(2025, 3, 1)
        )
    assert runtime.services.queries.wait_for(done.position)
    with history_at(runtime, at(date(2025, 3, 3))):
        done = runtime.services.communities.consent(yy.admin, year.a, yy.school_id)
    assert runtime.services.queries.wait_for(done.position)
    record(
        runtime,
        yy.teacher,
        year.a,
        TaskKind.DEMO_LESSON,
        date(2025, 3, 10),
        "余姚送教",
        running=True,
    )
    path = f"/dashboard/communities/{year.a}/events?task=demo_lesson&as_of=2025-06-30"
    theirs = world.person("yy-monitor").text(path)
    assert "余姚送教" in theirs  # their own school's record
    assert "合作地区学校的记录" in theirs
    assert "送教下乡：古诗词教学" not in theirs
    assert "海宁市教育局第一小学" not in theirs
    ours = world.person("hn-monitor").text(path)
    assert "余姚送教" in ours
    assert "送教下乡：古诗词教学" in ours
    assert "合作地区学校的记录" not in ours
    # Both bureaus see the same shared figure on their dashboards.
    yy_cards = cards(world.person("yy-monitor").text("/dashboard?as_of=2025-06-30"))
    hn_cards = cards(world.person("hn-monitor").text("/dashboard?as_of=2025-06-30"))
    assert big_percent(yy_cards[str(year.a)]) == big_percent(hn_cards[str(year.a)])


def workbook(person: Person, year: int = 2025) -> openpyxl.Workbook:
    response = person.get(f"/dashboard/export.xlsx?year={year}")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(response.data))


def test_the_excel_export_has_a_sheet_per_quarter_with_the_pages_figures(world: World) -> None:
    year = world.year
    officer = world.person("hn-monitor")
    book = workbook(officer)
    assert book.sheetnames == ["一季度", "二季度", "三季度", "四季度"]
    progress = world.runtime.services.progress
    dues = {1: date(2025, 3, 31), 2: date(2025, 6, 30), 3: date(2025, 9, 30), 4: date(2025, 10, 31)}
    for quarter, name in enumerate(book.sheetnames, start=1):
        sheet = book[name]
        assert name in str(sheet["A1"].value)
        assert "2025" in str(sheet["A1"].value)
        assert sheet["A1"].font.bold
        assert [c.value for c in sheet[3]] == HEADERS
        assert all(c.font.bold for c in sheet[3])
        assert sheet.column_dimensions["A"].width >= 30
        assert sheet["A4"].alignment.wrap_text
        rows = {str(r[0]).split("（")[0]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
        assert set(rows) == {"狮岭—博达教共体", "城北协作体", "南湖帮扶共同体"}
        due = dues[quarter]
        as_of = min(due, TODAY)
        page = cards(officer.text(f"/dashboard?as_of={as_of.isoformat()}"))
        for f in progress.dashboard(year.hn.monitor, as_of=as_of):
            row = rows[f.community.name]
            assert "核心校" in str(row[1])
            assert "成员校" in str(row[1])
            if f.percent is None:
                assert "无已批准的年度计划" in str(row[4])
                continue
            shown = big_percent(page[str(f.community.id)])
            assert shown == percent_text(f.percent)
            if due <= TODAY:
                met = f.progress is not None and f.progress.ratio >= (f.required_now or 0)
                verdict = "达标" if met else "未达标"
                assert f"完成{shown}，{verdict}" in str(row[4]), row[4]
            else:
                assert f"未到期\n目前完成{shown}" in str(row[4])
            for task in f.progress.tasks if f.progress else []:
                assert f"{task.done}/{task.target}" in str(row[3])
    # The hand-computed figures, as a bureau officer reads them in the file.
    second = {
        str(r[0]).split("（")[0]: r for r in book["二季度"].iter_rows(min_row=4, values_only=True)
    }
    assert "完成56.2%，未达标" in str(second["狮岭—博达教共体"][4])
    assert "截至6月30日累计完成60%" in str(second["狮岭—博达教共体"][2])
    assert "线下教研 3/4" in str(second["狮岭—博达教共体"][3])
    assert (
        second["狮岭—博达教共体"][1] == "核心校：海宁市教育局第一小学\n成员校：海宁市教育局第二小学"
    )


def test_the_print_view_renders_the_quarterly_table(world: World) -> None:
    officer = world.person("hn-admin")
    html = officer.text("/dashboard/print?year=2025&quarter=2")
    assert "海宁市教育局2025年民生实事·教共体建设二季度进展情况表" in html
    for header in HEADERS:
        assert f"<th>{header}</th>" in html
    assert "完成56.2%，未达标" in html
    assert 'class="report-table"' in html
    # Without a quarter, the one being worked on (Q3 on 10 July); without a year, this year's.
    assert "三季度进展情况表" in officer.text("/dashboard/print?year=2025")
    assert "2025年民生实事·教共体建设三季度" in officer.text("/dashboard/print")
    assert officer.get("/dashboard/export.xlsx").status_code == 200
    assert officer.get("/dashboard/print?year=2025&quarter=9").status_code == 422
    assert officer.get("/dashboard/print?year=twenty").status_code == 400
    assert "@media print" in (WEB / "static/app.css").read_text()


def test_the_pages_read_in_english_too(world: World) -> None:
    officer = world.person("hn-admin")
    officer.get("/lang/en")
    html = officer.text("/dashboard?as_of=2025-07-10")
    for label in ("Behind", "On track", "No plan"):
        assert label in html
    assert "At the current pace:" in html
    community = officer.text(f"/dashboard/communities/{world.year.a}?as_of=2025-07-10")
    assert "Offline joint research" in community
    assert "Q1" in community


@pytest.mark.parametrize("area", ["dashboard"])
def test_every_label_of_the_progress_pages_is_translated_into_english(area: str) -> None:
    with (WEB / "translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = read_po(po)
    found = extract_from_dir(
        WEB / "templates" / area,
        method_map=[("**.html", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
    )
    labels = {msgid for _, _, msgid, _, _ in found}
    labels |= {"进展看板", "教共体进展", "进展看板：各教共体季度进展、预警、导出报表"}
    labels |= {"本校所在教共体的进展"}
    assert labels, "no label was found: is the extraction broken?"
    missing = sorted(m for m in labels if not (catalogue.get(m) and catalogue[m].string))
    assert missing == []
