"""How fast does ``jgt projections rebuild`` apply the log, against a raw SQL loop doing the same?

``python -m bench.rebuild [--events N] [--view audit_log|directory|communities|all]
[--communities N]``

In a fresh PostgreSQL database (created here and dropped at the end) this writes N real domain
events (a world of bureaus, schools, classes and staff, saved through ``Platform.save`` many
aggregates at a time), then:

- times the runner's ``rebuild()`` of a view with the CLI's default batch size → events/s;
- times a baseline: a psycopg2 loop that reads the same events in pages, decodes the JSON state,
  upserts equivalent rows into a plain table and writes a checkpoint row per page, committing once
  per page → events/s;

and prints ``RATIO rebuild <ours/raw>`` (for the audit log; ``RATIO rebuild-directory`` for the
directory). Then it adds ``bench.dashboard``'s district (``--communities`` communities with their
members, plans and a year of activity records) and does the same for the communities view:
``RATIO rebuild-communities``. The world generator is also used by the reliability tests to seed their stores.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg2
import psycopg2.extensions
import psycopg2.extras
from eventsourcing.domain import Aggregate
from sqlalchemy.engine import make_url

from domain.roles import Role
from domain.school import School
from domain.tenant import Tenant
from domain.uniqueness import NameClaim, school_code_key, username_key
from domain.user import SUBJECTS, User
from services.platform import Platform

#: A stored Argon2 hash is only carried by the event; nothing here checks it.
FAKE_HASH = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$ZmFrZWhhc2hmYWtlaGFzaGZha2VoYXNo"
_PERIODS: list[dict[str, object]] = [
    {"weekday": d, "number": n, "start": f"{7 + n:02d}:00", "end": f"{7 + n:02d}:40"}
    for d in range(1, 6)
    for n in range(1, 7)
]


def synthetic_world(
    rng: random.Random, *, tag: str = "w", schools_per_tenant: int = 8, staff_per_school: int = 20
) -> Iterator[list[Aggregate]]:
    """Endless blocks of new aggregates with their pending events, in an order that makes sense.

    A block is a bureau (the tenant and its admin) or a school with its classes, bell schedule and
    staff, some of whom then change profile or roles, move to another school or leave. About 64
    events per school block. Every event is built by the domain's own commands.
    """
    start = datetime(2024, 9, 1, tzinfo=UTC)
    clock = 0

    def at() -> datetime:
        nonlocal clock
        clock += 1
        # Some things are recorded late: occurred_at lags behind by up to a few days.
        return start + timedelta(minutes=clock) - timedelta(hours=rng.choice((0, 0, 0, 5, 50)))

    t = 0
    while True:
        t += 1
        tenant_id = uuid.uuid4()
        tenant = Tenant(
            tenant_id=tenant_id,
            name=f"{tag}教育局{t}",
            region="浙江省",
            actor_id=None,
            occurred_at=at(),
        )
        admin = User.register(
            tenant_id=tenant_id,
            username=f"{tag}{t}-admin",
            display_name=f"管理员{t}",
            school_id=None,
            roles=[Role.BUREAU_ADMIN],
            password_hash=FAKE_HASH,
            actor_id=None,
            occurred_at=at(),
        )
        admin_claim = NameClaim(
            tenant_id=tenant_id,
            key=username_key(admin.username),
            owner_id=admin.id,
            actor_id=None,
            occurred_at=at(),
        )
        yield [tenant, admin, admin_claim]
        school_ids: list[UUID] = []
        for s in range(schools_per_tenant):
            school = School.register(
                tenant_id=tenant_id,
                name=f"第{s + 1}小学",
                code=f"S{t}-{s}",
                stage="primary",
                locality=rng.choice(("urban", "rural")),
                student_count=rng.randrange(100, 2000),
                actor_id=admin.id,
                occurred_at=at(),
            )
            claim = NameClaim(
                tenant_id=tenant_id,
                key=school_code_key(tenant_id, school.code),
                owner_id=school.id,
                actor_id=admin.id,
                occurred_at=at(),
            )
            for grade in (1, 2, 3):
                school.open_class(grade=grade, name="1班", actor_id=admin.id, occurred_at=at())
            school.set_bell_schedule(_PERIODS, actor_id=admin.id, occurred_at=at())
            school.change_details(
                name=school.name,
                stage="primary",
                locality=school.locality,
                student_count=school.student_count + 10,
                actor_id=admin.id,
                occurred_at=at(),
            )
            block: list[Aggregate] = [school, claim]
            for k in range(staff_per_school):
                user = User.register(
                    tenant_id=tenant_id,
                    username=f"{tag}{t}-{s}-{k}",
                    display_name=f"老师{t}-{s}-{k}",
                    school_id=school.id,
                    roles=[Role.TEACHER],
                    password_hash=FAKE_HASH,
                    subjects=[rng.choice(SUBJECTS)],
                    grades=[rng.randrange(1, 7)],
                    actor_id=admin.id,
                    occurred_at=at(),
                )
                user_claim = NameClaim(
                    tenant_id=tenant_id,
                    key=username_key(user.username),
                    owner_id=user.id,
                    actor_id=admin.id,
                    occurred_at=at(),
                )
                if rng.random() < 0.5:
                    user.update_profile(
                        display_name=user.display_name,
                        subjects=[rng.choice(SUBJECTS)],
                        grades=[rng.randrange(1, 7)],
                        key_level=rng.choice(("", "county", "city")),
                        title="一级教师",
                        actor_id=admin.id,
                        occurred_at=at(),
                    )
                if rng.random() < 0.2:
                    user.change_roles(
                        [Role.TEACHER, Role.SCHOOL_ADMIN], actor_id=admin.id, occurred_at=at()
                    )
                if school_ids and rng.random() < 0.1:
                    user.transfer(rng.choice(school_ids), actor_id=admin.id, occurred_at=at())
                if rng.random() < 0.05:
                    user.deactivate("离职", actor_id=admin.id, occurred_at=at())
                    if rng.random() < 0.3:
                        user.reactivate(actor_id=admin.id, occurred_at=at())
                block += [user, user_claim]
            school_ids.append(school.id)
            yield block


def save_world(
    platform: Platform,
    events: int,
    *,
    seed: int = 1,
    tag: str = "w",
    chunk: int = 4000,
    staff_per_school: int = 20,
) -> int:
    """Save at least ``events`` events, ``chunk`` or so per ``Platform.save``. Returns the count."""
    rng = random.Random(seed)
    saved = 0
    pending: list[Aggregate] = []
    pending_events = 0
    for block in synthetic_world(rng, tag=tag, staff_per_school=staff_per_school):
        pending += block
        pending_events += sum(len(a.pending_events) for a in block)
        if pending_events >= chunk or saved + pending_events >= events:
            platform.save(*pending)
            saved += pending_events
            pending, pending_events = [], 0
            if saved >= events:
                return saved
    raise AssertionError("unreachable")  # pragma: no cover


# --- the raw baseline --------------------------------------------------------------------------

_ENVELOPE = {"originator_topic", "timestamp", "tenant_id", "actor_id", "occurred_at"}


def _plain(value: Any) -> Any:
    if isinstance(value, dict) and "_type_" in value:
        data = value["_data_"]
        return str(UUID(data)) if value["_type_"] == "uuid_hex" else data
    return value


def _uuid(value: Any) -> str | None:
    return None if value is None else str(UUID(value["_data_"]))


def raw_audit_rebuild(dsn: dict[str, Any], page: int) -> int:
    """The baseline: the audit log's rows by hand, a page per transaction, a checkpoint per page."""
    conn = psycopg2.connect(**dsn)
    cur = conn.cursor()
    cur.execute(
        """
        DROP TABLE IF EXISTS raw_audit; DROP TABLE IF EXISTS raw_checkpoint;
        CREATE TABLE raw_audit (
            position bigint PRIMARY KEY, tenant_id uuid NOT NULL, event_type varchar(100) NOT NULL,
            subject_id uuid NOT NULL, actor_id uuid, school_id uuid,
            occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL, details json NOT NULL);
        CREATE INDEX raw_audit_tenant_position ON raw_audit (tenant_id, position);
        CREATE TABLE raw_user_school (user_id uuid PRIMARY KEY, school_id uuid);
        CREATE TABLE raw_checkpoint (name text PRIMARY KEY, position bigint NOT NULL);
        """
    )
    conn.commit()
    cur.execute("SELECT coalesce(max(id), 0) FROM jgt_events")
    head = cur.fetchone()[0]
    position, processed = 0, 0
    user_school: dict[str, str | None] = {}
    while position < head:
        cur.execute(
            "SELECT id, originator_id, topic, state FROM jgt_events "
            "WHERE id > %s AND id <= %s ORDER BY id LIMIT %s",
            (position, head, page),
        )
        rows = cur.fetchall()
        entries: list[tuple[Any, ...]] = []
        schools: dict[str, str | None] = {}
        for notification_id, originator_id, topic, state in rows:
            kind = topic.split(":", 1)[1]
            if kind == "NameClaim.Claimed":
                continue
            data = json.loads(bytes(state))
            subject = str(originator_id)
            school: str | None
            if kind.startswith("School."):
                school = subject
            elif kind == "User.Registered":
                school = _uuid(data["school_id"])
                user_school[subject] = schools[subject] = school
            elif kind == "User.Transferred":
                school = _uuid(data["to_school_id"])
                user_school[subject] = schools[subject] = school
            elif kind.startswith("User."):
                school = user_school.get(subject)
            else:
                school = None
            details = {
                k: _plain(v) for k, v in data.items() if k not in _ENVELOPE and k != "password_hash"
            }
            entries.append(
                (
                    notification_id,
                    _uuid(data["tenant_id"]),
                    kind,
                    subject,
                    _uuid(data["actor_id"]),
                    school,
                    data["occurred_at"]["_data_"],
                    data["timestamp"]["_data_"],
                    json.dumps(details, ensure_ascii=False),
                )
            )
        psycopg2.extras.execute_values(
            cur,
            "INSERT INTO raw_audit VALUES %s ON CONFLICT (position) DO UPDATE SET "
            "school_id = excluded.school_id, details = excluded.details",
            entries,
            page_size=1000,
        )
        if schools:
            psycopg2.extras.execute_values(
                cur,
                "INSERT INTO raw_user_school VALUES %s ON CONFLICT (user_id) DO UPDATE SET "
                "school_id = excluded.school_id",
                list(schools.items()),
                page_size=1000,
            )
        position = rows[-1][0] if len(rows) == page else head
        cur.execute(
            "INSERT INTO raw_checkpoint VALUES ('audit', %s) "
            "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            (position,),
        )
        conn.commit()
        processed += len(rows)
    conn.close()
    return processed


