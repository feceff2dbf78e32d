"""The demo's synchronized classes: 狮岭 hosts 语文, 数学 and 英语 for 博达 (bells ten minutes
apart), a fourth slot declined with a reason, the clash refused, and every lesson already due
prepared, delivered with attendance and answered, but the two cancelled; one moved, one late."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.counting import TaskKind
from infra.demo import seed_demo
from infra.demo_sync import CANCELLED, LATE, MOVED, STARTS_ON
from infra.wiring import Runtime
from services.people import actor_of


def test_the_demo_semester_of_synchronized_classes(sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    seed_demo(runtime)
    runtime.catch_up()
    ctx = runtime.services.sync_pages.ctx
    admin_id = ctx.directory.user_id_by_username("sl-admin")
    assert admin_id is not None
    admin = actor_of(runtime.platform.repository.get(admin_id))
    [(community, [table])] = [
        (c, t) for c, t in runtime.services.sync_pages.my_communities(admin) if t
    ]
    page = runtime.services.sync_pages.timetable_page(admin, table.id, STARTS_ON)
    assert [s.row.subject for s in page.slots] == ["语文", "数学", "英语", "英语"]
    assert [s.receiving[0].answer for s in page.slots] == ["accepted"] * 3 + ["declined"]
    chinese = page.slots[0]
    assert chinese.mapping(chinese.receiving[0]).endswith(
        "第3节 09:50–10:30 ⇄ 海宁市博达学校 第3节 10:00–10:40 (重叠30分钟)"
    )
    lessons = ctx.sync_classes.sessions(timetable_id=table.id)
    assert not any(x.on.month == 10 and 1 <= x.on.day <= 7 for x in lessons)  # 国庆
    now = datetime.now(UTC)
    due = [x for x in lessons if x.on < (now - timedelta(days=7)).date()]
    cancelled = {(x.key.split("@")[0], x.on) for x in due if x.status == "cancelled"}
    assert cancelled == {k for k in CANCELLED if k[1] in {x.on for x in due}}
    assert all(x.status == "delivered" for x in due if x.status != "cancelled")
    assert all(x.attendance and x.final_revision and x.feedback for x in due if x.counted)
    delivered = sum(1 for x in due if x.counted and x.on.year == 2026)
    figures = runtime.services.progress.community(admin, community.id, as_of=date(2026, 12, 31))
    assert figures.progress is not None
    task = next(t for t in figures.progress.tasks if t.kind == TaskKind.SYNC_CLASS)
    # The plan's task counts 2026's delivered lessons and the spring's 送教下乡 demo lesson.
    assert task.done >= delivered + 1
    if due and MOVED[1] < due[-1].on:
        assert any(x.rescheduled and x.on == MOVED[1] for x in lessons)
    if LATE[1] < now.date() - timedelta(days=28):
        [late] = [x for x in lessons if x.on == LATE[1] and x.key.startswith("1@")]
        assert late.late
