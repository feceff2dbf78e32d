"""Password hashing with Argon2id (a memory-hard KDF), and which passwords are refused.

``check_password`` is the one place that decides whether a new password is acceptable; every path
that sets one (registration, the teacher import, a reset, one's own change) goes through it.
"""

from __future__ import annotations

from itertools import pairwise

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError

from domain.base import DomainError
from domain.user import MIN_PASSWORD_LENGTH

#: The most used passwords of at least 8 characters (the leaked lists, Chinese sites included):
#: the first ones an attacker tries.
COMMON_PASSWORDS = frozenset(
    {
        "12345678",
        "123456789",
        "1234567890",
        "87654321",
        "11111111",
        "88888888",
        "66666666",
        "00000000",
        "password",
        "password1",
        "password123",
        "passw0rd",
        "p@ssw0rd",
        "iloveyou",
        "qwertyui",
        "qwertyuiop",
        "qwerty123",
        "1qaz2wsx",
        "1q2w3e4r",
        "1q2w3e4r5t",
        "zaq12wsx",
        "abc12345",
        "abcd1234",
        "a1234567",
        "a12345678",
        "aa123456",
        "asdf1234",
        "abc123456",
        "123456abc",
        "123qweasd",
        "qweasdzxc",
        "admin123",
        "admin1234",
        "administrator",
        "woaini1314",
        "5201314520",
        "13145200",
        "wang1234",
        "zhang123",
        "welcome1",
        "sunshine",
        "princess",
        "football",
        "baseball",
        "superman",
        "trustno1",
        "letmein1",
        "changeme",
        "teacher123",
        "school123",
    }
)
_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def _is_sequence(text: str) -> bool:
    """Each character one step up (or down) from the last: 12345678, abcdefgh, 98765432."""
    steps = {ord(b) - ord(a) for a, b in pairwise(text)}
    return steps in ({1}, {-1})


def _on_one_keyboard_row(text: str) -> bool:
    return any(text in row or text in row[::-1] for row in _KEYBOARD_ROWS)


def check_password(password: str, *, username: str = "", display_name: str = "") -> None:
    """Refuse a password that is short, common or obvious for this person (``DomainError``)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            f"密码至少{MIN_PASSWORD_LENGTH}位 / A password has at least "
            f"{MIN_PASSWORD_LENGTH} characters"
        )
    folded = password.casefold()
    if folded in COMMON_PASSWORDS:
        raise DomainError("密码过于常见，请换一个 / That password is too common; choose another")
    if len(set(folded)) == 1 or _is_sequence(folded) or _on_one_keyboard_row(folded):
        raise DomainError(
            "密码不能是重复或连续的字符 / A password cannot be one repeated character or a sequence"
        )
    names = (username.strip().casefold(), display_name.strip().casefold())
    if any(len(name) >= 2 and name in folded for name in names):
        raise DomainError(
            "密码不能包含登录名或姓名 / A password cannot contain the login name or the name"
        )


class PasswordHasher:
    def __init__(self, *, time_cost: int = 2, memory_cost: int = 19_456) -> None:
        # OWASP's minimum Argon2id profile; tests pass cheaper costs to stay quick.
        self._argon2 = _Argon2(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)

    def hash(self, password: str) -> str:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise DomainError(
                f"密码至少{MIN_PASSWORD_LENGTH}位 / A password has at least "
                f"{MIN_PASSWORD_LENGTH} characters"
            )
        return self._argon2.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
