"""`jgt db init` on a database made by an earlier version adds the columns a view has gained since,
so an upgrade needs no hand-written ALTER TABLE, and the rows already there keep working."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import BigInteger, String, create_engine, inspect, text

from infra.settings import Settings
from infra.views.directory import users
from infra.wiring import init_db
from tests.conftest import PASSWORD, make_bureau, open_runtime, sqlite_settings


def test_db_init_adds_the_columns_a_view_has_gained(store_settings: Settings) -> None:
    runtime = open_runtime(store_settings)
    hn = make_bureau(runtime, "hn", "海宁市教育局")
    runtime.catch_up()
    runtime.close()
    # The directory as an earlier version made it: without the time of the last password change.
    engine = create_engine(store_settings.database_url)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE dir_users DROP COLUMN credentials_changed_at"))
    engine.dispose()

    init_db(store_settings)

    runtime = open_runtime(store_settings)
    try:
        people, directory = runtime.services.people, runtime.services.people.ctx.directory
        teacher = hn.teacher.user_id
        assert teacher is not None
        before = directory.user_for_session(teacher)
        assert before is not None
        assert before.credentials_changed_at is None
        session, _ = people.start_session(teacher, kind="web", address="10.0.0.1", agent="")
        assert people.actor_for_session(teacher, session) is not None
        people.reset_password(hn.school_admin, teacher, new=PASSWORD + "-2")
        runtime.catch_up()
        after = directory.user_for_session(teacher)
        assert after is not None
        assert after.credentials_changed_at is not None
        assert people.actor_for_session(teacher, session) is None  # a session of before the reset
    finally:
        runtime.close()


@pytest.mark.postgres
def test_db_init_widens_the_columns_a_view_now_declares_wider(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = sqlite_settings(
        tmp_path, JGT_DATABASE_URL=postgres_url, JGT_EMBEDDED_PROJECTIONS="false"
    )
    init_db(settings)
    # Tables as an earlier version made them: a name of at most 20 characters, positions in INTEGER.
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE dir_users ALTER COLUMN display_name TYPE VARCHAR(20)"))
        connection.execute(text("ALTER TABLE audit_entries ALTER COLUMN position TYPE INTEGER"))

    init_db(settings)

    found = {
        (table, c["name"]): c["type"]
        for table in ("dir_users", "audit_entries")
        for c in inspect(engine).get_columns(table)
    }
    engine.dispose()
    name, position = found[("dir_users", "display_name")], found[("audit_entries", "position")]
    declared = users.c.display_name.type
    assert isinstance(declared, String)
    assert isinstance(name, String)
    assert name.length == declared.length
    assert isinstance(position, BigInteger)
    runtime = open_runtime(settings)
    try:
        make_bureau(runtime, "hn", "海宁市教育局")
        runtime.catch_up()
        assert runtime.views["audit_log"].count_rows() > 0
    finally:
        runtime.close()
