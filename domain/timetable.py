"""The master timetable of synchronized classes (同步课堂大课表) and every school's bookings.

A ``Timetable`` holds one community's recurring slots for a semester: the host school's period and
the period each receiving school keeps at the same time under its own bell schedule. A
``SchoolBookings`` holds what a school's teachers and classes are booked for, across every community
it belongs to, so "a teacher or a class booked twice" is decided by the aggregates of the schools
involved (the store refuses a second writer of the same version), never by a view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import DomainError, TenantAggregate
from domain.community import Community
from domain.fields import (
    ANSWER_REASON,
    GRADE,
    MAX_SEMESTER_DAYS,
    RECEIVING_CLASSES,
    SEMESTER_END,
    SEMESTER_NAME,
    SEMESTER_START,
    SLOTS,
    SUBJECT,
)
from domain.school import Period, School
from domain.settings import SchoolCalendar

WEEKDAY_NAMES = "一二三四五六日"


def minutes_of(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def overlap_minutes(a: Period, b: Period) -> int:
    start = max(minutes_of(a.start), minutes_of(b.start))
    end = min(minutes_of(a.end), minutes_of(b.end))
    return max(end - start, 0)


def weekday_name(weekday: int) -> str:
    return f"星期{WEEKDAY_NAMES[weekday - 1]}"


def host_period(school: School, weekday: int, number: int) -> Period:
    """The host school's period, or the reason it is not one."""
    period = school.period_at(weekday, number)
    if period is None:
        raise DomainError(
            f"{school.name}{weekday_name(weekday)}没有第{number}节 / "
            f"{school.name} has no period {number} on weekday {weekday}"
        )
    return period


def receiving_period(school: School, host: Period, minimum: int) -> tuple[Period, int]:
    """The receiving school's period that overlaps the host's most, at least ``minimum`` minutes.

    Bell schedules differ between schools (狮岭 第3节 09:40–10:20, 博达 第3节 09:50–10:30): the
    lesson is placed on the period the receiving class actually sits in at that time.
    """
    best: tuple[Period, int] | None = None
    for raw in school.bell_schedule:
        if raw["weekday"] != host.weekday:
            continue
        period = Period(host.weekday, int(str(raw["number"])), str(raw["start"]), str(raw["end"]))
        minutes = overlap_minutes(host, period)
        if best is None or minutes > best[1]:
            best = (period, minutes)
    if best is None or best[1] < minimum:
        found = f"（最多重叠{best[1]}分钟）" if best else ""
        raise DomainError(
            f"{school.name}{weekday_name(host.weekday)}没有与{host.start}–{host.end}重叠至少"
            f"{minimum}分钟的节次{found} / {school.name} has no period overlapping "
            f"{host.start}–{host.end} by at least {minimum} minutes on weekday {host.weekday}"
        )
    return best


@dataclass(frozen=True)
class Seat:
    """One class taking part in a slot: at the host school or a receiving one."""

    school_id: UUID
    class_id: str
    teacher_id: UUID
    period: Period
    overlap: int = 0  # minutes shared with the host's period (receiving classes only)

    def as_dict(self) -> dict[str, Any]:
        return {
            "school_id": self.school_id,
            "class_id": self.class_id,
            "teacher_id": self.teacher_id,
            "period": self.period.number,
            "start": self.period.start,
            "end": self.period.end,
            "overlap": self.overlap,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any], weekday: int) -> Seat:
        return cls(
            school_id=raw["school_id"],
            class_id=str(raw["class_id"]),
            teacher_id=raw["teacher_id"],
            period=Period(weekday, int(raw["period"]), str(raw["start"]), str(raw["end"])),
            overlap=int(raw.get("overlap", 0)),
        )


def class_of(school: School, class_id: str, grade: int) -> dict[str, object]:
    """An open class of the school in the slot's grade, or the reason it cannot take part."""
    found = school.classes.get(class_id)
    if found is None or not found["open"]:
        raise DomainError(f"{school.name}没有这个班级 / {school.name} has no such class")
    if found["grade"] != grade:
        raise DomainError(
            f"{school.name}{found['grade']}年级{found['name']}不是{grade}年级的班级 / "
            f"{school.name}'s class {found['name']} is in grade {found['grade']}, not {grade}"
        )
    return found


