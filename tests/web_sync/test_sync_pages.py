"""The synchronized-class pages through the browser, on SQLite and PostgreSQL: the core school's
admin builds a two-slot timetable (a slot on a period that does not exist is refused with the
reason and nothing stored), the member school accepts on its own page, the lessons are generated,
a teacher records delivery and attendance from their week, and another bureau finds nothing."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from uuid import UUID

import openpyxl

from domain.roles import Role
from infra.wiring import Runtime
from tests.conftest import PASSWORD, SetClock, found_fusion
from tests.test_domain_sync_classes import bell
from tests.web.conftest import Web, make_web

SLOT = {"weekday": "2", "period": "3", "subject": "语文", "grade": "3", "host_class_id": "3-1"}


def a_world(runtime: Runtime, set_clock: SetClock) -> tuple[Web, UUID]:
    set_clock(datetime(2025, 2, 20, 2, 0, tzinfo=UTC))
    web = make_web(runtime)
    hn, org = web.hn, runtime.services.organisation
    org.set_bell_schedule(hn.admin, hn.school_id, bell(8 * 60))
    org.set_bell_schedule(hn.admin, hn.other_school_id, bell(8 * 60 + 10))
    org.open_class(hn.admin, hn.other_school_id, grade=3, name="1班")
    runtime.services.people.register_user(
        hn.admin,
        username="hn-bdadmin",
        display_name="博达教导主任",
        password=PASSWORD,
        roles=[Role.SCHOOL_ADMIN],
        school_id=hn.other_school_id,
    )
    community = found_fusion(runtime, hn).id
    runtime.catch_up()
    return web, community


def test_a_timetable_is_built_accepted_generated_and_a_lesson_delivered_from_a_phone(
    runtime: Runtime, set_clock: SetClock
) -> None:
    web, community = a_world(runtime, set_clock)
    hn = web.hn
    admin = web.browser("hn-sadmin")
    page = admin.text(f"/sync/communities/{community}")
    assert "新建学期大课表" in page
    drafted = admin.post(
        f"/sync/communities/{community}/timetables",
        {"name": "2025年春季学期", "starts_on": "2025-03-03", "ends_on": "2025-04-30"},
    )
    assert drafted.status_code == 302
    timetable = drafted.headers["Location"].rsplit("/", 1)[-1]
    receiver = {
        "host_teacher_id": str(hn.teacher.user_id),
        "receiver_class_1": f"{hn.other_school_id}/3-1",
        "receiver_teacher_1": str(hn.other_teacher.user_id),
    }
    head = runtime.platform.head()
    refused = admin.post(f"/sync/timetables/{timetable}/slots", {**SLOT, **receiver, "period": "9"})
    assert refused.status_code == 422
    assert "没有第9节" in refused.get_data(as_text=True)
    assert runtime.platform.head() == head
    for slot in (SLOT, {**SLOT, "weekday": "4", "period": "2", "subject": "数学"}):
        assert (
            admin.post(f"/sync/timetables/{timetable}/slots", {**slot, **receiver}).status_code
            == 302
        )
    # The member school answers from its own page.
    member = web.browser("hn-bdadmin")
    school_page = member.text(f"/sync/schools/{hn.other_school_id}")
    assert "待本校答复的时段" in school_page
    for slot_id in ("1", "2"):
        answered = member.post(
            f"/sync/timetables/{timetable}/slots/{slot_id}/answer",
            {"answer": "accept", "back": "school"},
        )
        assert answered.status_code == 302
    assert admin.post(f"/sync/timetables/{timetable}/generate").status_code == 302
    exported = admin.get(f"/sync/timetables/{timetable}/timetable.xlsx")
    assert exported.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(exported.data))
    assert sorted(book.sheetnames) == ["海宁市教育局第一小学", "海宁市教育局第二小学"]
    member_sheet = book["海宁市教育局第二小学"]
    tuesday_third = str(member_sheet.cell(row=5, column=3).value)  # 第3节, 周二
    assert tuesday_third.startswith("语文 3年级1班\n09:50–10:30\n助教 李老师")
    page = admin.text(f"/sync/timetables/{timetable}?week=2025-03-03")
    assert "第3节 09:40–10:20 ⇄ " in page
    assert "第3节 09:50–10:30 (重叠30分钟)" in page

    # 王老师 on Tuesday 4 March, after the lesson, on a phone.
    set_clock(datetime(2025, 3, 4, 3, 0, tzinfo=UTC))
    teacher = web.browser("hn-teacher")
    teacher.client.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (iPhone; 390x844)"
    week = teacher.text("/sync")
    assert "我本周的同步课" in week
    assert "记录上课与出勤" in week
    [lesson] = [
        x
        for x in runtime.services.sync_pages.my_week(hn.teacher, date(2025, 3, 3)).lessons()
        if x.row.on == date(2025, 3, 4)
    ]
    path = f"/sync/sessions/{lesson.row.id}"
    form = {"started": "09:40", "ended": "10:20", "quality": "good", "minutes_lost": "0"}
    too_many = teacher.post(f"{path}/deliver", {**form, "present_1": "41", "size_1": "40"})
    assert too_many.status_code == 422
    assert "超过班级人数" in too_many.get_data(as_text=True)
    delivered = teacher.post(f"{path}/deliver", {**form, "present_1": "38", "size_1": "40"})
    assert delivered.status_code == 302
    assert "出勤 38/40" in teacher.text(path)
    figures = member.text(f"/sync/schools/{hn.other_school_id}")
    assert "95.0%" in figures

    stranger = web.browser("yy-admin")
    assert stranger.get(f"/sync/timetables/{timetable}").status_code == 404
    assert stranger.get(path).status_code == 404
    assert stranger.get(f"/sync/schools/{hn.other_school_id}").status_code == 404
    assert stranger.post(f"{path}/cancel", {"reason": "试试"}).status_code == 404