def raw_directory_rebuild(dsn: dict[str, Any], page: int) -> int:
    """The baseline for the directory: its tables by hand, a page per transaction."""
    conn = psycopg2.connect(**dsn)
    cur = conn.cursor()
    cur.execute(
        """
        DROP TABLE IF EXISTS raw_schools; DROP TABLE IF EXISTS raw_classes;
        DROP TABLE IF EXISTS raw_users; DROP TABLE IF EXISTS raw_tenants;
        DROP TABLE IF EXISTS raw_checkpoint;
        CREATE TABLE raw_tenants (id uuid PRIMARY KEY, name text NOT NULL, region text NOT NULL);
        CREATE TABLE raw_schools (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, name text NOT NULL,
            code text NOT NULL, stage text NOT NULL, locality text NOT NULL,
            student_count int NOT NULL, bell_schedule json NOT NULL);
        CREATE INDEX ON raw_schools (tenant_id);
        CREATE TABLE raw_classes (school_id uuid, class_id text, grade int NOT NULL,
            name text NOT NULL, open boolean NOT NULL, PRIMARY KEY (school_id, class_id));
        CREATE TABLE raw_users (id uuid PRIMARY KEY, tenant_id uuid NOT NULL,
            username text NOT NULL UNIQUE, display_name text NOT NULL, school_id uuid,
            roles json NOT NULL, subjects json NOT NULL, grades json NOT NULL,
            key_level text NOT NULL, title text NOT NULL, active boolean NOT NULL);
        CREATE INDEX ON raw_users (tenant_id); CREATE INDEX ON raw_users (school_id);
        CREATE TABLE raw_checkpoint (name text PRIMARY KEY, position bigint NOT NULL);
        """
    )
    conn.commit()
    cur.execute("SELECT coalesce(max(id), 0) FROM jgt_events")
    head = cur.fetchone()[0]
    position, processed = 0, 0
    topics = [
        "domain.tenant:Tenant.Registered",
        "domain.tenant:Tenant.Renamed",
        "domain.school:School.Registered",
        "domain.school:School.DetailsChanged",
        "domain.school:School.ClassOpened",
        "domain.school:School.ClassClosed",
        "domain.school:School.BellScheduleSet",
        "domain.user:User.Registered",
        "domain.user:User.RolesChanged",
        "domain.user:User.ProfileUpdated",
        "domain.user:User.Transferred",
        "domain.user:User.Deactivated",
        "domain.user:User.Reactivated",
    ]
    while position < head:
        cur.execute(
            "SELECT id, originator_id, topic, state FROM jgt_events "
            "WHERE id > %s AND id <= %s AND topic = ANY(%s) ORDER BY id LIMIT %s",
            (position, head, topics, page),
        )
        rows = cur.fetchall()
        # As hand-written as it gets: inserts are kept per table by key and sent with
        # execute_values at the end of the page; an update of a row inserted in this page
        # amends the kept row; any other update is sent at once.
        inserts: dict[str, dict[Any, list[Any]]] = {
            "tenants": {},
            "schools": {},
            "classes": {},
            "users": {},
        }
        for _, originator_id, topic, state in rows:
            kind = topic.split(":", 1)[1]
            data = json.loads(bytes(state))
            subject = str(originator_id)
            if kind == "Tenant.Registered":
                inserts["tenants"][subject] = [subject, data["name"], data["region"]]
            elif kind == "School.Registered":
                inserts["schools"][subject] = [
                    subject,
                    _uuid(data["tenant_id"]),
                    data["name"],
                    data["code"],
                    data["stage"],
                    data["locality"],
                    data["student_count"],
                    "[]",
                ]
            elif kind == "School.ClassOpened":
                key = (subject, data["class_id"])
                inserts["classes"][key] = [*key, data["grade"], data["name"], True]
            elif kind == "User.Registered":
                inserts["users"][subject] = [
                    subject,
                    _uuid(data["tenant_id"]),
                    data["username"],
                    data["display_name"],
                    _uuid(data["school_id"]),
                    json.dumps(data["roles"]),
                    json.dumps(data["subjects"], ensure_ascii=False),
                    json.dumps(data["grades"]),
                    data["key_level"],
                    data["title"],
                    True,
                ]
            elif kind == "Tenant.Renamed":
                _update(
                    cur,
                    inserts["tenants"].get(subject),
                    {1: data["name"]},
                    "UPDATE raw_tenants SET name = %s WHERE id = %s",
                    (data["name"], subject),
                )
            elif kind == "School.DetailsChanged":
                fields = (data["name"], data["stage"], data["locality"], data["student_count"])
                _update(
                    cur,
                    inserts["schools"].get(subject),
                    {2: fields[0], 4: fields[1], 5: fields[2], 6: fields[3]},
                    "UPDATE raw_schools SET name = %s, stage = %s, locality = %s, "
                    "student_count = %s WHERE id = %s",
                    (*fields, subject),
                )
            elif kind == "School.ClassClosed":
                _update(
                    cur,
                    inserts["classes"].get((subject, data["class_id"])),
                    {4: False},
                    "UPDATE raw_classes SET open = false WHERE school_id = %s AND class_id = %s",
                    (subject, data["class_id"]),
                )
            elif kind == "School.BellScheduleSet":
                periods = json.dumps(data["periods"])
                _update(
                    cur,
                    inserts["schools"].get(subject),
                    {7: periods},
                    "UPDATE raw_schools SET bell_schedule = %s WHERE id = %s",
                    (periods, subject),
                )
            elif kind == "User.RolesChanged":
                roles = json.dumps(data["roles"])
                _update(
                    cur,
                    inserts["users"].get(subject),
                    {5: roles},
                    "UPDATE raw_users SET roles = %s WHERE id = %s",
                    (roles, subject),
                )
            elif kind == "User.ProfileUpdated":
                profile = (
                    data["display_name"],
                    json.dumps(data["subjects"], ensure_ascii=False),
                    json.dumps(data["grades"]),
                    data["key_level"],
                    data["title"],
                )
                _update(
                    cur,
                    inserts["users"].get(subject),
                    dict(zip((3, 6, 7, 8, 9), profile, strict=True)),
                    "UPDATE raw_users SET display_name = %s, subjects = %s, grades = %s, "
                    "key_level = %s, title = %s WHERE id = %s",
                    (*profile, subject),
                )
            elif kind == "User.Transferred":
                school = _uuid(data["to_school_id"])
                _update(
                    cur,
                    inserts["users"].get(subject),
                    {4: school},
                    "UPDATE raw_users SET school_id = %s WHERE id = %s",
                    (school, subject),
                )
            elif kind in ("User.Deactivated", "User.Reactivated"):
                active = kind == "User.Reactivated"
                _update(
                    cur,
                    inserts["users"].get(subject),
                    {10: active},
                    "UPDATE raw_users SET active = %s WHERE id = %s",
                    (active, subject),
                )
        _insert_all(cur, inserts)
        position = rows[-1][0] if len(rows) == page else head
        cur.execute(
            "INSERT INTO raw_checkpoint VALUES ('directory', %s) "
            "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            (position,),
        )
        conn.commit()
        processed += len(rows)
    conn.close()
    return processed


