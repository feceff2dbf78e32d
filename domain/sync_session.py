"""One synchronized-class lesson (同步课堂课次) and its "five syncs" (五同步).

A session is planned by the master timetable (or added as an extra), may be rescheduled, cancelled
or taught by another teacher, is prepared jointly (drafts, comments, the host's final plan), is
delivered with attendance counted per receiving class (never names), and gets feedback and the
host's reflection. A delivered session with attendance counts toward the plan's 同步课堂 task,
with its subject as the unit (for "in at least N subjects").

Lesson plans, comments, feedback and reflections are the schools' own: ``PRIVATE_FIELDS`` keeps
them out of every shared read model.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.activity import recorded_late
from domain.base import DomainError, TenantAggregate
from domain.counting import Contribution, Counted, TaskKind
from domain.fields import (
    CANCELLING_REASON,
    CLASS_SIZE,
    LESSON_PLAN,
    LINK,
    MINUTES_LOST,
    PERCENTAGE,
    PLAN_COMMENT,
    PRESENT,
    REFLECTION,
    SESSION_ON,
    STUDENT_RESPONSE,
    check_evidence,
)
from domain.timetable import Seat, minutes_of


class Status(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"
    DELIVERED = "delivered"


class Quality(StrEnum):
    GOOD = "good"  # 良好
    INTERRUPTED = "interrupted"  # 中断
    FAILED = "failed"  # 失败: the lesson did not happen across the link


_CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def session_id_for(timetable_id: UUID, key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"jgt:sync-session:{timetable_id}:{key}")


class SyncSession(TenantAggregate):
    class Scheduled(TenantAggregate.Created):
        community_id: UUID
        timetable_id: UUID
        key: str  # "<slot>@<date>" for the timetable's lessons, "extra:<n>" for an extra one
        subject: str
        grade: int
        on: date
        host: dict[str, Any]
        receiving: list[dict[str, Any]]

    @staticmethod
    def create_id(timetable_id: UUID, key: str) -> UUID:
        return session_id_for(timetable_id, key)

    @event(Scheduled)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        community_id: UUID,
        timetable_id: UUID,
        key: str,
        subject: str,
        grade: int,
        on: date,
        host: dict[str, Any],
        receiving: list[dict[str, Any]],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.community_id = community_id
        self.timetable_id = timetable_id
        self.key = key
        self.subject, self.grade = subject, grade
        self.on = on
        self.host = host
        self.receiving = receiving
        self.status = Status.PLANNED
        self.drafts: list[dict[str, Any]] = []
        self.final_revision: int | None = None
        self.feedback: dict[str, dict[str, Any]] = {}  # receiving class → feedback
        self.reflected = False

    @classmethod
    def schedule(
        cls,
        *,
        tenant_id: UUID,
        community_id: UUID,
        timetable_id: UUID,
        key: str,
        subject: str,
        grade: int,
        on: date,
        host: Seat,
        receiving: list[Seat],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> SyncSession:
        if not receiving:
            raise DomainError("课次至少需要一个接收班级 / A lesson needs a receiving class")
        return cls(
            tenant_id=tenant_id,
            community_id=community_id,
            timetable_id=timetable_id,
            key=key,
            subject=subject,
            grade=grade,
            on=SESSION_ON.check(on),
            host=host.as_dict(),
            receiving=[r.as_dict() for r in receiving],
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    @property
    def host_school_id(self) -> UUID:
        school_id: UUID = self.host["school_id"]
        return school_id

    @property
    def host_teacher_id(self) -> UUID:
        teacher_id: UUID = self.host["teacher_id"]
        return teacher_id

    def teachers(self) -> set[UUID]:
        return {self.host_teacher_id, *(r["teacher_id"] for r in self.receiving)}

    def _require_planned(self) -> None:
        if self.status == Status.CANCELLED:
            raise DomainError("课次已取消 / The lesson is cancelled")
        if self.status == Status.DELIVERED:
            raise DomainError("课次已上完 / The lesson has been delivered")

    # Changes (each checked against the schools' bookings by the caller) ---------------------

    class Rescheduled(TenantAggregate.Event):
        on: date
        host: dict[str, Any]
        receiving: list[dict[str, Any]]

    @event(Rescheduled)
    def _reschedule(
        self,
        on: date,
        host: dict[str, Any],
        receiving: list[dict[str, Any]],
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.on, self.host, self.receiving = on, host, receiving

    def reschedule(
        self,
        *,
        on: date,
        host: Seat,
        receiving: list[Seat],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self._require_planned()
        if {r.school_id for r in receiving} != {r["school_id"] for r in self.receiving}:
            raise DomainError("改期不改变接收学校 / Rescheduling keeps the receiving schools")
        self._reschedule(
            SESSION_ON.check(on),
            host.as_dict(),
            [r.as_dict() for r in receiving],
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    class Cancelled(TenantAggregate.Event):
        reason: str

    @event(Cancelled)
    def _cancel(self, reason: str, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.status = Status.CANCELLED

    def cancel(self, *, reason: str, actor_id: UUID | None, occurred_at: datetime) -> None:
        self._require_planned()
        self._cancel(CANCELLING_REASON.check(reason), actor_id=actor_id, occurred_at=occurred_at)

    class TeacherSwapped(TenantAggregate.Event):
        teacher_id: UUID

    @event(TeacherSwapped)
    def _swap(self, teacher_id: UUID, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.host = {**self.host, "teacher_id": teacher_id}

    def swap_teacher(
        self, teacher_id: UUID, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self._require_planned()
        if teacher_id == self.host_teacher_id:
            raise DomainError("已是该教师主讲 / That teacher already teaches it")
        self._swap(teacher_id, actor_id=actor_id, occurred_at=occurred_at)

    # Joint preparation (备课) ------------------------------------------------------------------

    class DraftAdded(TenantAggregate.Event):
        revision: int
        author_id: UUID
        text: str
        PRIVATE_FIELDS: ClassVar[frozenset[str]] = frozenset({"text"})

    @event(DraftAdded)
    def _add_draft(
        self,
        revision: int,
        author_id: UUID,
        text: str,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.drafts.append(
            {
                "revision": revision,
                "author_id": author_id,
                "text": text,
                "comments": [],
                "at": occurred_at,
            }
        )

    def add_draft(self, *, by: UUID, text: str, occurred_at: datetime) -> int:
        """The host or a receiving teacher adds a draft of the lesson plan; every one is kept."""
        self._require_planned()
        if by not in self.teachers():
            raise DomainError("只有本课的教师可以备课 / Only this lesson's teachers prepare it")
        if self.final_revision is not None:
            raise DomainError("教案已定稿 / The lesson plan is final")
        revision = len(self.drafts) + 1
        self._add_draft(revision, by, LESSON_PLAN.check(text), actor_id=by, occurred_at=occurred_at)
        return revision

    class DraftCommented(TenantAggregate.Event):
        revision: int
        comment: str
        PRIVATE_FIELDS: ClassVar[frozenset[str]] = frozenset({"comment"})

    @event(DraftCommented)
    def _comment(
        self, revision: int, comment: str, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.drafts[revision - 1]["comments"].append({"by": actor_id, "comment": comment})

    def comment(self, revision: int, *, by: UUID, comment: str, occurred_at: datetime) -> None:
        """The group leader (教研组长) comments on a draft (who leads is the service's call)."""
        if not isinstance(revision, int) or not 1 <= revision <= len(self.drafts):
            raise DomainError("没有这一稿 / No such draft")
        self._comment(revision, PLAN_COMMENT.check(comment), actor_id=by, occurred_at=occurred_at)

    class PlanFinalised(TenantAggregate.Event):
        revision: int

    @event(PlanFinalised)
    def _finalise(self, revision: int, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.final_revision = revision

    def finalise(self, revision: int, *, by: UUID, occurred_at: datetime) -> None:
        """The host teacher's own revision becomes the final plan (终稿)."""
        if by != self.host_teacher_id:
            raise DomainError("由主讲教师定稿 / The host teacher finalises the plan")
        if not isinstance(revision, int) or not 1 <= revision <= len(self.drafts):
            raise DomainError("没有这一稿 / No such draft")
        if self.drafts[revision - 1]["author_id"] != by:
            raise DomainError("终稿应是主讲教师的修改稿 / The final plan is the host's revision")
        if self.final_revision is not None:
            raise DomainError("教案已定稿 / The lesson plan is final")
        self._finalise(revision, actor_id=by, occurred_at=occurred_at)

    # Delivery (上课) ----------------------------------------------------------------------------

    class Delivered(Counted):
        started: str
        ended: str
        attendance: list[dict[str, Any]]
        quality: str
        minutes_lost: int
        recording: str
        evidence: list[dict[str, Any]]
        late: bool

    @event(Delivered)
    def _deliver(
        self,
        started: str,
        ended: str,
        attendance: list[dict[str, Any]],
        quality: str,
        minutes_lost: int,
        recording: str,
        evidence: list[dict[str, Any]],
        late: bool,
        contributions: list[dict[str, Any]],
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.status = Status.DELIVERED
        self.attendance = attendance
        self.quality = quality
        self.counted = bool(contributions)

    def deliver(
        self,
        *,
        started: str,
        ended: str,
        attendance: dict[str, tuple[int, int]],
        quality: str,
        minutes_lost: int = 0,
        recording: str = "",
        evidence: list[dict[str, Any]] | None = None,
        today: date,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        """Record the lesson as taught: for each receiving class (``"<school>/<class>"``) the
        students present out of the class size. It counts unless the link failed."""
        self._require_planned()
        if self.on > today:
            raise DomainError("课次尚未到来 / The lesson has not happened yet")
        for clock in (started, ended):
            if not isinstance(clock, str) or not _CLOCK.fullmatch(clock):
                raise DomainError("时间格式应为HH:MM / Times are HH:MM")
        if minutes_of(ended) <= minutes_of(started):
            raise DomainError("结束时间须晚于开始时间 / A lesson ends after it starts")
        if quality not in set(Quality):
            raise DomainError(
                "技术质量应为良好、中断或失败 / Quality is good, interrupted or failed"
            )
        lost = MINUTES_LOST.check(minutes_lost)
        if quality == Quality.GOOD and lost:
            raise DomainError("良好的课次没有损失时间 / A good lesson lost no minutes")
        counts = []
        expected = {f"{r['school_id']}/{r['class_id']}" for r in self.receiving}
        if not isinstance(attendance, dict) or set(attendance) != expected:
            raise DomainError(
                "请为每个接收班级填写出勤 / Record attendance for every receiving class"
            )
        for seat in self.receiving:
            key = f"{seat['school_id']}/{seat['class_id']}"
            present, size = attendance[key]
            size, present = CLASS_SIZE.check(size), PRESENT.check(present)
            if present > size:
                raise DomainError(
                    f"出勤人数{present}超过班级人数{size} / {present} present is more than the "
                    f"class's {size} students"
                )
            counts.append(
                {
                    "school_id": seat["school_id"],
                    "class_id": seat["class_id"],
                    "present": present,
                    "size": size,
                }
            )
        contributions = (
            []
            if quality == Quality.FAILED
            else [
                Contribution(
                    self.community_id,
                    self.host_school_id,
                    TaskKind.SYNC_CLASS,
                    self.on,
                    unit=self.subject,
                ).as_dict()
            ]
        )
        self._deliver(
            started,
            ended,
            counts,
            quality,
            lost,
            LINK.check(recording),
            check_evidence(evidence or []),
            recorded_late(self.on, occurred_at),
            contributions,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    # Afterwards (作业, 辅导): feedback and reflection ----------------------------------------

    def _require_delivered(self) -> None:
        if self.status != Status.DELIVERED:
            raise DomainError("课次尚未上完 / The lesson has not been delivered")

    class FeedbackGiven(TenantAggregate.Event):
        school_id: UUID
        class_id: str
        student_response: str
        homework_rate: float
        quiz_average: float
        PRIVATE_FIELDS: ClassVar[frozenset[str]] = frozenset({"student_response"})

    @event(FeedbackGiven)
    def _give_feedback(
        self,
        school_id: UUID,
        class_id: str,
        student_response: str,
        homework_rate: float,
        quiz_average: float,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.feedback[f"{school_id}/{class_id}"] = {
            "student_response": student_response,
            "homework_rate": homework_rate,
            "quiz_average": quiz_average,
        }

    def give_feedback(
        self,
        *,
        by: UUID,
        student_response: str,
        homework_rate: float,
        quiz_average: float,
        occurred_at: datetime,
    ) -> None:
        """Each receiving teacher says how their class took it: the students' response, the
        homework completion rate and a short quiz's class average (percentages)."""
        self._require_delivered()
        seats = [r for r in self.receiving if r["teacher_id"] == by]
        if not seats:
            raise DomainError("只有接收班级的教师反馈 / Only a receiving teacher gives feedback")
        response = STUDENT_RESPONSE.check(student_response)
        rate, quiz = PERCENTAGE.check(homework_rate), PERCENTAGE.check(quiz_average)
        for seat in seats:
            self._give_feedback(
                seat["school_id"],
                seat["class_id"],
                response,
                rate,
                quiz,
                actor_id=by,
                occurred_at=occurred_at,
            )

    class Reflected(TenantAggregate.Event):
        reflection: str
        PRIVATE_FIELDS: ClassVar[frozenset[str]] = frozenset({"reflection"})

    @event(Reflected)
    def _reflect(self, reflection: str, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.reflected = True
        self.reflection = reflection

    def reflect(self, *, by: UUID, reflection: str, occurred_at: datetime) -> None:
        self._require_delivered()
        if by != self.host_teacher_id:
            raise DomainError("由主讲教师写教学反思 / The host teacher writes the reflection")
        self._reflect(REFLECTION.check(reflection), actor_id=by, occurred_at=occurred_at)
