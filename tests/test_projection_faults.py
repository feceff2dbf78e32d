"""A view that cannot apply an event stops there and says so; it never skips the event.

The failure is forced in a view's handler (a bug in the directory's ``add_school`` for one school's
name); the fix is undoing it, as a deployment would. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy.exc
from click.testing import CliRunner
from eventsourcing.persistence import OperationalError as PersistenceOperationalError

from infra.cli import main
from infra.runner import ProjectionStopped, _not_the_events_fault, wait_for_position
from infra.settings import Settings
from infra.views.directory import SQLDirectoryView
from infra.wake import InProcessWake
from infra.wiring import Runtime, build_runtime
from projections.directory import SchoolRow
from tests.conftest import Bureau, make_bureau, sqlite_settings, teacher_at
from web import create_app

UNAPPLIABLE = "无法投影小学"


def a_bug_on_one_school(monkeypatch: pytest.MonkeyPatch) -> None:
    add_school = SQLDirectoryView.add_school

    def add_school_or_fail(view: SQLDirectoryView, row: SchoolRow) -> None:
        if row.name == UNAPPLIABLE:
            raise ValueError(f"cannot store {row.name}")
        add_school(view, row)

    monkeypatch.setattr(SQLDirectoryView, "add_school", add_school_or_fail)


def events_around_the_bad_one(runtime: Runtime, hn: Bureau) -> tuple[UUID, int]:
    """A teacher before the school the directory cannot apply, and one after it."""
    teacher_at(runtime, hn, hn.school_id, "hn-before")
    done = runtime.services.organisation.register_school(
        hn.admin, name=UNAPPLIABLE, code="hn-09", stage="primary", locality="rural"
    )
    teacher_at(runtime, hn, hn.school_id, "hn-after")
    saved = runtime.platform.recorder.select_notifications(start=0, limit=done.position)
    [registered] = [n for n in saved if n.originator_id == done.id and n.originator_version == 1]
    return done.id, registered.id


def cli_env(settings: Settings) -> dict[str, str | None]:
    return {
        "JGT_VAR_DIR": str(settings.var_dir),
        "JGT_SECRET_KEY": "test-secret",
        "JGT_DATABASE_URL": settings.database_url,
        "JGT_REDIS_URL": None,
    }


def test_a_view_that_cannot_apply_an_event_stops_there_says_so_and_resumes_when_fixed(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    hn = make_bureau(runtime, "hn", "海宁市教育局")
    runtime.catch_up()
    school, position = events_around_the_bad_one(runtime, hn)
    client = create_app(runtime=runtime).test_client()
    directory = runtime.views["directory"]
    assert isinstance(directory, SQLDirectoryView)
    runner = runtime.runner("directory")

    with monkeypatch.context() as bug:
        a_bug_on_one_school(bug)
        with pytest.raises(ProjectionStopped, match=str(position)):
            runner.catch_up()
        # Stopped just before the event: the teacher before it is in, the one after is not.
        assert directory.position() < position
        assert directory.user_id_by_username("hn-before") is not None
        assert directory.user_id_by_username("hn-after") is None

        health = client.get("/healthz")
        assert health.status_code == 503
        body = health.get_json()
        assert body["status"] == "stopped"
        assert "directory" in body["reason"]
        assert str(position) in body["reason"]
        [fault] = body["faults"]
        assert fault["view"] == "directory"
        assert fault["position"] == position
        assert fault["topic"].endswith("School.Registered")
        assert fault["error"] == "builtins.ValueError"
        assert fault["message"] == f"cannot store {UNAPPLIABLE}"
        assert fault["attempts"] == 1

        status = CliRunner().invoke(main, ["projections", "status"], env=cli_env(runtime.settings))
        assert status.exit_code == 0, status.output
        assert f"directory stopped at {position}" in status.output
        assert "ValueError" in status.output

        with pytest.raises(ProjectionStopped):
            runner.catch_up()  # a retry without the fix: seen again, still there
        [again] = runtime.stopped_views()
        assert again.attempts == 2
        assert again.first_seen.isoformat() == fault["first_seen"]
        assert directory.position() < position

    runner.catch_up()  # the fix is deployed

    assert client.get("/healthz").status_code == 200
    assert runtime.stopped_views() == []
    applied = directory.school(hn.tenant_id, school)
    assert applied is not None
    assert applied.name == UNAPPLIABLE  # applied, not skipped
    assert directory.user_id_by_username("hn-after") is not None
    assert directory.position() == runtime.platform.recorder.max_notification_id()


def test_a_running_worker_keeps_retrying_a_stopped_view_and_a_fix_resumes_it(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    hn = make_bureau(runtime, "hn", "海宁市教育局")
    runtime.catch_up()
    _, position = events_around_the_bad_one(runtime, hn)
    head = runtime.platform.recorder.max_notification_id() or 0
    runner = runtime.runner("directory", min_backoff=0.01, max_backoff=0.05)
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop, InProcessWake(), 0.05))
    a_bug_on_one_school(monkeypatch)
    thread.start()
    try:
        while not [f for f in runtime.stopped_views() if f.attempts >= 3]:
            assert thread.is_alive()
            time.sleep(0.01)
        assert runtime.views["directory"].position() < position
        monkeypatch.undo()  # the fix is deployed; the next retry applies the event
        assert wait_for_position([runtime.views["directory"]], head, timeout=30)
    finally:
        stop.set()
        thread.join(10)
    assert runtime.stopped_views() == []


@pytest.mark.postgres
def test_healthz_answers_503_json_when_the_database_cannot_be_reached(tmp_path: Path) -> None:
    settings = sqlite_settings(
        tmp_path,
        JGT_DATABASE_URL="postgresql+psycopg2://jgt@127.0.0.1:1/nowhere",
        JGT_EMBEDDED_PROJECTIONS="false",
    )
    runtime = build_runtime(settings)
    try:
        response = create_app(runtime=runtime).test_client().get("/healthz")
    finally:
        runtime.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.get_json()["status"] == "unavailable"


def test_a_lock_held_elsewhere_or_a_lost_connection_is_not_blamed_on_an_event() -> None:
    locked = sqlalchemy.exc.OperationalError(
        "INSERT", {}, sqlite3.OperationalError("database is locked")
    )
    wrapped = PersistenceOperationalError(locked)
    wrapped.__cause__ = locked
    lost = sqlalchemy.exc.OperationalError("SELECT", {}, Exception("server closed"))
    lost.connection_invalidated = True
    assert _not_the_events_fault(wrapped)
    assert _not_the_events_fault(lost)
    assert not _not_the_events_fault(ValueError("cannot store it"))
    too_long = sqlalchemy.exc.DataError("INSERT", {}, Exception("value too long"))
    assert not _not_the_events_fault(too_long)
