"""The API of synchronized classes: a semester's timetable built, answered, generated and taught
through /api/v1, bad input refused with its reason and nothing stored, and lesson plans kept for
the schools taking part."""

from __future__ import annotations

import io
from typing import Any
from uuid import UUID

import openpyxl
import pytest

from domain.sync_session import session_id_for
from infra.wiring import Runtime
from tests.conftest import PASSWORD
from tests.test_api import Api, created, error, make_api
from tests.test_api_communities import found, set_clock, settled
from tests.test_domain_sync_classes import bell

PLAN = "秘密教案：古诗两首，先读后品"


@pytest.fixture
def api(runtime: Runtime) -> Api:
    return make_api(runtime)


def a_member_admin(api: Api) -> None:
    """博达's own admin (hn-badmin), and its third-grade class."""
    admin = api.as_("hn-admin")
    school = str(api.hn.other_school_id)
    staff = {
        "username": "hn-badmin",
        "display_name": "博达管理员",
        "password": PASSWORD,
        "roles": ["school_admin"],
    }
    settled(api, created(admin.post(f"/schools/{school}/staff", staff)))
    settled(api, created(admin.post(f"/schools/{school}/classes", {"grade": 3, "name": "1班"})))


def a_timetable(api: Api) -> tuple[str, dict[str, Any]]:
    """狮岭 (bells at 08:00) and 博达 (bells at 08:10), a spring timetable with one 语文 slot."""
    admin = api.as_("hn-admin")
    for school, first in ((api.hn.school_id, 8 * 60), (api.hn.other_school_id, 8 * 60 + 10)):
        answer = admin.put(f"/schools/{school}/bell-schedule", {"periods": bell(first)})
        assert answer.status_code == 200, answer.json
    a_member_admin(api)
    community_id, _ = found(api)
    set_clock(api, 2025, 3, 1)
    core = api.as_("hn-sadmin")
    timetable, _ = settled(
        api,
        created(
            core.post(
                f"/communities/{community_id}/timetables",
                {"name": "2025年春季", "starts_on": "2025-03-03", "ends_on": "2025-04-30"},
            )
        ),
    )
    slot = {
        "weekday": 2,
        "period": 3,
        "subject": "语文",
        "grade": 3,
        "host_class_id": "3-1",
        "host_teacher_id": str(api.hn.teacher.user_id),
        "receivers": [
            {
                "school_id": str(api.hn.other_school_id),
                "class_id": "3-1",
                "teacher_id": str(api.hn.other_teacher.user_id),
            }
        ],
    }
    return timetable, slot


def test_a_semester_is_built_answered_generated_and_taught_through_the_api(api: Api) -> None:
    timetable, slot = a_timetable(api)
    core = api.as_("hn-sadmin")
    proposed = core.post(f"/timetables/{timetable}/slots", slot)
    settled(api, created(proposed))
    slot_id = proposed.json["slot_id"]

    page = core.get(f"/timetables/{timetable}").json
    (shown,) = page["slots"]
    assert shown["receiving"][0]["mapping"].endswith("(重叠30分钟)")
    assert shown["receiving"][0]["answer"] == "pending"

    member = api.as_("hn-badmin")
    to_answer = member.get(f"/schools/{api.hn.other_school_id}/sync-classes").json["to_answer"]
    assert [s["slot_id"] for s in to_answer] == [slot_id]
    settled(
        api,
        created(
            member.post(f"/timetables/{timetable}/slots/{slot_id}/answer", {"accept": True}), 200
        ),
    )
    settled(api, created(core.post(f"/timetables/{timetable}/generate"), 200))

    lesson = str(session_id_for(UUID(timetable), f"{slot_id}@2025-03-04"))
    teacher = api.as_("hn-teacher")
    week = teacher.get("/sync/me", week="2025-03-04").json
    assert [x["id"] for x in week["lessons"]] == [lesson]
    settled(api, created(teacher.post(f"/sync-lessons/{lesson}/drafts", {"text": PLAN}), 200))
    comment = {"comment": "建议增加朗读环节"}
    receiving = api.as_("hn-teacher2")
    settled(api, created(receiving.post(f"/sync-lessons/{lesson}/drafts/1/comments", comment), 200))
    error(teacher.post(f"/sync-lessons/{lesson}/drafts/x/final"), 400)
    settled(api, created(teacher.post(f"/sync-lessons/{lesson}/drafts/1/final"), 200))
    set_clock(api, 2025, 3, 4)
    delivery = {
        "started": "09:40",
        "ended": "10:20",
        "quality": "good",
        "attendance": [
            {"school_id": str(api.hn.other_school_id), "class_id": "3-1", "present": 38, "size": 40}
        ],
    }
    settled(api, created(teacher.post(f"/sync-lessons/{lesson}/delivery", delivery), 200))

    read = teacher.get(f"/sync-lessons/{lesson}").json
    assert (read["status"], read["counted"]) == ("delivered", True)
    assert read["drafts"][0]["text"] == PLAN
    assert read["drafts"][0]["comments"][0]["comment"] == "建议增加朗读环节"
    assert read["final_revision"] == 1
    exported = core.get(f"/timetables/{timetable}/timetable.xlsx")
    assert exported.mimetype.endswith("spreadsheetml.sheet")
    sheets = openpyxl.load_workbook(io.BytesIO(exported.data)).sheetnames
    assert sorted(sheets) == ["海宁市教育局第一小学", "海宁市教育局第二小学"]
    figures = api.as_("hn-sadmin").get(f"/schools/{api.hn.school_id}/sync-classes").json
    assert figures["hosted"]["delivered"] == 1
    # The bureau reads the lesson's counts, never its plan.
    assert PLAN not in api.as_("hn-monitor").get(f"/sync-lessons/{lesson}").get_data(as_text=True)


def test_a_slot_on_a_period_that_does_not_exist_answers_422_and_stores_nothing(api: Api) -> None:
    timetable, slot = a_timetable(api)
    core = api.as_("hn-sadmin")
    reason = error(core.post(f"/timetables/{timetable}/slots", slot | {"period": 9}), 422)
    assert "节" in reason
    assert core.get(f"/timetables/{timetable}").json["slots"] == []


def test_an_attendance_larger_than_the_class_and_a_wrong_date_are_refused(api: Api) -> None:
    timetable, slot = a_timetable(api)
    core = api.as_("hn-sadmin")
    proposed = core.post(f"/timetables/{timetable}/slots", slot)
    settled(api, created(proposed))
    slot_id = proposed.json["slot_id"]
    member = api.as_("hn-badmin")
    answer = member.post(f"/timetables/{timetable}/slots/{slot_id}/answer", {"accept": True})
    settled(api, created(answer, 200))
    settled(api, created(core.post(f"/timetables/{timetable}/generate"), 200))
    lesson = str(session_id_for(UUID(timetable), f"{slot_id}@2025-03-04"))
    set_clock(api, 2025, 3, 4)
    too_many = {
        "started": "09:40",
        "ended": "10:20",
        "quality": "good",
        "attendance": [
            {"school_id": str(api.hn.other_school_id), "class_id": "3-1", "present": 41, "size": 40}
        ],
    }
    teacher = api.as_("hn-teacher")
    error(teacher.post(f"/sync-lessons/{lesson}/delivery", too_many), 422)
    wrong_day = core.post(f"/sync-lessons/{lesson}/reschedule", {"on": "2025-02-30", "period": 3})
    assert "日期" in error(wrong_day, 400)
    assert wrong_day.json["field"] == "on"
    read = teacher.get(f"/sync-lessons/{lesson}").json
    assert (read["status"], read["on"]) == ("planned", "2025-03-04")