def place(
    *,
    weekday: int,
    grade: int,
    host: School,
    host_period_number: int,
    host_class_id: str,
    host_teacher_id: UUID,
    receivers: list[tuple[School, str, UUID]],
    minimum: int,
) -> tuple[Seat, list[Seat]]:
    """Place a lesson at the host school and at each receiving school, or say why it cannot be."""
    GRADE.check(grade)
    period = host_period(host, weekday, host_period_number)
    class_of(host, host_class_id, grade)
    seats = []
    seen: set[tuple[UUID, str]] = set()
    for school, class_id, teacher_id in RECEIVING_CLASSES.check(receivers):
        if school.id == host.id:
            raise DomainError("接收班级应在其他学校 / Receiving classes are at other schools")
        if (school.id, class_id) in seen:
            raise DomainError("接收班级重复 / A receiving class appears twice")
        seen.add((school.id, class_id))
        class_of(school, class_id, grade)
        there, minutes = receiving_period(school, period, minimum)
        seats.append(Seat(school.id, class_id, teacher_id, there, minutes))
    return Seat(host.id, host_class_id, host_teacher_id, period), seats


def require_members(community: Community, school_ids: list[UUID], first: date, last: date) -> None:
    """Every school is a member of the community on every day from ``first`` to ``last``."""
    for school_id in school_ids:
        if not any(
            s.school_id == school_id and s.covers(first) and s.covers(last)
            for s in community.timeline()
        ):
            raise DomainError(
                f"该校在{first.isoformat()}至{last.isoformat()}期间不是教共体成员 / "
                f"A school is not a member of the community from {first} to {last}"
            )


def timetable_id_for(community_id: UUID, starts_on: date) -> UUID:
    return uuid5(NAMESPACE_URL, f"jgt:timetable:{community_id}:{starts_on.isoformat()}")


