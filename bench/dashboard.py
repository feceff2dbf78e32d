"""How fast does gunicorn serve the bureau dashboard of a large district, against a bare Flask app?

``python -m bench.dashboard [--communities 2500] [--duration 10] [--rounds 3] [--connections 8]
[--workers 2] [--background-writes 1,5,20] [--profile] [--keep | --reuse DATABASE]`` (about 4
minutes on 2 cores, and a minute more per rate of background writes)

In a fresh PostgreSQL database (created here, dropped at the end, also on failure) this writes, in
large batches through ``Platform.save`` (real domain events, built by the domain's own commands):

- one bureau with its admin, 4 × N schools (N = 2,500: 10,000 schools), each with its code claim;
- N communities (a core school and 3 member schools each; some members join in April), of four
  types;
- an approved plan per community for the year (drafted, submitted, approved: 5 tasks);
- a year of counted activity records, 8 to 56 per community at its schools, on days spread over the
  year, at paces that leave some communities behind and some ahead;
- three other bureaus of 100 such communities each.

It creates the tables as ``jgt db init`` does and catches every projection up (large batches); the
bureau then seals Q1–Q3 (``ProgressService.seal_quarter``) and a tenth of the communities get a
record entered after the seals (amendments). Then gunicorn serves the app with
``infra/gunicorn.conf.py`` (``JGT_EMBEDDED_PROJECTIONS=false``, Redis under a key prefix of this
run's own, a fixed secret key, a free loopback port, ``--workers`` workers); the benchmark signs in
once as the bureau admin through ``/login`` (with the form's CSRF token) and times the first request
of ``/dashboard?as_of=2025-12-15`` (the figures computed), keeping the cookie it returns as a browser
would. The same gunicorn settings serve
``bench.bare_app`` (a constant JSON body as large as the dashboard page). Both are loaded in turns,
``--rounds`` × ``--duration`` seconds each, with ``--connections`` keep-alive connections (``wrk``
if installed, else a bounded Python client), waiting after each turn until the server has finished
what the load left in flight. It prints both p95 latencies and requests/s, then

    RATIO dashboard <dashboard req/s ÷ bare req/s>
    RATIO dashboard-p95 <bare p95 ÷ dashboard p95>

and each worker's RSS. With ``--background-writes R,...`` it then runs ``jgt projections run`` and,
for each R, the same turns again while a thread here records R activities a second through the
services in the other bureaus' communities (``RATIO dashboard-bg-R``, the bare app measured beside
it under the same writes), and once at 5 a second in the measured bureau's own communities (its
figures change every time: ``P95 dashboard-own-5``), printing the workers' RSS after each.

``--profile`` also prints a cProfile of a dashboard request served in-process, computed and cached.
``--keep`` keeps the database; ``--reuse NAME`` measures one kept before without filling it again.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import os
import pstats
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import psycopg2
import psycopg2.extensions
import redis
from eventsourcing.domain import Aggregate
from sqlalchemy.engine import URL, make_url

from domain.activity import Activity
from domain.community import Community
from domain.counting import TaskKind
from domain.plan import Plan, Task
from domain.roles import Role
from domain.school import School
from domain.settings import DEFAULT_COMMUNITY_TYPES
from domain.tenant import Tenant
from domain.uniqueness import NameClaim, school_code_key, username_key
from domain.user import User
from services.passwords import PasswordHasher
from services.platform import Platform

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVER_URL = os.environ.get(
    "JGT_BENCH_POSTGRES_URL",
    os.environ.get(
        "JGT_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
    ),
)
REDIS_URL = os.environ.get(
    "JGT_BENCH_REDIS_URL", os.environ.get("JGT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
)
YEAR = 2025
AS_OF = date(YEAR, 12, 15)
USERNAME = "bench-admin"
PASSWORD = "bench-password-1"  # a benchmark's own throwaway account
#: The tasks of every plan: target and weight.
TASKS = [
    Task(TaskKind.OFFLINE_RESEARCH, 4),
    Task(TaskKind.DEMO_LESSON, 3),
    Task(TaskKind.EXTENSION_COURSE, 1),
    Task(TaskKind.STUDENT_EXCHANGE, 2),
    Task(TaskKind.RESEARCH_OUTPUT, 2, weight=2),
]
KINDS = [t.kind for t in TASKS]
TYPES = [t for t in DEFAULT_COMMUNITY_TYPES if t.max_schools is None or t.max_schools >= 4]
_TEACHER = frozenset({Role.TEACHER})


# --- the district ------------------------------------------------------------------------------


@dataclass
class District:
    tenant_id: UUID
    admin_id: UUID
    schools: int
    communities: int
    events: int
    members: list[tuple[UUID, list[UUID]]]  # each community's schools, the core school first


def _moment(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _details(kind: str, n: int) -> dict[str, Any]:
    if kind == TaskKind.STUDENT_EXCHANGE:
        return {"student_count": 20 + n % 30}
    if kind == TaskKind.RESEARCH_OUTPUT:
        return {"level": "county", "title": f"案例{n}"}
    return {}


def district_blocks(
    rng: random.Random,
    *,
    communities: int,
    admin_hash: str,
    username: str = USERNAME,
    name: str = "基准市教育局",
    code: str = "B",
) -> Iterator[tuple[list[Aggregate], District | None]]:
    """Blocks of new aggregates with their pending events: the bureau, then each community with its
    four schools, its plan and its year of records. The last item carries the district's summary."""
    tenant_id = uuid.uuid4()
    start = date(YEAR, 1, 1)
    tenant = Tenant(
        tenant_id=tenant_id,
        name=name,
        region="浙江省",
        actor_id=None,
        occurred_at=_moment(date(YEAR - 1, 12, 1)),
    )
    admin = User.register(
        tenant_id=tenant_id,
        username=username,
        display_name="基准管理员",
        school_id=None,
        roles=[Role.BUREAU_ADMIN],
        password_hash=admin_hash,
        actor_id=None,
        occurred_at=_moment(date(YEAR - 1, 12, 1)),
    )
    claim = NameClaim(
        tenant_id=tenant_id,
        key=username_key(username),
        owner_id=admin.id,
        actor_id=None,
        occurred_at=_moment(date(YEAR - 1, 12, 1)),
    )
    events = 3
    members: list[tuple[UUID, list[UUID]]] = []
    yield [tenant, admin, claim], None
    for c in range(communities):
        block: list[Aggregate] = []
        school_ids = []
        for k in range(4):
            school = School.register(
                tenant_id=tenant_id,
                name=f"第{4 * c + k + 1}学校",
                code=f"{code}{4 * c + k + 1:05d}",
                stage="primary",
                locality="rural" if k else "urban",
                student_count=rng.randrange(200, 2000),
                actor_id=admin.id,
                occurred_at=_moment(date(YEAR - 1, 12, 2)),
            )
            block += [
                school,
                NameClaim(
                    tenant_id=tenant_id,
                    key=school_code_key(tenant_id, school.code),
                    owner_id=school.id,
                    actor_id=admin.id,
                    occurred_at=_moment(date(YEAR - 1, 12, 2)),
                ),
            ]
            school_ids.append(school.id)
        kind = TYPES[c % len(TYPES)]
        community = Community.found(
            tenant_id=tenant_id,
            name=f"教共体{c + 1:04d}",
            kind=kind,
            core_school_id=school_ids[0],
            founded_on=start,
            round_start_year=YEAR - 1,
            round_end_year=YEAR + 1,
            actor_id=admin.id,
            occurred_at=_moment(date(YEAR - 1, 12, 20)),
        )
        for k, school_id in enumerate(school_ids[1:]):
            # Most members join with the founding; some later in the year.
            joins = start if k or c % 5 else date(YEAR, 4, 1)
            community.admit(
                school_id, on=joins, kind=kind, actor_id=admin.id, occurred_at=_moment(joins)
            )
        plan = Plan.draft(
            tenant_id=tenant_id,
            community_id=community.id,
            year=YEAR,
            period_start=start,
            period_end=date(YEAR, 12, 31),
            title=f"{YEAR}年度工作计划",
            tasks=TASKS,
            actor_id=admin.id,
            occurred_at=_moment(date(YEAR, 1, 10)),
        )
        plan.submit(
            deadline=date(YEAR, 4, 15),
            today=date(YEAR, 1, 15),
            actor_id=admin.id,
            occurred_at=_moment(date(YEAR, 1, 15)),
        )
        plan.approve(actor_id=admin.id, occurred_at=_moment(date(YEAR, 1, 20)))
        block += [community, plan]
        members.append((community.id, school_ids))
        # A few dozen records a year; the pace varies, so some fall behind their checkpoints.
        records = rng.choice((8, 16, 24, 32, 40, 48, 56))
        for n in range(records):
            day = start + timedelta(days=rng.randrange(0, 348))
            task = rng.choice(KINDS)
            block.append(
                Activity.record(
                    tenant_id=tenant_id,
                    community_id=community.id,
                    school_id=rng.choice(school_ids),
                    kind=task,
                    title=f"{day.month}月活动{n + 1}",
                    occurred_on=day,
                    participant_ids=[],
                    details=_details(task, n),
                    evidence=[],
                    today=date(YEAR, 12, 31),
                    actor_id=admin.id,
                    occurred_at=_moment(day, 18),
                )
            )
        events += sum(len(a.pending_events) for a in block)
        yield block, None
    yield (
        [],
        District(
            tenant_id=tenant_id,
            admin_id=admin.id,
            schools=4 * communities,
            communities=communities,
            events=events,
            members=members,
        ),
    )


