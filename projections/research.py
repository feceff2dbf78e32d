"""Research groups, their sessions, sign-ups, attendance (the training hours) and posts.

The check-in code is in the session row for the host's page; services show it only to those who
lead the session, and find a session by it for a teacher who types it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from domain.certificates import HoursCertificate
from domain.community import Community
from domain.research import ResearchGroup, ResearchSession
from projections.base import Projection


@dataclass(frozen=True)
class GroupRow:
    id: UUID
    tenant_id: UUID
    community_id: UUID
    name: str
    subject: str
    grade_band: str
    leader_id: UUID
    formed_on: date


@dataclass(frozen=True)
class MemberRow:
    group_id: UUID
    user_id: UUID
    school_id: UUID
    status: str  # "member" or "requested"
    joined_on: date | None = None
    left_on: date | None = None

    @property
    def current(self) -> bool:
        return self.status == "member" and self.left_on is None


@dataclass(frozen=True)
class SessionRow:
    id: UUID
    tenant_id: UUID
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
    counted: bool = False

    def live_at(self, now: datetime) -> bool:
        return self.starts_at <= now <= self.ends_at


@dataclass(frozen=True)
class AttendanceRow:
    session_id: UUID
    tenant_id: UUID
    user_id: UUID
    school_id: UUID
    at: datetime
    held_on: date
    late: bool
    by_host: bool
    hours: int
    recorded_at: datetime | None = None  # when the store took it (the host may record it later)


@dataclass(frozen=True)
class PostRow:
    session_id: UUID
    post_id: str
    author_id: UUID
    text: str
    reply_to: str
    posted_at: datetime
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class CertificateRow:
    id: UUID
    tenant_id: UUID
    user_id: UUID
    school_id: UUID
    name: str
    school_name: str
    year: int
    hours: int
    required: int
    code: str
    issued_at: datetime


class ResearchView(ABC):
    @abstractmethod
    def add_group(self, row: GroupRow) -> None: ...

    @abstractmethod
    def put_member(self, row: MemberRow) -> None: ...

    @abstractmethod
    def members_leave(self, community_id: UUID, school_id: UUID, left_on: date) -> None: ...

    @abstractmethod
    def add_session(self, row: SessionRow) -> None: ...

    @abstractmethod
    def sign_up(self, session_id: UUID, user_id: UUID, school_id: UUID) -> None: ...

    @abstractmethod
    def attend(self, row: AttendanceRow) -> None: ...

    @abstractmethod
    def mark_counted(self, session_id: UUID) -> None: ...

    @abstractmethod
    def add_post(self, row: PostRow) -> None: ...

    @abstractmethod
    def group(self, group_id: UUID) -> GroupRow | None: ...

    @abstractmethod
    def groups(self, *, tenant_id: UUID, community_ids: list[UUID]) -> list[GroupRow]: ...

    @abstractmethod
    def members(self, group_ids: list[UUID]) -> list[MemberRow]: ...

    @abstractmethod
    def session(self, session_id: UUID) -> SessionRow | None: ...

    @abstractmethod
    def sessions(self, group_ids: list[UUID]) -> list[SessionRow]: ...

    @abstractmethod
    def sign_ups(self, session_id: UUID) -> dict[UUID, UUID]: ...

    @abstractmethod
    def attendance(
        self,
        *,
        session_id: UUID | None = None,
        tenant_id: UUID | None = None,
        user_ids: list[UUID] | None = None,
        between: tuple[date, date] | None = None,
    ) -> list[AttendanceRow]: ...

    @abstractmethod
    def posts(self, session_id: UUID) -> list[PostRow]: ...

    @abstractmethod
    def add_certificate(self, row: CertificateRow) -> None: ...

    @abstractmethod
    def certificate(self, certificate_id: UUID) -> CertificateRow | None: ...

    @abstractmethod
    def certificate_by_code(self, code: str) -> CertificateRow | None: ...


class ResearchProjection(Projection[ResearchView]):
    name = "research"

    @singledispatchmethod
    def process(self, event: Any) -> None:
        """Events without a handler change nothing here."""

    @process.register
    def _(self, e: ResearchGroup.Formed) -> None:
        self.view.add_group(
            GroupRow(
                id=e.originator_id,
                tenant_id=e.tenant_id,
                community_id=e.community_id,
                name=e.name,
                subject=e.subject,
                grade_band=e.grade_band,
                leader_id=e.leader_id,
                formed_on=e.formed_on,
            )
        )
        self.view.put_member(
            MemberRow(e.originator_id, e.leader_id, e.leader_school_id, "member", e.formed_on)
        )

    @process.register
    def _(self, e: ResearchGroup.JoinRequested) -> None:
        self.view.put_member(MemberRow(e.originator_id, e.user_id, e.school_id, "requested"))

    @process.register
    def _(self, e: ResearchGroup.MemberAdded) -> None:
        self.view.put_member(
            MemberRow(e.originator_id, e.user_id, e.school_id, "member", e.joined_on)
        )

    @process.register
    def _(self, e: ResearchGroup.MemberLeft) -> None:
        for row in self.view.members([e.originator_id]):
            if row.user_id == e.user_id:
                self.view.put_member(
                    MemberRow(
                        row.group_id,
                        row.user_id,
                        row.school_id,
                        row.status,
                        row.joined_on,
                        e.left_on,
                    )
                )

    @process.register
    def _(self, e: Community.SchoolLeft) -> None:
        # Its teachers leave the community's groups on that date, keeping what they did before.
        self.view.members_leave(e.originator_id, e.school_id, e.left_on)

    @process.register
    def _(self, e: ResearchSession.Scheduled) -> None:
        self.view.add_session(
            SessionRow(
                id=e.originator_id,
                tenant_id=e.tenant_id,
                group_id=e.group_id,
                community_id=e.community_id,
                kind=e.kind,
                theme=e.theme,
                starts_at=e.starts_at,
                ends_at=e.ends_at,
                held_on=e.held_on,
                host_id=e.host_id,
                host_school_id=e.host_school_id,
                expert_id=e.expert_id,
                meeting_link=e.meeting_link,
                hours=e.hours,
                code=e.code,
            )
        )

    @process.register
    def _(self, e: ResearchSession.SignedUp) -> None:
        self.view.sign_up(e.originator_id, e.user_id, e.school_id)

    @process.register
    def _(self, e: ResearchSession.CheckedIn) -> None:
        session = self.view.session(e.originator_id)
        assert session is not None
        self.view.attend(
            AttendanceRow(
                session_id=e.originator_id,
                tenant_id=e.tenant_id,
                user_id=e.user_id,
                school_id=e.school_id,
                at=e.occurred_at,
                held_on=session.held_on,
                late=e.late,
                by_host=e.by_host,
                hours=e.hours,
                recorded_at=e.timestamp,
            )
        )

    @process.register
    def _(self, e: ResearchSession.CountedTowardPlan) -> None:
        self.view.mark_counted(e.originator_id)

    @process.register
    def _(self, e: ResearchSession.Posted) -> None:
        self.view.add_post(
            PostRow(
                session_id=e.originator_id,
                post_id=e.post_id,
                author_id=e.author_id,
                text=e.text,
                reply_to=e.reply_to,
                posted_at=e.occurred_at,
                evidence=list(e.evidence),
            )
        )

    @process.register
    def _(self, e: HoursCertificate.Issued) -> None:
        self.view.add_certificate(
            CertificateRow(
                id=e.originator_id,
                tenant_id=e.tenant_id,
                user_id=e.user_id,
                school_id=e.school_id,
                name=e.name,
                school_name=e.school_name,
                year=e.year,
                hours=e.hours,
                required=e.required,
                code=e.code,
                issued_at=e.occurred_at,
            )
        )
