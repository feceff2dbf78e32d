"""What happened: a school's activity feed and the bureau's audit log."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.web.conftest import Web


def entries(page: str) -> str:
    """The audit log's entries: the page's last card, after the filter form."""
    return page.rsplit('<section class="card">', 1)[1]


def positions(page: str) -> list[str]:
    """The occurred-at stamps of the entries, in page order."""
    return re.findall(r'<time datetime="([^"]+)"', page)


def test_a_schools_feed_shows_what_happened_newest_first_in_words(web: Web) -> None:
    admin = web.browser("hn-sadmin")
    admin.post(f"/schools/{web.hn.school_id}/classes", {"grade": "4", "name": "2班"})
    page = admin.text(f"/schools/{web.hn.school_id}/activity")
    assert page.index("开设班级") < page.index("新建账号")  # the class was opened last
    assert "4年级2班" in page
    assert "操作人：校长" in page  # the school admin's name, not an id
    assert "王老师（hn-teacher），教师" in page
    assert "李老师" not in page  # the other school's teacher


def test_the_schools_teachers_and_the_bureau_read_the_feed_but_no_one_else(web: Web) -> None:
    feed = f"/schools/{web.hn.school_id}/activity"
    for username in ("hn-teacher", "hn-sadmin", "hn-admin", "hn-monitor"):
        assert web.browser(username).get(feed).status_code == 200, username
    assert web.browser("hn-teacher2").get(feed).status_code == 403
    assert web.browser("yy-admin").get(feed).status_code == 404
    assert web.browser("yy-admin").get("/schools/bad-id/activity").status_code == 404


def test_a_transfer_shows_in_both_schools_feeds_with_both_names(web: Web) -> None:
    admin = web.browser("hn-admin")
    admin.post(
        f"/bureau/people/{web.hn.teacher.user_id}/transfer",
        {"to_school_id": str(web.hn.other_school_id)},
    )
    for school_id in (web.hn.school_id, web.hn.other_school_id):
        page = admin.text(f"/schools/{school_id}/activity")
        assert "教师调动" in page
        assert "从海宁市教育局第一小学调往海宁市教育局第二小学" in page


def test_older_entries_are_a_page_away_and_no_entry_is_shown_twice(web: Web) -> None:
    org = web.runtime.services.organisation
    done = None
    for n in range(1, 56):
        done = org.open_class(web.hn.admin, web.hn.school_id, grade=1 + n % 6, name=f"{n}班")
    assert done is not None
    web.runtime.services.queries.wait_for(done.position)
    browser = web.browser("hn-sadmin")
    first = browser.text(f"/schools/{web.hn.school_id}/activity")
    assert first.count("<li>") == 50
    older = re.search(r'href="([^"]*before=\d+)"[^>]*rel="next"', first)
    assert older, "the first page links to older entries"
    second = browser.text(older.group(1).replace("&amp;", "&"))
    assert "55班" in first
    assert "55班" not in second
    assert "新建账号" in second  # the oldest entries: the users
    assert 'rel="next"' not in second
    assert (
        first.count("<li>") + second.count("<li>") == 55 + 4
    )  # and the school, its first class, 2 users


def test_the_audit_log_shows_who_did_what_when_it_happened_and_when_it_was_recorded(
    web: Web,
) -> None:
    page = web.browser("hn-monitor").text("/bureau/audit")
    assert "发生时间" in page
    assert "记录时间" in page
    assert "新建学校" in page
    assert "海宁市教育局第一小学（HN-01）" in page
    assert "海宁市教育局管理员" in page  # the acting bureau admin, by name
    assert "余姚" not in entries(page)  # another bureau's entries never show


def test_the_audit_log_filters_by_school_actor_event_type_and_date(web: Web) -> None:
    hn = web.hn
    web.browser("hn-sadmin").post(f"/schools/{hn.school_id}/classes", {"grade": "6", "name": "8班"})
    auditor = web.browser("hn-admin")
    by_school = auditor.text(f"/bureau/audit?school={hn.other_school_id}")
    assert "李老师" in entries(by_school)
    assert "王老师" not in entries(by_school)
    by_actor = auditor.text(f"/bureau/audit?actor={hn.school_admin.user_id}")
    assert "6年级8班" in by_actor
    assert "王老师（hn-teacher），教师" in by_actor
    assert "新建学校" not in entries(by_actor)
    by_type = auditor.text("/bureau/audit?type=School.ClassOpened")
    table = entries(by_type)
    assert "开设班级" in table
    assert "新建账号" not in table
    today = datetime.now(UTC).astimezone(tz=None).date()
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    assert "6年级8班" in auditor.text(f"/bureau/audit?from={yesterday}&to={tomorrow}")
    future = auditor.text(f"/bureau/audit?from={tomorrow + timedelta(days=1)}")
    assert "没有符合条件的记录" in future


def test_a_malformed_date_is_explained_and_nothing_is_listed(web: Web) -> None:
    response = web.browser("hn-admin").get("/bureau/audit?from=2026-13-45&type=School.ClassOpened")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "日期应为“年-月-日”" in page
    assert 'value="2026-13-45"' in page
    assert '<table class="audit">' not in page
    backwards = web.browser("hn-admin").get("/bureau/audit?from=2026-05-02&to=2026-05-01")
    assert backwards.status_code == 422
    assert "结束日期早于开始日期" in backwards.get_data(as_text=True)


def test_the_audit_log_pages_back_with_the_filters_kept(web: Web) -> None:
    org = web.runtime.services.organisation
    done = None
    for n in range(1, 53):
        done = org.open_class(web.hn.admin, web.hn.school_id, grade=2, name=f"{n}班")
    assert done is not None
    web.runtime.services.queries.wait_for(done.position)
    auditor = web.browser("hn-admin")
    first = auditor.text("/bureau/audit?type=School.ClassOpened")
    older = re.search(r'href="([^"]*before=\d+[^"]*)"[^>]*rel="next"', first)
    assert older
    link = older.group(1).replace("&amp;", "&")
    assert "type=School.ClassOpened" in link
    second = auditor.text(link)
    table = entries(second)
    assert "2年级1班" in table
    assert "新建账号" not in table
    assert "2年级52班" not in table


def test_only_the_bureau_reads_the_audit_log_and_only_its_own_ids_filter_it(web: Web) -> None:
    for username in ("hn-sadmin", "hn-teacher"):
        assert web.browser(username).get("/bureau/audit").status_code == 403
    yy = web.browser("yy-admin")
    assert yy.get(f"/bureau/audit?school={web.hn.school_id}").status_code == 404
    assert yy.get(f"/bureau/audit?actor={web.hn.admin.user_id}").status_code == 404
    assert yy.get("/bureau/audit?school=not-an-id").status_code == 404


def test_the_feed_and_the_audit_log_read_in_english(web: Web) -> None:
    auditor = web.browser("hn-admin")
    auditor.get("/lang/en")
    audit = auditor.text("/bureau/audit")
    assert "School created" in audit
    assert "Account created" in audit
    assert "Happened" in audit
    feed = auditor.text(f"/schools/{web.hn.school_id}/activity")
    assert "Class opened" in feed
    assert "Grade 3, 1班" in feed
    assert "By " in feed


def test_late_records_show_when_they_were_recorded(web: Web) -> None:
    last_week = datetime.now(UTC) - timedelta(days=7)
    web.runtime.services.organisation.ctx.clock = lambda: last_week  # what a late record looks like
    done = web.runtime.services.organisation.open_class(
        web.hn.admin, web.hn.school_id, grade=5, name="补录班"
    )
    web.runtime.services.queries.wait_for(done.position)
    feed = web.browser("hn-sadmin").text(f"/schools/{web.hn.school_id}/activity")
    assert "补录于" in feed
    audit = web.browser("hn-admin").text("/bureau/audit")
    assert 'class="late"' in audit
    assert (
        positions(feed)[0] < positions(feed)[1]
    )  # newest recorded first, though it happened earlier


def test_signed_out_visitors_are_sent_to_sign_in_from_the_logs(web: Web) -> None:
    anonymous = web.browser()
    for path in ("/bureau/audit", f"/schools/{web.hn.school_id}/activity"):
        response = anonymous.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
