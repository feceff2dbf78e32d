"""A sealed quarter: the figures as the bureau reported them, kept as they were.

Records entered or corrected after the seal change the live figures, never the sealed ones; the
difference shows as a visible amendment.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import DomainError, TenantAggregate
from domain.fields import DUE, QUARTER, SEALED_FIGURES, YEAR, check_plain


def seal_id(tenant_id: UUID, due: date) -> UUID:
    return uuid5(NAMESPACE_URL, f"jgt:seal:{tenant_id}:{due.isoformat()}")


class QuarterSeal(TenantAggregate):
    class Sealed(TenantAggregate.Created):
        year: int
        quarter: int
        due: date
        figures: list[dict[str, Any]]  # per community: id, name, percent, required, per task

    @staticmethod
    def create_id(tenant_id: UUID, due: date) -> UUID:
        return seal_id(tenant_id, due)

    @event(Sealed)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        year: int,
        quarter: int,
        due: date,
        figures: list[dict[str, Any]],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.year, self.quarter, self.due = year, quarter, due
        self.figures = figures
        self.sealed_at = occurred_at

    @classmethod
    def seal(
        cls,
        *,
        tenant_id: UUID,
        year: int,
        quarter: int,
        due: date,
        figures: list[dict[str, Any]],
        today: date,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> QuarterSeal:
        YEAR.check(year)
        QUARTER.check(quarter)
        check_plain(SEALED_FIGURES.check(figures), "封存数据", "Sealed figures")
        if DUE.check(due) > today:
            raise DomainError(
                f"检查点{due.isoformat()}尚未到期 / The checkpoint {due.isoformat()} is not due yet"
            )
        return cls(
            tenant_id=tenant_id,
            year=year,
            quarter=quarter,
            due=due,
            figures=figures,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )
