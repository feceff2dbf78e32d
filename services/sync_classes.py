"""Synchronized classes (同步课堂): the master timetable, its sessions and their five syncs.

Every command decides from aggregates: the community (membership on the dates), the schools (bell
schedules, classes), the tenant's settings (calendar, minimum overlap) and the bookings of every
school involved, saved in one transaction with what changed, so two slots proposed at once for the
same teacher cannot both be stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain.community import Community
from domain.roles import Role
from domain.school import School
from domain.settings import SchoolCalendar, TenantSettings
from domain.sync_session import SyncSession, session_id_for
from domain.timetable import (
    Booking,
    SchoolBookings,
    Seat,
    Timetable,
    bookings_id_for,
    place,
    require_members,
    timetable_id_for,
)
from domain.user import User
from services.actor import Actor, Done
from services.clock import local_date
from services.community_scope import community_of, community_policy
from services.community_settings import tenant_settings
from services.context import Context
from services.errors import DomainError, Forbidden, NotFound
from services.evidence import Upload, evidence_of, store_all
from services.platform import NOT_THERE, NOT_THERE_OR_HIDDEN
from services.policy import CommunityAction, require_community


@dataclass(frozen=True)
class Receiver:
    """A receiving class asked for in a slot: the school, its class and its teacher (助教)."""

    school_id: UUID
    class_id: str
    teacher_id: UUID


def weekly_ref(timetable_id: UUID, slot_id: str) -> str:
    return f"{timetable_id}:{slot_id}"


def once_ref(session_id: UUID) -> str:
    return f"session:{session_id}"


class SyncClassService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # Loading -------------------------------------------------------------------------------

    def _get(self, cls: type[Any], aggregate_id: UUID, message: str) -> Any:
        try:
            found: object = self.ctx.platform.repository.get(aggregate_id)
        except NOT_THERE as exc:
            raise NotFound(message) from exc
        if not isinstance(found, cls):
            raise NotFound(message)
        return found

    def _school(self, school_id: UUID) -> School:
        school: School = self._get(School, school_id, "学校不存在 / No such school")
        return school

    def _teacher_at(self, teacher_id: UUID, school: School) -> User:
        """An active teacher of the school (of whichever bureau the school belongs to)."""
        user: User = self._get(User, teacher_id, "教师不存在 / No such teacher")
        if user.tenant_id != school.tenant_id:
            # Another bureau's person does not exist here: not even their name is told.
            raise NotFound("教师不存在 / No such teacher")
        if user.school_id != school.id or not user.active or not user.has_role(Role.TEACHER):
            raise DomainError(
                f"{user.display_name}不是{school.name}的在职教师 / "
                f"{user.display_name} is not an active teacher at {school.name}"
            )
        return user

    def _bookings(self, school: School, actor: Actor) -> SchoolBookings:
        try:
            found: SchoolBookings = self.ctx.platform.repository.get(bookings_id_for(school.id))
        except NOT_THERE:
            return SchoolBookings(
                tenant_id=school.tenant_id,
                school_id=school.id,
                actor_id=actor.user_id,
                occurred_at=self.ctx.clock(),
            )
        return found

    def _timetable(self, actor: Actor, timetable_id: UUID) -> tuple[Timetable, Community]:
        try:
            timetable = self._get(Timetable, timetable_id, "")
            community = community_of(self.ctx, actor, timetable.community_id)
        except NOT_THERE_OR_HIDDEN as exc:
            raise NotFound("大课表不存在 / No such timetable") from exc
        return timetable, community

    def _session(self, actor: Actor, session_id: UUID) -> tuple[SyncSession, Community]:
        try:
            session = self._get(SyncSession, session_id, "")
            community = community_of(self.ctx, actor, session.community_id)
        except NOT_THERE_OR_HIDDEN as exc:
            raise NotFound("课次不存在 / No such lesson") from exc
        return session, community

    def _settings(self, tenant_id: UUID) -> TenantSettings:
        return tenant_settings(self.ctx, tenant_id)

    def _calendars(self, tenant_id: UUID, first: date, last: date) -> dict[int, SchoolCalendar]:
        settings = self._settings(tenant_id)
        return {y: settings.school_calendar(y) for y in range(first.year, last.year + 1)}

    def require_visible(
        self,
        actor: Actor,
        *,
        community_id: UUID | None = None,
        timetable_id: UUID | None = None,
        session_id: UUID | None = None,
    ) -> None:
        """NotFound unless the actor may see the community, timetable or lesson: a page checks
        this before it reads a form, so another tenant's id answers 404, never a form's 422."""
        if community_id is not None:
            community_of(self.ctx, actor, community_id)
        if timetable_id is not None:
            self._timetable(actor, timetable_id)
        if session_id is not None:
            self._session(actor, session_id)

    @staticmethod
    def _require_core_admin(actor: Actor, community: Community) -> None:
        require_community(actor, CommunityAction.DRAFT_PLAN, **community_policy(community))

    # The master timetable ------------------------------------------------------------------

    def draft_timetable(
        self, actor: Actor, community_id: UUID, *, name: str, starts_on: date, ends_on: date
    ) -> Done:
        """The core school's admin opens the community's timetable for a semester."""
        community = community_of(self.ctx, actor, community_id)
        self._require_core_admin(actor, community)
        try:
            self.ctx.platform.repository.get(timetable_id_for(community_id, starts_on))
        except NOT_THERE:
            pass
        else:
            raise DomainError("该学期的大课表已存在 / This semester's timetable already exists")
        timetable = Timetable.draft(
            tenant_id=community.tenant_id,
            community_id=community_id,
            name=name,
            starts_on=starts_on,
            ends_on=ends_on,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(timetable.id, self.ctx.platform.save_all(timetable))

    def propose_slot(
        self,
        actor: Actor,
        timetable_id: UUID,
        *,
        weekday: int,
        period: int,
        subject: str,
        grade: int,
        host_class_id: str,
        host_teacher_id: UUID,
        receivers: list[Receiver],
    ) -> Done:
        """A recurring slot hosted by the core school: placed on every school's bell schedule and
        checked for every clash before anything is stored."""
        timetable, community = self._timetable(actor, timetable_id)
        self._require_core_admin(actor, community)
        host = self._school(community.core_school_id)
        host_teacher = self._teacher_at(host_teacher_id, host)
        names = {host_teacher.id: host_teacher.display_name}
        receiving_schools = []
        for receiver in receivers:
            school = self._school(receiver.school_id)
            names[receiver.teacher_id] = self._teacher_at(receiver.teacher_id, school).display_name
            receiving_schools.append((school, receiver.class_id, receiver.teacher_id))
        host_seat, seats = place(
            weekday=weekday,
            grade=grade,
            host=host,
            host_period_number=period,
            host_class_id=host_class_id,
            host_teacher_id=host_teacher.id,
            receivers=receiving_schools,
            minimum=self._settings(community.tenant_id).sync_min_overlap,
        )
        require_members(
            community,
            [host.id, *(s.school_id for s in seats)],
            timetable.starts_on,
            timetable.ends_on,
        )
        now = self.ctx.clock()
        slot_id = timetable.propose_slot(
            subject=subject,
            grade=grade,
            host=host_seat,
            receiving=seats,
            actor_id=actor.user_id,
            occurred_at=now,
        )
        label = f"同步课（{timetable.slot(slot_id)['subject']}）"
        changed: list[Any] = [timetable]
        for school, school_seats in self._by_school(host, host_seat, receiving_schools, seats):
            bookings = self._bookings(school, actor)
            bookings.book(
                Booking(
                    ref=weekly_ref(timetable.id, slot_id),
                    weekday=weekday,
                    period=school_seats[0].period.number,
                    first=timetable.starts_on,
                    last=timetable.ends_on,
                    teachers=frozenset(s.teacher_id for s in school_seats),
                    classes=frozenset(s.class_id for s in school_seats),
                    label=label,
                ),
                names=names,
                actor_id=actor.user_id,
                occurred_at=now,
            )
            changed.append(bookings)
        return Done(timetable.id, self.ctx.platform.save_all(*changed), part_id=slot_id)

    @staticmethod
    def _by_school(
        host: School,
        host_seat: Seat,
        receiving: list[tuple[School, str, UUID]],
        seats: list[Seat],
    ) -> list[tuple[School, list[Seat]]]:
        grouped: dict[UUID, tuple[School, list[Seat]]] = {host.id: (host, [host_seat])}
        for (school, _, _), seat in zip(receiving, seats, strict=True):
            grouped.setdefault(school.id, (school, []))[1].append(seat)
        return list(grouped.values())

    def answer_slot(
        self, actor: Actor, timetable_id: UUID, slot_id: str, *, accept: bool, reason: str = ""
    ) -> Done:
        """A receiving school's admin accepts or declines its part; declining frees its classes."""
        timetable, _ = self._timetable(actor, timetable_id)
        if not actor.has(Role.SCHOOL_ADMIN) or actor.school_id is None:
            raise Forbidden("只有接收学校的管理员答复 / A receiving school's admin answers")
        now = self.ctx.clock()
        timetable.answer(
            slot_id,
            school_id=actor.school_id,
            accept=accept,
            reason=reason,
            actor_id=actor.user_id,
            occurred_at=now,
        )
        changed: list[Any] = [timetable]
        if not accept:
            bookings = self._bookings(self._school(actor.school_id), actor)
            bookings.release(
                weekly_ref(timetable.id, slot_id), actor_id=actor.user_id, occurred_at=now
            )
            changed.append(bookings)
        return Done(timetable.id, self.ctx.platform.save_all(*changed))

    def generate_sessions(self, actor: Actor, timetable_id: UUID) -> Done:
        """The accepted slots become the semester's lessons (holidays skipped)."""
        timetable, community = self._timetable(actor, timetable_id)
        self._require_core_admin(actor, community)
        calendars = self._calendars(community.tenant_id, timetable.starts_on, timetable.ends_on)
        now = self.ctx.clock()
        slot_ids = timetable.runnable_slots()
        sessions = []
        for slot_id in slot_ids:
            slot = timetable.slot(slot_id)
            for day in timetable.lesson_days(slot_id, calendars):
                sessions.append(
                    SyncSession.schedule(
                        tenant_id=community.tenant_id,
                        community_id=community.id,
                        timetable_id=timetable.id,
                        key=f"{slot_id}@{day.isoformat()}",
                        subject=slot["subject"],
                        grade=slot["grade"],
                        on=day,
                        host=timetable.host_seat(slot_id),
                        receiving=timetable.accepted_seats(slot_id),
                        actor_id=actor.user_id,
                        occurred_at=now,
                    )
                )
        timetable.record_generation(
            slot_ids, len(sessions), actor_id=actor.user_id, occurred_at=now
        )
        return Done(timetable.id, self.ctx.platform.save_all(timetable, *sessions))

    # Changes to one lesson -----------------------------------------------------------------

    def _weekday_of(self, tenant_id: UUID, day: date) -> int:
        weekday = self._calendars(tenant_id, day, day)[day.year].timetable_weekday(day)
        if weekday is None:
            raise DomainError(
                f"{day.isoformat()}不是上课日 / {day.isoformat()} is not a school day"
            )
        return weekday

    def _free_day(self, session: SyncSession, actor: Actor) -> list[SchoolBookings]:
        """The lesson leaves its weekly booking's day (or its single booking) at every school."""
        now = self.ctx.clock()
        changed = []
        slot_id = session.key.split("@")[0]
        for school_id in {session.host_school_id, *(r["school_id"] for r in session.receiving)}:
            bookings = self._bookings(self._school(school_id), actor)
            if once_ref(session.id) in bookings.bookings:
                bookings.release(once_ref(session.id), actor_id=actor.user_id, occurred_at=now)
            else:
                bookings.free_day(
                    weekly_ref(session.timetable_id, slot_id),
                    session.on,
                    actor_id=actor.user_id,
                    occurred_at=now,
                )
            changed.append(bookings)
        return changed

    def _one_off(
        self,
        actor: Actor,
        community: Community,
        *,
        session_id: UUID,
        host_seat: Seat,
        receiving: list[Seat],
        subject: str,
        grade: int,
        on: date,
        period: int,
        changed: list[SchoolBookings],
    ) -> tuple[Seat, list[Seat], list[SchoolBookings]]:
        """Place one lesson on a day and host period and book it at every school, or say why not."""
        weekday = self._weekday_of(community.tenant_id, on)
        host = self._school(host_seat.school_id)
        wanted = [(self._school(r.school_id), r.class_id, r.teacher_id) for r in receiving]
        new_host, seats = place(
            weekday=weekday,
            grade=grade,
            host=host,
            host_period_number=period,
            host_class_id=host_seat.class_id,
            host_teacher_id=host_seat.teacher_id,
            receivers=wanted,
            minimum=self._settings(community.tenant_id).sync_min_overlap,
        )
        require_members(community, [host.id, *(s.school_id for s in seats)], on, on)
        by_id = {b.school_id: b for b in changed}
        names = {t: self._name(t) for t in {host_seat.teacher_id, *(r.teacher_id for r in seats)}}
        now = self.ctx.clock()
        for school, school_seats in self._by_school(host, new_host, wanted, seats):
            if school.id not in by_id:
                by_id[school.id] = self._bookings(school, actor)
            by_id[school.id].book(
                Booking(
                    ref=once_ref(session_id),
                    weekday=weekday,
                    period=school_seats[0].period.number,
                    first=on,
                    last=on,
                    teachers=frozenset(s.teacher_id for s in school_seats),
                    classes=frozenset(s.class_id for s in school_seats),
                    label=f"同步课（{subject}）",
                    once=True,
                ),
                names=names,
                actor_id=actor.user_id,
                occurred_at=now,
            )
        return new_host, seats, list(by_id.values())

    def reschedule(self, actor: Actor, session_id: UUID, *, on: date, period: int) -> Done:
        """Move a lesson to another day and host period, checked like a new slot."""
        session, community = self._session(actor, session_id)
        self._require_core_admin(actor, community)
        host_seat, seats, changed = self._one_off(
            actor,
            community,
            session_id=session.id,
            host_seat=Seat.from_dict(session.host, 1),
            receiving=[Seat.from_dict(r, 1) for r in session.receiving],
            subject=session.subject,
            grade=session.grade,
            on=on,
            period=period,
            changed=self._free_day(session, actor),
        )
        session.reschedule(
            on=on,
            host=host_seat,
            receiving=seats,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(session.id, self.ctx.platform.save_all(session, *changed))

    def add_extra_session(
        self, actor: Actor, timetable_id: UUID, slot_id: str, *, on: date, period: int
    ) -> Done:
        """A single extra lesson of a slot's classes (加课), checked like any other."""
        timetable, community = self._timetable(actor, timetable_id)
        self._require_core_admin(actor, community)
        slot = timetable.slot(slot_id)
        accepted = timetable.accepted_seats(slot_id)
        if not accepted:
            raise DomainError("该时段尚未被接受 / The slot has not been accepted")
        key = f"extra:{slot_id}@{on.isoformat()}:{period}"
        session_id = session_id_for(timetable.id, key)
        try:
            self.ctx.platform.repository.get(session_id)
        except NOT_THERE:
            pass
        else:
            raise DomainError("该加课已存在 / That extra lesson already exists")
        host_seat, seats, changed = self._one_off(
            actor,
            community,
            session_id=session_id,
            host_seat=timetable.host_seat(slot_id),
            receiving=accepted,
            subject=slot["subject"],
            grade=slot["grade"],
            on=on,
            period=period,
            changed=[],
        )
        extra = SyncSession.schedule(
            tenant_id=community.tenant_id,
            community_id=community.id,
            timetable_id=timetable.id,
            key=key,
            subject=slot["subject"],
            grade=slot["grade"],
            on=on,
            host=host_seat,
            receiving=seats,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(extra.id, self.ctx.platform.save_all(extra, *changed))

    def _name(self, user_id: UUID) -> str:
        try:
            user: User = self._get(User, user_id, "")
        except NotFound:
            return str(user_id)
        return user.display_name

    def cancel(self, actor: Actor, session_id: UUID, *, reason: str) -> Done:
        session, community = self._session(actor, session_id)
        self._require_core_admin(actor, community)
        session.cancel(reason=reason, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(
            session.id, self.ctx.platform.save_all(session, *self._free_day(session, actor))
        )

    def swap_teacher(self, actor: Actor, session_id: UUID, *, teacher_id: UUID) -> Done:
        """Another teacher of the host school teaches this lesson, if free at that time."""
        session, community = self._session(actor, session_id)
        self._require_core_admin(actor, community)
        host = self._school(session.host_school_id)
        teacher = self._teacher_at(teacher_id, host)
        now = self.ctx.clock()
        bookings = self._bookings(host, actor)
        weekday = self._weekday_of(community.tenant_id, session.on)
        bookings.book(
            Booking(
                ref=f"{once_ref(session.id)}:teacher",
                weekday=weekday,
                period=int(session.host["period"]),
                first=session.on,
                last=session.on,
                teachers=frozenset({teacher.id}),
                classes=frozenset(),
                label=f"同步课（{session.subject}）",
                once=True,
            ),
            names={teacher.id: teacher.display_name},
            actor_id=actor.user_id,
            occurred_at=now,
        )
        session.swap_teacher(teacher.id, actor_id=actor.user_id, occurred_at=now)
        return Done(session.id, self.ctx.platform.save_all(session, bookings))

    # Delivery and afterwards ---------------------------------------------------------------

    def deliver(
        self,
        actor: Actor,
        session_id: UUID,
        *,
        started: str,
        ended: str,
        attendance: dict[str, tuple[int, int]],
        quality: str,
        minutes_lost: int = 0,
        recording: str = "",
        uploads: list[Upload] | None = None,
    ) -> Done:
        """The host teacher (or the core school's admin) records the lesson as taught."""
        session, community = self._session(actor, session_id)
        if actor.user_id != session.host_teacher_id:
            self._require_core_admin(actor, community)
        now = self.ctx.clock()
        session.deliver(
            started=started,
            ended=ended,
            attendance=attendance,
            quality=quality,
            minutes_lost=minutes_lost,
            recording=recording,
            evidence=evidence_of(uploads or []),
            today=local_date(now),
            actor_id=actor.user_id,
            occurred_at=now,
        )
        store_all(self.ctx.blobs, uploads or [])  # accepted: now the files are kept
        return Done(session.id, self.ctx.platform.save_all(session))

    def _as_teacher(self, actor: Actor, session: SyncSession) -> UUID:
        if actor.user_id is None or actor.user_id not in session.teachers():
            raise Forbidden("只有本课的教师 / Only this lesson's teachers")
        return actor.user_id

    def add_draft(self, actor: Actor, session_id: UUID, *, text: str) -> Done:
        session, _ = self._session(actor, session_id)
        by = self._as_teacher(actor, session)
        session.add_draft(by=by, text=text, occurred_at=self.ctx.clock())
        return Done(session.id, self.ctx.platform.save_all(session))

    def comment_draft(self, actor: Actor, session_id: UUID, revision: int, *, comment: str) -> Done:
        """The group leader comments: a teacher or admin of a school taking part in the lesson."""
        session, _ = self._session(actor, session_id)
        schools = {session.host_school_id, *(r["school_id"] for r in session.receiving)}
        if actor.user_id is None or actor.school_id not in schools:
            raise Forbidden("只有参与学校的教师评议 / Only the schools taking part comment")
        session.comment(revision, by=actor.user_id, comment=comment, occurred_at=self.ctx.clock())
        return Done(session.id, self.ctx.platform.save_all(session))

    def finalise_plan(self, actor: Actor, session_id: UUID, revision: int) -> Done:
        session, _ = self._session(actor, session_id)
        by = self._as_teacher(actor, session)
        session.finalise(revision, by=by, occurred_at=self.ctx.clock())
        return Done(session.id, self.ctx.platform.save_all(session))

    def give_feedback(
        self,
        actor: Actor,
        session_id: UUID,
        *,
        student_response: str,
        homework_rate: float,
        quiz_average: float,
    ) -> Done:
        session, _ = self._session(actor, session_id)
        by = self._as_teacher(actor, session)
        session.give_feedback(
            by=by,
            student_response=student_response,
            homework_rate=homework_rate,
            quiz_average=quiz_average,
            occurred_at=self.ctx.clock(),
        )
        return Done(session.id, self.ctx.platform.save_all(session))

    def reflect(self, actor: Actor, session_id: UUID, *, reflection: str) -> Done:
        session, _ = self._session(actor, session_id)
        by = self._as_teacher(actor, session)
        session.reflect(by=by, reflection=reflection, occurred_at=self.ctx.clock())
        return Done(session.id, self.ctx.platform.save_all(session))

    # Settings ------------------------------------------------------------------------------

    def set_school_calendar(
        self, actor: Actor, *, year: int, holidays: list[date], workdays: dict[date, int]
    ) -> Done:
        """The bureau's holidays and make-up workdays for a year."""
        require_community(actor, CommunityAction.MANAGE)
        settings = self._settings(actor.tenant_id)
        settings.set_school_calendar(
            year=year,
            holidays=holidays,
            workdays=workdays,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(settings.id, self.ctx.platform.save_all(settings))

    def set_min_overlap(self, actor: Actor, minutes: int) -> Done:
        require_community(actor, CommunityAction.MANAGE)
        settings = self._settings(actor.tenant_id)
        settings.set_sync_min_overlap(minutes, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(settings.id, self.ctx.platform.save_all(settings))
