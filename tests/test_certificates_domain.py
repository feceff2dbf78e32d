"""The training-hours certificate: only for a year whose hours meet the requirement, one per
teacher and year, with a code a reader can type back from paper."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.base import DomainError
from domain.certificates import CODE_ALPHABET, HoursCertificate, normalise_code

AT = datetime(2026, 7, 1, 2, tzinfo=UTC)


def issued(hours: int, *, tenant_id: object = None, user_id: object = None) -> HoursCertificate:
    return HoursCertificate.issue(
        tenant_id=tenant_id or uuid4(),  # type: ignore[arg-type]
        user_id=user_id or uuid4(),  # type: ignore[arg-type]
        school_id=uuid4(),
        name="付开萍",
        school_name="海宁市博达学校",
        year=2025,
        hours=hours,
        required=24,
        actor_id=None,
        occurred_at=AT,
    )


def test_a_certificate_needs_the_years_hours() -> None:
    with pytest.raises(DomainError, match="已获23学时，未达到24学时要求"):
        issued(23)
    assert issued(24).hours == 24


def test_one_certificate_per_teacher_and_year_and_a_code_typed_back_from_paper() -> None:
    tenant, user = uuid4(), uuid4()
    first, again = (
        issued(30, tenant_id=tenant, user_id=user),
        issued(31, tenant_id=tenant, user_id=user),
    )
    assert first.id == again.id
    assert first.code != again.code
    assert len(first.code) == 19
    assert set(first.code.replace("-", "")) <= set(CODE_ALPHABET)
    assert normalise_code(first.code.lower().replace("-", " ")) == first.code
