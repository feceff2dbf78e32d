"""The bureau's drill-down of a community shows its synchronized classes as counts and rates per
subject, never the lesson plans or the feedback the schools wrote; the API answers the same."""

from __future__ import annotations

from datetime import UTC, date, datetime

from infra.wiring import Runtime
from tests.conftest import PASSWORD, SetClock
from tests.test_api_sync_classes import PLAN
from tests.test_sync_classes import bd_admin, propose
from tests.web_sync.test_sync_pages import a_world

FEEDBACK = "秘密反馈：学生对古诗朗读兴趣很高"


def test_the_bureau_sees_counts_delivery_rates_and_subjects_but_no_plan_or_feedback(
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
    chinese = propose(runtime, hn, timetable)
    maths = propose(runtime, hn, timetable, weekday=4, period=2, subject="数学")
    for slot in (chinese, maths):
        sync.answer_slot(bd_admin(runtime, hn), timetable, slot, accept=True)
    sync.generate_sessions(hn.school_admin, timetable)
    settled(runtime)
    week = runtime.services.sync_pages.my_week(hn.teacher, date(2025, 3, 3)).lessons()
    tuesday, thursday = sorted(week, key=lambda x: x.row.on)
    sync.add_draft(hn.teacher, tuesday.row.id, text=PLAN)
    set_clock(datetime(2025, 3, 6, 8, 0, tzinfo=UTC))
    receiving = f"{hn.other_school_id}/3-1"
    sync.deliver(
        hn.teacher,
        tuesday.row.id,
        started="09:40",
        ended="10:20",
        attendance={receiving: (36, 40)},
        quality="good",
    )
    sync.give_feedback(
        hn.other_teacher,
        tuesday.row.id,
        student_response=FEEDBACK,
        homework_rate=90.0,
        quiz_average=85.0,
    )
    sync.cancel(hn.school_admin, thursday.row.id, reason="春季运动会")
    settled(runtime)

    monitor = web.browser("hn-monitor")
    page = monitor.text(f"/dashboard/communities/{community}?as_of=2025-03-06")
    assert 'id="sync-classes"' in page
    section = page.split('id="sync-classes"')[1].split("</section>")[0]
    chinese_row = section.split('data-subject="语文"')[1].split("</tr>")[0]
    # 语文: one due, one delivered (100%), counted, none cancelled, 36 of 40 present.
    assert [c.split(">")[-1] for c in chinese_row.split("</td>")[1:7]] == [
        "1",
        "1",
        "100.0%",
        "1",
        "0",
        "90.0%",
    ]
    maths_row = section.split('data-subject="数学"')[1].split("</tr>")[0]
    assert [c.split(">")[-1] for c in maths_row.split("</td>")[1:7]] == [
        "0",
        "0",
        "—",
        "0",
        "1",
        "—",
    ]
    assert "合计（2个学科）" in section
    assert PLAN not in page
    assert FEEDBACK not in page

    client = web.app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "hn-monitor", "password": PASSWORD})
    answer = client.get(
        f"/api/v1/communities/{community}/sync-figures?as_of=2025-03-06",
        headers={"Authorization": f"Bearer {token.json['token']}"},
    )
    assert answer.json["by_subject"]["语文"]["delivery_rate"] == 100.0
    assert answer.json["overall"]["cancelled"] == 1
    assert FEEDBACK not in answer.get_data(as_text=True)


def settled(runtime: Runtime) -> None:
    """Wait for the projections running beside the app (never a second catch-up beside them)."""
    assert runtime.services.queries.wait_for(runtime.platform.head())
