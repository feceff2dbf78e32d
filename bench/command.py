"""How fast does gunicorn record an activity through the API, against a bare Flask one-INSERT app?

``python -m bench.command [--duration 10] [--rounds 3] [--connections 8] [--workers 2]``
(about 2 minutes on 2 cores)

In a fresh PostgreSQL database (created here, dropped at the end, also on failure) this makes the
tables as ``jgt db init`` does and, through the services, a bureau with two schools in a 融合型
community and a teacher of the core school. gunicorn serves the app with ``infra/gunicorn.conf.py``
(``JGT_EMBEDDED_PROJECTIONS=false``, Redis under a key prefix of this run's own, a write limit no
one reaches); the benchmark takes an API token for the teacher and loads
``POST /api/v1/communities/{id}/activities`` with a small JSON record: the token checked against
the user's last version, the write limit counted in Redis, the community loaded, the rules
applied, one event saved. No projection runs meanwhile (the command path alone).

The baseline, with the same gunicorn settings and load, is a bare Flask app (``bare_insert_app``)
whose endpoint parses the same JSON body, ``INSERT``s it into a table of the same database with
psycopg2 (one connection per thread, ``INSERT … RETURNING id`` then ``COMMIT``) and answers 201
with the id. Both are loaded in turns, ``--rounds`` × ``--duration`` seconds each, with
``--connections`` keep-alive connections (``wrk`` if installed, else a bounded Python client),
waiting after each turn until the server has finished what the load left in flight. It prints the
machine's load average, both servers' requests/s and latencies, then

    RATIO command <activity req/s ÷ bare req/s>
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import psycopg2
from flask import Flask, Response, jsonify, request

from bench.dashboard import REDIS_URL, Load, Server, fresh_database, gunicorn, redis_prefix
from domain.roles import Role

USERNAME = "bench-teacher"
PASSWORD = "bench-password-1"  # a benchmark's own throwaway account
BARE_TABLE = "bench_bare_inserts"
RECORD = {"kind": "offline_research", "title": "教研活动", "occurred_on": "2025-03-03"}


# --- the baseline --------------------------------------------------------------------------------


def bare_insert_app() -> Flask:
    """One ``INSERT`` per request into ``BENCH_BARE_DATABASE_URL`` (a psycopg2 DSN)."""
    app = Flask(__name__)
    dsn = os.environ["BENCH_BARE_DATABASE_URL"]
    local = threading.local()

    @app.post("/bare")
    def bare() -> tuple[Response, int]:
        payload = request.get_json()
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = psycopg2.connect(dsn)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {BARE_TABLE} (body) VALUES (%s) RETURNING id",
                (json.dumps(payload, ensure_ascii=False),),
            )
            row = cursor.fetchone()
            assert row is not None
            inserted = row[0]
        connection.commit()
        return jsonify({"id": inserted}), 201

    return app


# --- the load ------------------------------------------------------------------------------------

_WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = %s
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("WRK %%d %%d %%.1f %%.1f %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), errors))
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def load_wrk(
    port: int, path: str, body: str, headers: dict[str, str], seconds: int, connections: int
) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT % _lua_string(body))
    try:
        command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s"]
        command += ["--timeout", "60s", "-s", script.name]
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
    port: int, path: str, body: str, headers: dict[str, str], seconds: int, connections: int
) -> Load:
    """The same load without wrk: one thread and keep-alive connection per connection."""
    stop = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop and len(latencies[i]) < 200_000 // connections:
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=body.encode(), headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
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


def load(
    port: int, path: str, body: str, headers: dict[str, str], seconds: int, connections: int
) -> Load:
    headers = {"Content-Type": "application/json", **headers}
    if shutil.which("wrk"):
        return load_wrk(port, path, body, headers, seconds, connections)
    return load_python(port, path, body, headers, seconds, connections)


def post(port: int, path: str, payload: dict[str, Any], headers: dict[str, str]) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json", **headers},
        )
        response = conn.getresponse()
        answer = json.loads(response.read() or b"null")
        assert response.status in (200, 201), (response.status, answer)
        return answer
    finally:
        conn.close()


# --- the measurement -----------------------------------------------------------------------------


def community_of_a_teacher(env: dict[str, str]) -> str:
    """Tables as ``jgt db init`` makes them; a bureau, two schools, a community, a teacher."""
    from infra.bootstrap import SYSTEM
    from infra.settings import load_settings
    from infra.wiring import build_runtime, init_db
    from services.actor import Actor

    settings = load_settings(env)
    init_db(settings)
    runtime = build_runtime(settings)
    try:
        org, people = runtime.services.organisation, runtime.services.people
        tenant = org.register_tenant(SYSTEM, name="海宁市教育局", region="浙江省")
        admin_id = people.register_user(
            SYSTEM,
            tenant_id=tenant.id,
            username="bench-admin",
            display_name="管理员",
            password=PASSWORD,
            roles=[Role.BUREAU_ADMIN],
        ).id
        admin = people.authenticate("bench-admin", PASSWORD)
        assert isinstance(admin, Actor)
        assert admin.user_id == admin_id
        core = org.register_school(
            admin, name="第一小学", code="b-01", stage="primary", locality="rural"
        ).id
        other = org.register_school(
            admin, name="第二小学", code="b-02", stage="primary", locality="urban"
        ).id
        people.register_user(
            admin,
            username=USERNAME,
            display_name="王老师",
            password=PASSWORD,
            roles=[Role.TEACHER],
            school_id=core,
            subjects=["语文"],
            grades=[3],
        )
        community = runtime.services.communities.found(
            admin,
            name="狮岭—博达教共体",
            kind="fusion",
            core_school_id=core,
            founded_on=date(2025, 1, 1),
            round_start_year=2024,
            round_end_year=2026,
            member_school_ids=[other],
        )
        return str(community.id)
    finally:
        runtime.close()


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return value


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--duration", type=_positive, default=10, help="seconds of load per turn")
    parser.add_argument("--rounds", type=_positive, default=3, help="turns of load per server")
    parser.add_argument("--connections", type=_positive, default=8)
    parser.add_argument("--workers", type=_positive, default=2)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="This declarative base already contains a class")

    with fresh_database() as url, redis_prefix() as prefix, tempfile.TemporaryDirectory() as var:
        env = {
            "JGT_DATABASE_URL": url.render_as_string(hide_password=False),
            "JGT_VAR_DIR": var,
            "JGT_SECRET_KEY": "bench-command-secret",
            "JGT_EMBEDDED_PROJECTIONS": "false",
            "JGT_REDIS_URL": REDIS_URL,
            "JGT_REDIS_PREFIX": prefix,
            "JGT_API_WRITES": "1000000000",
        }
        community = community_of_a_teacher(env)
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {BARE_TABLE} (id bigserial PRIMARY KEY, body jsonb)")
        connection.close()
        return measure(env, dsn, community, Path(var) / "gunicorn.log", args)


def measure(
    env: dict[str, str], dsn: str, community: str, log: Path, args: argparse.Namespace
) -> dict[str, float]:
    """Both servers up at once; the same load on each in turns (``--rounds``), so that other work
    on the machine meanwhile hits both alike."""
    path = f"/api/v1/communities/{community}/activities"
    body = json.dumps(RECORD, ensure_ascii=False)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    turns: dict[str, list[Load]] = {"command": [], "bare": []}
    try:
        with gunicorn("web:create_app()", env, args.workers, log) as server:
            port = server.port
            token = post(
                port, "/api/v1/auth/token", {"username": USERNAME, "password": PASSWORD}, {}
            )
            headers = {"Authorization": f"Bearer {token['token']}"}
            post(port, path, RECORD, headers)  # the rules accept it
            load(port, path, body, headers, 3, args.connections)  # every worker warmed up
            server.wait_idle()
            bare_env = {"BENCH_BARE_DATABASE_URL": dsn}
            with gunicorn(
                "bench.command:bare_insert_app()", bare_env, args.workers, log
            ) as baseline:
                post(baseline.port, "/bare", RECORD, {})
                load(baseline.port, "/bare", body, {}, 3, args.connections)
                baseline.wait_idle()
                servers: dict[str, tuple[Server, str, dict[str, str]]] = {
                    "command": (server, path, headers),
                    "bare": (baseline, "/bare", {}),
                }
                for _ in range(args.rounds):
                    for name, (target, where, their_headers) in servers.items():
                        turns[name].append(
                            load(
                                target.port,
                                where,
                                body,
                                their_headers,
                                args.duration,
                                args.connections,
                            )
                        )
                        target.wait_idle()
    except Exception:
        if log.exists():
            print(log.read_text()[-4000:], file=sys.stderr)
        raise

    results: dict[str, Load] = {}
    for name, each in turns.items():
        for n, turn in enumerate(each, start=1):
            print(f"{name} turn {n}: {turn.rps:.1f} req/s, p95 {turn.p95_ms:.1f} ms")
        result = results[name] = Load(
            requests=sum(t.requests for t in each),
            seconds=sum(t.seconds for t in each),
            p50_ms=statistics.median(t.p50_ms for t in each),
            p95_ms=statistics.median(t.p95_ms for t in each),
            errors=sum(t.errors for t in each),
        )
        print(
            f"{name}: {result.requests} requests in {result.seconds:.1f} s = "
            f"{result.rps:.1f} req/s, p50 {result.p50_ms:.1f} ms, p95 {result.p95_ms:.1f} ms, "
            f"{result.errors} errors"
        )
    ours, bare = results["command"], results["bare"]
    assert ours.errors == 0, "the command failed under load"
    assert bare.errors == 0, "the bare app failed under load"
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    ratio = ours.rps / bare.rps
    print(f"RATIO command {ratio:.3f}")
    return {"command_rps": ours.rps, "bare_rps": bare.rps, "ratio": ratio}


if __name__ == "__main__":
    main()
