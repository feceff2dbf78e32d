"""A school's sync-class page is kept per session while the views it reads stand still, and drawn
again as soon as one moves: a lesson delivered, cancelled or renamed shows on the next visit."""

from __future__ import annotations

from datetime import UTC, date, datetime

from infra.wiring import Runtime
from tests.conftest import SetClock
from tests.test_sync_classes import bd_admin, propose
from tests.web_sync.test_sync_pages import a_world

DELIVERED = '<span class="sync-status">已上</span>'


def test_a_kept_school_page_shows_a_delivery_and_a_cancellation_on_the_next_visit(
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
    lessons = sorted(
        runtime.services.sync_pages.my_week(hn.teacher, date(2025, 3, 3)).lessons()
        + runtime.services.sync_pages.my_week(hn.teacher, date(2025, 3, 10)).lessons(),
        key=lambda x: x.row.on,
    )
    admin = web.browser("hn-sadmin")
    path = f"/sync/schools/{hn.school_id}?week=2025-03-03"
    before = admin.text(path)
    assert before == admin.text(path)  # kept: nothing moved
    assert "停电检修" not in before
    assert DELIVERED not in before

    set_clock(datetime(2025, 3, 12, 8, 0, tzinfo=UTC))
    sync.deliver(
        hn.teacher,
        lessons[0].row.id,
        started="09:40",
        ended="10:20",
        attendance={f"{hn.other_school_id}/3-1": (38, 40)},
        quality="good",
    )
    sync.cancel(hn.school_admin, lessons[1].row.id, reason="停电检修")
    settled(runtime)
    after = admin.text(path)
    assert after != before
    assert "停电检修" in after  # the cancellation, with its reason
    assert DELIVERED in after  # the delivered lesson in the grid


def settled(runtime: Runtime) -> None:
    """Wait for the projections running beside the app (never a second catch-up beside them)."""
    assert runtime.services.queries.wait_for(runtime.platform.head())
