"""The bundled evaluation (捆绑考核): at the end of a plan year the bureau rates each community as
one, and seals the ranking as it reported it, like a quarter.

The ranking itself is a pure function of each community's three components and the tenant's
formula (``domain.assessment_settings.Formula``): the weighted score, the order, and the top
share rated 优秀. Its sealed form holds aggregates only (no school's class, no student).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.assessment_settings import Formula
from domain.base import DomainError, TenantAggregate
from domain.fields import SEALED_FIGURES, YEAR, check_plain

EXCELLENT = "优秀 / Excellent"
OTHERS = "—"


@dataclass(frozen=True)
class Components:
    """One community's parts of the score: plan completion (0–100), the mean narrowing of its
    member schools' gaps to the core school (marks), and their mean movement toward their
    targets (percentage points of the four targets met)."""

    community_id: UUID
    name: str
    completion: float
    narrowing: float
    targets: float


@dataclass(frozen=True)
class Ranked:
    components: Components
    score: float
    rank: int
    excellent: bool

    @property
    def rating(self) -> str:
        return EXCELLENT if self.excellent else OTHERS


def rank(communities: list[Components], formula: Formula) -> list[Ranked]:
    """Highest score first (ties by name, so the order is the same every time); the top share,
    rounded up, is rated 优秀: 30% of 3 communities is 1, of 10 is 3."""
    scored = sorted(
        ((formula.score(c.completion, c.narrowing, c.targets), c) for c in communities),
        key=lambda pair: (-pair[0], pair[1].name),
    )
    excellent = math.ceil(round(len(scored) * formula.excellent_share, 6))
    return [
        Ranked(components, score, n + 1, n < excellent)
        for n, (score, components) in enumerate(scored)
    ]


def bundled_rating_id(tenant_id: UUID, year: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"jgt:bundled-rating:{tenant_id}:{year}")


class BundledRating(TenantAggregate):
    """A year's ranking as the bureau reported it: sealed once, kept as it was."""

    class Sealed(TenantAggregate.Created):
        year: int
        as_of: date
        rows: list[dict[str, Any]]

    @staticmethod
    def create_id(tenant_id: UUID, year: int) -> UUID:
        return bundled_rating_id(tenant_id, year)

    @event(Sealed)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        year: int,
        as_of: date,
        rows: list[dict[str, Any]],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.year, self.as_of, self.rows = year, as_of, rows
        self.sealed_at = occurred_at

    @classmethod
    def seal(
        cls,
        *,
        tenant_id: UUID,
        year: int,
        as_of: date,
        ranking: list[Ranked],
        today: date,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> BundledRating:
        YEAR.check(year)
        if as_of > today:
            raise DomainError(
                f"不能封存未来日期{as_of.isoformat()}的评价 / Cannot seal a rating as of a future day"
            )
        if as_of.year != year:
            raise DomainError(f"评价日期应在{year}年内 / The rating's date must be in {year}")
        if not ranking:
            raise DomainError("没有可评价的教共体 / No community to rate")
        rows = [
            {
                "community_id": str(r.components.community_id),
                "name": r.components.name,
                "completion": r.components.completion,
                "narrowing": r.components.narrowing,
                "targets": r.components.targets,
                "score": r.score,
                "rank": r.rank,
                "excellent": r.excellent,
            }
            for r in ranking
        ]
        check_plain(SEALED_FIGURES.check(rows), "封存数据", "Sealed figures")
        return cls(
            tenant_id=tenant_id,
            year=year,
            as_of=as_of,
            rows=rows,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    def ranking(self) -> list[Ranked]:
        return [
            Ranked(
                Components(
                    UUID(r["community_id"]),
                    r["name"],
                    r["completion"],
                    r["narrowing"],
                    r["targets"],
                ),
                r["score"],
                r["rank"],
                r["excellent"],
            )
            for r in self.rows
        ]
