"""The 民生实事 quarterly report's rows: per quarter, each community's figures as of the checkpoint
and whether its target was reached."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.errors import DomainError
from services.progress import (
    Amendment,
)
from services.report_pages import CommunityLine


class Reached:
    MET = "met"
    MISSED = "missed"
    NOT_DUE = "not_due"
    NO_PLAN = "no_plan"


@dataclass(frozen=True)
class ReportRow:
    line: CommunityLine  # figures as of the checkpoint's date (or today, before it is due)
    required: float | None  # the fraction required at this checkpoint
    reached: str  # a Reached value
    sealed_percent: float | None = None
    sealed_met: bool | None = None
    amendment: Amendment | None = None

    @property
    def percent(self) -> float | None:
        return self.line.figures.percent


@dataclass(frozen=True)
class QuarterReport:
    year: int
    quarter: int
    due: date
    required: float
    as_of: date  # the date the figures are computed at: the due date, or today before it
    sealed_at: datetime | None
    rows: list[ReportRow]

    @property
    def is_due(self) -> bool:
        return self.as_of >= self.due


@dataclass(frozen=True)
class YearReport:
    tenant_name: str
    year: int
    today: date
    quarters: list[QuarterReport]

    def working_quarter(self) -> QuarterReport:
        """The quarter being worked on: the first not yet past its date, else the last."""
        upcoming = [q for q in self.quarters if q.due >= self.today]
        return upcoming[0] if upcoming else self.quarters[-1]

    def quarter(self, number: int) -> QuarterReport:
        for q in self.quarters:
            if q.quarter == number:
                return q
        raise DomainError(f"没有第{number}季度 / There is no quarter {number}")
