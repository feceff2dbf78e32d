"""Two commands on one aggregate at the same moment: decided again, or 409 with what to do."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from domain.roles import Role
from infra.wiring import Runtime
from services.platform import ConcurrentChange
from tests.conftest import PASSWORD, make_bureau
from tests.test_api import make_api

NO_DETAILS: dict[str, Any] = {"subjects": [], "grades": [], "key_level": "", "title": ""}
PROFILE = {"subjects": ["语文"], "grades": [3], "key_level": "", "title": ""}


def test_twenty_parallel_changes_of_one_teacher_are_all_kept_or_refused_with_409(
    runtime: Runtime,
) -> None:
    api = make_api(runtime)
    admin = api.as_("hn-admin")
    teacher_id = str(api.hn.teacher.user_id)

    def change(n: int) -> Any:
        client = api.app.test_client()
        return client.patch(
            f"/api/v1/users/{teacher_id}",
            headers=admin.headers,
            json={**PROFILE, "display_name": f"王老师{n}"},
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(change, range(20)))

    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {200, 409}, statuses
    assert statuses.count(200) >= 1
    for refused in (a for a in answers if a.status_code == 409):
        assert "请刷新后重试" in refused.json["error"]
    # Every change answered 200 is in the log, one version each.
    user = runtime.platform.repository.get(api.hn.teacher.user_id)
    names = {f"王老师{n}" for n, status in enumerate(statuses) if status == 200}
    assert user.display_name in names


def test_a_change_that_lost_the_race_is_decided_again_on_the_new_state(
    sqlite_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = make_api(sqlite_runtime)
    admin = api.as_("hn-admin")
    teacher_id = api.hn.teacher.user_id
    platform = sqlite_runtime.platform
    save_all = platform.save_all
    raced: list[int] = []

    def someone_else_first(*aggregates: Any) -> int:
        if not raced:
            raced.append(0)
            # Another request (another thread) renames the teacher between this one's load
            # and its save.
            with ThreadPoolExecutor(max_workers=1) as other:
                done = other.submit(
                    sqlite_runtime.services.people.update_profile,
                    api.hn.admin,
                    teacher_id,
                    display_name="别人改的",
                    subjects=[],
                    grades=[],
                    key_level="",
                    title="",
                )
                raced.append(done.result().position)
        return save_all(*aggregates)

    monkeypatch.setattr(platform, "save_all", someone_else_first)
    answer = admin.patch(f"/users/{teacher_id}", {**PROFILE, "display_name": "王老师"})

    assert answer.status_code == 200, answer.json
    assert platform.repository.get(teacher_id).display_name == "王老师"
    assert answer.json["position"] > raced[1]


def test_a_conflict_after_another_save_of_the_same_request_is_answered_409_not_run_twice(
    sqlite_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = make_api(sqlite_runtime)
    admin = api.as_("hn-admin")
    teacher_id = api.hn.teacher.user_id
    platform = sqlite_runtime.platform
    save_all = platform.save_all
    calls: list[int] = []

    def saved_something_first(*aggregates: Any) -> int:
        calls.append(1)
        if len(calls) == 1:
            # The same request saves something else first, which a second run would repeat.
            sqlite_runtime.services.people.update_profile(
                api.hn.admin, teacher_id, display_name="先存的", **NO_DETAILS
            )
        return save_all(*aggregates)

    monkeypatch.setattr(platform, "save_all", saved_something_first)
    answer = admin.patch(f"/users/{teacher_id}", {**PROFILE, "display_name": "王老师"})

    assert answer.status_code == 409
    assert "请刷新后重试" in answer.json["error"]
    assert platform.repository.get(teacher_id).display_name == "先存的"


def test_a_taken_login_name_stays_taken_and_is_not_retried(sqlite_runtime: Runtime) -> None:
    api = make_api(sqlite_runtime)
    admin = api.as_("hn-admin")
    answer = admin.post(
        f"/schools/{api.hn.school_id}/staff",
        {
            "username": "hn-teacher",
            "display_name": "同名",
            "password": PASSWORD,
            "roles": [Role.TEACHER.value],
        },
    )
    assert answer.status_code == 409
    assert "已被使用" in answer.json["error"]


def test_a_version_conflict_is_told_apart_from_other_store_errors(sqlite_runtime: Runtime) -> None:
    hn = make_bureau(sqlite_runtime, "hn", "海宁市教育局")
    people = sqlite_runtime.services.people
    repository = sqlite_runtime.platform.repository
    first, second = repository.get(hn.teacher.user_id), repository.get(hn.teacher.user_id)
    people.ctx.platform.save_all(first)  # nothing pending: nothing saved, nothing refused
    first.update_profile(
        display_name="甲",
        subjects=[],
        grades=[],
        key_level="",
        title="",
        actor_id=hn.admin.user_id,
        occurred_at=people.ctx.clock(),
    )
    second.update_profile(
        display_name="乙",
        subjects=[],
        grades=[],
        key_level="",
        title="",
        actor_id=hn.admin.user_id,
        occurred_at=people.ctx.clock(),
    )
    sqlite_runtime.platform.save_all(first)
    with pytest.raises(ConcurrentChange):
        sqlite_runtime.platform.save_all(second)
