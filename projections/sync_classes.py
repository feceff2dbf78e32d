"""Synchronized classes as read models: timetables, their slots and answers, and the lessons with
one seat per school and class taking part (what the week grids and a school's figures read).

Lesson plans, comments, feedback and reflections stay in the ``SyncSession`` aggregate: the pages
that may show them load it through the services. Here only counts and facts are kept (how many
drafts, whether a plan is final, how many classes gave feedback).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from domain.sync_session import SyncSession
from domain.timetable import Timetable
from projections.base import Projection


@dataclass(frozen=True)
class TimetableRow:
    id: UUID
    tenant_id: UUID
    community_id: UUID
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class SlotRow:
    timetable_id: UUID
    slot_id: str
    weekday: int
    subject: str
    grade: int
    host: dict[str, Any]
    #: Each receiving seat with ``answer`` (pending, accepted, declined) and the decline ``reason``.
    receiving: list[dict[str, Any]]
    generated: bool = False


@dataclass(frozen=True)
class SessionRow:
    id: UUID
    tenant_id: UUID
    community_id: UUID
    timetable_id: UUID
    key: str
    subject: str
    grade: int
    on: date
    host: dict[str, Any]
    receiving: list[dict[str, Any]]
    status: str = "planned"
    cancel_reason: str = ""
    rescheduled: bool = False
    started: str = ""
    ended: str = ""
    quality: str = ""
    minutes_lost: int = 0
    #: Per receiving class: school_id, class_id, present, size (counts, never names).
    attendance: list[dict[str, Any]] = field(default_factory=list)
    late: bool = False
    counted: bool = False
    recording: str = ""
    evidence: int = 0
    drafts: int = 0
    final_revision: int = 0
    feedback: int = 0
    reflected: bool = False

    @property
    def extra(self) -> bool:
        return self.key.startswith("extra:")

    def present(self) -> tuple[int, int]:
        """Students present and class sizes over the receiving classes."""
        return (
            sum(int(a["present"]) for a in self.attendance),
            sum(int(a["size"]) for a in self.attendance),
        )


@dataclass(frozen=True)
class SeatRow:
    """One class in a lesson, at the school it sits in: where the week grids put it."""

    session_id: UUID
    school_id: UUID
    class_id: str
    teacher_id: UUID
    role: str  # "host" or "receiving"
    on: date
    period: int
    start: str
    end: str


def seats_of(
    session_id: UUID, on: date, host: dict[str, Any], receiving: list[dict[str, Any]]
) -> list[SeatRow]:
    return [
        SeatRow(
            session_id=session_id,
            school_id=seat["school_id"],
            class_id=str(seat["class_id"]),
            teacher_id=seat["teacher_id"],
            role=role,
            on=on,
            period=int(seat["period"]),
            start=str(seat["start"]),
            end=str(seat["end"]),
        )
        for role, seat in [("host", host), *(("receiving", r) for r in receiving)]
    ]


class SyncClassesView(ABC):
    @abstractmethod
    def add_timetable(self, row: TimetableRow) -> None: ...

    @abstractmethod
    def add_slot(self, row: SlotRow) -> None: ...

    @abstractmethod
    def answer_slot(
        self, timetable_id: UUID, slot_id: str, school_id: UUID, accepted: bool, reason: str
    ) -> None: ...

    @abstractmethod
    def mark_generated(self, timetable_id: UUID, slot_ids: list[str]) -> None: ...

    @abstractmethod
    def add_session(self, row: SessionRow) -> None: ...

    @abstractmethod
    def move_session(
        self, session_id: UUID, on: date, host: dict[str, Any], receiving: list[dict[str, Any]]
    ) -> None: ...

    @abstractmethod
    def update_session(self, session_id: UUID, **fields: Any) -> None: ...

    @abstractmethod
    def swap_teacher(self, session_id: UUID, teacher_id: UUID) -> None: ...

    @abstractmethod
    def bump_session(self, session_id: UUID, column: str) -> None:
        """Add one to a count column (drafts, feedback)."""

    # Queries ---------------------------------------------------------------------------------

    @abstractmethod
    def timetable(self, timetable_id: UUID) -> TimetableRow | None: ...

    @abstractmethod
    def timetables(self, community_ids: list[UUID]) -> list[TimetableRow]: ...

    @abstractmethod
    def slots(self, timetable_ids: list[UUID]) -> list[SlotRow]: ...

    @abstractmethod
    def session(self, session_id: UUID) -> SessionRow | None: ...

    @abstractmethod
    def sessions(
        self,
        *,
        community_id: UUID | None = None,
        timetable_id: UUID | None = None,
        school_id: UUID | None = None,
        teacher_id: UUID | None = None,
        first: date | None = None,
        last: date | None = None,
    ) -> list[SessionRow]:
        """Lessons by community or timetable, or those a school or teacher takes part in, in
        date order."""


class SyncClassesProjection(Projection[SyncClassesView]):
    name = "sync_classes"

    @singledispatchmethod
    def process(self, event: Any) -> None:
        """Events without a handler change nothing here."""

    @process.register
    def _(self, e: Timetable.Drafted) -> None:
        self.view.add_timetable(
            TimetableRow(
                id=e.originator_id,
                tenant_id=e.tenant_id,
                community_id=e.community_id,
                name=e.name,
                starts_on=e.starts_on,
                ends_on=e.ends_on,
            )
        )

    @process.register
    def _(self, e: Timetable.SlotProposed) -> None:
        self.view.add_slot(
            SlotRow(
                timetable_id=e.originator_id,
                slot_id=e.slot_id,
                weekday=e.weekday,
                subject=e.subject,
                grade=e.grade,
                host=dict(e.host),
                receiving=[{**r, "answer": "pending", "reason": ""} for r in e.receiving],
            )
        )

    @process.register
    def _(self, e: Timetable.SlotAnswered) -> None:
        self.view.answer_slot(e.originator_id, e.slot_id, e.school_id, e.accepted, e.reason)

    @process.register
    def _(self, e: Timetable.SessionsGenerated) -> None:
        self.view.mark_generated(e.originator_id, list(e.slot_ids))

    @process.register
    def _(self, e: SyncSession.Scheduled) -> None:
        self.view.add_session(
            SessionRow(
                id=e.originator_id,
                tenant_id=e.tenant_id,
                community_id=e.community_id,
                timetable_id=e.timetable_id,
                key=e.key,
                subject=e.subject,
                grade=e.grade,
                on=e.on,
                host=dict(e.host),
                receiving=[dict(r) for r in e.receiving],
            )
        )

    @process.register
    def _(self, e: SyncSession.Rescheduled) -> None:
        self.view.move_session(e.originator_id, e.on, dict(e.host), [dict(r) for r in e.receiving])

    @process.register
    def _(self, e: SyncSession.Cancelled) -> None:
        self.view.update_session(e.originator_id, status="cancelled", cancel_reason=e.reason)

    @process.register
    def _(self, e: SyncSession.TeacherSwapped) -> None:
        self.view.swap_teacher(e.originator_id, e.teacher_id)

    @process.register
    def _(self, e: SyncSession.DraftAdded) -> None:
        self.view.bump_session(e.originator_id, "drafts")

    @process.register
    def _(self, e: SyncSession.PlanFinalised) -> None:
        self.view.update_session(e.originator_id, final_revision=e.revision)

    @process.register
    def _(self, e: SyncSession.Delivered) -> None:
        self.view.update_session(
            e.originator_id,
            status="delivered",
            started=e.started,
            ended=e.ended,
            quality=e.quality,
            minutes_lost=e.minutes_lost,
            attendance=[dict(a) for a in e.attendance],
            late=e.late,
            counted=bool(e.contributions),
            recording=e.recording,
            evidence=len(e.evidence),
        )

    @process.register
    def _(self, e: SyncSession.FeedbackGiven) -> None:
        self.view.bump_session(e.originator_id, "feedback")

    @process.register
    def _(self, e: SyncSession.Reflected) -> None:
        self.view.update_session(e.originator_id, reflected=True)
