"""Read-your-writes waits cannot stall the site: a position beyond the log answers at once, and
waits are bounded per user and in all (beyond the bound a wait is refused at once)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from infra.wiring import Runtime
from services.queries import WaitGate
from tests.conftest import open_runtime, sqlite_settings
from tests.test_api import NEW_SCHOOL, created, error, make_api


def test_forty_waits_for_a_position_beyond_the_log_are_all_answered_400_at_once(
    sqlite_runtime: Runtime,
) -> None:
    api = make_api(sqlite_runtime)
    teacher = api.as_("hn-teacher")

    def ask(_: int) -> Any:
        return api.app.test_client().get(
            "/api/v1/me", headers=teacher.headers, query_string={"min_position": 10**12}
        )

    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(pool.map(ask, range(40)))

    assert [a.status_code for a in answers] == [400] * 40
    assert {a.json["field"] for a in answers} == {"min_position"}
    # The head itself is a position one can wait for.
    head = sqlite_runtime.platform.head()
    assert teacher.get("/me", min_position=head).status_code == 200


def test_a_user_already_waiting_twice_is_answered_503_at_once_and_others_still_wait(
    tmp_path: Path,
) -> None:
    runtime = open_runtime(sqlite_settings(tmp_path, JGT_READ_YOUR_WRITES_TIMEOUT="0.2"))
    try:
        api = make_api(runtime)
        admin, teacher = api.as_("hn-admin"), api.as_("hn-teacher")
        _, position = created(admin.post("/schools", NEW_SCHOOL))
        waits = runtime.services.queries.waits
        teachers_key = f"{api.hn.teacher.tenant_id}:{api.hn.teacher.user_id}"
        with ExitStack() as held:
            for _ in range(waits.per_caller):
                assert held.enter_context(waits.slot(teachers_key))
            busy = teacher.get("/me", min_position=position)
            assert "同时等待的请求过多" in error(busy, 503)
            assert busy.headers["Retry-After"] == "1"
            # Another user's wait is not refused for the teacher's.
            assert admin.get("/me", min_position=position).status_code == 200
        assert teacher.get("/me", min_position=position).status_code == 200
    finally:
        runtime.close()


def test_the_gate_bounds_waits_per_caller_and_in_all() -> None:
    gate = WaitGate(per_caller=2, overall=3)
    with ExitStack() as held:
        taken = [held.enter_context(gate.slot(who)) for who in ("wang", "wang", "wang")]
        assert taken == [True, True, False]
        assert held.enter_context(gate.slot("li"))
        assert not held.enter_context(gate.slot("zhao"))  # three wait: none more in all
    # Every slot is given back, refused ones included.
    with ExitStack() as held:
        assert all(held.enter_context(gate.slot("zhao")) for _ in range(2))
