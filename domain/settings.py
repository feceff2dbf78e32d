"""A bureau's own settings: community types and their rules, and each plan year's numbers.

Numbers that vary between places are settings with the defaults of DOMAIN.md, never constants.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import DomainError, TenantAggregate
from domain.counting import TaskKind
from domain.fields import (
    CALENDAR_DAY,
    CALENDAR_DAYS,
    CHECKPOINTS,
    DUE,
    MAX_SCHOOLS,
    MENTEE_LIMIT,
    MENTORING_HOURS,
    MIN_OVERLAP,
    PLACEMENT_DAYS,
    PLAN_DEADLINE,
    REQUIRED_HOURS,
    REQUIRED_SHARE,
    SCHOOL_THRESHOLD,
    SESSION_HOURS,
    TARGET_SETTING,
    TYPE_KEY,
    TYPE_NAME,
    YEAR,
)
from domain.research import SessionKind


@dataclass(frozen=True)
class CommunityType:
    key: str
    name: str
    max_schools: int | None = None  # e.g. 联盟式: at most 4 schools


DEFAULT_COMMUNITY_TYPES = (
    CommunityType("fusion", "融合型 / Fusion"),
    CommunityType("co_build", "共建型 / Co-build"),
    CommunityType("collaboration", "协作型 / Collaboration"),
    CommunityType("alliance", "联盟式 / Alliance", max_schools=4),
    CommunityType("assistance", "帮扶式 / Assistance", max_schools=2),
)

# Minimum targets per community per year (DOMAIN.md; Haining's plan where Yuyao's differs).
DEFAULT_TARGETS: dict[str, int] = {
    TaskKind.SYNC_CLASS: 10,
    TaskKind.ONLINE_RESEARCH: 4,
    TaskKind.OFFLINE_RESEARCH: 4,
    TaskKind.MENTORING: 5,
    TaskKind.SHADOW_PLACEMENT: 1,
    TaskKind.DEMO_LESSON: 3,
    TaskKind.EXTENSION_COURSE: 1,
    TaskKind.STUDENT_EXCHANGE: 2,
    TaskKind.RESEARCH_OUTPUT: 2,
}


#: Minutes a sync-class period must overlap at a receiving school (the issue's default).
DEFAULT_MIN_OVERLAP = 30


@dataclass(frozen=True)
class SchoolCalendar:
    """A year's days off and make-up workdays (调休上班: a weekend day that keeps a weekday's
    timetable), which the sync-class timetable skips and adds."""

    year: int
    holidays: frozenset[date]
    workdays: dict[date, int]  # the date → the ISO weekday whose timetable it keeps

    def is_school_day(self, day: date) -> bool:
        return self.timetable_weekday(day) is not None

    def timetable_weekday(self, day: date) -> int | None:
        """Which weekday's timetable the day keeps, or None when there is no school."""
        if day in self.workdays:
            return self.workdays[day]
        if day in self.holidays or day.isoweekday() > 5:
            return None
        return day.isoweekday()


@dataclass(frozen=True)
class Checkpoint:
    """Cumulative progress required by a date: 40% by 31 March, …"""

    due: date
    required: float  # a fraction, 0.4 = 40%


def default_checkpoints(year: int) -> list[Checkpoint]:
    return [
        Checkpoint(date(year, 3, 31), 0.4),
        Checkpoint(date(year, 6, 30), 0.6),
        Checkpoint(date(year, 9, 30), 0.8),
        Checkpoint(date(year, 10, 31), 1.0),
    ]


@dataclass(frozen=True)
class PlanYearSettings:
    year: int
    checkpoints: list[Checkpoint]
    targets: dict[str, int]
    plan_deadline: date
    shadow_placement_days: int = 30
    mentor_max_mentees: int = 3


def default_plan_year(year: int) -> PlanYearSettings:
    return PlanYearSettings(
        year=year,
        checkpoints=default_checkpoints(year),
        targets=dict(DEFAULT_TARGETS),
        plan_deadline=date(year, 4, 15),
    )


@dataclass(frozen=True)
class ResearchSettings:
    """Online research and training hours (学时): what a session earns, what a year needs.

    ``school_threshold``: a session counts toward the plan's 网络教研 task once its attendees come
    from this many of the community's schools. ``mentoring_hours``: what each confirmed mentoring
    record earns both sides (0: mentoring earns no training hours).
    """

    hours: dict[str, int]
    required_hours: int = 24
    school_threshold: int = 2
    mentoring_hours: int = 1

    def hours_of(self, kind: str) -> int:
        return int(self.hours.get(kind, 0))


