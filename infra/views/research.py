"""The online research read model as SQL tables."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Table,
    Text,
    Uuid,
    delete,
    select,
    update,
)
from sqlalchemy.engine import Row

from infra.views.base import as_utc, metadata
from infra.views.direct_writes import DirectWrites
from projections.base import plain
from projections.research import (
    AttendanceRow,
    CertificateRow,
    GroupRow,
    MemberRow,
    PostRow,
    ResearchView,
    SessionRow,
)

groups = Table(
    "rs_groups",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False, index=True),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("grade_band", Text, nullable=False),
    Column("leader_id", Uuid, nullable=False),
    Column("formed_on", Date, nullable=False),
)
members = Table(
    "rs_members",
    metadata,
    Column("group_id", Uuid, primary_key=True),
    Column("user_id", Uuid, primary_key=True),
    Column("school_id", Uuid, nullable=False, index=True),
    Column("status", Text, nullable=False),
    Column("joined_on", Date, nullable=True),
    Column("left_on", Date, nullable=True),
)
sessions = Table(
    "rs_sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False, index=True),
    Column("group_id", Uuid, nullable=False, index=True),
    Column("community_id", Uuid, nullable=False),
    Column("kind", Text, nullable=False),
    Column("theme", Text, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("host_id", Uuid, nullable=False),
    Column("host_school_id", Uuid, nullable=False),
    Column("expert_id", Uuid, nullable=True),
    Column("meeting_link", Text, nullable=False),
    Column("hours", BigInteger, nullable=False),
    Column("code", Text, nullable=False),
    Column("counted", BigInteger, nullable=False),
)
sign_ups = Table(
    "rs_sign_ups",
    metadata,
    Column("session_id", Uuid, primary_key=True),
    Column("user_id", Uuid, primary_key=True),
    Column("school_id", Uuid, nullable=False),
)
attendance = Table(
    "rs_attendance",
    metadata,
    Column("session_id", Uuid, primary_key=True),
    Column("user_id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False, index=True),
    Column("school_id", Uuid, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("held_on", Date, nullable=False, index=True),
    Column("late", BigInteger, nullable=False),
    Column("by_host", BigInteger, nullable=False),
    Column("hours", BigInteger, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=True),
)
posts = Table(
    "rs_posts",
    metadata,
    Column("session_id", Uuid, primary_key=True),
    Column("post_id", Text, primary_key=True),
    Column("author_id", Uuid, nullable=False),
    Column("text", Text, nullable=False),
    Column("reply_to", Text, nullable=False),
    Column("posted_at", DateTime(timezone=True), nullable=False),
    Column("evidence", JSON, nullable=False),
)

certificates = Table(
    "rs_certificates",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False, index=True),
    Column("user_id", Uuid, nullable=False, index=True),
    Column("school_id", Uuid, nullable=False),
    Column("name", Text, nullable=False),
    Column("school_name", Text, nullable=False),
    Column("year", BigInteger, nullable=False),
    Column("hours", BigInteger, nullable=False),
    Column("required", BigInteger, nullable=False),
    Column("code", Text, nullable=False, unique=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
)


def _certificate(r: Row[Any]) -> CertificateRow:
    return CertificateRow(
        id=r.id,
        tenant_id=r.tenant_id,
        user_id=r.user_id,
        school_id=r.school_id,
        name=r.name,
        school_name=r.school_name,
        year=r.year,
        hours=r.hours,
        required=r.required,
        code=r.code,
        issued_at=as_utc(r.issued_at),
    )


def _group(r: Row[Any]) -> GroupRow:
    return GroupRow(
        id=r.id,
        tenant_id=r.tenant_id,
        community_id=r.community_id,
        name=r.name,
        subject=r.subject,
        grade_band=r.grade_band,
        leader_id=r.leader_id,
        formed_on=r.formed_on,
    )


def _session(r: Row[Any]) -> SessionRow:
    return SessionRow(
        id=r.id,
        tenant_id=r.tenant_id,
        group_id=r.group_id,
        community_id=r.community_id,
        kind=r.kind,
        theme=r.theme,
        starts_at=as_utc(r.starts_at),
        ends_at=as_utc(r.ends_at),
        held_on=r.held_on,
        host_id=r.host_id,
        host_school_id=r.host_school_id,
        expert_id=r.expert_id,
        meeting_link=r.meeting_link,
        hours=r.hours,
        code=r.code,
        counted=bool(r.counted),
    )


def _attendance(r: Row[Any]) -> AttendanceRow:
    return AttendanceRow(
        session_id=r.session_id,
        tenant_id=r.tenant_id,
        user_id=r.user_id,
        school_id=r.school_id,
        at=as_utc(r.at),
        held_on=r.held_on,
        late=bool(r.late),
        by_host=bool(r.by_host),
        hours=r.hours,
        recorded_at=as_utc(r.recorded_at) if r.recorded_at else None,
    )


class SQLResearchView(DirectWrites, ResearchView):
    name = "research"
    view_tables = (groups, members, sessions, sign_ups, attendance, posts, certificates)

    def add_group(self, row: GroupRow) -> None:
        with self.transaction(commit=True) as s:
            s.execute(groups.insert().values(**row.__dict__))

    def put_member(self, row: MemberRow) -> None:
        with self.transaction(commit=True) as s:
            s.execute(
                delete(members).where(
                    members.c.group_id == row.group_id, members.c.user_id == row.user_id
                )
            )
            s.execute(members.insert().values(**row.__dict__))

    def members_leave(self, community_id: UUID, school_id: UUID, left_on: date) -> None:
        in_community = select(groups.c.id).where(groups.c.community_id == community_id)
        with self.transaction(commit=True) as s:
            s.execute(
                update(members)
                .where(
                    members.c.group_id.in_(in_community),
                    members.c.school_id == school_id,
                    members.c.status == "member",
                    members.c.left_on.is_(None),
                )
                .values(left_on=left_on)
            )
            # A request of a teacher whose school left can no longer be granted.
            s.execute(
                delete(members).where(
                    members.c.group_id.in_(in_community),
                    members.c.school_id == school_id,
                    members.c.status == "requested",
                )
            )

    def add_session(self, row: SessionRow) -> None:
        values = dict(row.__dict__, counted=int(row.counted))
        with self.transaction(commit=True) as s:
            s.execute(sessions.insert().values(**values))

    def sign_up(self, session_id: UUID, user_id: UUID, school_id: UUID) -> None:
        with self.transaction(commit=True) as s:
            s.execute(
                sign_ups.insert().values(
                    session_id=session_id, user_id=user_id, school_id=school_id
                )
            )

    def attend(self, row: AttendanceRow) -> None:
        values = dict(row.__dict__, late=int(row.late), by_host=int(row.by_host))
        with self.transaction(commit=True) as s:
            s.execute(attendance.insert().values(**values))

    def mark_counted(self, session_id: UUID) -> None:
        with self.transaction(commit=True) as s:
            s.execute(update(sessions).where(sessions.c.id == session_id).values(counted=1))

    def add_post(self, row: PostRow) -> None:
        values = dict(row.__dict__, evidence=plain(row.evidence))
        with self.transaction(commit=True) as s:
            s.execute(posts.insert().values(**values))

    def group(self, group_id: UUID) -> GroupRow | None:
        with self.transaction(commit=False) as s:
            r = s.execute(select(groups).where(groups.c.id == group_id)).first()
        return _group(r) if r else None

    def groups(self, *, tenant_id: UUID, community_ids: list[UUID]) -> list[GroupRow]:
        if not community_ids:
            return []
        query = (
            select(groups)
            .where(groups.c.tenant_id == tenant_id, groups.c.community_id.in_(community_ids))
            .order_by(groups.c.subject, groups.c.name, groups.c.id)
        )
        with self.transaction(commit=False) as s:
            return [_group(r) for r in s.execute(query).all()]

    def members(self, group_ids: list[UUID]) -> list[MemberRow]:
        if not group_ids:
            return []
        query = select(members).where(members.c.group_id.in_(group_ids))
        with self.transaction(commit=False) as s:
            rows = s.execute(query.order_by(members.c.joined_on, members.c.user_id)).all()
        return [
            MemberRow(r.group_id, r.user_id, r.school_id, r.status, r.joined_on, r.left_on)
            for r in rows
        ]

    def session(self, session_id: UUID) -> SessionRow | None:
        with self.transaction(commit=False) as s:
            r = s.execute(select(sessions).where(sessions.c.id == session_id)).first()
        return _session(r) if r else None

    def sessions(self, group_ids: list[UUID]) -> list[SessionRow]:
        if not group_ids:
            return []
        query = (
            select(sessions)
            .where(sessions.c.group_id.in_(group_ids))
            .order_by(sessions.c.starts_at.desc(), sessions.c.id)
        )
        with self.transaction(commit=False) as s:
            return [_session(r) for r in s.execute(query).all()]

    def sign_ups(self, session_id: UUID) -> dict[UUID, UUID]:
        query = select(sign_ups).where(sign_ups.c.session_id == session_id)
        with self.transaction(commit=False) as s:
            return {r.user_id: r.school_id for r in s.execute(query).all()}

    def attendance(
        self,
        *,
        session_id: UUID | None = None,
        tenant_id: UUID | None = None,
        user_ids: list[UUID] | None = None,
        between: tuple[date, date] | None = None,
    ) -> list[AttendanceRow]:
        query = select(attendance)
        if session_id is not None:
            query = query.where(attendance.c.session_id == session_id)
        if tenant_id is not None:
            query = query.where(attendance.c.tenant_id == tenant_id)
        if user_ids is not None:
            query = query.where(attendance.c.user_id.in_(user_ids))
        if between is not None:
            query = query.where(attendance.c.held_on.between(*between))
        with self.transaction(commit=False) as s:
            rows = s.execute(query.order_by(attendance.c.at, attendance.c.user_id)).all()
        return [_attendance(r) for r in rows]

    def posts(self, session_id: UUID) -> list[PostRow]:
        query = select(posts).where(posts.c.session_id == session_id)
        with self.transaction(commit=False) as s:
            rows = s.execute(query.order_by(posts.c.posted_at, posts.c.post_id)).all()
        return sorted(
            (
                PostRow(
                    session_id=r.session_id,
                    post_id=r.post_id,
                    author_id=r.author_id,
                    text=r.text,
                    reply_to=r.reply_to,
                    posted_at=as_utc(r.posted_at),
                    evidence=list(r.evidence),
                )
                for r in rows
            ),
            key=lambda p: int(p.post_id),
        )

    def add_certificate(self, row: CertificateRow) -> None:
        with self.transaction(commit=True) as s:
            s.execute(certificates.insert().values(**row.__dict__))

    def certificate(self, certificate_id: UUID) -> CertificateRow | None:
        with self.transaction(commit=False) as s:
            r = s.execute(select(certificates).where(certificates.c.id == certificate_id)).first()
        return _certificate(r) if r else None

    def certificate_by_code(self, code: str) -> CertificateRow | None:
        with self.transaction(commit=False) as s:
            r = s.execute(select(certificates).where(certificates.c.code == code)).first()
        return _certificate(r) if r else None