class Answer:
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Timetable(TenantAggregate):
    class Drafted(TenantAggregate.Created):
        community_id: UUID
        name: str
        starts_on: date
        ends_on: date

    @staticmethod
    def create_id(community_id: UUID, starts_on: date) -> UUID:
        return timetable_id_for(community_id, starts_on)

    @event(Drafted)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        community_id: UUID,
        name: str,
        starts_on: date,
        ends_on: date,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.community_id = community_id
        self.name = name
        self.starts_on, self.ends_on = starts_on, ends_on
        self.slots: dict[str, dict[str, Any]] = {}
        self.generated: set[str] = set()  # slots whose sessions exist

    @classmethod
    def draft(
        cls,
        *,
        tenant_id: UUID,
        community_id: UUID,
        name: str,
        starts_on: date,
        ends_on: date,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> Timetable:
        name = SEMESTER_NAME.check(name)
        if SEMESTER_END.check(ends_on) <= SEMESTER_START.check(starts_on):
            raise DomainError("学期结束日期须晚于开始日期 / A semester ends after it starts")
        if (ends_on - starts_on).days > MAX_SEMESTER_DAYS:
            raise DomainError(
                f"学期不超过{MAX_SEMESTER_DAYS}天 / A semester is at most {MAX_SEMESTER_DAYS} days"
            )
        return cls(
            tenant_id=tenant_id,
            community_id=community_id,
            name=name,
            starts_on=starts_on,
            ends_on=ends_on,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    class SlotProposed(TenantAggregate.Event):
        slot_id: str
        weekday: int
        subject: str
        grade: int
        host: dict[str, Any]
        receiving: list[dict[str, Any]]

    @event(SlotProposed)
    def _propose(
        self,
        slot_id: str,
        weekday: int,
        subject: str,
        grade: int,
        host: dict[str, Any],
        receiving: list[dict[str, Any]],
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.slots[slot_id] = {
            "weekday": weekday,
            "subject": subject,
            "grade": grade,
            "host": host,
            "receiving": [{**r, "answer": Answer.PENDING} for r in receiving],
        }

    def propose_slot(
        self,
        *,
        subject: str,
        grade: int,
        host: Seat,
        receiving: list[Seat],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> str:
        """Add a recurring slot placed by ``place`` (the bookings were checked by the caller)."""
        subject = SUBJECT.check(subject)
        if len(self.slots) >= SLOTS.max_items:
            raise DomainError(
                f"大课表最多{SLOTS.max_items}个时段 / A timetable has at most "
                f"{SLOTS.max_items} slots"
            )
        slot_id = str(len(self.slots) + 1)
        self._propose(
            slot_id,
            host.period.weekday,
            subject,
            grade,
            host.as_dict(),
            [r.as_dict() for r in receiving],
            actor_id=actor_id,
            occurred_at=occurred_at,
        )
        return slot_id

    def slot(self, slot_id: str) -> dict[str, Any]:
        found = self.slots.get(slot_id)
        if found is None:
            raise DomainError("没有这个时段 / No such slot")
        return found

    class SlotAnswered(TenantAggregate.Event):
        slot_id: str
        school_id: UUID
        accepted: bool
        reason: str

    @event(SlotAnswered)
    def _answer(
        self,
        slot_id: str,
        school_id: UUID,
        accepted: bool,
        reason: str,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        for seat in self.slots[slot_id]["receiving"]:
            if seat["school_id"] == school_id:
                seat["answer"] = Answer.ACCEPTED if accepted else Answer.DECLINED

    def answer(
        self,
        slot_id: str,
        *,
        school_id: UUID,
        accept: bool,
        reason: str = "",
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        """A receiving school accepts or declines its classes' part in a slot, once."""
        slot = self.slot(slot_id)
        mine = [s for s in slot["receiving"] if s["school_id"] == school_id]
        if not mine:
            raise DomainError("该时段不涉及本校 / This slot does not involve the school")
        if any(s["answer"] != Answer.PENDING for s in mine):
            raise DomainError("本校已答复 / The school has already answered")
        reason = ANSWER_REASON.check(reason)
        if not accept and not reason:
            raise DomainError("拒绝需要说明原因 / Declining needs a reason")
        self._answer(slot_id, school_id, accept, reason, actor_id=actor_id, occurred_at=occurred_at)

    def accepted_seats(self, slot_id: str) -> list[Seat]:
        slot = self.slot(slot_id)
        return [
            Seat.from_dict(s, slot["weekday"])
            for s in slot["receiving"]
            if s["answer"] == Answer.ACCEPTED
        ]

    def host_seat(self, slot_id: str) -> Seat:
        slot = self.slot(slot_id)
        return Seat.from_dict(slot["host"], slot["weekday"])

    class SessionsGenerated(TenantAggregate.Event):
        slot_ids: list[str]
        sessions: int

    @event(SessionsGenerated)
    def _generated(
        self, slot_ids: list[str], sessions: int, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.generated.update(slot_ids)

    def runnable_slots(self) -> list[str]:
        """Slots every receiving school has answered, with at least one class accepted, and no
        sessions yet: a slot runs only once accepted."""
        return [
            slot_id
            for slot_id, slot in self.slots.items()
            if slot_id not in self.generated
            and all(s["answer"] != Answer.PENDING for s in slot["receiving"])
            and any(s["answer"] == Answer.ACCEPTED for s in slot["receiving"])
        ]

    def lesson_days(self, slot_id: str, calendars: dict[int, SchoolCalendar]) -> list[date]:
        """The semester's days that keep the slot's weekday timetable (holidays skipped,
        make-up workdays added)."""
        weekday = self.slot(slot_id)["weekday"]
        days = []
        day = self.starts_on
        while day <= self.ends_on:
            calendar = calendars.get(day.year) or SchoolCalendar(day.year, frozenset(), {})
            if calendar.timetable_weekday(day) == weekday:
                days.append(day)
            day += timedelta(days=1)
        return days

    def record_generation(
        self, slot_ids: list[str], sessions: int, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        if not slot_ids:
            raise DomainError(
                "没有已被接受且尚未生成课次的时段 / No accepted slot is waiting for its sessions"
            )
        self._generated(slot_ids, sessions, actor_id=actor_id, occurred_at=occurred_at)


def bookings_id_for(school_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"jgt:school-bookings:{school_id}")


@dataclass(frozen=True)
class Booking:
    """What a school's teachers and classes are booked for: weekly from ``first`` to ``last`` on a
    weekday's period, or once (``first == last``, ``once``)."""

    ref: str
    weekday: int
    period: int
    first: date
    last: date
    teachers: frozenset[UUID]
    classes: frozenset[str]
    label: str
    once: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "weekday": self.weekday,
            "period": self.period,
            "first": self.first,
            "last": self.last,
            "teachers": sorted(self.teachers, key=str),
            "classes": sorted(self.classes),
            "label": self.label,
            "once": self.once,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Booking:
        return cls(
            ref=str(raw["ref"]),
            weekday=int(raw["weekday"]),
            period=int(raw["period"]),
            first=raw["first"],
            last=raw["last"],
            teachers=frozenset(raw["teachers"]),
            classes=frozenset(raw["classes"]),
            label=str(raw["label"]),
            once=bool(raw["once"]),
        )


class SchoolBookings(TenantAggregate):
    class Opened(TenantAggregate.Created):
        school_id: UUID

    @staticmethod
    def create_id(school_id: UUID) -> UUID:
        return bookings_id_for(school_id)

    @event(Opened)
    def __init__(
        self, *, tenant_id: UUID, school_id: UUID, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.tenant_id = tenant_id
        self.school_id = school_id
        self.bookings: dict[str, dict[str, Any]] = {}
        self.freed: dict[str, list[date]] = {}  # a weekly booking's days not used after all

    def clash(self, wanted: Booking, names: dict[UUID, str]) -> str | None:
        """Why ``wanted`` cannot be booked here (a teacher or class already busy), or None."""
        for raw in self.bookings.values():
            if raw["weekday"] != wanted.weekday or raw["period"] != wanted.period:
                continue  # most of a full timetable: no need to read the booking at all
            held = Booking.from_dict(raw)
            if held.ref == wanted.ref or held.weekday != wanted.weekday:
                continue
            if held.period != wanted.period or held.last < wanted.first or wanted.last < held.first:
                continue
            if held.once != wanted.once:
                # A single lesson clashes with a weekly booking only on a day that booking keeps.
                single, weekly = (held, wanted) if held.once else (wanted, held)
                if single.first < weekly.first or single.first > weekly.last:
                    continue
                if single.first in self.freed.get(weekly.ref, []):
                    continue
            elif held.once and held.first != wanted.first:
                continue
            busy_teachers = held.teachers & wanted.teachers
            if busy_teachers:
                who = "、".join(names.get(t, str(t)) for t in sorted(busy_teachers, key=str))
                return (
                    f"教师{who}{weekday_name(wanted.weekday)}第{wanted.period}节已有{held.label} / "
                    f"A teacher is already booked then (weekday {wanted.weekday}, "
                    f"period {wanted.period})"
                )
            busy_classes = held.classes & wanted.classes
            if busy_classes:
                return (
                    f"班级{weekday_name(wanted.weekday)}第{wanted.period}节已有{held.label} / "
                    f"A class is already booked then (weekday {wanted.weekday}, "
                    f"period {wanted.period})"
                )
        return None

    class Booked(TenantAggregate.Event):
        booking: dict[str, Any]

    @event(Booked)
    def _book(
        self, booking: dict[str, Any], *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.bookings[str(booking["ref"])] = booking

    def book(
        self,
        wanted: Booking,
        *,
        names: dict[UUID, str],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        reason = self.clash(wanted, names)
        if reason is not None:
            raise DomainError(reason)
        self._book(wanted.as_dict(), actor_id=actor_id, occurred_at=occurred_at)

    class Released(TenantAggregate.Event):
        ref: str

    @event(Released)
    def _release(self, ref: str, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.bookings.pop(ref, None)

    def release(self, ref: str, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        if ref in self.bookings:
            self._release(ref, actor_id=actor_id, occurred_at=occurred_at)

    class DayFreed(TenantAggregate.Event):
        ref: str
        on: date

    @event(DayFreed)
    def _free(self, ref: str, on: date, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.freed.setdefault(ref, []).append(on)

    def free_day(self, ref: str, on: date, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        """A weekly booking's day is not used (its lesson was moved or cancelled)."""
        if ref in self.bookings and on not in self.freed.get(ref, []):
            self._free(ref, on, actor_id=actor_id, occurred_at=occurred_at)
