"""`jgt db init` on a database made by an earlier version adds the columns a view has gained since,
so an upgrade needs no hand-written ALTER TABLE, and the rows already there keep working."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from infra.settings import Settings
from infra.wiring import init_db
from tests.conftest import PASSWORD, make_bureau, open_runtime


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
