"""The synchronized-classes read model as SQL tables.

A lesson has one row in ``syn_sessions`` and one row per class taking part in ``syn_seats`` (the
host's and each receiving one's, with the period it sits in at its own school), so a school's or a
teacher's week is one indexed query.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Table,
    Text,
    Uuid,
    delete,
    select,
    update,
)
from sqlalchemy.engine import Row

from infra.views.base import SQLView, metadata
from projections.base import plain
from projections.sync_classes import (
    SeatRow,
    SessionRow,
    SlotRow,
    SyncClassesView,
    TimetableRow,
    seats_of,
)

timetables = Table(
    "syn_timetables",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False, index=True),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
)
slots = Table(
    "syn_slots",
    metadata,
    Column("timetable_id", Uuid, primary_key=True),
    Column("slot_id", Text, primary_key=True),
    Column("weekday", BigInteger, nullable=False),
    Column("subject", Text, nullable=False),
    Column("grade", BigInteger, nullable=False),
    Column("host", JSON, nullable=False),
    Column("receiving", JSON, nullable=False),
    Column("generated", Boolean, nullable=False),
)
sessions = Table(
    "syn_sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("timetable_id", Uuid, nullable=False, index=True),
    Column("key", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("grade", BigInteger, nullable=False),
    Column("on", Date, nullable=False),
    Column("host", JSON, nullable=False),
    Column("receiving", JSON, nullable=False),
    Column("status", Text, nullable=False),
    Column("cancel_reason", Text, nullable=False),
    Column("rescheduled", Boolean, nullable=False),
    Column("started", Text, nullable=False),
    Column("ended", Text, nullable=False),
    Column("quality", Text, nullable=False),
    Column("minutes_lost", BigInteger, nullable=False),
    Column("attendance", JSON, nullable=False),
    Column("late", Boolean, nullable=False),
    Column("counted", Boolean, nullable=False),
    Column("recording", Text, nullable=False),
    Column("evidence", BigInteger, nullable=False),
    Column("drafts", BigInteger, nullable=False),
    Column("final_revision", BigInteger, nullable=False),
    Column("feedback", BigInteger, nullable=False),
    Column("reflected", Boolean, nullable=False),
)
seats = Table(
    "syn_seats",
    metadata,
    Column("session_id", Uuid, primary_key=True),
    Column("school_id", Uuid, primary_key=True),
    Column("class_id", Text, primary_key=True),
    Column("teacher_id", Uuid, nullable=False, index=True),
    Column("role", Text, nullable=False),
    Column("on", Date, nullable=False),
    Column("period", BigInteger, nullable=False),
    Column("start", Text, nullable=False),
    Column("end", Text, nullable=False),
)
Index("syn_seats_school_on", seats.c.school_id, seats.c.on)


def _ids(raw: dict[str, Any]) -> dict[str, Any]:
    """A seat read back from JSON: its school and teacher as ids again."""
    found = dict(raw)
    for name in ("school_id", "teacher_id"):
        if isinstance(found.get(name), str):
            found[name] = UUID(found[name])
    return found


def _timetable(r: Row[Any]) -> TimetableRow:
    return TimetableRow(
        id=r.id,
        tenant_id=r.tenant_id,
        community_id=r.community_id,
        name=r.name,
        starts_on=r.starts_on,
        ends_on=r.ends_on,
    )


def _slot(r: Row[Any]) -> SlotRow:
    return SlotRow(
        timetable_id=r.timetable_id,
        slot_id=r.slot_id,
        weekday=r.weekday,
        subject=r.subject,
        grade=r.grade,
        host=_ids(r.host),
        receiving=[_ids(s) for s in r.receiving],
        generated=r.generated,
    )


def _session(r: Row[Any]) -> SessionRow:
    return SessionRow(
        id=r.id,
        tenant_id=r.tenant_id,
        community_id=r.community_id,
        timetable_id=r.timetable_id,
        key=r.key,
        subject=r.subject,
        grade=r.grade,
        on=r.on,
        host=_ids(r.host),
        receiving=[_ids(s) for s in r.receiving],
        status=r.status,
        cancel_reason=r.cancel_reason,
        rescheduled=r.rescheduled,
        started=r.started,
        ended=r.ended,
        quality=r.quality,
        minutes_lost=r.minutes_lost,
        attendance=[_ids(a) for a in r.attendance],
        late=r.late,
        counted=r.counted,
        recording=r.recording,
        evidence=r.evidence,
        drafts=r.drafts,
        final_revision=r.final_revision,
        feedback=r.feedback,
        reflected=r.reflected,
    )


def _seat_values(row: SeatRow) -> dict[str, Any]:
    return {
        "session_id": row.session_id,
        "school_id": row.school_id,
        "class_id": row.class_id,
        "teacher_id": row.teacher_id,
        "role": row.role,
        "on": row.on,
        "period": row.period,
        "start": row.start,
        "end": row.end,
    }


class SQLSyncClassesView(SQLView, SyncClassesView):
    name = "sync_classes"
    view_tables = (timetables, slots, sessions, seats)

    def add_timetable(self, row: TimetableRow) -> None:
        with self.transaction(commit=True) as s:
            s.execute(
                timetables.insert().values(
                    id=row.id,
                    tenant_id=row.tenant_id,
                    community_id=row.community_id,
                    name=row.name,
                    starts_on=row.starts_on,
                    ends_on=row.ends_on,
                )
            )

    def add_slot(self, row: SlotRow) -> None:
        with self.transaction(commit=True) as s:
            s.execute(
                slots.insert().values(
                    timetable_id=row.timetable_id,
                    slot_id=row.slot_id,
                    weekday=row.weekday,
                    subject=row.subject,
                    grade=row.grade,
                    host=plain(row.host),
                    receiving=plain(row.receiving),
                    generated=row.generated,
                )
            )

    def answer_slot(
        self, timetable_id: UUID, slot_id: str, school_id: UUID, accepted: bool, reason: str
    ) -> None:
        where = (slots.c.timetable_id == timetable_id) & (slots.c.slot_id == slot_id)
        with self.transaction(commit=True) as s:
            found = s.execute(select(slots.c.receiving).where(where)).scalar_one()
            answered = [
                {**seat, "answer": "accepted" if accepted else "declined", "reason": reason}
                if seat["school_id"] == str(school_id)
                else seat
                for seat in found
            ]
            s.execute(update(slots).where(where).values(receiving=answered))

    def mark_generated(self, timetable_id: UUID, slot_ids: list[str]) -> None:
        with self.transaction(commit=True) as s:
            s.execute(
                update(slots)
                .where(slots.c.timetable_id == timetable_id, slots.c.slot_id.in_(slot_ids))
                .values(generated=True)
            )

    def add_session(self, row: SessionRow) -> None:
        with self.transaction(commit=True) as s:
            s.execute(
                sessions.insert().values(
                    id=row.id,
                    tenant_id=row.tenant_id,
                    community_id=row.community_id,
                    timetable_id=row.timetable_id,
                    key=row.key,
                    subject=row.subject,
                    grade=row.grade,
                    on=row.on,
                    host=plain(row.host),
                    receiving=plain(row.receiving),
                    status=row.status,
                    cancel_reason=row.cancel_reason,
                    rescheduled=row.rescheduled,
                    started=row.started,
                    ended=row.ended,
                    quality=row.quality,
                    minutes_lost=row.minutes_lost,
                    attendance=plain(row.attendance),
                    late=row.late,
                    counted=row.counted,
                    recording=row.recording,
                    evidence=row.evidence,
                    drafts=row.drafts,
                    final_revision=row.final_revision,
                    feedback=row.feedback,
                    reflected=row.reflected,
                )
            )
            s.execute(
                seats.insert(),
                [_seat_values(r) for r in seats_of(row.id, row.on, row.host, row.receiving)],
            )

    def move_session(
        self, session_id: UUID, on: date, host: dict[str, Any], receiving: list[dict[str, Any]]
    ) -> None:
        with self.transaction(commit=True) as s:
            s.execute(
                update(sessions)
                .where(sessions.c.id == session_id)
                .values(on=on, host=plain(host), receiving=plain(receiving), rescheduled=True)
            )
            s.execute(delete(seats).where(seats.c.session_id == session_id))
            s.execute(
                seats.insert(),
                [_seat_values(r) for r in seats_of(session_id, on, host, receiving)],
            )

    def update_session(self, session_id: UUID, **fields: Any) -> None:
        with self.transaction(commit=True) as s:
            s.execute(
                update(sessions)
                .where(sessions.c.id == session_id)
                .values(**{k: plain(v) for k, v in fields.items()})
            )

    def swap_teacher(self, session_id: UUID, teacher_id: UUID) -> None:
        with self.transaction(commit=True) as s:
            host = s.execute(
                select(sessions.c.host).where(sessions.c.id == session_id)
            ).scalar_one()
            s.execute(
                update(sessions)
                .where(sessions.c.id == session_id)
                .values(host={**host, "teacher_id": str(teacher_id)})
            )
            s.execute(
                update(seats)
                .where(seats.c.session_id == session_id, seats.c.role == "host")
                .values(teacher_id=teacher_id)
            )

    def bump_session(self, session_id: UUID, column: str) -> None:
        counted = sessions.c[column]
        with self.transaction(commit=True) as s:
            s.execute(
                update(sessions).where(sessions.c.id == session_id).values({counted: counted + 1})
            )

    # Queries -------------------------------------------------------------------------------

    def timetable(self, timetable_id: UUID) -> TimetableRow | None:
        with self.transaction(commit=False) as s:
            r = s.execute(select(timetables).where(timetables.c.id == timetable_id)).first()
        return _timetable(r) if r else None

    def timetables(self, community_ids: list[UUID]) -> list[TimetableRow]:
        if not community_ids:
            return []
        query = (
            select(timetables)
            .where(timetables.c.community_id.in_(community_ids))
            .order_by(timetables.c.starts_on.desc(), timetables.c.id)
        )
        with self.transaction(commit=False) as s:
            return [_timetable(r) for r in s.execute(query).all()]

    def slots(self, timetable_ids: list[UUID]) -> list[SlotRow]:
        if not timetable_ids:
            return []
        query = select(slots).where(slots.c.timetable_id.in_(timetable_ids))
        with self.transaction(commit=False) as s:
            found = [_slot(r) for r in s.execute(query).all()]
        return sorted(found, key=lambda r: (str(r.timetable_id), int(r.slot_id)))

    def session(self, session_id: UUID) -> SessionRow | None:
        with self.transaction(commit=False) as s:
            r = s.execute(select(sessions).where(sessions.c.id == session_id)).first()
        return _session(r) if r else None

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
        query = select(sessions)
        if community_id is not None:
            query = query.where(sessions.c.community_id == community_id)
        if timetable_id is not None:
            query = query.where(sessions.c.timetable_id == timetable_id)
        if school_id is not None or teacher_id is not None:
            taking_part = select(seats.c.session_id)
            if school_id is not None:
                taking_part = taking_part.where(seats.c.school_id == school_id)
            if teacher_id is not None:
                taking_part = taking_part.where(seats.c.teacher_id == teacher_id)
            query = query.where(sessions.c.id.in_(taking_part))
        if first is not None:
            query = query.where(sessions.c.on >= first)
        if last is not None:
            query = query.where(sessions.c.on <= last)
        query = query.order_by(sessions.c.on, sessions.c.key)
        with self.transaction(commit=False) as s:
            return [_session(r) for r in s.execute(query).all()]
