"""Common and obvious passwords are refused, with a reason in Chinese and English, on every path
that sets one; deactivated accounts cost a sign-in as much as any other."""

from __future__ import annotations

import pytest

from domain.base import DomainError
from domain.roles import Role
from infra.demo import DEMO_PASSWORD
from infra.wiring import Runtime
from services.passwords import check_password
from tests.conftest import PASSWORD, Bureau


@pytest.mark.parametrize(
    "password",
    [
        "12345678",
        "password",
        "88888888",
        "qwertyui",
        "abc12345",
        "aaaaaaaaaa",
        "abcdefghij",
        "98765432",
        "asdfghjkl",
        "Password",
    ],
)
def test_common_repeated_and_sequential_passwords_are_refused(password: str) -> None:
    with pytest.raises(DomainError, match=" / "):
        check_password(password)


def test_a_password_holding_the_login_name_or_the_name_is_refused() -> None:
    with pytest.raises(DomainError, match="登录名"):
        check_password("wangfang-2026", username="wangfang", display_name="王芳")
    with pytest.raises(DomainError, match="姓名"):
        check_password("王芳的密码2026", username="wf", display_name="王芳")


def test_ordinary_passwords_and_the_demos_are_accepted() -> None:
    check_password(DEMO_PASSWORD, username="hn-admin", display_name="教育局基础教育科")
    check_password(PASSWORD, username="hn-teacher", display_name="王老师")


def test_registration_reset_and_change_all_refuse_a_common_password(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    hn, _ = two_bureaus
    people = runtime.services.people
    with pytest.raises(DomainError, match="常见"):
        people.register_user(
            hn.school_admin,
            username="hn-new",
            display_name="新老师",
            password="88888888",
            roles=[Role.TEACHER],
            school_id=hn.school_id,
        )
    assert hn.teacher.user_id is not None
    with pytest.raises(DomainError, match="常见"):
        people.reset_password(hn.school_admin, hn.teacher.user_id, new="password")
    with pytest.raises(DomainError, match="连续"):
        people.change_own_password(hn.teacher, current=PASSWORD, new="abcdefghi")
    assert people.authenticate("hn-teacher", PASSWORD) is not None


def test_a_deactivated_account_is_checked_like_any_other(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    hn, _ = two_bureaus
    people, hasher = runtime.services.people, runtime.services.people.ctx.hasher
    assert hn.teacher.user_id is not None
    people.deactivate(hn.school_admin, hn.teacher.user_id)
    verified: list[str] = []
    real = hasher.verify

    def counting(password_hash: str, password: str) -> bool:
        verified.append(password)
        return real(password_hash, password)

    hasher.verify = counting  # type: ignore[method-assign]
    assert people.authenticate("hn-teacher", PASSWORD) is None
    assert people.authenticate("nobody-here", PASSWORD) is None
    assert verified == [PASSWORD, PASSWORD]  # one hash verified for each, as for an active user
