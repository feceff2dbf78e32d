"""A year of community work for the demo bureau, so the dashboard is full on first start.

The demo replays history: each command runs with the services' clock at the day it happened, and the
store stamps its events as recorded that day too (a few records are entered late on purpose, so the
late-record flags and the amendments after a sealed quarter have something to show).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import eventsourcing.domain

from domain.counting import TaskKind
from domain.plan import Rule, Task
from domain.user import User
from infra.wiring import Runtime
from services.actor import Actor
from services.people import actor_of

YEAR = 2026


@contextmanager
def history_at(runtime: Runtime, moment: datetime) -> Iterator[None]:
    """Run commands as if at ``moment``: the services' clock and the events' recorded time."""
    ctx = runtime.services.plans.ctx
    original_clock = ctx.clock
    original_now = eventsourcing.domain.datetime_now_with_tzinfo
    ctx.clock = lambda: moment
    eventsourcing.domain.datetime_now_with_tzinfo = lambda: moment
    try:
        yield
    finally:
        ctx.clock = original_clock
        eventsourcing.domain.datetime_now_with_tzinfo = original_now


def _at(day: date, hour: int = 16) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def _actor(runtime: Runtime, user_id: UUID) -> Actor:
    user: User = runtime.platform.repository.get(user_id)
    return actor_of(user)


def seed_history(
    runtime: Runtime, admin: Actor, schools: dict[str, UUID], users: dict[str, UUID]
) -> None:
    services = runtime.services
    founded = date(YEAR - 1, 9, 1)
    with history_at(runtime, _at(founded, 9)):
        fusion = services.communities.found(
            admin,
            name="狮岭—博达城乡教共体",
            kind="fusion",
            core_school_id=schools["SL"],
            founded_on=founded,
            round_start_year=YEAR - 1,
            round_end_year=YEAR + 1,
            member_school_ids=[schools["BD"]],
        ).id
        alliance = services.communities.found(
            admin,
            name="实验小学片区联盟",
            kind="alliance",
            core_school_id=schools["SY"],
            founded_on=founded,
            round_start_year=YEAR - 1,
            round_end_year=YEAR + 1,
            member_school_ids=[schools["YH"]],
        ).id
        collaboration = services.communities.found(
            admin,
            name="紫微—袁花九年一贯协作体",
            kind="collaboration",
            core_school_id=schools["ZW"],
            founded_on=founded,
            round_start_year=YEAR - 1,
            round_end_year=YEAR,
            member_school_ids=[schools["YH"]],
        ).id
    runtime.catch_up()

    plans = {
        fusion: [
            Task(TaskKind.SYNC_CLASS, 10, counts="同步课堂或送教下乡示范课累计不少于10节"),
            Task(TaskKind.ONLINE_RESEARCH, 4),
            Task(TaskKind.OFFLINE_RESEARCH, 4),
            Task(TaskKind.MENTORING, 9, rule=Rule.UNITS, threshold=5, counts="每对师徒≥5次"),
            Task(TaskKind.SHADOW_PLACEMENT, 1, counts="博达至少1名教师在狮岭跟岗≥1个月"),
            Task(TaskKind.STUDENT_EXCHANGE, 2, counts="每学期不少于一次"),
            Task(TaskKind.RESEARCH_OUTPUT, 2),
        ],
        alliance: [
            Task(TaskKind.OFFLINE_RESEARCH, 4),
            Task(TaskKind.DEMO_LESSON, 3),
            Task(TaskKind.EXTENSION_COURSE, 1),
            Task(TaskKind.RESEARCH_OUTPUT, 1),
        ],
        collaboration: [
            Task(TaskKind.OFFLINE_RESEARCH, 4),
            Task(TaskKind.STUDENT_EXCHANGE, 2),
            Task(TaskKind.RESEARCH_OUTPUT, 2),
        ],
    }
    core_admin = {
        fusion: _actor(runtime, users["sl-admin"]),
        alliance: _actor(runtime, users["sy-admin"]),
        collaboration: _actor(runtime, users["zw-admin"]),
    }
    for community, tasks in plans.items():
        with history_at(runtime, _at(date(YEAR, 3, 10), 10)):
            plan = services.plans.draft(
                core_admin[community],
                community,
                year=YEAR,
                period_start=date(YEAR, 1, 1),
                period_end=date(YEAR, 12, 31),
                title=f"{YEAR}年度教共体工作计划",
                tasks=tasks,
            ).id
            runtime.catch_up()
            services.plans.submit(core_admin[community], plan)
        with history_at(runtime, _at(date(YEAR, 3, 20), 15)):
            services.plans.approve(admin, plan)
        runtime.catch_up()

    sl_teacher = _actor(runtime, users["sl-sunff"])
    bd_teacher = _actor(runtime, users["bd-fukp"])
    sy_teacher = _actor(runtime, users["sy-jiangh"])
    yh_admin = _actor(runtime, users["yh-admin"])
    zw_admin = _actor(runtime, users["zw-admin"])

    def record(
        who: Actor, community: UUID, kind: str, day: str, title: str, late: int = 0, **details: Any
    ) -> None:
        happened = date.fromisoformat(f"{YEAR}-{day}")
        with history_at(runtime, _at(happened + timedelta(days=late))):
            if kind == TaskKind.RESEARCH_OUTPUT:
                details["title"] = title
            services.activities.record(
                who, community, kind=kind, title=title, occurred_on=happened, details=details
            )

    research, demo, exchange = (
        TaskKind.OFFLINE_RESEARCH,
        TaskKind.DEMO_LESSON,
        TaskKind.STUDENT_EXCHANGE,
    )
    output, course = TaskKind.RESEARCH_OUTPUT, TaskKind.EXTENSION_COURSE
    record(sl_teacher, fusion, research, "02-26", "语文组联合教研：单元整体教学")
    record(bd_teacher, fusion, research, "04-16", "数学组同课异构", late=1)
    record(sl_teacher, fusion, research, "06-11", "英语组作业设计研讨")
    record(sl_teacher, fusion, exchange, "05-28", "“手拉手”六一联欢", late=2, student_count=86)
    record(
        bd_teacher,
        fusion,
        output,
        "07-05",
        "城乡同步课堂的实践与思考",
        late=3,
        level="city",
        link="",
    )
    record(sl_teacher, fusion, research, "10-22", "期中质量分析会")
    record(sl_teacher, fusion, exchange, "11-12", "科技节同场竞技", late=1, student_count=64)
    record(sy_teacher, alliance, research, "03-18", "科学实验教学联合教研")
    record(sy_teacher, alliance, demo, "04-23", "送教袁花：《电路》示范课")
    record(sy_teacher, alliance, demo, "05-12", "送教袁花：《植物的一生》")
    record(yh_admin, alliance, research, "05-20", "片区教学常规检查交流", late=5)
    record(yh_admin, alliance, research, "06-17", "片区青年教师赛课研讨")
    record(
        sy_teacher,
        alliance,
        output,
        "08-30",
        "片区联盟科学教研案例",
        level="county",
        link="",
    )
    record(sy_teacher, alliance, course, "09-15", "线上拓展课：家庭小实验")
    record(sy_teacher, alliance, research, "09-23", "新教材培训联合教研")
    record(sy_teacher, alliance, demo, "10-14", "送教袁花：《光的反射》")
    record(zw_admin, collaboration, research, "04-09", "中小衔接数学教研")
    record(yh_admin, collaboration, exchange, "06-03", "初中校园开放日", late=30, student_count=120)
    # 付开萍 shadows at 狮岭 for a month in spring; the placement counts when completed.
    with history_at(runtime, _at(date(YEAR, 3, 2), 9)):
        placement = services.activities.record(
            bd_teacher,
            fusion,
            kind=TaskKind.SHADOW_PLACEMENT,
            title="付开萍跟岗锻炼（狮岭学校）",
            occurred_on=date(YEAR, 3, 2),
            details={
                "teacher_id": str(users["bd-fukp"]),
                "host_school_id": str(schools["SL"]),
                "starts_on": date(YEAR, 3, 2),
                "ends_on": date(YEAR, 4, 3),
            },
        ).id
    runtime.catch_up()
    with history_at(runtime, _at(date(YEAR, 4, 3), 17)):
        services.activities.complete_placement(bd_teacher, placement, ended_on=date(YEAR, 4, 3))
    runtime.catch_up()

    # The bureau sealed each quarter as reported; a record of June work entered in late July
    # then amends the sealed Q2 figure visibly.
    late_june = (
        _at(date(YEAR, 7, 27)),
        "补录：6月校际听评课活动",
        date(YEAR, 6, 24),
    )
    for quarter, sealed_on in (
        (1, date(YEAR, 4, 8)),
        (2, date(YEAR, 7, 8)),
        (3, date(YEAR, 10, 9)),
    ):
        if quarter == 3:
            recorded, title, day = late_june
            with history_at(runtime, recorded):
                services.activities.record(
                    bd_teacher, fusion, kind=TaskKind.OFFLINE_RESEARCH, title=title, occurred_on=day
                )
            runtime.catch_up()
        with history_at(runtime, _at(sealed_on, 11)):
            services.progress.seal_quarter(admin, year=YEAR, quarter=quarter)
        runtime.catch_up()