_COMMUNITIES_DDL = """
DROP TABLE IF EXISTS raw_communities, raw_stints, raw_plans, raw_activities, raw_contributions,
    raw_checkpoint;
CREATE TABLE raw_communities (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, name text NOT NULL,
    kind text NOT NULL, core_school_id uuid NOT NULL, founded_on date NOT NULL,
    round_start_year bigint NOT NULL, round_end_year bigint NOT NULL);
CREATE INDEX ON raw_communities (tenant_id);
CREATE TABLE raw_stints (id bigserial PRIMARY KEY, community_id uuid NOT NULL,
    school_id uuid NOT NULL, school_tenant_id uuid NOT NULL, joined_on date NOT NULL, left_on date);
CREATE INDEX ON raw_stints (community_id); CREATE INDEX ON raw_stints (school_id);
CREATE INDEX ON raw_stints (school_tenant_id);
CREATE TABLE raw_plans (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, community_id uuid NOT NULL,
    year bigint NOT NULL, period_start date NOT NULL, period_end date NOT NULL, title text NOT NULL,
    status text NOT NULL, version bigint NOT NULL, tasks json NOT NULL, draft_tasks json NOT NULL,
    comments json NOT NULL, updated_at timestamptz NOT NULL);
CREATE INDEX ON raw_plans (tenant_id); CREATE INDEX ON raw_plans (community_id);
CREATE TABLE raw_activities (id uuid PRIMARY KEY, tenant_id uuid NOT NULL,
    community_id uuid NOT NULL, school_id uuid NOT NULL, kind text NOT NULL, title text NOT NULL,
    occurred_on date NOT NULL, recorded_at timestamptz NOT NULL, actor_id uuid,
    participant_ids json NOT NULL, details json NOT NULL, evidence json NOT NULL,
    counted boolean NOT NULL, withdrawn boolean NOT NULL);
CREATE INDEX ON raw_activities (community_id);
CREATE TABLE raw_contributions (id bigserial PRIMARY KEY, position bigint NOT NULL,
    tenant_id uuid NOT NULL, community_id uuid NOT NULL, school_id uuid NOT NULL,
    task_kind text NOT NULL, unit text NOT NULL, amount bigint NOT NULL, occurred_on date NOT NULL,
    recorded_at timestamptz NOT NULL, event_type text NOT NULL, subject_id uuid NOT NULL,
    actor_id uuid, title text NOT NULL);
CREATE INDEX ON raw_contributions (tenant_id, occurred_on);
CREATE INDEX ON raw_contributions (community_id, occurred_on);
CREATE TABLE raw_checkpoint (name text PRIMARY KEY, position bigint NOT NULL);
"""