DEFAULT_SESSION_HOURS: dict[str, int] = {
    SessionKind.COLLECTIVE_PREPARATION: 2,
    SessionKind.TEACHING_DIAGNOSIS: 2,
    SessionKind.THEMED_RESEARCH: 3,
    SessionKind.EXPERT_TALK: 3,
}


def default_research() -> ResearchSettings:
    return ResearchSettings(hours=dict(DEFAULT_SESSION_HOURS))


def _check_checkpoints(checkpoints: list[Checkpoint]) -> None:
    if not checkpoints:
        raise DomainError("至少需要一个检查点 / At least one checkpoint is needed")
    for cp in CHECKPOINTS.check(checkpoints):
        DUE.check(cp.due)
        if isinstance(cp.required, int | float) and not 0 < cp.required <= 1:
            raise DomainError("检查点比例应在0–100%之间 / A checkpoint is between 0 and 100%")
        REQUIRED_SHARE.check(cp.required)
    ordered = sorted(checkpoints, key=lambda c: c.due)
    for before, after in itertools.pairwise(ordered):
        if after.required < before.required:
            raise DomainError(
                "检查点要求应逐步提高 / Checkpoints are cumulative: each asks at least as much"
            )


class TenantSettings(TenantAggregate):
    class Created(TenantAggregate.Created):
        pass

    @staticmethod
    def create_id(tenant_id: UUID) -> UUID:
        return settings_id(tenant_id)

    @event(Created)
    def __init__(self, *, tenant_id: UUID, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.tenant_id = tenant_id
        self.types: dict[str, dict[str, Any]] = {
            t.key: {"name": t.name, "max_schools": t.max_schools} for t in DEFAULT_COMMUNITY_TYPES
        }
        self.years: dict[int, dict[str, Any]] = {}
        self.research_raw: dict[str, Any] | None = None
        self.calendars: dict[int, dict[str, Any]] = {}
        self.sync_min_overlap = DEFAULT_MIN_OVERLAP

    class CommunityTypeSet(TenantAggregate.Event):
        key: str
        name: str
        max_schools: int | None

    @event(CommunityTypeSet)
    def _set_type(
        self,
        key: str,
        name: str,
        max_schools: int | None,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.types[key] = {"name": name, "max_schools": max_schools}

    def set_community_type(
        self,
        *,
        key: str,
        name: str,
        max_schools: int | None,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        """Rename a type or add one; a rule such as "at most 4 schools" goes with it."""
        if not all(isinstance(v, str) and v.strip() for v in (key, name)):
            raise DomainError("类型需要代码和名称 / A type needs a key and a name")
        key, name = TYPE_KEY.check(key), TYPE_NAME.check(name)
        if isinstance(max_schools, int) and max_schools < 2:
            raise DomainError("教共体至少两所学校 / A community has at least two schools")
        if max_schools is not None:
            MAX_SCHOOLS.check(max_schools)
        self._set_type(key, name, max_schools, actor_id=actor_id, occurred_at=occurred_at)

    def community_type(self, key: str) -> CommunityType:
        if key not in self.types:
            raise DomainError(f"未知教共体类型 / Unknown community type: {key}")
        raw = self.types[key]
        return CommunityType(key, str(raw["name"]), raw["max_schools"])

    class PlanYearSet(TenantAggregate.Event):
        year: int
        checkpoints: list[dict[str, Any]]
        targets: dict[str, int]
        plan_deadline: date
        shadow_placement_days: int
        mentor_max_mentees: int

    @event(PlanYearSet)
    def _set_year(
        self,
        year: int,
        checkpoints: list[dict[str, Any]],
        targets: dict[str, int],
        plan_deadline: date,
        shadow_placement_days: int,
        mentor_max_mentees: int,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.years[year] = {
            "checkpoints": checkpoints,
            "targets": targets,
            "plan_deadline": plan_deadline,
            "shadow_placement_days": shadow_placement_days,
            "mentor_max_mentees": mentor_max_mentees,
        }

    def set_plan_year(
        self, settings: PlanYearSettings, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        YEAR.check(settings.year)
        _check_checkpoints(settings.checkpoints)
        unknown = set(settings.targets) - set(TaskKind)
        if unknown:
            raise DomainError(f"未知任务类型 / Unknown task kinds: {sorted(map(str, unknown))}")
        if any(isinstance(t, int) and t < 0 for t in settings.targets.values()):
            raise DomainError("目标不能为负 / Targets cannot be negative")
        for target in settings.targets.values():
            TARGET_SETTING.check(target)
        days, mentees = settings.shadow_placement_days, settings.mentor_max_mentees
        if any(isinstance(n, int) and n < 1 for n in (days, mentees)):
            raise DomainError("天数与人数须为正 / Days and mentee limits must be positive")
        PLACEMENT_DAYS.check(days)
        MENTEE_LIMIT.check(mentees)
        PLAN_DEADLINE.check(settings.plan_deadline)
        self._set_year(
            settings.year,
            [{"due": c.due, "required": c.required} for c in settings.checkpoints],
            dict(settings.targets),
            settings.plan_deadline,
            settings.shadow_placement_days,
            settings.mentor_max_mentees,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    def plan_year(self, year: int) -> PlanYearSettings:
        raw = self.years.get(year)
        if raw is None:
            return default_plan_year(year)
        return PlanYearSettings(
            year=year,
            checkpoints=[Checkpoint(c["due"], float(c["required"])) for c in raw["checkpoints"]],
            targets=dict(raw["targets"]),
            plan_deadline=raw["plan_deadline"],
            shadow_placement_days=int(raw["shadow_placement_days"]),
            mentor_max_mentees=int(raw["mentor_max_mentees"]),
        )

    class SchoolCalendarSet(TenantAggregate.Event):
        year: int
        holidays: list[date]
        workdays: list[dict[str, Any]]

    @event(SchoolCalendarSet)
    def _set_calendar(
        self,
        year: int,
        holidays: list[date],
        workdays: list[dict[str, Any]],
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.calendars[year] = {"holidays": holidays, "workdays": workdays}

    def set_school_calendar(
        self,
        *,
        year: int,
        holidays: list[date],
        workdays: dict[date, int],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        """A year's holidays and make-up workdays (each keeps one weekday's timetable)."""
        YEAR.check(year)
        days = [CALENDAR_DAY.check(d) for d in CALENDAR_DAYS.check(holidays)]
        extra = [CALENDAR_DAY.check(d) for d in CALENDAR_DAYS.check(list(workdays))]
        if any(d.year != year for d in (*days, *extra)):
            raise DomainError(f"日期须在{year}年内 / The dates are in {year}")
        if set(days) & set(extra):
            raise DomainError("同一天不能既放假又上班 / A day is a holiday or a workday, not both")
        for weekday in workdays.values():
            if isinstance(weekday, bool) or weekday not in range(1, 6):
                raise DomainError(
                    "调休日按星期一至五的课表上课 / A workday keeps a Mon–Fri timetable"
                )
        self._set_calendar(
            year,
            sorted(set(days)),
            [{"on": d, "weekday": workdays[d]} for d in sorted(extra)],
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    def school_calendar(self, year: int) -> SchoolCalendar:
        raw = self.calendars.get(year, {"holidays": [], "workdays": []})
        return SchoolCalendar(
            year,
            frozenset(raw["holidays"]),
            {w["on"]: int(w["weekday"]) for w in raw["workdays"]},
        )

    class SyncMinimumOverlapSet(TenantAggregate.Event):
        minutes: int

    @event(SyncMinimumOverlapSet)
    def _set_overlap(self, minutes: int, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.sync_min_overlap = minutes

    def set_sync_min_overlap(
        self, minutes: int, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self._set_overlap(MIN_OVERLAP.check(minutes), actor_id=actor_id, occurred_at=occurred_at)

    class ResearchSet(TenantAggregate.Event):
        hours: dict[str, int]
        required_hours: int
        school_threshold: int
        mentoring_hours: int

    @event(ResearchSet)
    def _set_research(
        self,
        hours: dict[str, int],
        required_hours: int,
        school_threshold: int,
        mentoring_hours: int,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.research_raw = {
            "hours": hours,
            "required_hours": required_hours,
            "school_threshold": school_threshold,
            "mentoring_hours": mentoring_hours,
        }

    def set_research(
        self, settings: ResearchSettings, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        if not isinstance(settings.hours, dict) or set(settings.hours) != set(SessionKind):
            raise DomainError("每种研修类型都需要学时 / Every session type needs its hours")
        for hours in settings.hours.values():
            SESSION_HOURS.check(hours)
        self._set_research(
            {str(k): v for k, v in settings.hours.items()},
            REQUIRED_HOURS.check(settings.required_hours),
            SCHOOL_THRESHOLD.check(settings.school_threshold),
            MENTORING_HOURS.check(settings.mentoring_hours),
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    def research(self) -> ResearchSettings:
        raw = self.research_raw
        if raw is None:
            return default_research()
        return ResearchSettings(
            hours=dict(raw["hours"]),
            required_hours=int(raw["required_hours"]),
            school_threshold=int(raw["school_threshold"]),
            mentoring_hours=int(raw["mentoring_hours"]),
        )


def settings_id(tenant_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"jgt:tenant-settings:{tenant_id}")
