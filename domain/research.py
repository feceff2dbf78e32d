"""Cross-school online research (网络教研): research groups and their sessions.

A ``ResearchGroup`` gathers teachers of one subject (and optionally a grade band) from a
community's schools, with a leader. A ``ResearchSession`` is one meeting of a group: teachers sign
up, check in during its window (after the start they are late), and post; the host records those
who joined by phone. Each attendance earns the session's training hours (学时), fixed when the
session is scheduled. A session counts once toward the plan's 网络教研 task, on the check-in that
brings attendees from the threshold's number of schools.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import DomainError, TenantAggregate
from domain.counting import Contribution, Counted, TaskKind
from domain.fields import (
    CHECK_IN_CODE,
    GRADE_BAND,
    GROUP_NAME,
    JOINING_ON,
    LEAVING_ON,
    MEETING_LINK,
    OCCURRED_ON,
    POST_TEXT,
    SCHOOL_THRESHOLD,
    SESSION_HOURS,
    SESSION_THEME,
    SUBJECT,
    check_evidence,
)


class SessionKind(StrEnum):
    COLLECTIVE_PREPARATION = "collective_preparation"  # 集体备课
    TEACHING_DIAGNOSIS = "teaching_diagnosis"  # 教学诊断
    THEMED_RESEARCH = "themed_research"  # 主题研修
    EXPERT_TALK = "expert_talk"  # 专题讲座


SESSION_KIND_NAMES = {
    SessionKind.COLLECTIVE_PREPARATION: "集体备课 / Collective lesson preparation",
    SessionKind.TEACHING_DIAGNOSIS: "教学诊断 / Teaching diagnosis",
    SessionKind.THEMED_RESEARCH: "主题研修 / Themed research",
    SessionKind.EXPERT_TALK: "专题讲座 / Expert talk",
}

#: Check-in opens a little before the start, as people join a meeting early.
CHECK_IN_OPENS = timedelta(minutes=15)
#: A session lasts at most a day: the window is a meeting, not a term.
LONGEST_SESSION = timedelta(hours=12)
#: The school year (学年) starts on 1 September: training hours are counted per school year.
SCHOOL_YEAR_STARTS = 9


def school_year_of(day: date) -> int:
    """The school year a day belongs to, named by the year it starts in (2025 = 2025–2026)."""
    return day.year if day.month >= SCHOOL_YEAR_STARTS else day.year - 1


def school_year_span(year: int) -> tuple[date, date]:
    return date(year, SCHOOL_YEAR_STARTS, 1), date(year + 1, SCHOOL_YEAR_STARTS, 1) - timedelta(1)


class ResearchGroup(TenantAggregate):
    class Formed(TenantAggregate.Created):
        community_id: UUID
        name: str
        subject: str
        grade_band: str
        leader_id: UUID
        leader_school_id: UUID
        formed_on: date

    @event(Formed)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        community_id: UUID,
        name: str,
        subject: str,
        grade_band: str,
        leader_id: UUID,
        leader_school_id: UUID,
        formed_on: date,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.community_id = community_id
        self.name, self.subject, self.grade_band = name, subject, grade_band
        self.leader_id = leader_id
        # user id → {"school_id", "joined_on", "left_on"}: who was a member, and when.
        self.members: dict[UUID, dict[str, Any]] = {
            leader_id: {"school_id": leader_school_id, "joined_on": formed_on, "left_on": None}
        }
        self.requests: dict[UUID, UUID] = {}  # user id → their school, awaiting an admin

    @classmethod
    def form(
        cls,
        *,
        tenant_id: UUID,
        community_id: UUID,
        name: str,
        subject: str,
        grade_band: str,
        leader_id: UUID,
        leader_school_id: UUID,
        formed_on: date,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> ResearchGroup:
        return cls(
            tenant_id=tenant_id,
            community_id=community_id,
            name=GROUP_NAME.check(name),
            subject=SUBJECT.check(subject),
            grade_band=GRADE_BAND.check(grade_band),
            leader_id=leader_id,
            leader_school_id=leader_school_id,
            formed_on=JOINING_ON.check(formed_on),
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    def is_member(self, user_id: UUID | None) -> bool:
        member = self.members.get(user_id) if user_id else None
        return member is not None and member["left_on"] is None

    def school_of(self, user_id: UUID) -> UUID | None:
        member = self.members.get(user_id)
        return member["school_id"] if member else None

    class JoinRequested(TenantAggregate.Event):
        user_id: UUID
        school_id: UUID

    @event(JoinRequested)
    def _request(
        self, user_id: UUID, school_id: UUID, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.requests[user_id] = school_id

    def request_to_join(self, user_id: UUID, school_id: UUID, *, occurred_at: datetime) -> None:
        if self.is_member(user_id):
            raise DomainError("已是教研组成员 / Already a member of the group")
        if user_id in self.requests:
            raise DomainError("已申请加入，等待审核 / The request is already waiting")
        self._request(user_id, school_id, actor_id=user_id, occurred_at=occurred_at)

    class MemberAdded(TenantAggregate.Event):
        user_id: UUID
        school_id: UUID
        joined_on: date

    @event(MemberAdded)
    def _add(
        self,
        user_id: UUID,
        school_id: UUID,
        joined_on: date,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.requests.pop(user_id, None)
        self.members[user_id] = {"school_id": school_id, "joined_on": joined_on, "left_on": None}

    def add_member(
        self,
        user_id: UUID,
        school_id: UUID,
        *,
        on: date,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        """A school admin adds a teacher of their school, or accepts the teacher's request."""
        if self.is_member(user_id):
            raise DomainError("已是教研组成员 / Already a member of the group")
        self._add(
            user_id, school_id, JOINING_ON.check(on), actor_id=actor_id, occurred_at=occurred_at
        )

    class MemberLeft(TenantAggregate.Event):
        user_id: UUID
        left_on: date

    @event(MemberLeft)
    def _leave(
        self, user_id: UUID, left_on: date, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.members[user_id]["left_on"] = left_on

    def remove_member(
        self, user_id: UUID, *, on: date, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        """A member leaves on a date; what they did before stays theirs."""
        if not self.is_member(user_id):
            raise DomainError("不是教研组成员 / Not a member of the group")
        if user_id == self.leader_id:
            raise DomainError("组长不能退出 / The leader cannot leave the group")
        if LEAVING_ON.check(on) < self.members[user_id]["joined_on"]:
            raise DomainError("退出日期早于加入日期 / Leaving before joining")
        self._leave(user_id, on, actor_id=actor_id, occurred_at=occurred_at)


class ResearchSession(TenantAggregate):
    class Scheduled(TenantAggregate.Created):
        group_id: UUID
        community_id: UUID
        kind: str
        theme: str
        starts_at: datetime
        ends_at: datetime
        held_on: date
        host_id: UUID
        host_school_id: UUID
        expert_id: UUID | None
        meeting_link: str
        hours: int
        code: str

    @event(Scheduled)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        group_id: UUID,
        community_id: UUID,
        kind: str,
        theme: str,
        starts_at: datetime,
        ends_at: datetime,
        held_on: date,
        host_id: UUID,
        host_school_id: UUID,
        expert_id: UUID | None,
        meeting_link: str,
        hours: int,
        code: str,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.group_id, self.community_id = group_id, community_id
        self.kind, self.theme = kind, theme
        self.starts_at, self.ends_at, self.held_on = starts_at, ends_at, held_on
        self.host_id, self.host_school_id, self.expert_id = host_id, host_school_id, expert_id
        self.hours, self.code = hours, code
        self.signed_up: dict[UUID, UUID] = {}  # user id → school id
        self.attendance: dict[UUID, dict[str, Any]] = {}  # user id → school, time, late, by host
        self.counted = False
        self.posts = 0

    @classmethod
    def schedule(
        cls,
        *,
        tenant_id: UUID,
        group_id: UUID,
        community_id: UUID,
        kind: str,
        theme: str,
        starts_at: datetime,
        ends_at: datetime,
        held_on: date,
        host_id: UUID,
        host_school_id: UUID,
        expert_id: UUID | None,
        meeting_link: str,
        hours: int,
        code: str,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> ResearchSession:
        """``held_on`` is the day the session falls on in the schools' own time."""
        if kind not in set(SessionKind):
            raise DomainError(f"未知研修类型 / Unknown session type: {kind}")
        for moment in (starts_at, ends_at):
            if not isinstance(moment, datetime) or moment.tzinfo is None:
                raise DomainError("时间须带时区 / A time needs its time zone")
        if not starts_at < ends_at <= starts_at + LONGEST_SESSION:
            raise DomainError(
                "结束时间须晚于开始时间，且不超过12小时 / A session ends after it starts, "
                "within 12 hours"
            )
        if kind == SessionKind.EXPERT_TALK and expert_id is None:
            raise DomainError("专题讲座需要专家 / An expert talk needs its expert")
        return cls(
            tenant_id=tenant_id,
            group_id=group_id,
            community_id=community_id,
            kind=kind,
            theme=SESSION_THEME.check(theme),
            starts_at=starts_at,
            ends_at=ends_at,
            held_on=OCCURRED_ON.check(held_on),
            host_id=host_id,
            host_school_id=host_school_id,
            expert_id=expert_id,
            meeting_link=MEETING_LINK.check(meeting_link),
            hours=SESSION_HOURS.check(hours),
            code=CHECK_IN_CODE.check(code),
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    def leads(self, user_id: UUID | None) -> bool:
        return user_id is not None and user_id in (self.host_id, self.expert_id)

    class SignedUp(TenantAggregate.Event):
        user_id: UUID
        school_id: UUID

    @event(SignedUp)
    def _sign_up(
        self, user_id: UUID, school_id: UUID, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.signed_up[user_id] = school_id

    def sign_up(self, user_id: UUID, school_id: UUID, *, occurred_at: datetime) -> bool:
        """Sign up before the session ends; signing up twice changes nothing."""
        if occurred_at >= self.ends_at:
            raise DomainError("研修已结束 / The session is over")
        if user_id in self.signed_up:
            return False
        self._sign_up(user_id, school_id, actor_id=user_id, occurred_at=occurred_at)
        return True

    class CheckedIn(TenantAggregate.Event):
        user_id: UUID
        school_id: UUID
        late: bool
        by_host: bool
        hours: int

    @event(CheckedIn)
    def _check_in(
        self,
        user_id: UUID,
        school_id: UUID,
        late: bool,
        by_host: bool,
        hours: int,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.attendance[user_id] = {
            "school_id": school_id,
            "at": occurred_at,
            "late": late,
            "by_host": by_host,
        }

    class CountedTowardPlan(Counted):
        schools: int

    @event(CountedTowardPlan)
    def _count(
        self,
        schools: int,
        contributions: list[dict[str, Any]],
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.counted = True

    def check_in(
        self,
        user_id: UUID,
        school_id: UUID,
        *,
        code: str | None,
        threshold: int,
        community_schools: frozenset[UUID],
        occurred_at: datetime,
    ) -> bool:
        """Check in oneself during the window (with the host's code, when typed); twice is once."""
        if user_id not in self.signed_up and not self.leads(user_id):
            raise DomainError("请先报名 / Sign up first")
        if not self.starts_at - CHECK_IN_OPENS <= occurred_at <= self.ends_at:
            raise DomainError("不在签到时间内 / Check-in is open only during the session")
        if code is not None and code.strip() != self.code:
            raise DomainError("签到码不正确 / Wrong check-in code")
        if user_id in self.attendance:
            return False
        late = occurred_at > self.starts_at
        self._attend(
            user_id, school_id, late, False, threshold, community_schools, user_id, occurred_at
        )
        return True

    def record_attendance(
        self,
        user_id: UUID,
        school_id: UUID,
        *,
        by: UUID | None,
        late: bool,
        threshold: int,
        community_schools: frozenset[UUID],
        occurred_at: datetime,
    ) -> bool:
        """The host records one who joined by phone: from the start on, the session's time."""
        if not self.leads(by):
            raise DomainError("只有主持人可以登记出席 / Only the host records attendance")
        if occurred_at < self.starts_at:
            raise DomainError("研修尚未开始 / The session has not started")
        if user_id in self.attendance:
            return False
        # It happened within the session's time, whenever the host gets round to recording it.
        self._attend(
            user_id, school_id, bool(late), True, threshold, community_schools, by, self.starts_at
        )
        return True

    def _attend(
        self,
        user_id: UUID,
        school_id: UUID,
        late: bool,
        by_host: bool,
        threshold: int,
        community_schools: frozenset[UUID],
        actor_id: UUID | None,
        at: datetime,
    ) -> None:
        self._check_in(
            user_id, school_id, late, by_host, self.hours, actor_id=actor_id, occurred_at=at
        )
        schools = {a["school_id"] for a in self.attendance.values()} & community_schools
        if not self.counted and len(schools) >= SCHOOL_THRESHOLD.check(threshold):
            contribution = Contribution(
                community_id=self.community_id,
                school_id=self.host_school_id,
                task_kind=TaskKind.ONLINE_RESEARCH,
                occurred_on=self.held_on,
                unit=str(self.id),
            )
            self._count(len(schools), [contribution.as_dict()], actor_id=actor_id, occurred_at=at)

    class Posted(TenantAggregate.Event):
        post_id: str
        author_id: UUID
        text: str
        reply_to: str
        evidence: list[dict[str, Any]]

    @event(Posted)
    def _post(
        self,
        post_id: str,
        author_id: UUID,
        text: str,
        reply_to: str,
        evidence: list[dict[str, Any]],
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.posts += 1

    def post(
        self,
        author_id: UUID,
        *,
        text: str,
        reply_to: str,
        evidence: list[dict[str, Any]],
        occurred_at: datetime,
    ) -> str:
        """A post or a reply, from check-in time on (during and after the session)."""
        if occurred_at < self.starts_at - CHECK_IN_OPENS:
            raise DomainError("研修开始后才能发言 / Posts open when the session does")
        if reply_to and not (reply_to.isdigit() and 1 <= int(reply_to) <= self.posts):
            raise DomainError("回复的发言不存在 / No such post to reply to")
        post_id = str(self.posts + 1)
        self._post(
            post_id,
            author_id,
            POST_TEXT.check(text),
            reply_to,
            check_evidence(evidence),
            actor_id=author_id,
            occurred_at=occurred_at,
        )
        return post_id