def raw_communities_rebuild(dsn: dict[str, Any], page: int, topics: list[str]) -> int:
    """The baseline for the communities view, for the events of ``bench.dashboard``'s district
    (communities founded and joined, plans drafted, submitted and approved, activities recorded
    with what they count): its rows by hand, a page per transaction, a checkpoint per page."""
    conn = psycopg2.connect(**dsn)
    cur = conn.cursor()
    cur.execute(_COMMUNITIES_DDL)
    conn.commit()
    cur.execute("SELECT coalesce(max(id), 0) FROM jgt_events")
    head = cur.fetchone()[0]
    position, processed = 0, 0
    while position < head:
        cur.execute(
            "SELECT id, originator_id, topic, state FROM jgt_events "
            "WHERE id > %s AND id <= %s AND topic = ANY(%s) ORDER BY id LIMIT %s",
            (position, head, topics, page),
        )
        rows = cur.fetchall()
        found: dict[str, list[tuple[Any, ...]]] = {"communities": [], "stints": []}
        found.update(activities=[], contributions=[])
        plans: dict[str, list[Any]] = {}
        for notification_id, originator_id, topic, state in rows:
            kind = topic.split(":", 1)[1]
            data = json.loads(bytes(state))
            subject = str(originator_id)
            tenant, stamp = _uuid(data["tenant_id"]), data["timestamp"]["_data_"]
            if kind == "Community.Founded":
                core, founded = _uuid(data["core_school_id"]), data["founded_on"]["_data_"]
                found["communities"].append(
                    (subject, tenant, data["name"], data["kind"], core, founded,
                     data["round_start_year"], data["round_end_year"])
                )  # fmt: skip
                found["stints"].append((subject, core, tenant, founded, None))
            elif kind == "Community.SchoolJoined":
                found["stints"].append(
                    (subject, _uuid(data["school_id"]), _uuid(data["school_tenant_id"]),
                     data["joined_on"]["_data_"], None)
                )  # fmt: skip
            elif kind == "Plan.Drafted":
                plans[subject] = [
                    subject, tenant, _uuid(data["community_id"]), data["year"],
                    data["period_start"]["_data_"], data["period_end"]["_data_"], data["title"],
                    "draft", 0, "[]", json.dumps(data["tasks"], ensure_ascii=False), "[]", stamp,
                ]  # fmt: skip
            elif kind == "Plan.Submitted":
                _update(
                    cur, plans.get(subject), {7: "submitted", 12: stamp},
                    "UPDATE raw_plans SET status = 'submitted', updated_at = %s WHERE id = %s",
                    (stamp, subject),
                )  # fmt: skip
            elif kind == "Plan.Approved":
                tasks = json.dumps(data["tasks"], ensure_ascii=False)
                _update(
                    cur, plans.get(subject),
                    {7: "approved", 8: data["version"], 9: tasks, 12: stamp},
                    "UPDATE raw_plans SET status = 'approved', version = %s, tasks = %s, "
                    "updated_at = %s WHERE id = %s",
                    (data["version"], tasks, stamp, subject),
                )  # fmt: skip
            elif kind == "Activity.Recorded":
                actor = _uuid(data["actor_id"])
                found["activities"].append(
                    (subject, tenant, _uuid(data["community_id"]), _uuid(data["school_id"]),
                     data["kind"], data["title"], data["occurred_on"]["_data_"], stamp, actor,
                     json.dumps([_plain(p) for p in data["participant_ids"]]),
                     json.dumps({k: _plain(v) for k, v in data["details"].items()},
                                ensure_ascii=False),
                     json.dumps(data["evidence"]), bool(data["contributions"]), False)
                )  # fmt: skip
                found["contributions"] += [
                    (notification_id, tenant, _uuid(c["community_id"]), _uuid(c["school_id"]),
                     c["task_kind"], c["unit"], c["amount"], c["occurred_on"]["_data_"], stamp,
                     "Activity.Recorded", subject, actor, data["title"])
                    for c in data["contributions"]
                ]  # fmt: skip
        found["plans"] = [tuple(row) for row in plans.values()]
        for table, values in found.items():
            if not values:
                continue
            columns = {
                "stints": " (community_id, school_id, school_tenant_id, joined_on, left_on)",
                "contributions": " (position, tenant_id, community_id, school_id, task_kind, unit,"
                " amount, occurred_on, recorded_at, event_type, subject_id, actor_id, title)",
            }.get(table, "")
            psycopg2.extras.execute_values(
                cur, f"INSERT INTO raw_{table}{columns} VALUES %s", values, page_size=1000
            )
        position = rows[-1][0] if len(rows) == page else head
        cur.execute(
            "INSERT INTO raw_checkpoint VALUES ('communities', %s) "
            "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            (position,),
        )
        conn.commit()
        processed += len(rows)
    conn.close()
    return processed


