"""Paired mentoring across schools (师徒结对).

A ``Mentor`` holds the mentor's current mentees, so "at most 3 at a time" is one aggregate's rule and
holds under concurrent pairings (the store refuses a second writer of the same version). A
``Pairing`` holds one mentor–mentee pair and its activity records: either side records, the other
side confirms (then it counts toward the plan) or disputes it with a comment.

What a pair wrote (summaries, comments, evidence) is private to the pair and their school admins:
those fields are named in ``PRIVATE_FIELDS`` so no shared read model copies them.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import DomainError, TenantAggregate
from domain.counting import Contribution, Counted, TaskKind
from domain.fields import (
    DISPUTE_COMMENT,
    ENDED_ON,
    ENDING_REASON,
    MENTEE_LIMIT,
    MENTORING_SUMMARY,
    MINUTES,
    OCCURRED_ON,
    PAIRED_ON,
    PAIRING_ENDS_ON,
    check_evidence,
)


class MentoringKind(StrEnum):
    OBSERVATION = "observation"  # 听课
    CRITIQUE = "critique"  # 评课
    GUIDED_PREPARATION = "guided_preparation"  # 指导备课
    DEMONSTRATION = "demonstration"  # 示范课
    TALK = "talk"  # 专题交流


class Mode(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class RecordStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


def mentor_id_for(user_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"jgt:mentor:{user_id}")


class Mentor(TenantAggregate):
    class Registered(TenantAggregate.Created):
        user_id: UUID

    @staticmethod
    def create_id(user_id: UUID) -> UUID:
        return mentor_id_for(user_id)

    @event(Registered)
    def __init__(
        self, *, tenant_id: UUID, user_id: UUID, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.tenant_id = tenant_id
        self.user_id = user_id
        self.mentees: dict[UUID, UUID] = {}  # pairing id → mentee id, for current pairs

    class MenteeTaken(TenantAggregate.Event):
        pairing_id: UUID
        mentee_id: UUID

    @event(MenteeTaken)
    def _take(
        self, pairing_id: UUID, mentee_id: UUID, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.mentees[pairing_id] = mentee_id

    def take_mentee(
        self,
        pairing_id: UUID,
        mentee_id: UUID,
        *,
        limit: int,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        if mentee_id == self.user_id:
            raise DomainError("导师不能与自己结对 / A mentor cannot mentor themselves")
        if mentee_id in self.mentees.values():
            raise DomainError("已与该教师结对 / Already paired with this teacher")
        if len(self.mentees) >= MENTEE_LIMIT.check(limit):
            raise DomainError(
                f"每位导师同时最多带{limit}名徒弟 / A mentor has at most {limit} mentees at a time"
            )
        self._take(pairing_id, mentee_id, actor_id=actor_id, occurred_at=occurred_at)

    class MenteeReleased(TenantAggregate.Event):
        pairing_id: UUID

    @event(MenteeReleased)
    def release_mentee(
        self, pairing_id: UUID, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.mentees.pop(pairing_id, None)


class Pairing(TenantAggregate):
    class Paired(TenantAggregate.Created):
        community_id: UUID
        mentor_id: UUID
        mentee_id: UUID
        mentor_school_id: UUID
        mentee_school_id: UUID
        paired_on: date
        ends_on: date

    @event(Paired)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        community_id: UUID,
        mentor_id: UUID,
        mentee_id: UUID,
        mentor_school_id: UUID,
        mentee_school_id: UUID,
        paired_on: date,
        ends_on: date,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.community_id = community_id
        self.mentor_id, self.mentee_id = mentor_id, mentee_id
        self.mentor_school_id, self.mentee_school_id = mentor_school_id, mentee_school_id
        self.paired_on, self.ends_on = paired_on, ends_on
        self.ended_on: date | None = None
        self.records: dict[str, dict[str, Any]] = {}

    @classmethod
    def pair(
        cls,
        *,
        tenant_id: UUID,
        community_id: UUID,
        mentor_id: UUID,
        mentee_id: UUID,
        mentor_school_id: UUID,
        mentee_school_id: UUID,
        paired_on: date,
        ends_on: date,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> Pairing:
        if PAIRING_ENDS_ON.check(ends_on) <= PAIRED_ON.check(paired_on):
            raise DomainError("结对期须晚于结对日期结束 / A pairing ends after it begins")
        if mentor_school_id == mentee_school_id:
            raise DomainError("师徒结对跨校进行 / Mentor and mentee are at different schools")
        return cls(
            tenant_id=tenant_id,
            community_id=community_id,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            mentor_school_id=mentor_school_id,
            mentee_school_id=mentee_school_id,
            paired_on=paired_on,
            ends_on=ends_on,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    @property
    def active(self) -> bool:
        return self.ended_on is None

    def side_of(self, user_id: UUID | None) -> str | None:
        if user_id == self.mentor_id:
            return "mentor"
        if user_id == self.mentee_id:
            return "mentee"
        return None

    class Ended(TenantAggregate.Event):
        ended_on: date
        reason: str
        PRIVATE_FIELDS: ClassVar[frozenset[str]] = frozenset({"reason"})

    @event(Ended)
    def _end(
        self, ended_on: date, reason: str, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.ended_on = ended_on

    def end(self, *, on: date, reason: str, actor_id: UUID | None, occurred_at: datetime) -> None:
        if not self.active:
            raise DomainError("结对已结束 / The pairing has already ended")
        if ENDED_ON.check(on) < self.paired_on:
            raise DomainError("结束日期早于结对日期 / Ending before the pairing began")
        if not isinstance(reason, str) or not reason.strip():
            raise DomainError("提前结束需要说明原因 / Ending a pairing needs a reason")
        self._end(on, ENDING_REASON.check(reason), actor_id=actor_id, occurred_at=occurred_at)

    class ActivityRecorded(TenantAggregate.Event):
        record_id: str
        kind: str
        mode: str
        occurred_on: date
        minutes: int
        summary: str
        evidence: list[dict[str, Any]]
        recorded_by: str  # "mentor" or "mentee"
        PRIVATE_FIELDS: ClassVar[frozenset[str]] = frozenset({"summary", "evidence"})

    @event(ActivityRecorded)
    def _record(
        self,
        record_id: str,
        kind: str,
        mode: str,
        occurred_on: date,
        minutes: int,
        summary: str,
        evidence: list[dict[str, Any]],
        recorded_by: str,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.records[record_id] = {
            "kind": kind,
            "mode": mode,
            "occurred_on": occurred_on,
            "minutes": minutes,
            "recorded_by": recorded_by,
            "status": RecordStatus.PENDING,
        }

    def record_activity(
        self,
        *,
        by: UUID | None,
        kind: str,
        mode: str,
        occurred_on: date,
        minutes: int,
        summary: str,
        evidence: list[dict[str, Any]],
        today: date,
        occurred_at: datetime,
    ) -> str:
        side = self.side_of(by)
        if side is None:
            raise DomainError("只有师徒双方可以记录 / Only the mentor or the mentee records")
        if kind not in set(MentoringKind):
            raise DomainError(f"未知活动类型 / Unknown activity kind: {kind}")
        if mode not in set(Mode):
            raise DomainError("方式应为线上或线下 / The mode is online or offline")
        if OCCURRED_ON.check(occurred_on) > today:
            raise DomainError(
                "不能记录未来的活动 / An activity cannot be recorded before it happens"
            )
        if occurred_on < self.paired_on or (self.ended_on and occurred_on > self.ended_on):
            raise DomainError("活动日期不在结对期内 / The date is outside the pairing")
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            MINUTES.check(minutes)
        if not MINUTES.minimum <= minutes <= MINUTES.maximum:
            raise DomainError("时长应为10分钟至8小时 / A duration is 10 minutes to 8 hours")
        if not isinstance(summary, str) or not summary.strip():
            raise DomainError("请填写活动摘要 / Write a short summary")
        summary = MENTORING_SUMMARY.check(summary)
        evidence = check_evidence(evidence)
        record_id = str(len(self.records) + 1)
        self._record(
            record_id,
            kind,
            mode,
            occurred_on,
            minutes,
            summary,
            evidence,
            side,
            actor_id=by,
            occurred_at=occurred_at,
        )
        return record_id

    def _record_for_other_side(self, record_id: str, by: UUID | None) -> dict[str, Any]:
        record = self.records.get(record_id)
        if record is None:
            raise DomainError("没有这条记录 / No such record")
        side = self.side_of(by)
        if side is None:
            raise DomainError("只有师徒双方可以确认 / Only the mentor or the mentee confirms")
        if side == record["recorded_by"]:
            raise DomainError("需由另一方确认 / The other side confirms a record")
        return record

    class ActivityConfirmed(Counted):
        record_id: str
        minutes: int

    @event(ActivityConfirmed)
    def _confirm(
        self,
        record_id: str,
        minutes: int,
        contributions: list[dict[str, Any]],
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.records[record_id]["status"] = RecordStatus.CONFIRMED

    def confirm(
        self, record_id: str, *, by: UUID | None, mentee_school_id: UUID, occurred_at: datetime
    ) -> bool:
        """Confirm the other side's record; it counts from now on. Confirming twice changes nothing.

        The work counts for the mentee's school of today: a pair survives a transfer within the
        community, and the community's membership at the time decides whether it counts.
        """
        record = self._record_for_other_side(record_id, by)
        if record["status"] == RecordStatus.CONFIRMED:
            return False
        contribution = Contribution(
            community_id=self.community_id,
            school_id=mentee_school_id,
            task_kind=TaskKind.MENTORING,
            occurred_on=record["occurred_on"],
            unit=str(self.id),
        )
        self._confirm(
            record_id,
            int(record["minutes"]),
            [contribution.as_dict()],
            actor_id=by,
            occurred_at=occurred_at,
        )
        return True

    class ActivityDisputed(TenantAggregate.Event):
        record_id: str
        comment: str
        PRIVATE_FIELDS: ClassVar[frozenset[str]] = frozenset({"comment"})

    @event(ActivityDisputed)
    def _dispute(
        self, record_id: str, comment: str, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.records[record_id]["status"] = RecordStatus.DISPUTED

    def dispute(
        self, record_id: str, *, by: UUID | None, comment: str, occurred_at: datetime
    ) -> None:
        record = self._record_for_other_side(record_id, by)
        if record["status"] == RecordStatus.CONFIRMED:
            raise DomainError("已确认的记录不能再质疑 / A confirmed record cannot be disputed")
        if not isinstance(comment, str) or not comment.strip():
            raise DomainError("请说明质疑理由 / Say what is wrong")
        self._dispute(
            record_id, DISPUTE_COMMENT.check(comment), actor_id=by, occurred_at=occurred_at
        )
