"""The world of the synchronized-class browser test, seeded through the services.

海宁's 狮岭 (hn's first school, bells from 08:00) and 博达 (its second, bells ten minutes later)
form a 融合型 community whose approved plan for the year asks for 4 同步课堂 lessons, none given
yet. 博达 has its own admin (hn-badmin) and a third-grade class. No timetable exists: the browser
test builds it. The year is the year of last week's Tuesday, the first lesson the test teaches.

``python -m tests.e2e.sync_world VAR_DIR`` seeds a store that ``jgt db init`` has made and prints
the community's id.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

from domain.counting import TaskKind
from domain.plan import Task
from domain.roles import Role
from infra.settings import load_settings
from infra.wiring import Runtime, build_runtime
from tests.conftest import PASSWORD, make_bureau
from tests.test_domain_sync_classes import bell
from tests.web_dashboard.scripted_year import at, history_at

SYNC_TARGET = 4


def last_monday(today: date) -> date:
    return today - timedelta(days=today.weekday() + 7)


def seed(runtime: Runtime, today: date) -> UUID:
    year = (last_monday(today) + timedelta(days=1)).year
    with history_at(runtime, at(date(year - 1, 12, 1))):
        hn = make_bureau(runtime, "hn", "海宁市教育局")
        org, people = runtime.services.organisation, runtime.services.people
        org.set_bell_schedule(hn.admin, hn.school_id, bell(8 * 60))
        org.set_bell_schedule(hn.admin, hn.other_school_id, bell(8 * 60 + 10))
        org.open_class(hn.admin, hn.other_school_id, grade=3, name="1班")
        people.register_user(
            hn.admin,
            username="hn-badmin",
            display_name="童欢",
            password=PASSWORD,
            roles=[Role.SCHOOL_ADMIN],
            school_id=hn.other_school_id,
        )
    runtime.catch_up()
    with history_at(runtime, at(date(year, 1, 2))):
        community = runtime.services.communities.found(
            hn.admin,
            name="狮岭—博达同步课堂教共体",
            kind="fusion",
            core_school_id=hn.school_id,
            founded_on=date(year, 1, 1),
            round_start_year=year - 1,
            round_end_year=year + 1,
            member_school_ids=[hn.other_school_id],
        ).id
    runtime.catch_up()
    plans = runtime.services.plans
    with history_at(runtime, at(date(year, 1, 3))):
        plan = plans.draft(
            hn.school_admin,
            community,
            year=year,
            period_start=date(year, 1, 1),
            period_end=date(year, 12, 31),
            title=f"{year}年度同步课堂计划",
            tasks=[Task(TaskKind.SYNC_CLASS, SYNC_TARGET), Task(TaskKind.OFFLINE_RESEARCH, 4)],
        ).id
    runtime.catch_up()
    with history_at(runtime, at(date(year, 1, 4))):
        plans.submit(hn.school_admin, plan)
        plans.approve(hn.admin, plan)
    runtime.catch_up()
    return community


def main(var_dir: str) -> None:
    runtime = build_runtime(load_settings({"JGT_VAR_DIR": var_dir}))
    try:
        community = seed(runtime, date.today())
        runtime.catch_up()
        print(community)
    finally:
        runtime.close()


if __name__ == "__main__":
    main(str(Path(sys.argv[1]).resolve()))