def save_district(
    platform: Platform,
    communities: int,
    *,
    seed: int = 7,
    chunk: int = 4000,
    bureau: int = 0,
) -> District:
    """Save the district (``bureau`` 0; another bureau's, 1 to 3), about ``chunk`` events per
    ``Platform.save`` (one transaction each)."""
    hasher = PasswordHasher()
    pending: list[Aggregate] = []
    pending_events = 0
    names = {"admin_hash": hasher.hash(PASSWORD)}
    if bureau:
        names |= {"username": f"other-admin-{bureau}", "name": f"邻县{bureau}教育局"}
    for block, summary in district_blocks(
        random.Random(seed + bureau),
        communities=communities,
        code="BO"[min(bureau, 1)] + (str(bureau) if bureau else ""),
        **names,
    ):
        pending += block
        pending_events += sum(len(a.pending_events) for a in block)
        if pending and (pending_events >= chunk or summary is not None):
            platform.save(*pending)
            pending, pending_events = [], 0
        if summary is not None:
            return summary
    raise AssertionError("unreachable")  # pragma: no cover


def late_records(district: District, *, every: int = 10, seed: int = 8) -> list[Aggregate]:
    """Records of work done in the first three quarters, entered after they were sealed."""
    rng = random.Random(seed)
    found: list[Aggregate] = []
    for community_id, school_ids in district.members[::every]:
        day = date(YEAR, 1, 1) + timedelta(days=rng.randrange(0, 270))
        found.append(
            Activity.record(
                tenant_id=district.tenant_id,
                community_id=community_id,
                school_id=school_ids[0],
                kind=TaskKind.OFFLINE_RESEARCH,
                title="补录：线下教研",
                occurred_on=day,
                participant_ids=[],
                details={},
                evidence=[],
                today=date(YEAR, 12, 31),
                actor_id=district.admin_id,
                occurred_at=_moment(date(YEAR, 12, 1)),
            )
        )
    return found


