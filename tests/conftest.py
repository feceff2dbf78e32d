"""Shared fixtures: runtimes on SQLite and PostgreSQL, a real Redis, and a small world of two tenants."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg2
import pytest
import redis as redis_lib
from sqlalchemy import event
from sqlalchemy.engine import make_url

from domain.roles import Role
from infra.bootstrap import SYSTEM
from infra.eventstore import datastore_of
from infra.settings import Settings, load_settings
from infra.wiring import Runtime, build_runtime, init_db
from services.actor import Actor, Done
from services.passwords import PasswordHasher
from tests.services_available import POSTGRES_URL, REDIS_URL, need

PASSWORD = "correct-horse-1"


def cheap_hasher() -> PasswordHasher:
    # Real Argon2id, with costs low enough for hundreds of test users.
    return PasswordHasher(time_cost=1, memory_cost=8)


def sqlite_settings(var_dir: Path, **env: str) -> Settings:
    return load_settings({"JGT_VAR_DIR": str(var_dir), "JGT_SECRET_KEY": "test-secret", **env})


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    url = make_url(POSTGRES_URL)
    need("PostgreSQL", url.host or "127.0.0.1", url.port or 5432)
    name = f"jgt_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database or "postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    with postgres_database() as url:
        yield url


@pytest.fixture
def redis_url() -> str:
    url = make_url(REDIS_URL.replace("redis://", "redis+x://", 1))
    need("Redis", url.host or "127.0.0.1", url.port or 6379)
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own, deleted afterwards (tests may run in parallel)."""
    prefix = f"jgt-test:{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = redis_lib.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis_lib.Redis]:
    client = redis_lib.Redis.from_url(redis_url)
    yield client
    client.close()


def open_runtime(settings: Settings) -> Runtime:
    init_db(settings)
    return build_runtime(settings, hasher=cheap_hasher())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a fresh store: once on a SQLite file, once on PostgreSQL."""
    if request.param == "sqlite":
        return sqlite_settings(tmp_path)
    url = request.getfixturevalue("postgres_url")
    return sqlite_settings(tmp_path, JGT_DATABASE_URL=url, JGT_EMBEDDED_PROJECTIONS="false")


@pytest.fixture
def runtime(store_settings: Settings) -> Iterator[Runtime]:
    rt = open_runtime(store_settings)
    yield rt
    rt.close()


@pytest.fixture
def sqlite_runtime(tmp_path: Path) -> Iterator[Runtime]:
    rt = open_runtime(sqlite_settings(tmp_path))
    yield rt
    rt.close()


@dataclass
class Bureau:
    tenant_id: UUID
    admin: Actor
    monitor: Actor
    school_id: UUID
    other_school_id: UUID
    school_admin: Actor
    teacher: Actor
    other_teacher: Actor


def actor_for(runtime: Runtime, user_id: UUID) -> Actor:
    user = runtime.platform.repository.get(user_id)
    return Actor(
        user_id=user.id,
        tenant_id=user.tenant_id,
        school_id=user.school_id,
        roles=frozenset(Role(r) for r in user.roles),
        display_name=user.display_name,
    )


def make_bureau(runtime: Runtime, prefix: str, name: str) -> Bureau:
    """A bureau with two schools, a monitor, a school admin and a teacher at each school."""
    org, people = runtime.services.organisation, runtime.services.people
    tenant = org.register_tenant(SYSTEM, name=name, region="浙江省")
    admin_id = people.register_user(
        SYSTEM,
        tenant_id=tenant.id,
        username=f"{prefix}-admin",
        display_name=f"{name}管理员",
        password=PASSWORD,
        roles=[Role.BUREAU_ADMIN],
    ).id
    admin = actor_for(runtime, admin_id)
    monitor = actor_for(
        runtime,
        people.register_user(
            admin,
            username=f"{prefix}-monitor",
            display_name="督导",
            password=PASSWORD,
            roles=[Role.BUREAU_MONITOR],
        ).id,
    )
    school = org.register_school(
        admin, name=f"{name}第一小学", code=f"{prefix}-01", stage="primary", locality="rural"
    ).id
    other = org.register_school(
        admin, name=f"{name}第二小学", code=f"{prefix}-02", stage="primary", locality="urban"
    ).id
    org.open_class(admin, school, grade=3, name="1班")
    school_admin = actor_for(
        runtime,
        people.register_user(
            admin,
            username=f"{prefix}-sadmin",
            display_name="校长",
            password=PASSWORD,
            roles=[Role.SCHOOL_ADMIN],
            school_id=school,
        ).id,
    )
    teacher = actor_for(
        runtime,
        people.register_user(
            school_admin,
            username=f"{prefix}-teacher",
            display_name="王老师",
            password=PASSWORD,
            roles=[Role.TEACHER],
            school_id=school,
            subjects=["语文"],
            grades=[3],
        ).id,
    )
    other_teacher = actor_for(
        runtime,
        people.register_user(
            admin,
            username=f"{prefix}-teacher2",
            display_name="李老师",
            password=PASSWORD,
            roles=[Role.TEACHER],
            school_id=other,
        ).id,
    )
    return Bureau(
        tenant_id=tenant.id,
        admin=admin,
        monitor=monitor,
        school_id=school,
        other_school_id=other,
        school_admin=school_admin,
        teacher=teacher,
        other_teacher=other_teacher,
    )


def teacher_at(runtime: Runtime, bureau: Bureau, school_id: UUID, username: str) -> Actor:
    """A new teacher at a school of the bureau, registered by its admin."""
    done = runtime.services.people.register_user(
        bureau.admin,
        username=username,
        display_name=username,
        password=PASSWORD,
        roles=[Role.TEACHER],
        school_id=school_id,
    )
    return actor_for(runtime, done.id)


@pytest.fixture
def two_bureaus(runtime: Runtime) -> tuple[Bureau, Bureau]:
    first = make_bureau(runtime, "hn", "海宁市教育局")
    second = make_bureau(runtime, "yy", "余姚市教育局")
    runtime.catch_up()
    return first, second


SetClock = Callable[[datetime], None]


@pytest.fixture
def set_clock(runtime: Runtime) -> SetClock:
    """Set the services' clock: commands then happen, and "today" is, at the given moment."""
    ctx = runtime.services.plans.ctx

    def set_to(moment: datetime) -> None:
        ctx.clock = lambda: moment

    return set_to


@contextmanager
def counting_commits(runtime: Runtime) -> Iterator[list[int]]:
    """The commits made on the store's engine while the block runs (one per batch, say)."""
    engine = datastore_of(runtime.platform).engine
    commits: list[int] = []

    def on_commit(conn: Any) -> None:
        commits.append(1)

    event.listen(engine, "commit", on_commit)
    try:
        yield commits
    finally:
        event.remove(engine, "commit", on_commit)


def found_fusion(runtime: Runtime, hn: Bureau, name: str = "狮岭—博达教共体") -> Done:
    """The tests' usual community: a bureau's two schools in a 融合型 community founded on
    1 January 2025 (for the 2024–2026 round), the first school at its core."""
    return runtime.services.communities.found(
        hn.admin,
        name=name,
        kind="fusion",
        core_school_id=hn.school_id,
        founded_on=date(2025, 1, 1),
        round_start_year=2024,
        round_end_year=2026,
        member_school_ids=[hn.other_school_id],
    )
