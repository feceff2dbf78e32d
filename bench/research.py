"""The live session page's fan-out and the school's training-hours table, against bare baselines.

``python -m bench.research [--watchers 200] [--events 30] [--teachers 2000] [--requests 20]``

In a fresh embedded store (SQLite, in a temporary directory, removed at the end):

1. **Fan-out.** ``--watchers`` threads wait on the research view's position as the live page's
   Server-Sent Events stream does (``Runtime.wait_for_view``); a teacher checks in (a real command,
   a runner batch), and each watcher notes when it woke. Repeated ``--events`` times. The baseline is
   the same number of threads waiting on a bare ``threading.Condition`` notified by hand. Prints each
   p95 wake-up latency (from the check-in's commit to a watcher running again: the live one includes
   the projection's batch that the watchers wait for),
   then ``RATIO live-fanout-p95 <bare p95 ÷ live p95>``.
2. **Hours table.** One school with ``--teachers`` teachers, a third of them with attended sessions;
   the school admin's ``/research/schools/<id>/hours`` page is requested ``--requests`` times through
   the Flask test client, against a bare Flask page returning a body of the same size. Prints both
   requests/s and ``RATIO hours-table <hours req/s ÷ bare req/s>``.

Both measured in one run, on the same machine, one after the other.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from flask import Flask, Response
from flask.testing import FlaskClient

from domain.roles import Role
from infra.bootstrap import SYSTEM
from infra.settings import load_settings
from infra.wiring import Runtime, build_runtime, init_db
from services.actor import Actor
from services.passwords import PasswordHasher
from services.people import actor_of
from web import create_app

PASSWORD = "bench-password-1"  # a benchmark's own throwaway accounts


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]


def _actor(runtime: Runtime, user_id: UUID) -> Actor:
    return actor_of(runtime.platform.repository.get(user_id))


def setup(runtime: Runtime, teachers: int) -> tuple[Actor, UUID, list[Actor], UUID]:
    """A bureau, a core and a member school, a community, a group and its session now."""
    org, people = runtime.services.organisation, runtime.services.people
    tenant = org.register_tenant(SYSTEM, name="基准教育局", region="浙江省")
    admin = _actor(
        runtime,
        people.register_user(
            SYSTEM,
            tenant_id=tenant.id,
            username="bench-admin",
            display_name="管理员",
            password=PASSWORD,
            roles=[Role.BUREAU_ADMIN],
        ).id,
    )
    schools = [
        org.register_school(
            admin, name=f"基准学校{n}", code=f"B-{n}", stage="primary", locality="rural"
        ).id
        for n in (1, 2)
    ]
    school_admin = _actor(
        runtime,
        people.register_user(
            admin,
            username="bench-sadmin",
            display_name="校长",
            password=PASSWORD,
            roles=[Role.SCHOOL_ADMIN],
            school_id=schools[0],
        ).id,
    )
    staff = [
        _actor(
            runtime,
            people.register_user(
                admin,
                username=f"bench-t{n}",
                display_name=f"教师{n:04d}",
                password=PASSWORD,
                roles=[Role.TEACHER],
                school_id=schools[0] if n else schools[1],
            ).id,
        )
        for n in range(teachers)
    ]
    runtime.catch_up()
    community = runtime.services.communities.found(
        admin,
        name="基准教共体",
        kind="fusion",
        core_school_id=schools[0],
        founded_on=datetime.now(UTC).date() - timedelta(days=30),
        round_start_year=datetime.now(UTC).year - 1,
        round_end_year=datetime.now(UTC).year + 1,
        member_school_ids=[schools[1]],
    ).id
    runtime.catch_up()
    research = runtime.services.research
    assert staff[1].user_id is not None
    group = research.form_group(
        school_admin,
        community,
        name="基准组",
        subject="语文",
        grade_band="",
        leader_id=staff[1].user_id,
    ).id
    for teacher in staff[::3]:
        assert teacher.user_id is not None
        if teacher.user_id != staff[1].user_id:
            research.add_member(
                school_admin
                if teacher.school_id == schools[0]
                else _school_admin_of(runtime, admin, schools[1]),
                group,
                teacher.user_id,
            )
    now = datetime.now(UTC)
    session = research.schedule(
        staff[1],
        group,
        kind="themed_research",
        theme="基准研修",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=11),
        host_id=staff[1].user_id,
    ).id
    runtime.catch_up()
    return school_admin, schools[0], staff[::3], session


_ADMINS: dict[UUID, Actor] = {}


def _school_admin_of(runtime: Runtime, admin: Actor, school_id: UUID) -> Actor:
    if school_id not in _ADMINS:
        _ADMINS[school_id] = _actor(
            runtime,
            runtime.services.people.register_user(
                admin,
                username=f"bench-sadmin-{len(_ADMINS)}",
                display_name="校长",
                password=PASSWORD,
                roles=[Role.SCHOOL_ADMIN],
                school_id=school_id,
            ).id,
        )
    return _ADMINS[school_id]


def _watch_view(runtime: Runtime, before: int, ready: threading.Barrier, woke: list[float]) -> None:
    ready.wait()
    runtime.wait_for_view("research", before, 30.0)
    woke.append(time.perf_counter())


def _watch_condition(
    condition: threading.Condition,
    state: dict[str, bool],
    ready: threading.Barrier,
    woke: list[float],
) -> None:
    ready.wait()
    with condition:
        while not state["moved"]:
            condition.wait(30.0)
    woke.append(time.perf_counter())


def fanout_live(
    runtime: Runtime, members: list[Actor], session: UUID, watchers: int, events: int
) -> list[float]:
    research, latencies = runtime.services.research, []
    for n in range(events):
        member = members[2 + n % (len(members) - 2)]
        before = runtime.positions_of("research")
        woke: list[float] = []
        ready = threading.Barrier(watchers + 1)

        threads = [
            threading.Thread(target=_watch_view, args=(runtime, before, ready, woke))
            for _ in range(watchers)
        ]
        for thread in threads:
            thread.start()
        ready.wait()
        time.sleep(0.05)  # let them all block
        if n < len(members) - 2:
            research.sign_up(member, session)
            research.check_in(member, session)
        else:
            research.post(member, session, text=f"第{n}条")
        started = time.perf_counter()
        runtime.catch_up()
        for thread in threads:
            thread.join()
        latencies += [w - started for w in woke]
    return latencies


def fanout_bare(watchers: int, events: int) -> list[float]:
    condition, latencies = threading.Condition(), []
    for _ in range(events):
        state = {"moved": False}
        woke: list[float] = []
        ready = threading.Barrier(watchers + 1)

        threads = [
            threading.Thread(target=_watch_condition, args=(condition, state, ready, woke))
            for _ in range(watchers)
        ]
        for thread in threads:
            thread.start()
        ready.wait()
        time.sleep(0.05)
        started = time.perf_counter()
        with condition:
            state["moved"] = True
            condition.notify_all()
        for thread in threads:
            thread.join()
        latencies += [w - started for w in woke]
    return latencies


def _signed_in(app: Flask, login: dict[str, str]) -> FlaskClient:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={**login, "csrf_token": token})
    return client


def signed_in_size(app: Flask, path: str, login: dict[str, str]) -> int:
    return len(_signed_in(app, login).get(path).data)


def requests_per_second(app: Flask, path: str, login: dict[str, str] | None, n: int) -> float:
    client = _signed_in(app, login) if login else app.test_client()
    assert client.get(path).status_code == 200, path  # warm
    started = time.perf_counter()
    for _ in range(n):
        client.get(path)
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watchers", type=int, default=200)
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--teachers", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="jgt-bench-research-"))
    try:
        settings = load_settings({"JGT_VAR_DIR": str(var), "JGT_SECRET_KEY": "bench-secret"})
        init_db(settings)
        runtime = build_runtime(settings, hasher=PasswordHasher(time_cost=1, memory_cost=8))
        _, school_id, members, session = setup(runtime, args.teachers)
        live = fanout_live(runtime, members, session, args.watchers, args.events)
        bare = fanout_bare(args.watchers, args.events)
        print(
            f"live fan-out: {args.watchers} watchers × {args.events} events, p95 {p95(live) * 1000:.2f} ms"
        )
        print(f"bare fan-out: p95 {p95(bare) * 1000:.2f} ms")
        print(f"RATIO live-fanout-p95 {p95(bare) / p95(live):.3f}")

        app = create_app(settings, runtime=runtime)
        path = f"/research/schools/{school_id}/hours"
        login = {"username": "bench-sadmin", "password": PASSWORD}
        hours = requests_per_second(app, path, login, args.requests)
        size = signed_in_size(app, path, login)
        body = b"x" * size
        bare_app = Flask("bare")
        bare_app.add_url_rule("/bare", "bare", lambda: Response(body, mimetype="text/html"))
        bare_rps = requests_per_second(bare_app, "/bare", None, args.requests)
        print(f"hours table ({args.teachers} teachers, {size} bytes): {hours:.1f} req/s")
        print(f"bare page ({size} bytes): {bare_rps:.1f} req/s")
        print(f"RATIO hours-table {hours / bare_rps:.4f}")
        runtime.close()
    finally:
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