def _update(
    cur: Any, pending: list[Any] | None, fields: dict[int, Any], sql: str, args: tuple[Any, ...]
) -> None:
    if pending is None:
        cur.execute(sql, args)
    else:
        for index, value in fields.items():
            pending[index] = value


def _insert_all(cur: Any, inserts: dict[str, dict[Any, list[Any]]]) -> None:
    for table, rows in inserts.items():
        if rows:
            values = [tuple(row) for row in rows.values()]
            psycopg2.extras.execute_values(
                cur, f"INSERT INTO raw_{table} VALUES %s", values, page_size=1000
            )
            rows.clear()


# --- the measurement ---------------------------------------------------------------------------


def _cli_batch_size() -> int:
    from infra.cli import projections_rebuild

    option = next(p for p in projections_rebuild.params if p.name == "batch_size")
    return int(option.default)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument(
        "--view", choices=("audit_log", "directory", "communities", "all"), default="all"
    )
    parser.add_argument(
        "--communities",
        type=int,
        default=600,
        help="the district's size for the communities view (bench.dashboard's generator)",
    )
    parser.add_argument(
        "--server", default="postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="This declarative base already contains a class")

    from infra.settings import load_settings
    from infra.wiring import build_runtime, init_db

    server = make_url(args.server)
    name = f"jgt_bench_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(
        host=server.host, port=server.port, user=server.username, dbname=server.database
    )
    admin.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = server.set(database=name)
    dsn = {"host": url.host, "port": url.port, "user": url.username, "dbname": name}
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            settings = load_settings(
                {
                    "JGT_DATABASE_URL": url.render_as_string(hide_password=False),
                    "JGT_VAR_DIR": var_dir,
                    "JGT_SECRET_KEY": "bench",
                    "JGT_EMBEDDED_PROJECTIONS": "false",
                }
            )
            init_db(settings)
            runtime = build_runtime(settings)
            try:
                started = time.perf_counter()
                written = save_world(runtime.platform, args.events)
                elapsed = time.perf_counter() - started
                print(
                    f"wrote {written} events in {elapsed:.1f} s ({written / elapsed:.0f} events/s)"
                )
                batch = _cli_batch_size()
                views = ("audit_log", "directory") if args.view == "all" else (args.view,)
                for view in views:
                    if view != "communities":
                        _measure(runtime, view, batch, dsn)
                if args.view in ("communities", "all"):
                    # Written after the others are measured: their baselines know no community.
                    from bench.dashboard import save_district

                    started = time.perf_counter()
                    district = save_district(runtime.platform, args.communities)
                    print(
                        f"wrote a district of {district.communities} communities "
                        f"({district.events} events) in {time.perf_counter() - started:.1f} s"
                    )
                    _measure(runtime, "communities", batch, dsn)
            finally:
                runtime.close()
    finally:
        if not args.keep:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


