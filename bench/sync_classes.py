"""How fast are synchronized classes checked and drawn, each against a comparable bare baseline?

``python -m bench.sync_classes [--schools 200] [--classes 30] [--checks 200] [--requests 300]``
(about a minute on 2 cores; on the embedded SQLite store in a temporary directory)

1. **Checking a new slot** in a district of ``--schools`` schools × ``--classes`` classes whose
   timetables are full (every class and its teacher booked on every period of the week but Friday's
   last): each school's ``School`` (bell schedule, classes) and ``SchoolBookings`` (870 bookings at
   30 classes) are written through ``Platform.save`` as the domain's own events. One check is what
   ``SyncClassService.propose_slot`` does before storing anything: load the host and the receiving
   school and both schools' bookings from the store, place the slot on both bell schedules
   (``place``) and look for a clash at each (``SchoolBookings.clash``), for a random pair of schools.
   The bare baseline reads the same stored events of the same four aggregates with the recorder
   (no decoding, no aggregate) and scans as many (weekday, period, teacher, class) tuples in a
   plain loop.

       RATIO slot-check <bare s ÷ check s>   (1 = as fast as the bare read and scan)

2. **Drawing a school's week grid**: a school hosting a full week (30 lessons, one per period) of a
   ten-week timetable for another school, generated through the services; its admin's
   ``/sync/schools/<id>?week=…`` page is requested ``--requests`` times through the Flask test
   client, against a bare Flask app answering a constant HTML page of the same size.

       RATIO week-grid <page req/s ÷ bare req/s>
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from flask import Flask, Response

from domain.roles import Role
from domain.school import School
from domain.timetable import Booking, SchoolBookings, bookings_id_for, place
from infra.bootstrap import SYSTEM
from infra.settings import load_settings
from infra.wiring import Runtime, build_runtime, init_db
from services.actor import Actor
from services.passwords import PasswordHasher
from services.sync_classes import Receiver

PASSWORD = "bench-password-1"  # a benchmark's own throwaway account
WHEN = datetime(2025, 2, 20, 2, 0, tzinfo=UTC)
FIRST, LAST = date(2025, 3, 3), date(2025, 5, 9)  # ten weeks
FREE = (5, 6)  # Friday's last period: the class meeting, the one period left free


def bell(first_start: int) -> list[dict[str, object]]:
    """Six 40-minute periods a weekday with 10-minute breaks."""
    periods: list[dict[str, object]] = []
    for weekday in range(1, 6):
        for number in range(1, 7):
            start = first_start + (number - 1) * 50
            end = start + 40
            periods.append(
                {
                    "weekday": weekday,
                    "number": number,
                    "start": f"{start // 60:02d}:{start % 60:02d}",
                    "end": f"{end // 60:02d}:{end % 60:02d}",
                }
            )
    return periods


def timed(work: Callable[[], object], repeat: int) -> float:
    """The median seconds of one call, over ``repeat`` calls."""
    spent = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        spent.append(time.perf_counter() - started)
    return statistics.median(spent)


# 1. Checking a new slot -------------------------------------------------------------------------


def full_district(runtime: Runtime, schools: int, classes: int) -> list[tuple[UUID, list[str]]]:
    """Schools with their classes, every class and its teacher booked on every period but one."""
    tenant_id = uuid4()
    found = []
    for n in range(schools):
        school = School.register(
            tenant_id=tenant_id,
            name=f"基准学校{n:03d}",
            code=f"S{n:05d}",
            stage="primary",
            locality="rural",
            actor_id=None,
            occurred_at=WHEN,
        )
        school.set_bell_schedule(bell(8 * 60 + 10 * (n % 2)), actor_id=None, occurred_at=WHEN)
        class_ids = [
            school.open_class(
                grade=k % 6 + 1, name=f"{k // 6 + 1}班", actor_id=None, occurred_at=WHEN
            )
            for k in range(classes)
        ]
        bookings = SchoolBookings(
            tenant_id=tenant_id, school_id=school.id, actor_id=None, occurred_at=WHEN
        )
        for k, class_id in enumerate(class_ids):
            teacher = teacher_of(school.id, k)
            for weekday in range(1, 6):
                for period in range(1, 7):
                    if (weekday, period) == FREE:
                        continue
                    # The booking's own event, without the clash check each ``book`` makes:
                    # the timetable is built clash-free, and checking 870 times is not measured.
                    bookings._book(
                        Booking(
                            ref=f"{class_id}:{weekday}:{period}",
                            weekday=weekday,
                            period=period,
                            first=FIRST,
                            last=LAST,
                            teachers=frozenset({teacher}),
                            classes=frozenset({class_id}),
                            label="课",
                        ).as_dict(),
                        actor_id=None,
                        occurred_at=WHEN,
                    )
        runtime.platform.save_all(school, bookings)
        found.append((school.id, class_ids))
    return found


def teacher_of(school_id: UUID, k: int) -> UUID:
    return UUID(int=(school_id.int + k) % (1 << 128))


def bench_slot_check(runtime: Runtime, schools: int, classes: int, checks: int) -> None:
    started = time.perf_counter()
    district = full_district(runtime, schools, classes)
    print(
        f"district: {schools} schools × {classes} classes, "
        f"{schools * classes * 29} bookings, written in {time.perf_counter() - started:.1f} s"
    )
    rng = random.Random(7)
    repository, recorder = runtime.platform.repository, runtime.platform.recorder
    pairs = [tuple(rng.sample(district, 2)) for _ in range(checks)]
    turn = iter(range(10**9))

    def check() -> None:
        (host_id, host_classes), (other_id, other_classes) = pairs[next(turn) % len(pairs)]
        host: School = repository.get(host_id)
        other: School = repository.get(other_id)
        host_seat, seats = place(
            weekday=FREE[0],
            grade=1,
            host=host,
            host_period_number=FREE[1],
            host_class_id=host_classes[0],
            host_teacher_id=teacher_of(host_id, 0),
            receivers=[(other, other_classes[0], teacher_of(other_id, 0))],
            minimum=30,
        )
        for school_id, seat in ((host_id, host_seat), (other_id, seats[0])):
            bookings: SchoolBookings = repository.get(bookings_id_for(school_id))
            wanted = Booking(
                ref="new",
                weekday=FREE[0],
                period=seat.period.number,
                first=FIRST,
                last=LAST,
                teachers=frozenset({seat.teacher_id}),
                classes=frozenset({seat.class_id}),
                label="同步课",
            )
            assert bookings.clash(wanted, {}) is None  # the free period: a full scan, no clash

    def bare() -> None:
        (host_id, _), (other_id, _) = pairs[next(turn) % len(pairs)]
        rows: list[Any] = []
        for aggregate in (host_id, other_id, bookings_id_for(host_id), bookings_id_for(other_id)):
            rows += recorder.select_events(aggregate)
        busy = [(r.originator_version % 5 + 1, r.originator_version % 6 + 1, 0, 0) for r in rows]
        assert not any(w == 9 and p == 9 for w, p, _, _ in busy)

    check_s, bare_s = timed(check, checks), timed(bare, checks)
    print(f"slot check: {check_s * 1000:.2f} ms  bare read and scan: {bare_s * 1000:.2f} ms")
    print(f"RATIO slot-check {bare_s / check_s:.3f}")


# 2. Drawing a school's week grid ------------------------------------------------------------------


def full_week(runtime: Runtime, classes: int) -> tuple[UUID, str]:
    """Through the services: two schools, a community, 30 weekly slots accepted and generated."""
    services = runtime.services
    org, people, sync = services.organisation, services.people, services.sync_classes
    services.plans.ctx.clock = lambda: WHEN
    tenant = org.register_tenant(SYSTEM, name="基准教育局", region="浙江省").id
    admin_id = people.register_user(
        SYSTEM,
        tenant_id=tenant,
        username="bench-admin",
        display_name="基准管理员",
        password=PASSWORD,
        roles=[Role.BUREAU_ADMIN],
    ).id
    admin = Actor(admin_id, tenant, None, frozenset({Role.BUREAU_ADMIN}))
    schools, teachers = [], []
    for n in range(2):
        school = org.register_school(
            admin, name=f"周课表学校{n}", code=f"W{n:03d}", stage="primary", locality="rural"
        ).id
        org.set_bell_schedule(admin, school, bell(8 * 60 + 10 * n))
        for k in range(classes):
            org.open_class(admin, school, grade=k % 6 + 1, name=f"{k // 6 + 1}班")
        teachers.append(
            [
                people.register_user(
                    admin,
                    username=f"bench-t{n}-{k}",
                    display_name=f"教师{n}-{k}",
                    password=PASSWORD,
                    roles=[Role.TEACHER],
                    school_id=school,
                ).id
                for k in range(classes)
            ]
        )
        schools.append(school)
    people.register_user(
        admin,
        username="bench-sadmin",
        display_name="校长",
        password=PASSWORD,
        roles=[Role.SCHOOL_ADMIN],
        school_id=schools[0],
    )
    runtime.catch_up()
    community = services.communities.found(
        admin,
        name="基准同步课堂教共体",
        kind="fusion",
        core_school_id=schools[0],
        founded_on=date(2025, 1, 1),
        round_start_year=2024,
        round_end_year=2026,
        member_school_ids=[schools[1]],
    ).id
    core = Actor(uuid4(), tenant, schools[0], frozenset({Role.SCHOOL_ADMIN}))
    member = Actor(uuid4(), tenant, schools[1], frozenset({Role.SCHOOL_ADMIN}))
    runtime.catch_up()
    timetable = sync.draft_timetable(
        core, community, name="基准学期", starts_on=FIRST, ends_on=LAST
    ).id
    host: School = runtime.platform.repository.get(schools[0])
    other: School = runtime.platform.repository.get(schools[1])
    host_classes, other_classes = list(host.classes), list(other.classes)
    for k in range(min(classes, 30)):
        weekday, period = divmod(k, 6)
        sync.propose_slot(
            core,
            timetable,
            weekday=weekday + 1,
            period=period + 1,
            subject="语文",
            grade=k % 6 + 1,
            host_class_id=host_classes[k],
            host_teacher_id=teachers[0][k],
            receivers=[Receiver(schools[1], other_classes[k], teachers[1][k])],
        )
        sync.answer_slot(member, timetable, str(k + 1), accept=True)
    sync.generate_sessions(core, timetable)
    runtime.catch_up()
    return schools[0], FIRST.isoformat()


def bench_week_grid(runtime: Runtime, classes: int, requests: int) -> None:
    from web import create_app

    school, week = full_week(runtime, classes)
    app = create_app(runtime=runtime)
    client = app.test_client()
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    signed = client.post(
        "/login", data={"username": "bench-sadmin", "password": PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 302, signed.status_code
    path = f"/sync/schools/{school}?week={week}"
    first = client.get(path)
    assert first.status_code == 200, first.status_code
    body = first.get_data()
    assert body.count(b'class="lesson ') >= 30, "the week is not full"

    bare_app = Flask("bare")
    constant = b"x" * len(body)

    @bare_app.get("/bare")
    def bare_page() -> Response:
        return Response(constant, mimetype="text/html")

    bare_client = bare_app.test_client()
    page_s = timed(lambda: client.get(path), requests)
    bare_s = timed(lambda: bare_client.get("/bare"), requests)
    print(
        f"week grid: {len(body)} bytes, {1 / page_s:.0f} req/s ({page_s * 1000:.2f} ms); "
        f"bare page: {1 / bare_s:.0f} req/s"
    )
    print(f"RATIO week-grid {bare_s / page_s:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--classes", type=int, default=30)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var_dir:
        settings = load_settings(
            {"JGT_VAR_DIR": str(Path(var_dir)), "JGT_SECRET_KEY": "bench-secret"}
        )
        init_db(settings)
        runtime = build_runtime(settings, hasher=PasswordHasher(time_cost=1, memory_cost=8))
        try:
            bench_slot_check(runtime, args.schools, args.classes, args.checks)
            bench_week_grid(runtime, args.classes, args.requests)
        finally:
            runtime.close()


if __name__ == "__main__":
    main()
