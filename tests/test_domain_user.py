"""A user's rules: login names, roles by kind of user, profiles and transfers."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from domain.base import DomainError
from domain.user import MAX_SESSIONS, User

NOW = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
ACTOR = uuid4()


def a_teacher(school_id: UUID | None = None, **overrides: object) -> User:
    fields: dict[str, object] = {
        "tenant_id": uuid4(),
        "username": "SL-SunFF",
        "display_name": "孙飞凤",
        "school_id": school_id or uuid4(),
        "roles": ["teacher"],
        "password_hash": "$argon2id$hash",
        "subjects": ["语文"],
        "grades": [5, 5],
        "key_level": "county",
        "title": "语文教研组长",
    }
    fields.update(overrides)
    return User.register(**fields, actor_id=ACTOR, occurred_at=NOW)  # type: ignore[arg-type]


def test_a_login_name_is_kept_in_lower_case() -> None:
    assert a_teacher().username == "sl-sunff"


def test_grades_are_kept_once_and_in_order() -> None:
    assert a_teacher(grades=[6, 3, 6]).grades == [3, 6]


@pytest.mark.parametrize("username", ["ab", "孙飞凤", "has space", "x" * 65])
def test_a_malformed_login_name_is_refused(username: str) -> None:
    with pytest.raises(DomainError, match="登录名"):
        a_teacher(username=username)


def test_a_teacher_needs_a_school() -> None:
    with pytest.raises(DomainError, match="学校角色需要所属学校"):
        User.register(
            tenant_id=uuid4(),
            username="t-001",
            display_name="王老师",
            school_id=None,
            roles=["teacher"],
            password_hash="h",
            actor_id=ACTOR,
            occurred_at=NOW,
        )


def test_a_bureau_role_cannot_belong_to_a_school() -> None:
    with pytest.raises(DomainError, match="教育局角色不属于学校"):
        a_teacher(roles=["bureau_admin"])


def test_an_unknown_role_or_subject_or_level_is_refused() -> None:
    with pytest.raises(DomainError, match="未知角色"):
        a_teacher(roles=["headmaster"])
    with pytest.raises(DomainError, match="未知学科"):
        a_teacher(subjects=["炼丹"])
    with pytest.raises(DomainError, match="未知骨干级别"):
        a_teacher(key_level="national")
    with pytest.raises(DomainError, match="年级应为1–9"):
        a_teacher(grades=[10])


def test_a_transfer_moves_the_teacher_and_remembers_where_from() -> None:
    origin, destination = uuid4(), uuid4()
    teacher = a_teacher(school_id=origin)
    teacher.transfer(destination, actor_id=ACTOR, occurred_at=NOW)
    transferred = teacher.pending_events[-1]
    assert isinstance(transferred, User.Transferred)
    assert (transferred.from_school_id, transferred.to_school_id) == (origin, destination)
    assert teacher.school_id == destination


def test_a_teacher_cannot_transfer_to_the_school_they_are_at() -> None:
    school = uuid4()
    with pytest.raises(DomainError, match="已在该校"):
        a_teacher(school_id=school).transfer(school, actor_id=ACTOR, occurred_at=NOW)


def test_a_deactivated_teacher_cannot_transfer_until_reactivated() -> None:
    teacher = a_teacher()
    teacher.deactivate("调离教育系统", actor_id=ACTOR, occurred_at=NOW)
    with pytest.raises(DomainError, match="账号已停用"):
        teacher.transfer(uuid4(), actor_id=ACTOR, occurred_at=NOW)
    with pytest.raises(DomainError, match="已停用"):
        teacher.deactivate("again", actor_id=ACTOR, occurred_at=NOW)
    teacher.reactivate(actor_id=ACTOR, occurred_at=NOW)
    teacher.transfer(uuid4(), actor_id=ACTOR, occurred_at=NOW)


def test_roles_change_under_the_same_rules_as_registration() -> None:
    teacher = a_teacher()
    teacher.change_roles(["teacher", "school_admin"], actor_id=ACTOR, occurred_at=NOW)
    assert teacher.roles == ["school_admin", "teacher"]
    with pytest.raises(DomainError):
        teacher.change_roles(["bureau_monitor"], actor_id=ACTOR, occurred_at=NOW)


def test_a_user_who_signs_in_often_keeps_only_the_newest_sessions() -> None:
    user = a_teacher()
    started = [
        user.start_session("web", address="10.0.0.1", agent="phone", occurred_at=NOW)
        for _ in range(MAX_SESSIONS + 3)
    ]
    assert list(user.sessions) == started[3:]
    user.end_sessions([started[-1]], actor_id=user.id, occurred_at=NOW)
    assert started[-1] not in user.sessions
    assert len(user.sessions) == MAX_SESSIONS - 1
