"""A teacher's calendar feed, on SQLite and PostgreSQL: a personal address that phone calendars
fetch without signing in, holding only that teacher's lessons at their own school's times; a new
address or revoking it makes every earlier one answer 404, like a made-up one."""

from __future__ import annotations

import html
import re
from datetime import date
from uuid import uuid4

import pytest

from domain.base import DomainError
from domain.calendar_feed import CalendarFeed
from infra.wiring import Runtime
from services.errors import Forbidden, NotFound
from services.sync_ical import FeedLesson, calendar, escaped, folded
from tests.conftest import SetClock
from tests.test_sync_classes import at, bd_admin, bureau_with_bells, propose, semester
from tests.web_sync.test_sync_pages import a_world


def test_a_feed_opens_only_at_its_latest_generation_until_revoked() -> None:
    feed = CalendarFeed(
        tenant_id=uuid4(), user_id=uuid4(), actor_id=None, occurred_at=at(2025, 3, 1)
    )
    assert not feed.opens(0)
    first = feed.issue(actor_id=None, occurred_at=at(2025, 3, 1))
    second = feed.issue(actor_id=None, occurred_at=at(2025, 3, 2))
    assert (feed.opens(first), feed.opens(second)) == (False, True)
    feed.revoke(actor_id=None, occurred_at=at(2025, 3, 3))
    assert not feed.opens(second)
    with pytest.raises(DomainError, match="已停用"):
        feed.revoke(actor_id=None, occurred_at=at(2025, 3, 4))


def test_long_chinese_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    line = "SUMMARY:" + escaped("同步课，语文；三年级\n第二课时" * 4)
    parts = folded(line).split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line
    assert "，" in line  # a full-width comma needs no escape
    assert escaped("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_a_cancelled_lesson_stays_in_the_feed_as_cancelled() -> None:
    lesson = FeedLesson(
        uuid4(),
        date(2025, 3, 4),
        "09:40",
        "10:20",
        "语文",
        3,
        "cancelled",
        "同步课（主讲）语文 3年级",
        "第一小学 3年级1班 第3节",
        "取消：运动会",
    )
    text = calendar("同步课堂", [lesson], at(2025, 3, 1))
    assert "DTSTART;TZID=Asia/Shanghai:20250304T094000\r\n" in text
    assert "STATUS:CANCELLED\r\n" in text
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.endswith("END:VCALENDAR\r\n")


def test_a_receiving_teacher_feed_holds_their_lessons_at_their_own_schools_times(
    runtime: Runtime, set_clock: SetClock
) -> None:
    hn = bureau_with_bells(runtime, set_clock)
    _, timetable = semester(runtime, hn)
    sync = runtime.services.sync_classes
    slot = propose(runtime, hn, timetable)
    sync.answer_slot(bd_admin(runtime, hn), timetable, slot, accept=True)
    sync.generate_sessions(hn.school_admin, timetable)
    runtime.catch_up()
    calendars = runtime.services.sync_calendars
    with pytest.raises(Forbidden):
        calendars.issue(hn.admin)  # a bureau admin teaches no lessons
    set_clock(at(2025, 3, 1))
    generation = int(calendars.issue(hn.other_teacher).part_id or 0)
    assert hn.other_teacher.user_id is not None
    mine = calendars.lessons(hn.other_teacher.user_id, generation)
    assert [(x.on, x.start, x.end) for x in mine][:2] == [
        (date(2025, 3, 4), "09:50", "10:30"),
        (date(2025, 3, 11), "09:50", "10:30"),
    ]
    assert mine[0].summary == "同步课（接收）语文 3年级"
    assert mine[0].location == "海宁市教育局第二小学 3年级1班 第3节"
    with pytest.raises(NotFound):
        calendars.lessons(hn.other_teacher.user_id, generation + 1)
    assert hn.teacher.user_id is not None
    with pytest.raises(NotFound):  # the host teacher never opened a feed
        calendars.lessons(hn.teacher.user_id, 1)


def test_a_teacher_subscribes_revokes_and_renews_and_old_addresses_stop_working(
    runtime: Runtime, set_clock: SetClock
) -> None:
    web, community = a_world(runtime, set_clock)
    hn, sync = web.hn, runtime.services.sync_classes
    timetable = sync.draft_timetable(
        hn.school_admin,
        community,
        name="春季",
        starts_on=date(2025, 3, 3),
        ends_on=date(2025, 4, 30),
    ).id
    propose(runtime, hn, timetable)
    sync.answer_slot(bd_admin(runtime, hn), timetable, "1", accept=True)
    settle(runtime, sync.generate_sessions(hn.school_admin, timetable).position)

    teacher = web.browser("hn-teacher")
    assert "生成我的订阅链接" in teacher.text("/sync/calendar")
    assert teacher.post("/sync/calendar/issue").status_code == 302
    first = feed_address(teacher.text("/sync/calendar"))
    anyone = web.browser()  # a phone calendar: no session, no cookie
    answer = anyone.get(first)
    assert answer.status_code == 200
    assert answer.mimetype == "text/calendar"
    text = answer.get_data(as_text=True)
    assert "DTSTART;TZID=Asia/Shanghai:20250304T094000" in text
    assert "SUMMARY:同步课（主讲）语文 3年级" in text

    assert teacher.post("/sync/calendar/revoke", csrf=False).status_code == 400  # no CSRF token
    assert anyone.get(first).status_code == 200
    assert teacher.post("/sync/calendar/revoke").status_code == 302
    assert anyone.get(first).status_code == 404
    assert teacher.post("/sync/calendar/issue").status_code == 302
    second = feed_address(teacher.text("/sync/calendar"))
    assert second != first
    assert anyone.get(second).status_code == 200
    assert anyone.get(first).status_code == 404
    assert anyone.get(second.replace(".ics", "x.ics")).status_code == 404
    # The address names its teacher only under the app's signature: another's is not guessable.
    assert web.browser("yy-teacher").get("/sync/calendar/made-up.ics").status_code == 404


def feed_address(page: str) -> str:
    found = re.search(r'value="http://localhost(/sync/calendar/[^"]+\.ics)"', page)
    assert found, page
    return html.unescape(found.group(1))


def settle(runtime: Runtime, position: int) -> None:
    assert runtime.services.queries.wait_for(position)