# --- the database and the servers ----------------------------------------------------------------


def _connect(url: URL) -> psycopg2.extensions.connection:
    return psycopg2.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database
    )


@contextmanager
def fresh_database(*, keep: bool = False) -> Iterator[URL]:
    """A new empty database; dropped, connections and all, on the way out (also on failure),
    unless ``keep``."""
    url = make_url(SERVER_URL)
    name = f"jgt_bench_{uuid.uuid4().hex[:10]}"
    admin = _connect(url)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        try:
            yield url.set(database=name)
        finally:
            if keep:
                print(f"kept the database {name} (--reuse {name})")
            else:
                with admin.cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


@contextmanager
def kept_database(name: str) -> Iterator[URL]:
    """A database an earlier ``--keep`` run filled; left as it is."""
    yield make_url(SERVER_URL).set(database=name)


@contextmanager
def redis_prefix() -> Iterator[str]:
    """A key prefix of this run's own; its keys are deleted afterwards."""
    prefix = f"jgt-bench:{uuid.uuid4().hex[:10]}:"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        try:
            keys = list(client.scan_iter(match=prefix + "*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    port: int
    pid: int

    def cpu_seconds(self) -> float | None:
        """CPU time used so far by gunicorn and its workers (Linux /proc), or None."""
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
            total = 0
            for pid in [str(self.pid), *children]:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            return None
        return total / os.sysconf("SC_CLK_TCK")

    def wait_idle(self, limit: float = 120.0) -> None:
        """Until the workers have finished what a load left in flight (a closed connection does not
        stop a request being served): under 5% of a core for a second, or ``limit`` seconds."""
        deadline = time.monotonic() + limit
        before = self.cpu_seconds()
        while before is not None and time.monotonic() < deadline:
            time.sleep(1.0)
            now = self.cpu_seconds()
            if now is None or now - before < 0.05:
                return
            before = now


@contextmanager
def gunicorn(app: str, env: dict[str, str], workers: int, log: Path) -> Iterator[Server]:
    """gunicorn with the production settings serving ``app`` on a free loopback port; stopped (its
    process group) on the way out."""
    port = free_port()
    full_env = {
        **os.environ,
        **env,
        "JGT_BIND": f"127.0.0.1:{port}",
        "JGT_WORKERS": str(workers),
        "JGT_LOG_LEVEL": "warning",
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "infra" / "gunicorn.conf.py"), app],
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not listen on {port}; see {log}") from None
                time.sleep(0.2)
        yield Server(port, process.pid)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


# --- HTTP ----------------------------------------------------------------------------------------


def _request(
    port: int,
    method: str,
    path: str,
    *,
    body: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes, list[str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        cookies = response.headers.get_all("Set-Cookie") or []
        return response.status, dict(response.headers), data, cookies
    finally:
        conn.close()


def _session_cookie(cookies: list[str]) -> str | None:
    for raw in cookies:
        first = raw.split(";", 1)[0]
        if first.startswith("session="):
            return first
    return None


def sign_in(port: int) -> str:
    """Sign in through the login form (CSRF token and all); returns the ``Cookie`` header value."""
    status, _, page, cookies = _request(port, "GET", "/login")
    assert status == 200, status
    found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the login page"
    cookie = _session_cookie(cookies)
    assert cookie, "no session cookie from the login page"
    form = urlencode(
        {"username": USERNAME, "password": PASSWORD, "csrf_token": found.group(1).decode()}
    )
    status, _, _, cookies = _request(
        port,
        "POST",
        "/login",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    assert status == 302, f"login answered {status}"
    signed_in = _session_cookie(cookies)
    assert signed_in, "no session cookie after login"
    return signed_in


@dataclass
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


_WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("WRK %d %d %.1f %.1f %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), errors))
end
"""


def load_wrk(port: int, path: str, headers: dict[str, str], seconds: int, connections: int) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT)
    try:
        command = [
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "60s",
            "-s",
            script.name,
        ]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        out = subprocess.run(
            [*command, f"http://127.0.0.1:{port}{path}"],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 90,
        ).stdout
    finally:
        os.unlink(script.name)
    found = re.search(r"^WRK (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+)$", out, re.M)
    assert found, out
    requests, micros, p50, p95, errors = found.groups()
    return Load(int(requests), int(micros) / 1e6, float(p50) / 1e3, float(p95) / 1e3, int(errors))


def load_python(
    port: int, path: str, headers: dict[str, str], seconds: int, connections: int
) -> Load:
    """The same load without wrk: one thread and keep-alive connection per connection, for
    ``seconds`` (and at most 200,000 requests in all)."""
    stop = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop and len(latencies[i]) < 200_000 // connections:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors[i] += 1
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            latencies[i].append(time.perf_counter() - started)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    every = sorted(x for each in latencies for x in each)
    if not every:
        return Load(0, elapsed, 0.0, 0.0, sum(errors))
    p95 = every[min(len(every) - 1, int(len(every) * 0.95))]
    return Load(len(every), elapsed, statistics.median(every) * 1e3, p95 * 1e3, sum(errors))


def load(port: int, path: str, headers: dict[str, str], seconds: int, connections: int) -> Load:
    if shutil.which("wrk"):
        return load_wrk(port, path, headers, seconds, connections)
    return load_python(port, path, headers, seconds, connections)


# --- the measurement ---------------------------------------------------------------------------


def profile_requests(env: dict[str, str], as_of: date) -> None:
    """cProfile of a dashboard request served in-process by the Flask app (without Redis, so the
    servers measured next start with nothing cached): once computed, once from the cache. A first
    request for another date has loaded the code and templates and opened the connections."""
    from infra.settings import load_settings
    from web import create_app

    app = create_app(load_settings({**env, "JGT_REDIS_URL": ""}), WTF_CSRF_ENABLED=False)
    try:
        client = app.test_client()
        response = client.post("/login", data={"username": USERNAME, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        client.get(f"/dashboard?as_of={(as_of - timedelta(days=1)).isoformat()}")
        for what in ("computed", "cached"):
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            response = client.get(f"/dashboard?as_of={as_of.isoformat()}")
            profiler.disable()
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.status_code
            print(f"profile: a dashboard request in-process, {what}: {elapsed * 1e3:.0f} ms")
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
            print(out.getvalue())
    finally:
        app.extensions["jgt"].close()


def _rates(text: str) -> list[int]:
    try:
        rates = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("events per second, e.g. 1,5,20") from None
    if any(r < 1 for r in rates):
        raise argparse.ArgumentTypeError("at least 1 event per second")
    return rates


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return value


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--communities", type=_positive, default=2500)
    parser.add_argument("--duration", type=_positive, default=10, help="seconds of load per turn")
    parser.add_argument("--rounds", type=_positive, default=3, help="turns of load per server")
    parser.add_argument("--connections", type=_positive, default=8)
    parser.add_argument("--workers", type=_positive, default=2)
    parser.add_argument("--profile", action="store_true", help="cProfile one request in-process")
    parser.add_argument("--keep", action="store_true", help="keep the database (for --reuse)")
    parser.add_argument("--reuse", metavar="DATABASE", help="a database a --keep run filled")
    parser.add_argument(
        "--background-writes",
        type=_rates,
        default=[],
        metavar="R,R,...",
        help="also measure with R events/s recorded in other bureaus (and 5/s in its own)",
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="This declarative base already contains a class")

    database = kept_database(args.reuse) if args.reuse else fresh_database(keep=args.keep)
    with database as url, redis_prefix() as prefix, tempfile.TemporaryDirectory() as var_dir:
        env = {
            "JGT_DATABASE_URL": url.render_as_string(hide_password=False),
            "JGT_VAR_DIR": var_dir,
            "JGT_SECRET_KEY": "bench-dashboard-secret",
            "JGT_EMBEDDED_PROJECTIONS": "false",
            "JGT_REDIS_URL": REDIS_URL,
            "JGT_REDIS_PREFIX": prefix,
            "JGT_LOGIN_ATTEMPTS": "1000",
        }
        if not args.reuse:
            fill(env, args.communities)
        if args.profile:
            profile_requests(env, AS_OF)
        return measure(env, Path(var_dir) / "gunicorn.log", args)


def fill(
    env: dict[str, str], communities: int, others: int = 3, other_communities: int = 100
) -> None:
    """Tables as ``jgt db init`` makes them, the district's events and ``others`` bureaus of
    ``other_communities`` each (where the background writes go), every view caught up; then the
    bureau seals the first three quarters and some records are entered late, after the seals."""
    from infra.settings import load_settings
    from infra.wiring import build_runtime, init_db

    settings = load_settings(env)
    init_db(settings)
    runtime = build_runtime(settings)

    def catch_up() -> None:
        for name in runtime.views:
            started = time.perf_counter()
            applied = runtime.runner(name, batch_size=5000).catch_up()
            elapsed = time.perf_counter() - started
            print(f"projection {name}: {applied} events in {elapsed:.1f} s")

    try:
        started = time.perf_counter()
        district = save_district(runtime.platform, communities)
        elapsed = time.perf_counter() - started
        print(
            f"wrote {district.events} events ({district.communities} communities, "
            f"{district.schools} schools) in {elapsed:.1f} s"
        )
        for bureau in range(1, others + 1):
            other = save_district(runtime.platform, other_communities, bureau=bureau)
            print(f"another bureau: {other.events} events ({other.communities} communities)")
        catch_up()
        started = time.perf_counter()
        admin = runtime.services.people.authenticate(USERNAME, PASSWORD)
        assert admin is not None
        for quarter in (1, 2, 3):
            # Sealing waits for the views to have every event (the sign-in's, the last seal).
            catch_up()
            runtime.services.progress.seal_quarter(admin, year=YEAR, quarter=quarter)
        late = late_records(district)
        runtime.platform.save(*late)
        print(
            f"sealed Q1–Q3, then recorded {len(late)} late records, "
            f"in {time.perf_counter() - started:.1f} s"
        )
        catch_up()
    finally:
        runtime.close()


# --- background writes -------------------------------------------------------------------------


@contextmanager
def projections_running(env: dict[str, str], log: Path) -> Iterator[None]:
    """``jgt projections run`` in a process of its own (as deployed), stopped on the way out."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from infra.cli import main; main()", "projections", "run"],
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        time.sleep(2.0)  # its runners have started and caught up (nothing new yet)
        if process.poll() is not None:
            raise RuntimeError(f"jgt projections run exited ({process.returncode}); see {log}")
        yield
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


class Writers:
    """Teachers recording work through the services (``ActivityService.record``) at a steady
    rate, in a thread of this process: in the other bureaus' communities, or in the measured
    bureau's own."""

    def __init__(self, env: dict[str, str]) -> None:
        from infra.settings import load_settings
        from infra.wiring import build_runtime

        self.runtime = build_runtime(load_settings(env))
        self.own, self.others = self._communities()
        if not self.others:
            raise RuntimeError("no other bureau in this database: fill it again (no --reuse)")

    def _communities(self) -> tuple[list[tuple[Any, UUID]], list[tuple[Any, UUID]]]:
        from sqlalchemy import select

        from infra.views.communities import communities
        from infra.views.directory import users
        from infra.wiring import engine_of
        from services.actor import Actor

        c = communities.c
        with engine_of(self.runtime.platform).connect() as connection:
            rows = connection.execute(select(c.id, c.tenant_id, c.core_school_id)).all()
            admin = connection.execute(
                select(users.c.tenant_id).where(users.c.username == USERNAME)
            ).scalar_one()
        own: list[tuple[Any, UUID]] = []
        others: list[tuple[Any, UUID]] = []
        for community_id, tenant_id, core in rows:
            teacher = Actor(user_id=None, tenant_id=tenant_id, school_id=core, roles=_TEACHER)
            (own if tenant_id == admin else others).append((teacher, community_id))
        return own, others

    @contextmanager
    def writing(self, rate: int, *, own: bool = False) -> Iterator[list[int]]:
        """Records at ``rate`` a second until the block ends; yields [recorded, failed]."""
        targets = self.own if own else self.others
        counts = [0, 0]
        stop = threading.Event()
        activities = self.runtime.services.activities

        def write() -> None:
            started, n = time.monotonic(), 0
            while not stop.is_set():
                teacher, community_id = targets[n % len(targets)]
                try:
                    activities.record(
                        teacher,
                        community_id,
                        kind=KINDS[n % 2],  # research or a demonstration lesson: no details
                        title=f"背景记录{n}",
                        occurred_on=date(YEAR, 11, 1 + n % 28),
                    )
                    counts[0] += 1
                except Exception:  # counted and printed: the load goes on
                    counts[1] += 1
                n += 1
                stop.wait(max(0.0, started + n / rate - time.monotonic()))

        thread = threading.Thread(target=write, name=f"writes-{rate}", daemon=True)
        thread.start()
        try:
            yield counts
        finally:
            stop.set()
            thread.join(timeout=30)

    def close(self) -> None:
        self.runtime.close()


def worker_rss(server: Server) -> list[int]:
    """Each gunicorn worker's resident memory, in MB (Linux /proc)."""
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        found = []
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    found.append(int(line.split()[1]) // 1024)
        return found
    except OSError:
        return []


# --- the measurement ---------------------------------------------------------------------------


def measure(env: dict[str, str], log: Path, args: argparse.Namespace) -> dict[str, float]:
    """Both servers up at once; the same load on each in turns (``--rounds``), so that other work
    on the machine meanwhile hits both alike. Per server: the requests and time of every turn
    summed, the p95 the median of the turns'. Then the same again for each rate of
    ``--background-writes`` in other bureaus, and at 5 events/s in the measured bureau's own,
    with ``jgt projections run`` applying them meanwhile."""
    path = f"/dashboard?as_of={AS_OF.isoformat()}"
    runs: dict[str, dict[str, list[Load]]] = {}
    try:
        with gunicorn("web:create_app()", env, args.workers, log) as server:
            port = server.port
            cookie = sign_in(port)
            headers = {"Cookie": cookie}
            started = time.perf_counter()
            status, _, body, cookies = _request(port, "GET", path, headers=headers)
            cold = time.perf_counter() - started
            assert status == 200, status
            # Keep the cookie as a browser would: the first page adds the form secret to it.
            headers = {"Cookie": _session_cookie(cookies) or cookie}
            assert b"community-card" in body, "not the dashboard"
            size = len(body)
            print(f"dashboard: first request (computed) {cold * 1e3:.0f} ms, {size} bytes")
            load(port, path, headers, 3, args.connections)  # every worker warmed up
            server.wait_idle()
            with gunicorn(
                "bench.bare_app:create_app()", {"BENCH_BARE_BYTES": str(size)}, args.workers, log
            ) as baseline:
                _, _, bare_body, _ = _request(baseline.port, "GET", "/bare")
                load(baseline.port, "/bare", {}, 3, args.connections)
                baseline.wait_idle()

                def turns() -> dict[str, list[Load]]:
                    found: dict[str, list[Load]] = {"dashboard": [], "bare": []}
                    for _ in range(args.rounds):
                        found["dashboard"].append(
                            load(port, path, headers, args.duration, args.connections)
                        )
                        server.wait_idle()
                        found["bare"].append(
                            load(baseline.port, "/bare", {}, args.duration, args.connections)
                        )
                        baseline.wait_idle()
                    return found

                runs["dashboard"] = turns()
                print(f"worker RSS after dashboard: {worker_rss(server)} MB")
                if args.background_writes:
                    writers = Writers(env)
                    try:
                        with projections_running(env, log):
                            scenarios = [
                                (f"dashboard-bg-{r}", r, False) for r in args.background_writes
                            ]
                            scenarios.append(("dashboard-own-5", 5, True))
                            for name, rate, own in scenarios:
                                with writers.writing(rate, own=own) as counts:
                                    began = time.monotonic()
                                    runs[name] = turns()
                                    spent = time.monotonic() - began
                                print(
                                    f"{name}: {counts[0]} events recorded "
                                    f"({counts[0] / spent:.1f}/s, {counts[1]} failed); "
                                    f"worker RSS after: {worker_rss(server)} MB"
                                )
                    finally:
                        writers.close()
    except Exception:
        if log.exists():
            print(log.read_text()[-4000:], file=sys.stderr)
        raise

    figures: dict[str, float] = {"cold_ms": cold * 1e3}
    for run, turns_of in runs.items():
        results: dict[str, Load] = {}
        for name, nbytes in (("dashboard", size), ("bare", len(bare_body))):
            each = turns_of[name]
            label = run if name == "dashboard" else f"bare (beside {run})"
            for n, turn in enumerate(each, start=1):
                print(f"{label} turn {n}: {turn.rps:.1f} req/s, p95 {turn.p95_ms:.1f} ms")
            result = results[name] = Load(
                requests=sum(t.requests for t in each),
                seconds=sum(t.seconds for t in each),
                p50_ms=statistics.median(t.p50_ms for t in each),
                p95_ms=statistics.median(t.p95_ms for t in each),
                errors=sum(t.errors for t in each),
            )
            print(
                f"{label}: {result.requests} requests in {result.seconds:.1f} s = "
                f"{result.rps:.1f} req/s, p50 {result.p50_ms:.1f} ms, p95 {result.p95_ms:.1f} ms, "
                f"{result.errors} errors, {nbytes} bytes a response"
            )
        ours, bare = results["dashboard"], results["bare"]
        assert ours.errors == 0, f"the dashboard failed under load ({run})"
        assert bare.errors == 0, "the bare app failed under load"
        ratio = ours.rps / bare.rps
        if not ours.requests:
            print(f"no dashboard request completed within a {args.duration} s turn")
        if run == "dashboard-own-5":
            print(f"P95 dashboard-own-5 {ours.p95_ms:.1f} ms (ratio {ratio:.3f})")
        else:
            print(f"RATIO {run} {ratio:.3f}")
        if run == "dashboard":
            p95 = bare.p95_ms / ours.p95_ms if ours.requests else 0.0
            print(f"RATIO dashboard-p95 {p95:.3f}")
            figures |= {
                "dashboard_rps": ours.rps,
                "bare_rps": bare.rps,
                "dashboard_p95_ms": ours.p95_ms,
                "bare_p95_ms": bare.p95_ms,
                "ratio": ratio,
            }
        else:
            figures[f"{run}_ratio"] = ratio
            figures[f"{run}_p95_ms"] = ours.p95_ms
    return figures


if __name__ == "__main__":
    main()
