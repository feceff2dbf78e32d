"""Joint preparation keeps every revision of a lesson plan; any two can be compared line by line,
by the schools taking part only (the bureau finds no such page), on the page and in the API."""

from __future__ import annotations

from datetime import date

from infra.wiring import Runtime
from services.line_diff import DiffLine, line_diff
from tests.conftest import PASSWORD, SetClock
from tests.test_sync_classes import bd_admin, propose
from tests.web_sync.test_sync_pages import a_world

FIRST = "一、导入：朗读古诗\n二、品读：找出动词\n三、作业：背诵"
SECOND = "一、导入：朗读古诗\n二、品读：找出动词，体会情感\n三、作业：背诵\n四、拓展：仿写两句"


def test_a_changed_line_is_the_old_one_removed_and_the_new_one_added() -> None:
    assert line_diff(FIRST, SECOND) == [
        DiffLine("same", "一、导入：朗读古诗"),
        DiffLine("removed", "二、品读：找出动词"),
        DiffLine("added", "二、品读：找出动词，体会情感"),
        DiffLine("same", "三、作业：背诵"),
        DiffLine("added", "四、拓展：仿写两句"),
    ]
    assert line_diff("", "") == []


def test_two_drafts_are_compared_by_the_schools_taking_part_and_hidden_from_the_bureau(
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
    slot = propose(runtime, hn, timetable)
    sync.answer_slot(bd_admin(runtime, hn), timetable, slot, accept=True)
    sync.generate_sessions(hn.school_admin, timetable)
    settled(runtime)
    lesson = min(
        runtime.services.sync_pages.my_week(hn.teacher, date(2025, 3, 3)).lessons(),
        key=lambda x: x.row.on,
    ).row.id
    sync.add_draft(hn.teacher, lesson, text=FIRST)
    settled(runtime)

    teacher = web.browser("hn-teacher")
    too_few = teacher.get(f"/sync/sessions/{lesson}/compare")
    assert too_few.status_code == 422
    assert "至少要有两稿才能比较" in too_few.get_data(as_text=True)
    sync.add_draft(hn.other_teacher, lesson, text=SECOND)
    settled(runtime)
    assert "比较两稿" in teacher.text(f"/sync/sessions/{lesson}")
    page = teacher.text(f"/sync/sessions/{lesson}/compare?old=1&new=2")
    assert (
        '<li class="diff-removed"><span class="mark" aria-hidden="true">−</span><del>二、品读：找出动词</del></li>'
        in page
    )
    assert "<ins>四、拓展：仿写两句</ins>" in page
    assert teacher.get(f"/sync/sessions/{lesson}/compare?old=2&new=2").status_code == 422
    assert teacher.get(f"/sync/sessions/{lesson}/compare?old=x").status_code == 422
    # The bureau sees counts, never plans.
    assert web.browser("hn-monitor").get(f"/sync/sessions/{lesson}/compare").status_code == 404

    client = web.app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "hn-teacher", "password": PASSWORD})
    answer = client.get(
        f"/api/v1/sync-lessons/{lesson}/compare",
        headers={"Authorization": f"Bearer {token.json['token']}"},
    )
    assert answer.status_code == 200
    assert (answer.json["old"], answer.json["new"]) == (1, 2)
    assert {"kind": "added", "text": "四、拓展：仿写两句"} in answer.json["lines"]


def settled(runtime: Runtime) -> None:
    """Wait for the projections running beside the app (never a second catch-up beside them)."""
    assert runtime.services.queries.wait_for(runtime.platform.head())
