"""A bureau's 2025, scripted: three communities, known records on known days, one recorded late.

Used by the page tests and, through ``python -m tests.web_dashboard.scripted_year``, to seed the store
that the browser test serves. The expected figures are worked out by hand below.

海宁 (hn) owns:
- A 狮岭—博达教共体 (融合型), its two schools; plan 2025: 线下教研 4, 送教下乡 2, 论文 2 (weight 2).
  Records: research 10 Feb (school 1), 20 Mar (school 2), 15 May (school 2); demo lesson 5 Mar;
  output 20 Jun. By 31 Mar: (2/4 + 1/2 + 0) / 4 = 25%; by 30 Jun: (3/4 + 1/2 + 2·1/2) / 4 = 56.2%.
  Behind: 25% < 40% at Q1.
- B 城北协作体 (协作型), two more schools; plan 2025: 送教下乡 1, done 1 Feb: 100% all year, on track.
- C 南湖帮扶共同体 (帮扶式), schools 4 (core) and 3, without a plan: no plan.
余姚 (yy) is another bureau that sees none of it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import eventsourcing.domain

from domain.counting import TaskKind
from domain.plan import Task
from domain.roles import Role
from infra.settings import load_settings
from infra.wiring import Runtime, build_runtime
from services.actor import Actor
from tests.conftest import PASSWORD, Bureau, actor_for, make_bureau

YEAR = 2025
#: What the pages must show, computed by hand (see the module's docstring).
A_Q1, A_Q2 = 25.0, 56.2


@contextmanager
def history_at(runtime: Runtime, moment: datetime) -> Iterator[None]:
    """Run commands as if at ``moment``: the services' clock and the events' recorded time."""
    ctx = runtime.services.plans.ctx
    original_clock = ctx.clock
    original_now = eventsourcing.domain.datetime_now_with_tzinfo
    ctx.clock = lambda: moment
    eventsourcing.domain.datetime_now_with_tzinfo = lambda: moment  # type: ignore[assignment]
    try:
        yield
    finally:
        ctx.clock = original_clock
        eventsourcing.domain.datetime_now_with_tzinfo = original_now  # type: ignore[assignment]


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


@dataclass
class Year:
    hn: Bureau
    yy: Bureau
    a: UUID  # behind
    b: UUID  # on track
    c: UUID  # no plan
    third_school: UUID
    fourth_school: UUID
    third_teacher: Actor


def record(
    runtime: Runtime,
    who: Actor,
    community: UUID,
    kind: str,
    happened: date,
    what: str,
    recorded: datetime | None = None,
    *,
    running: bool = False,
    **details: object,
) -> UUID:
    """Record work as if entered at ``recorded`` (by default the evening it happened). With
    ``running`` projections (a live app), wait for them instead of catching up here."""
    with history_at(runtime, recorded or at(happened, 18)):
        done = runtime.services.activities.record(
            who, community, kind=kind, title=what, occurred_on=happened, details=details
        )
    if running:
        assert runtime.services.queries.wait_for(done.position)
    else:
        runtime.catch_up()
    return done.id


def seed(runtime: Runtime) -> Year:
    with history_at(runtime, at(date(YEAR - 1, 12, 1))):
        hn = make_bureau(runtime, "hn", "海宁市教育局")
        yy = make_bureau(runtime, "yy", "余姚市教育局")
        org, people = runtime.services.organisation, runtime.services.people
        third = org.register_school(
            hn.admin, name="城北小学", code="hn-03", stage="primary", locality="urban"
        ).id
        fourth = org.register_school(
            hn.admin, name="南湖小学", code="hn-04", stage="primary", locality="rural"
        ).id
        third_teacher = actor_for(
            runtime,
            people.register_user(
                hn.admin,
                username="hn-teacher3",
                display_name="赵老师",
                password=PASSWORD,
                roles=[Role.TEACHER],
                school_id=third,
            ).id,
        )
    runtime.catch_up()
    communities, plans = runtime.services.communities, runtime.services.plans
    with history_at(runtime, at(date(YEAR, 1, 2))):
        a = communities.found(
            hn.admin,
            name="狮岭—博达教共体",
            kind="fusion",
            core_school_id=hn.school_id,
            founded_on=date(YEAR, 1, 1),
            round_start_year=YEAR - 1,
            round_end_year=YEAR + 1,
            member_school_ids=[hn.other_school_id],
        ).id
        b = communities.found(
            hn.admin,
            name="城北协作体",
            kind="collaboration",
            core_school_id=third,
            founded_on=date(YEAR, 1, 1),
            round_start_year=YEAR - 1,
            round_end_year=YEAR + 1,
            member_school_ids=[fourth],
        ).id
        c = communities.found(
            hn.admin,
            name="南湖帮扶共同体",
            kind="assistance",
            core_school_id=fourth,
            founded_on=date(YEAR, 1, 1),
            round_start_year=YEAR - 1,
            round_end_year=YEAR + 1,
            member_school_ids=[third],
        ).id
    runtime.catch_up()
    # Each core school's admin drafts; school 3 has none in make_bureau, so the bureau makes one.
    with history_at(runtime, at(date(YEAR, 1, 3))):
        third_admin = actor_for(
            runtime,
            people.register_user(
                hn.admin,
                username="hn-sadmin3",
                display_name="城北校长",
                password=PASSWORD,
                roles=[Role.SCHOOL_ADMIN],
                school_id=third,
            ).id,
        )
    runtime.catch_up()
    with history_at(runtime, at(date(YEAR, 3, 1))):
        plan_a = plans.draft(
            hn.school_admin,
            a,
            year=YEAR,
            period_start=date(YEAR, 1, 1),
            period_end=date(YEAR, 12, 31),
            title=f"{YEAR}年度工作计划",
            tasks=[
                Task(TaskKind.OFFLINE_RESEARCH, 4),
                Task(TaskKind.DEMO_LESSON, 2),
                Task(TaskKind.RESEARCH_OUTPUT, 2, weight=2),
            ],
        ).id
        plan_b = plans.draft(
            third_admin,
            b,
            year=YEAR,
            period_start=date(YEAR, 1, 1),
            period_end=date(YEAR, 12, 31),
            title=f"{YEAR}年城北协作计划",
            tasks=[Task(TaskKind.DEMO_LESSON, 1)],
        ).id
    runtime.catch_up()
    with history_at(runtime, at(date(YEAR, 3, 2))):
        for plan, drafter in ((plan_a, hn.school_admin), (plan_b, third_admin)):
            plans.submit(drafter, plan)
            plans.approve(hn.admin, plan)
    runtime.catch_up()

    research, demo, output = (
        TaskKind.OFFLINE_RESEARCH,
        TaskKind.DEMO_LESSON,
        TaskKind.RESEARCH_OUTPUT,
    )
    record(runtime, third_teacher, b, demo, date(YEAR, 2, 1), "城北送教：三年级数学")
    record(runtime, hn.teacher, a, research, date(YEAR, 2, 10), "语文集体备课")
    record(runtime, hn.teacher, a, demo, date(YEAR, 3, 5), "送教下乡：古诗词教学")
    record(runtime, hn.other_teacher, a, research, date(YEAR, 3, 20), "数学课堂诊断")
    record(runtime, hn.other_teacher, a, research, date(YEAR, 5, 15), "英语主题研修")
    record(
        runtime,
        hn.other_teacher,
        a,
        output,
        date(YEAR, 6, 20),
        "城乡同步课堂实践",
        level="city",
        title="城乡同步课堂实践",
    )
    return Year(
        hn=hn,
        yy=yy,
        a=a,
        b=b,
        c=c,
        third_school=third,
        fourth_school=fourth,
        third_teacher=third_teacher,
    )


def main(var_dir: str) -> None:
    """Seed a fresh embedded store under ``var_dir`` (``jgt db init`` has made its tables)."""
    runtime = build_runtime(load_settings({"JGT_VAR_DIR": var_dir}))
    try:
        year = seed(runtime)
        runtime.catch_up()
        print(year.a, year.b, year.c)
    finally:
        runtime.close()


if __name__ == "__main__":
    main(str(Path(sys.argv[1]).resolve()))
