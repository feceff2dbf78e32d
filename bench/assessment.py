"""How fast are a district's unified test's uploads and its statistics page, against bare baselines?

``python -m bench.assessment [--schools 200] [--classes 6] [--students 45] [--requests 20]
[--database-url URL]`` (SQLite in a temporary directory unless a database URL is given; a few
minutes on 2 cores at the default size)

Through the platform's own services it registers a bureau and one community of ``--schools``
primary schools, each with ``--classes`` grade-5 classes whose rosters of ``--students`` generated
students go into the roster store; the core school's admin defines a 语文 test. Then, timed:

- **upload**: every class's scores as a CSV file, each through ``AssessmentService.upload_scores``
  (the file read with per-row checks, the roster looked up, an event stored), against the bare
  baseline of the same CSV files parsed by ``csv`` and inserted, 45 rows a transaction, into a
  table of the same database engine;
- **statistics**: the projections catching up, then ``--requests`` requests of the test's statistics
  page (``/assessment/tests/<id>``) as the bureau's monitor through the Flask app in-process,
  against a bare Flask app answering a constant body as large as the page (``bench.bare_app``).

It prints the measured figures, then

    RATIO upload <platform classes/s ÷ bare classes/s>
    RATIO statistics-page <page requests/s ÷ bare requests/s>
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import re
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

from werkzeug.test import TestResponse

from domain.assessment import Lines
from domain.roles import Role
from infra.bootstrap import SYSTEM
from infra.settings import load_settings
from infra.wiring import Runtime, build_runtime, init_db
from services.actor import Actor
from services.passwords import PasswordHasher

PASSWORD = "bench-password-1"  # a benchmark's own throwaway account
#: A class's upload: its school's admin, its name and its CSV file.
Upload = tuple[Actor, str, bytes]
LINES = Lines(full_mark=100, pass_line=60, excellence_line=85, low_line=40)


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def build(runtime: Runtime, schools: int, classes: int, students: int) -> tuple[UUID, list[Upload]]:
    """The district, its rosters and the test; returns the test and each class's upload."""
    org, people = runtime.services.organisation, runtime.services.people
    tenant = org.register_tenant(SYSTEM, name="基准市教育局", region="浙江省")
    admin_id = people.register_user(
        SYSTEM,
        tenant_id=tenant.id,
        username="bench-admin",
        display_name="基准管理员",
        password=PASSWORD,
        roles=[Role.BUREAU_ADMIN],
    ).id
    admin = Actor(user_id=admin_id, tenant_id=tenant.id, roles=frozenset({Role.BUREAU_ADMIN}))
    people.register_user(
        admin,
        username="bench-monitor",
        display_name="基准督导",
        password=PASSWORD,
        roles=[Role.BUREAU_MONITOR],
    )
    school_ids = []
    for s in range(schools):
        school_id = org.register_school(
            admin, name=f"第{s + 1}小学", code=f"B{s + 1:04d}", stage="primary", locality="rural"
        ).id
        for c in range(classes):
            org.open_class(admin, school_id, grade=5, name=f"{c + 1}班")
        school_ids.append(school_id)
    community = runtime.services.communities.found(
        admin,
        name="基准教共体",
        kind="collaboration",
        core_school_id=school_ids[0],
        founded_on=date(2024, 9, 1),
        round_start_year=2024,
        round_end_year=2026,
        member_school_ids=school_ids[1:],
    ).id
    runtime.catch_up()
    rng = random.Random(14)
    assessment = runtime.services.assessment
    uploads: list[Upload] = []
    for s, school_id in enumerate(school_ids):
        head = Actor(
            user_id=uuid4(),
            tenant_id=tenant.id,
            school_id=school_id,
            roles=frozenset({Role.SCHOOL_ADMIN}),
        )
        for c in range(classes):
            roster = [(f"S{s:03d}{c}{i:02d}", f"学生{s}-{c}-{i}") for i in range(students)]
            result = assessment.import_roster(
                head,
                school_id,
                grade=5,
                class_name=f"{c + 1}班",
                filename="名册.csv",
                data=_csv([["学号", "姓名"], *[[n, name] for n, name in roster]]),
            )
            assert result.ok, result.errors
            scores = [[n, f"{rng.randint(30, 100)}", ""] for n, _ in roster]
            uploads.append((head, f"{c + 1}班", _csv([["学号", "成绩", "缺考"], *scores])))
    core = Actor(
        user_id=uuid4(),
        tenant_id=tenant.id,
        school_id=school_ids[0],
        roles=frozenset({Role.SCHOOL_ADMIN}),
    )
    test_id = assessment.define_test(
        core,
        community,
        subject="语文",
        grade=5,
        held_on=date(2025, 6, 20),
        lines=LINES,
    ).id
    return test_id, uploads


