"""Community activities that no other area owns: joint research, placements, demo lessons, courses,
student exchanges, research outputs. Each counts toward the matching task of the community's plan.

Participants are teachers (by id) and, for students, only a count: no student names in events.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import DomainError, TenantAggregate
from domain.counting import Contribution, Counted, TaskKind
from domain.fields import (
    ACTIVITY_SUMMARY,
    ACTIVITY_TITLE,
    EVIDENCE,
    EXCHANGE_KIND,
    EXCHANGE_STUDENTS,
    LINK,
    OCCURRED_ON,
    OUTPUT_TITLE,
    PARTICIPANTS,
    PLACEMENT_END,
    PLACEMENT_START,
    SUBJECT,
    USED_BY_CLASS,
    WITHDRAWAL_REASON,
    check_evidence,
    check_uuid,
)

ACTIVITY_KINDS = (
    TaskKind.OFFLINE_RESEARCH,
    TaskKind.SHADOW_PLACEMENT,
    TaskKind.DEMO_LESSON,
    TaskKind.EXTENSION_COURSE,
    TaskKind.STUDENT_EXCHANGE,
    TaskKind.RESEARCH_OUTPUT,
    TaskKind.RECORDED_CLASS,
)
OUTPUT_LEVELS = ("school", "county", "city", "province", "national")  # 校/县/市/省/国家
#: A record entered this many days after the thing happened is flagged as late.
LATE_AFTER_DAYS = 14
_SHARED_DETAILS = frozenset({"summary", "link"})
#: The details each kind may carry, besides a summary and a link.
_DETAILS: dict[str, frozenset[str]] = {
    TaskKind.SHADOW_PLACEMENT: frozenset({"teacher_id", "host_school_id", "starts_on", "ends_on"}),
    TaskKind.STUDENT_EXCHANGE: frozenset({"exchange_kind", "student_count"}),
    TaskKind.RESEARCH_OUTPUT: frozenset({"level", "title"}),
    # 专递课堂: a recorded lesson of a weak subject, shared and then used by a member's class.
    TaskKind.RECORDED_CLASS: frozenset({"subject", "used_by"}),
}


def _check_details(kind: str, details: dict[str, Any]) -> dict[str, Any]:
    """The kind's details, checked and normalised; a key the kind does not know is refused."""
    if not isinstance(details, dict):
        raise DomainError("活动详情格式错误 / Malformed activity details")
    unknown = set(details) - _SHARED_DETAILS - _DETAILS.get(kind, frozenset())
    if unknown:
        names = ", ".join(sorted(map(str, unknown)))[:200]
        raise DomainError(f"未知的活动详情 / Unknown activity details: {names}")
    checked = dict(details)
    if "summary" in details:
        checked["summary"] = ACTIVITY_SUMMARY.check(details["summary"])
    if "link" in details:
        checked["link"] = LINK.check(details["link"])
    if kind == TaskKind.SHADOW_PLACEMENT:
        for key in ("teacher_id", "host_school_id", "starts_on", "ends_on"):
            if not details.get(key):
                raise DomainError(f"跟岗锻炼需要{key} / A shadow placement needs {key}")
        check_uuid(details["teacher_id"], "跟岗教师", "The placement's teacher")
        check_uuid(details["host_school_id"], "跟岗学校", "The host school")
        PLACEMENT_START.check(details["starts_on"])
        PLACEMENT_END.check(details["ends_on"])
        if details["ends_on"] < details["starts_on"]:
            raise DomainError("跟岗结束日期须晚于开始 / A placement ends after it starts")
    elif kind == TaskKind.STUDENT_EXCHANGE:
        count = details.get("student_count", 0)
        if isinstance(count, int) and count < 1:
            raise DomainError("学生交流需要参与人数 / A student exchange needs a participant count")
        checked["student_count"] = EXCHANGE_STUDENTS.check(count)
        if "exchange_kind" in details:
            checked["exchange_kind"] = EXCHANGE_KIND.check(details["exchange_kind"])
    elif kind == TaskKind.RESEARCH_OUTPUT:
        if details.get("level") not in OUTPUT_LEVELS:
            raise DomainError("成果级别应为校/县/市/省/国家 / The level is school…national")
        if not isinstance(details.get("title"), str) or not details["title"].strip():
            raise DomainError("成果需要题目 / A research output needs a title")
        checked["title"] = OUTPUT_TITLE.check(details["title"])
    elif kind == TaskKind.RECORDED_CLASS:
        for key, zh, en in (("subject", "学科", "subject"), ("used_by", "使用班级", "class")):
            if not isinstance(details.get(key), str) or not details[key].strip():
                raise DomainError(f"专递课堂需要{zh} / A recorded lesson needs its {en}")
        checked["subject"] = SUBJECT.check(details["subject"].strip())
        checked["used_by"] = USED_BY_CLASS.check(details["used_by"].strip())
    return checked


