"""Tables are created by ``jgt db init`` only: idempotently, and never by a web or projection worker."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from eventsourcing.persistence import PersistenceError
from sqlalchemy import create_engine, inspect

from infra.bootstrap import SYSTEM
from infra.cli import main
from infra.settings import Settings, load_settings
from infra.wiring import build_runtime, init_db
from tests.conftest import cheap_hasher


def table_names(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def expected_tables(settings: Settings) -> set[str]:
    """The event table, and every view's own tables and tracking table, as the wiring builds them."""
    runtime = build_runtime(settings, hasher=cheap_hasher())
    try:
        names = {"jgt_events"}
        for view in runtime.views.values():
            names.add(view.tracking_table.name)
            names.update(table.name for table in view.view_tables)
        return names
    finally:
        runtime.close()


def test_init_db_creates_the_event_table_and_every_views_tables(store_settings: Settings) -> None:
    assert table_names(store_settings.database_url) == set()

    init_db(store_settings)

    expected = expected_tables(store_settings)
    assert {"jgt_events", "directory_tracking"} <= expected
    assert table_names(store_settings.database_url) >= expected


def test_init_db_run_twice_changes_nothing_and_keeps_the_events(store_settings: Settings) -> None:
    init_db(store_settings)
    runtime = build_runtime(store_settings, hasher=cheap_hasher())
    try:
        runtime.services.organisation.register_tenant(SYSTEM, name="海宁市教育局")
    finally:
        runtime.close()
    before = table_names(store_settings.database_url)

    init_db(store_settings)

    assert table_names(store_settings.database_url) == before
    runtime = build_runtime(store_settings, hasher=cheap_hasher())
    try:
        assert len(runtime.platform.recorder.select_notifications(start=None, limit=10)) == 1
    finally:
        runtime.close()


def test_a_runtime_on_an_empty_database_creates_no_tables_and_cannot_save(
    store_settings: Settings,
) -> None:
    # build_runtime is what web and projection workers call: table creation is off there, so
    # concurrent workers never race on DDL, and a forgotten `jgt db init` fails loudly.
    runtime = build_runtime(store_settings, hasher=cheap_hasher())
    try:
        assert table_names(store_settings.database_url) == set()

        with pytest.raises(PersistenceError, match="jgt_events"):
            runtime.services.organisation.register_tenant(SYSTEM, name="海宁市教育局")
    finally:
        runtime.close()
    assert table_names(store_settings.database_url) == set()


def test_the_db_init_command_prepares_the_embedded_default_store(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    env = {"JGT_VAR_DIR": str(var_dir), "JGT_DATABASE_URL": None, "JGT_REDIS_URL": None}

    result = CliRunner().invoke(main, ["db", "init"], env=env)

    assert result.exit_code == 0, result.output
    assert "database ready" in result.output
    settings = load_settings({"JGT_VAR_DIR": str(var_dir), "JGT_SECRET_KEY": "x"})
    assert settings.database_url == f"sqlite:///{var_dir.resolve() / 'jgt.sqlite3'}"
    assert table_names(settings.database_url) >= expected_tables(settings)