_SAME_ROWS = {
    # Each query counts rows of the view that the baseline's tables do not match; all must be 0.
    "audit_log": [
        "SELECT (SELECT count(*) FROM audit_entries) - (SELECT count(*) FROM raw_audit)",
        "SELECT count(*) FROM audit_entries a LEFT JOIN raw_audit r USING (position) "
        "WHERE r.position IS NULL OR a.school_id IS DISTINCT FROM r.school_id "
        "OR a.event_type <> r.event_type OR a.occurred_at <> r.occurred_at "
        "OR a.details::jsonb <> r.details::jsonb",
    ],
    "directory": [
        "SELECT (SELECT count(*) FROM dir_users) - (SELECT count(*) FROM raw_users)",
        "SELECT (SELECT count(*) FROM dir_classes) - (SELECT count(*) FROM raw_classes)",
        "SELECT count(*) FROM dir_users d LEFT JOIN raw_users r USING (id) WHERE r.id IS NULL "
        "OR d.school_id IS DISTINCT FROM r.school_id OR d.active <> r.active "
        "OR d.roles::jsonb <> r.roles::jsonb OR d.display_name <> r.display_name",
        "SELECT count(*) FROM dir_schools d JOIN raw_schools r USING (id) "
        "WHERE d.student_count <> r.student_count OR d.bell_schedule::jsonb <> r.bell_schedule::jsonb",
        "SELECT count(*) FROM dir_classes d JOIN raw_classes r USING (school_id, class_id) "
        "WHERE d.open <> r.open",
    ],
}