class Activity(TenantAggregate):
    class Recorded(TenantAggregate.Created, Counted):
        community_id: UUID
        school_id: UUID
        kind: str
        title: str
        occurred_on: date
        participant_ids: list[UUID]
        details: dict[str, Any]
        evidence: list[dict[str, Any]]

    @event(Recorded)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        community_id: UUID,
        school_id: UUID,
        kind: str,
        title: str,
        occurred_on: date,
        participant_ids: list[UUID],
        details: dict[str, Any],
        evidence: list[dict[str, Any]],
        contributions: list[dict[str, Any]],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.community_id = community_id
        self.school_id = school_id
        self.kind = kind
        self.title = title
        self.occurred_on = occurred_on
        self.participant_ids = participant_ids
        self.details = details
        self.evidence = evidence
        self.counted = bool(contributions)
        self.withdrawn = False
        self.recorded_by = actor_id

    @classmethod
    def record(
        cls,
        *,
        tenant_id: UUID,
        community_id: UUID,
        school_id: UUID,
        kind: str,
        title: str,
        occurred_on: date,
        participant_ids: list[UUID],
        details: dict[str, Any],
        evidence: list[dict[str, Any]],
        today: date,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> Activity:
        if kind not in ACTIVITY_KINDS:
            raise DomainError(f"未知活动类型 / Unknown activity kind: {kind}")
        if not isinstance(title, str) or not title.strip():
            raise DomainError("活动需要标题 / An activity needs a title")
        title = ACTIVITY_TITLE.check(title)
        if OCCURRED_ON.check(occurred_on) > today:
            raise DomainError(
                "不能记录未来的活动 / An activity cannot be recorded before it happens"
            )
        details = _check_details(kind, details)
        evidence = check_evidence(evidence)
        participant_ids = [
            check_uuid(p, "参与教师", "A participant") for p in PARTICIPANTS.check(participant_ids)
        ]
        # A placement counts when it is completed (see ``complete_placement``), not when it starts.
        contributions = (
            []
            if kind == TaskKind.SHADOW_PLACEMENT
            else [Contribution(community_id, school_id, kind, occurred_on).as_dict()]
        )
        return cls(
            tenant_id=tenant_id,
            community_id=community_id,
            school_id=school_id,
            kind=kind,
            title=title,
            occurred_on=occurred_on,
            participant_ids=participant_ids,
            details=details,
            evidence=evidence,
            contributions=contributions,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    class PlacementCompleted(Counted):
        ended_on: date
        days: int

    @event(PlacementCompleted)
    def _complete(
        self,
        ended_on: date,
        days: int,
        contributions: list[dict[str, Any]],
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.details = {**self.details, "ends_on": ended_on, "completed": True}
        self.counted = True

    def complete_placement(
        self,
        *,
        ended_on: date,
        required_days: int,
        today: date,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        if self.kind != TaskKind.SHADOW_PLACEMENT:
            raise DomainError("只有跟岗锻炼需要完成 / Only a shadow placement is completed")
        if self.counted:
            raise DomainError("跟岗已完成 / The placement is already completed")
        if PLACEMENT_END.check(ended_on) > today:
            raise DomainError("尚未结束 / It has not ended yet")
        days = (ended_on - self.details["starts_on"]).days + 1
        if days < required_days:
            raise DomainError(
                f"跟岗{days}天，不足{required_days}天 / {days} days is fewer than the "
                f"{required_days} required"
            )
        contribution = Contribution(self.community_id, self.school_id, self.kind, ended_on)
        self._complete(
            ended_on, days, [contribution.as_dict()], actor_id=actor_id, occurred_at=occurred_at
        )

    class EvidenceAttached(TenantAggregate.Event):
        evidence: list[dict[str, Any]]

    @event(EvidenceAttached)
    def _attach_evidence(
        self, evidence: list[dict[str, Any]], *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.evidence = [*self.evidence, *evidence]

    def attach_evidence(
        self, evidence: list[dict[str, Any]], *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        evidence = check_evidence(evidence)
        if len(self.evidence) + len(evidence) > EVIDENCE.max_items:
            raise DomainError(
                f"佐证材料最多{EVIDENCE.max_items}份 / At most {EVIDENCE.max_items} evidence files"
            )
        self._attach_evidence(evidence, actor_id=actor_id, occurred_at=occurred_at)

    class Withdrawn(Counted):
        reason: str

    @event(Withdrawn)
    def _withdraw(
        self,
        reason: str,
        contributions: list[dict[str, Any]],
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.withdrawn = True
        self.counted = False

    def withdraw(self, reason: str, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        """Take back a record made in error; its count is removed as of when it happened."""
        if self.withdrawn:
            raise DomainError("记录已撤回 / The record is already withdrawn")
        if not isinstance(reason, str) or not reason.strip():
            raise DomainError("撤回需要说明原因 / Withdrawing needs a reason")
        reason = WITHDRAWAL_REASON.check(reason)
        on = self.details.get("ends_on") if self.kind == TaskKind.SHADOW_PLACEMENT else None
        contributions = (
            [
                Contribution(
                    self.community_id, self.school_id, self.kind, on or self.occurred_on, amount=-1
                ).as_dict()
            ]
            if self.counted
            else []
        )
        self._withdraw(reason, contributions, actor_id=actor_id, occurred_at=occurred_at)


def recorded_late(occurred_on: date, recorded_at: datetime) -> bool:
    return (recorded_at.date() - occurred_on).days > LATE_AFTER_DAYS