def bare_uploads(path: Path, uploads: list[Upload]) -> float:
    """The baseline: the same files parsed by ``csv`` and inserted a class a transaction."""
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE scores (class TEXT, number TEXT, score REAL)")
    started = time.perf_counter()
    for n, (_, class_name, data) in enumerate(uploads):
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))[1:]
        with connection:
            connection.executemany(
                "INSERT INTO scores VALUES (?, ?, ?)",
                [(f"{n}:{class_name}", r[0], float(r[1])) for r in rows],
            )
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def timed_requests(get: Callable[[str], TestResponse], path: str, count: int) -> tuple[float, int]:
    """Seconds for ``count`` GETs of ``path`` (after one warm-up), and the page's size."""
    first = get(path)
    assert first.status_code == 200, first.status_code
    started = time.perf_counter()
    for _ in range(count):
        response = get(path)
        assert response.status_code == 200
    return time.perf_counter() - started, len(first.get_data())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--classes", type=int, default=6)
    parser.add_argument("--students", type=int, default=45)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var_dir:
        env = {"JGT_VAR_DIR": var_dir, "JGT_SECRET_KEY": "bench-secret"}
        if args.database_url:
            env["JGT_DATABASE_URL"] = args.database_url
        settings = load_settings(env)
        init_db(settings)
        runtime = build_runtime(settings, hasher=PasswordHasher(time_cost=1, memory_cost=8))
        started = time.perf_counter()
        test_id, uploads = build(runtime, args.schools, args.classes, args.students)
        print(f"district built in {time.perf_counter() - started:.1f}s: {len(uploads)} classes")

        assessment = runtime.services.assessment
        started = time.perf_counter()
        for head, class_name, data in uploads:
            result = assessment.upload_scores(
                head, test_id, class_name=class_name, filename="成绩.csv", data=data
            )
            assert result.ok, result.errors
        platform_upload = time.perf_counter() - started
        bare_upload = bare_uploads(Path(var_dir) / "bare.sqlite", uploads)
        print(
            f"upload: platform {len(uploads) / platform_upload:.1f} classes/s "
            f"({platform_upload:.2f}s), bare {len(uploads) / bare_upload:.1f} classes/s"
        )

        started = time.perf_counter()
        runtime.catch_up()
        print(f"projections caught up in {time.perf_counter() - started:.2f}s")

        from bench import bare_app
        from web import create_app

        app = create_app(runtime=runtime)
        client = app.test_client()
        login = client.get("/login")
        token = re.search(r'name="csrf-token" content="([^"]+)"', login.get_data(as_text=True))
        assert token is not None
        signed = client.post(
            "/login",
            data={"username": "bench-monitor", "password": PASSWORD, "csrf_token": token[1]},
        )
        assert signed.status_code == 302, signed.status_code
        page_seconds, size = timed_requests(
            client.get, f"/assessment/tests/{test_id}", args.requests
        )
        os.environ["BENCH_BARE_BYTES"] = str(size)
        bare = bare_app.create_app().test_client()
        bare_seconds, _ = timed_requests(bare.get, "/bare", args.requests)
        print(
            f"statistics page: {args.requests / page_seconds:.2f} req/s "
            f"({page_seconds / args.requests * 1000:.0f} ms, {size} bytes), "
            f"bare {args.requests / bare_seconds:.1f} req/s"
        )
        print(f"RATIO upload {bare_upload / platform_upload:.4f}")
        print(f"RATIO statistics-page {bare_seconds / page_seconds:.4f}")
        runtime.close()


if __name__ == "__main__":
    main()