_SAME_ROWS["communities"] = [
    "SELECT (SELECT count(*) FROM com_communities) - (SELECT count(*) FROM raw_communities)",
    "SELECT (SELECT count(*) FROM com_stints) - (SELECT count(*) FROM raw_stints)",
    "SELECT (SELECT count(*) FROM com_plans) - (SELECT count(*) FROM raw_plans)",
    "SELECT (SELECT count(*) FROM com_activities) - (SELECT count(*) FROM raw_activities)",
    "SELECT (SELECT count(*) FROM com_contributions) - (SELECT count(*) FROM raw_contributions)",
    "SELECT count(*) FROM com_communities c LEFT JOIN raw_communities r USING (id) "
    "WHERE r.id IS NULL OR c.core_school_id <> r.core_school_id OR c.name <> r.name",
    "SELECT count(*) FROM com_stints c LEFT JOIN raw_stints r USING (community_id, school_id) "
    "WHERE r.community_id IS NULL OR c.joined_on <> r.joined_on",
    "SELECT count(*) FROM com_plans c LEFT JOIN raw_plans r USING (id) WHERE r.id IS NULL "
    "OR c.status <> r.status OR c.version <> r.version OR c.tasks::jsonb <> r.tasks::jsonb",
    "SELECT count(*) FROM com_activities c LEFT JOIN raw_activities r USING (id) "
    "WHERE r.id IS NULL OR c.counted <> r.counted OR c.occurred_on <> r.occurred_on",
    "SELECT count(*) FROM com_contributions c LEFT JOIN raw_contributions r "
    "USING (position, school_id, task_kind) WHERE r.position IS NULL OR c.amount <> r.amount",
]


