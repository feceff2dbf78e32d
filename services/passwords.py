"""Password hashing with Argon2id (a memory-hard KDF)."""

from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError

from domain.base import DomainError
from domain.user import MIN_PASSWORD_LENGTH


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
