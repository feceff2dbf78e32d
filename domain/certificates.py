"""The annual training-hours certificate (学时证书) and the code anyone can verify it by.

A teacher who has met the year's requirement gets one certificate per school year. It keeps what it
certified as it was on the day (name, school, hours), so a later rename or a school leaving changes
nothing on paper; the verification code is random and long enough not to be guessed.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import DomainError, TenantAggregate
from domain.fields import (
    CERTIFICATE_CODE,
    PERSON_NAME,
    REQUIRED_HOURS,
    SCHOOL_NAME,
    YEAR,
)

#: Letters and digits a reader does not confuse when typing a code from paper (no 0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS = 4  # XXXX-XXXX-XXXX-XXXX: 16 characters, about 79 bits


def new_code() -> str:
    groups = ["".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(CODE_GROUPS)]
    return "-".join(groups)


def normalise_code(typed: str) -> str:
    """A code as typed from paper: any case, spaces or dashes anywhere."""
    plain = "".join(ch for ch in typed.upper() if ch.isalnum())
    return "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def certificate_id(tenant_id: UUID, user_id: UUID, year: int) -> UUID:
    """One certificate per teacher and school year."""
    return uuid5(NAMESPACE_URL, f"jgt:hours-certificate:{tenant_id}:{user_id}:{year}")


class HoursCertificate(TenantAggregate):
    class Issued(TenantAggregate.Created):
        user_id: UUID
        school_id: UUID
        name: str
        school_name: str
        year: int
        hours: int
        required: int
        code: str

    @staticmethod
    def create_id(tenant_id: UUID, user_id: UUID, year: int) -> UUID:
        return certificate_id(tenant_id, user_id, year)

    @event(Issued)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        user_id: UUID,
        school_id: UUID,
        name: str,
        school_name: str,
        year: int,
        hours: int,
        required: int,
        code: str,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id, self.user_id, self.school_id = tenant_id, user_id, school_id
        self.name, self.school_name = name, school_name
        self.year, self.hours, self.required, self.code = year, hours, required, code

    @classmethod
    def issue(
        cls,
        *,
        tenant_id: UUID,
        user_id: UUID,
        school_id: UUID,
        name: str,
        school_name: str,
        year: int,
        hours: int,
        required: int,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> HoursCertificate:
        """Issued once the year's hours meet the requirement."""
        if REQUIRED_HOURS.check(hours) < REQUIRED_HOURS.check(required):
            raise DomainError(
                f"已获{hours}学时，未达到{required}学时要求 / "
                f"{hours} hours earned, {required} are needed for a certificate"
            )
        return cls(
            tenant_id=tenant_id,
            user_id=user_id,
            school_id=school_id,
            name=PERSON_NAME.check(name),
            school_name=SCHOOL_NAME.check(school_name),
            year=YEAR.check(year),
            hours=hours,
            required=required,
            code=CERTIFICATE_CODE.check(new_code()),
            actor_id=actor_id,
            occurred_at=occurred_at,
        )