def _check_same_rows(dsn: dict[str, Any], view: str) -> None:
    """The baseline did the same work: its rows match the view's."""
    conn = psycopg2.connect(**dsn)
    with conn.cursor() as cur:
        for query in _SAME_ROWS[view]:
            cur.execute(query)
            row = cur.fetchone()
            assert row is not None
            assert row[0] == 0, (query, row)
    conn.close()


def _measure(runtime: Any, view: str, batch: int, dsn: dict[str, Any]) -> None:
    runner = runtime.runner(view, batch_size=batch)
    started = time.perf_counter()
    ours = runner.rebuild()
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    if view == "communities":
        baseline = raw_communities_rebuild(dsn, batch, runner.topics)
    else:
        raw = raw_audit_rebuild if view == "audit_log" else raw_directory_rebuild
        baseline = raw(dsn, batch)
    raw_s = time.perf_counter() - started
    assert ours == baseline, (ours, baseline)
    _check_same_rows(dsn, view)
    ours_rate, raw_rate = ours / ours_s, baseline / raw_s
    label = "rebuild" if view == "audit_log" else f"rebuild-{view}"
    print(f"{view}: jgt rebuild {ours} events in {ours_s:.2f} s = {ours_rate:.0f} events/s")
    print(f"{view}: raw SQL loop {baseline} events in {raw_s:.2f} s = {raw_rate:.0f} events/s")
    print(f"RATIO {label} {ours_rate / raw_rate:.2f}")


if __name__ == "__main__":
    main()
