"""``jgt projections rebuild``: the view is built beside the live one and swapped in once caught up.

The live view answers throughout, and its runner may apply new events meanwhile; a rebuild that
fails part-way leaves the live rows and position exactly as they were. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from uuid import UUID

import pytest

from infra.runner import ProjectionStopped
from infra.views.directory import SQLDirectoryView
from infra.wiring import Runtime
from projections.directory import UserRow
from tests.conftest import Bureau, make_bureau, teacher_at
from tests.workers.dumps import view_rows


def while_the_shadow_adds_a_user(
    monkeypatch: pytest.MonkeyPatch,
    live: SQLDirectoryView,
    then: Callable[[], None],
    named: str | None = None,
) -> None:
    """Call ``then`` the first time the rebuilding (not the live) directory adds a user (or the
    user ``named``), and each time again if ``then`` raises."""
    add_user = SQLDirectoryView.add_user
    called: list[UUID] = []

    def add_user_and_then(view: SQLDirectoryView, row: UserRow) -> None:
        if view is not live and not called and named in (None, row.username):
            then()
            called.append(row.id)
        add_user(view, row)

    monkeypatch.setattr(SQLDirectoryView, "add_user", add_user_and_then)


def in_a_thread(work: Callable[[], None]) -> None:
    # The rebuild's batch is open in this thread; the live side works as another process would.
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the test
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not thread.is_alive()
    if errors:
        raise errors[0]


def directory_of(runtime: Runtime) -> SQLDirectoryView:
    view = runtime.views["directory"]
    assert isinstance(view, SQLDirectoryView)
    return view


def user_named(runtime: Runtime, username: str) -> UUID | None:
    return directory_of(runtime).user_id_by_username(username)


def test_during_a_rebuild_the_live_view_answers_and_follows_the_store_and_the_swap_keeps_both(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    hn: Bureau = make_bureau(runtime, "hn", "海宁市教育局")
    runtime.catch_up()
    live = directory_of(runtime)
    answers: list[object] = []

    def the_live_side() -> None:
        answers.append(user_named(runtime, "hn-teacher"))
        answers.append(len(live.schools(hn.tenant_id)))
        # A new teacher arrives, and the live runner applies it while the rebuild goes on.
        teacher_at(runtime, hn, hn.school_id, "hn-during")
        runtime.runner("directory").catch_up()
        answers.append(user_named(runtime, "hn-during"))

    while_the_shadow_adds_a_user(monkeypatch, live, lambda: in_a_thread(the_live_side))
    runtime.runner("directory", batch_size=1).rebuild()

    assert answers == [hn.teacher.user_id, 2, user_named(runtime, "hn-during")]
    assert answers[-1] is not None
    head = runtime.platform.recorder.max_notification_id()
    assert live.position() == head
    rebuilt = view_rows(live)
    monkeypatch.undo()
    live.clear()
    runtime.runner("directory").catch_up()
    assert view_rows(live) == rebuilt  # the same as a catch-up from nothing


def test_a_rebuild_that_fails_part_way_leaves_the_live_view_exactly_as_it_was(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_bureau(runtime, "hn", "海宁市教育局")
    make_bureau(runtime, "yy", "余姚市教育局")
    runtime.catch_up()
    live = directory_of(runtime)
    before, position = view_rows(live), live.position()

    def fail() -> None:
        raise RuntimeError("the rebuilding handler failed")

    while_the_shadow_adds_a_user(monkeypatch, live, fail, named="yy-admin")
    with pytest.raises(ProjectionStopped) as stopped:
        runtime.runner("directory", batch_size=3).rebuild()
    assert str(stopped.value.__cause__) == "the rebuilding handler failed"

    assert live.position() == position
    assert view_rows(live) == before
    assert runtime.stopped_views() == []  # the live view has not stopped
    monkeypatch.undo()
    runtime.runner("directory").rebuild()  # nothing left behind stands in the way
    assert view_rows(live) == before
