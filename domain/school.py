"""A school: its identity, its classes and its bell schedule (作息时间)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event

from domain.base import DomainError, TenantAggregate
from domain.fields import (
    CLASS_NAME,
    GRADE,
    PERIOD_NUMBER,
    PERIODS,
    SCHOOL_NAME,
    STUDENT_COUNT,
    Whole,
)


class Stage(StrEnum):
    PRIMARY = "primary"  # 小学
    JUNIOR = "junior"  # 初中
    NINE_YEAR = "nine_year"  # 九年一贯制


class Locality(StrEnum):
    URBAN = "urban"  # 城镇
    RURAL = "rural"  # 乡村


GRADES_BY_STAGE = {
    Stage.PRIMARY: range(1, 7),
    Stage.JUNIOR: range(7, 10),
    Stage.NINE_YEAR: range(1, 10),
}
WEEKDAYS = range(1, 8)  # ISO weekdays, 1 = Monday
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_CODE = re.compile(r"[A-Za-z0-9_-]{2,32}")
_WEEKDAY = Whole("星期", "A weekday", WEEKDAYS.start, WEEKDAYS.stop - 1)


@dataclass(frozen=True)
class Period:
    """One numbered period of a weekday, e.g. period 1, 08:00–08:40."""

    weekday: int
    number: int
    start: str
    end: str


def validate_bell_schedule(periods: list[dict[str, object]]) -> list[dict[str, object]]:
    """Check a bell schedule and return it in a canonical order.

    Periods of one weekday must be numbered uniquely, start before they end and not overlap.
    """
    parsed: list[Period] = []
    for raw in PERIODS.check(periods):
        try:
            period = Period(
                weekday=_whole(raw["weekday"]),
                number=_whole(raw["number"]),
                start=str(raw["start"]),
                end=str(raw["end"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DomainError("节次格式错误 / Malformed period") from exc
        _WEEKDAY.check(period.weekday)
        PERIOD_NUMBER.check(period.number)
        if not (_TIME.fullmatch(period.start) and _TIME.fullmatch(period.end)):
            raise DomainError("时间格式应为HH:MM / Times are HH:MM")
        if period.start >= period.end:
            raise DomainError(
                f"第{period.number}节开始时间须早于结束时间 / "
                f"Period {period.number} must start before it ends"
            )
        parsed.append(period)
    parsed.sort(key=lambda p: (p.weekday, p.start))
    for before, after in itertools.pairwise(parsed):
        if before.weekday != after.weekday:
            continue
        if before.number == after.number:
            raise DomainError(
                f"星期{before.weekday}第{before.number}节重复 / "
                f"Period {before.number} appears twice on weekday {before.weekday}"
            )
        if after.start < before.end:
            raise DomainError(
                f"星期{before.weekday}第{before.number}节与第{after.number}节时间重叠 / "
                f"Periods {before.number} and {after.number} overlap on weekday {before.weekday}"
            )
    return [
        {"weekday": p.weekday, "number": p.number, "start": p.start, "end": p.end} for p in parsed
    ]


def _whole(raw: object) -> int:
    """A weekday or a period number, as a number or its digits (forms send text)."""
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        return int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValueError(raw)
    return raw


class School(TenantAggregate):
    class Registered(TenantAggregate.Created):
        name: str
        code: str
        stage: str
        locality: str
        student_count: int

    @event(Registered)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        name: str,
        code: str,
        stage: str,
        locality: str,
        student_count: int,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.name = name
        self.code = code
        self.stage = stage
        self.locality = locality
        self.student_count = student_count
        self.classes: dict[str, dict[str, object]] = {}
        self.bell_schedule: list[dict[str, object]] = []

    @classmethod
    def register(
        cls,
        *,
        tenant_id: UUID,
        name: str,
        code: str,
        stage: str,
        locality: str,
        student_count: int = 0,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> School:
        name = SCHOOL_NAME.check(name)
        code = code.strip().upper() if isinstance(code, str) else ""
        if not _CODE.fullmatch(code):
            raise DomainError(
                "学校代码应为2–32位字母、数字、-或_ / A school code is 2–32 letters, digits, - or _"
            )
        if stage not in Stage.__members__.values():
            raise DomainError(f"未知学段 / Unknown stage: {stage}")
        if locality not in Locality.__members__.values():
            raise DomainError(f"未知城乡类型 / Unknown locality: {locality}")
        STUDENT_COUNT.check(student_count)
        return cls(
            tenant_id=tenant_id,
            name=name,
            code=code,
            stage=stage,
            locality=locality,
            student_count=student_count,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    class DetailsChanged(TenantAggregate.Event):
        name: str
        stage: str
        locality: str
        student_count: int

    @event(DetailsChanged)
    def _change_details(
        self,
        name: str,
        stage: str,
        locality: str,
        student_count: int,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.name, self.stage, self.locality = name, stage, locality
        self.student_count = student_count

    def change_details(
        self,
        *,
        name: str,
        stage: str,
        locality: str,
        student_count: int,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        name = SCHOOL_NAME.check(name)
        if stage not in Stage.__members__.values() or locality not in Locality.__members__.values():
            raise DomainError("学段或城乡类型无效 / Invalid stage or locality")
        self._change_details(
            name,
            stage,
            locality,
            STUDENT_COUNT.check(student_count),
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    class ClassOpened(TenantAggregate.Event):
        class_id: str
        grade: int
        name: str

    @event(ClassOpened)
    def _open_class(
        self, class_id: str, grade: int, name: str, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.classes[class_id] = {"grade": grade, "name": name, "open": True}

    def open_class(
        self, *, grade: int, name: str, actor_id: UUID | None, occurred_at: datetime
    ) -> str:
        """Open a class (e.g. grade 3, 班名 "3班") and return its id within the school."""
        name = CLASS_NAME.check(name)
        if GRADE.check(grade) not in GRADES_BY_STAGE[Stage(self.stage)]:
            raise DomainError(f"该学段没有{grade}年级 / This school's stage has no grade {grade}")
        for existing in self.classes.values():
            if existing["open"] and existing["grade"] == grade and existing["name"] == name:
                raise DomainError(
                    f"{grade}年级{name}已存在 / Class {name} of grade {grade} already exists"
                )
        class_id = f"{grade}-{len(self.classes) + 1}"
        self._open_class(class_id, grade, name, actor_id=actor_id, occurred_at=occurred_at)
        return class_id

    class ClassClosed(TenantAggregate.Event):
        class_id: str

    @event(ClassClosed)
    def _close_class(self, class_id: str, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.classes[class_id]["open"] = False

    def close_class(self, class_id: str, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        if class_id not in self.classes or not self.classes[class_id]["open"]:
            raise DomainError("没有这个班级 / No such class")
        self._close_class(class_id, actor_id=actor_id, occurred_at=occurred_at)

    class BellScheduleSet(TenantAggregate.Event):
        periods: list[dict[str, object]]

    @event(BellScheduleSet)
    def _set_bell_schedule(
        self, periods: list[dict[str, object]], *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.bell_schedule = periods

    def set_bell_schedule(
        self, periods: list[dict[str, object]], *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self._set_bell_schedule(
            validate_bell_schedule(periods), actor_id=actor_id, occurred_at=occurred_at
        )

    def period_at(self, weekday: int, number: int) -> Period | None:
        for raw in self.bell_schedule:
            if raw["weekday"] == weekday and raw["number"] == number:
                return Period(weekday, number, str(raw["start"]), str(raw["end"]))
        return None
