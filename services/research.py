"""Online research (网络教研): groups, sessions, sign-up, check-in, attendance and posts.

A group and its sessions belong to a community: whoever cannot see the community cannot see them
(another tenant's ids answer ``NotFound``). Commands decide from the aggregates (the group, the
session, the community, the teacher), never from the view.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from domain.community import Community
from domain.research import ResearchGroup, ResearchSession
from domain.roles import Role
from domain.user import User
from projections.research import AttendanceRow, GroupRow, MemberRow, PostRow, SessionRow
from services.actor import Actor, Done
from services.clock import local_date
from services.community_scope import community_of, community_policy, scope_of
from services.community_settings import tenant_settings
from services.context import Context
from services.errors import DomainError, Forbidden, NotFound
from services.evidence import Upload, evidence_of, store_all
from services.platform import NOT_THERE
from services.policy import (
    CommunityAction,
    community_allowed,
    may_add_group_member,
    may_schedule_research,
    require_community,
)


@dataclass(frozen=True)
class Attendee:
    row: AttendanceRow
    name: str
    school: str


@dataclass(frozen=True)
class Post:
    row: PostRow
    author: str


@dataclass(frozen=True)
class SessionPage:
    session: SessionRow
    group: GroupRow
    host: str
    expert: str
    attendees: list[Attendee]
    posts: list[Post]
    signed_up: bool
    checked_in: bool
    leads: bool  # host or expert: sees the code, records attendance
    may_take_part: bool  # a current member (or the host/expert)
    members: list[tuple[UUID, str]]  # for the host's attendance form
    now: datetime

    @property
    def live(self) -> bool:
        return self.session.live_at(self.now)

    @property
    def over(self) -> bool:
        return self.now > self.session.ends_at


@dataclass(frozen=True)
class GroupLine:
    group: GroupRow
    members: list[MemberRow]
    sessions: list[SessionRow]
    names: dict[UUID, str]
    mine: bool  # the actor is a current member
    requested: bool  # the actor's request waits
    may_schedule: bool
    may_add: list[tuple[UUID, str]] = field(default_factory=list)  # the actor's school's teachers


@dataclass(frozen=True)
class ResearchHome:
    groups: list[GroupLine]
    now: datetime

    def sessions(self) -> list[tuple[GroupRow, SessionRow]]:
        found = [(g.group, s) for g in self.groups if g.mine for s in g.sessions]
        return sorted(found, key=lambda pair: pair[1].starts_at)

    def live(self) -> list[tuple[GroupRow, SessionRow]]:
        return [(g, s) for g, s in self.sessions() if s.live_at(self.now)]

    def upcoming(self) -> list[tuple[GroupRow, SessionRow]]:
        return [(g, s) for g, s in self.sessions() if s.starts_at > self.now]

    def past(self) -> list[tuple[GroupRow, SessionRow]]:
        return [(g, s) for g, s in reversed(self.sessions()) if s.ends_at < self.now]


#: One answer for a group or session that does not exist, or whose community the actor cannot
#: see: a different message would tell another bureau that the id names something.
GONE = "不存在 / Not found"


class ResearchService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # What commands decide from --------------------------------------------------------------
    def _get(self, cls: type[ResearchGroup] | type[ResearchSession], id_: UUID) -> object:
        try:
            found: object = self.ctx.platform.repository.get(id_)
        except NOT_THERE as exc:
            raise NotFound(GONE) from exc
        if not isinstance(found, cls):
            raise NotFound(GONE)
        return found

    def group_of(self, actor: Actor, group_id: UUID) -> tuple[ResearchGroup, Community]:
        group = self._get(ResearchGroup, group_id)
        assert isinstance(group, ResearchGroup)
        try:
            return group, community_of(self.ctx, actor, group.community_id)
        except NotFound as exc:
            raise NotFound(GONE) from exc

    def _session(
        self, actor: Actor, session_id: UUID
    ) -> tuple[ResearchSession, ResearchGroup, Community]:
        session = self._get(ResearchSession, session_id)
        assert isinstance(session, ResearchSession)
        group, community = self.group_of(actor, session.group_id)
        return session, group, community

    def _teacher(self, user_id: UUID, community: Community) -> User:
        """An active teacher of a school that is a member of the community now."""
        try:
            user: object = self.ctx.platform.repository.get(user_id)
        except NOT_THERE as exc:
            raise NotFound("教师不存在 / No such teacher") from exc
        if not isinstance(user, User) or not community.visible_to(user.tenant_id):
            raise NotFound("教师不存在 / No such teacher")
        if not user.active or not user.has_role(Role.TEACHER):
            raise DomainError(
                f"{user.display_name}不是在职教师 / {user.display_name} is not an active teacher"
            )
        if user.school_id not in community.current_members():
            raise DomainError(
                f"{user.display_name}所在学校不是该教共体成员 / "
                f"{user.display_name}'s school is not a member of this community"
            )
        return user

    def member_school(self, actor: Actor, group: ResearchGroup, community: Community) -> UUID:
        """The school a current member takes part for; a member whose school left is not one."""
        if actor.user_id is None or not group.is_member(actor.user_id):
            raise Forbidden("请先加入教研组 / Join the research group first")
        school_id = group.school_of(actor.user_id)
        if school_id not in community.current_members() or actor.school_id != school_id:
            raise Forbidden(
                "所在学校已不是该教共体成员 / Your school is no longer a member of this community"
            )
        assert school_id is not None
        return school_id

    # Groups ---------------------------------------------------------------------------------
    def form_group(
        self,
        actor: Actor,
        community_id: UUID,
        *,
        name: str,
        subject: str,
        grade_band: str,
        leader_id: UUID,
    ) -> Done:
        """The core school's admin forms a group with a leader from a member school."""
        community = community_of(self.ctx, actor, community_id)
        require_community(actor, CommunityAction.DRAFT_PLAN, **community_policy(community))
        leader = self._teacher(leader_id, community)
        assert leader.school_id is not None
        group = ResearchGroup.form(
            tenant_id=community.tenant_id,
            community_id=community.id,
            name=name,
            subject=subject,
            grade_band=grade_band,
            leader_id=leader.id,
            leader_school_id=leader.school_id,
            formed_on=self.ctx.today(),
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(group.id, self.ctx.platform.save_all(group))

    def request_to_join(self, actor: Actor, group_id: UUID) -> Done:
        group, community = self.group_of(actor, group_id)
        if actor.user_id is None:
            raise Forbidden("只有教师可以申请 / Only a teacher asks to join")
        teacher = self._teacher(actor.user_id, community)
        assert teacher.school_id is not None
        group.request_to_join(teacher.id, teacher.school_id, occurred_at=self.ctx.clock())
        return Done(group.id, self.ctx.platform.save_all(group))

    def add_member(self, actor: Actor, group_id: UUID, user_id: UUID) -> Done:
        """A school admin adds a teacher of their school, or grants the teacher's request."""
        group, community = self.group_of(actor, group_id)
        teacher = self._teacher(user_id, community)
        if not may_add_group_member(actor, teacher_school_id=teacher.school_id):
            raise Forbidden("只有本校管理员可以添加 / Only the teacher's school admin adds them")
        assert teacher.school_id is not None
        group.add_member(
            teacher.id,
            teacher.school_id,
            on=self.ctx.today(),
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(group.id, self.ctx.platform.save_all(group))

    # Sessions -------------------------------------------------------------------------------
    def schedule(
        self,
        actor: Actor,
        group_id: UUID,
        *,
        kind: str,
        theme: str,
        starts_at: datetime,
        ends_at: datetime,
        host_id: UUID,
        expert_id: UUID | None = None,
        meeting_link: str = "",
    ) -> Done:
        group, community = self.group_of(actor, group_id)
        if not may_schedule_research(
            actor, leader_id=group.leader_id, core_school_id=community.core_school_id
        ):
            raise Forbidden("只有组长或核心校管理员可以安排 / Only the leader or the core school")
        if not group.is_member(host_id):
            raise DomainError("主持人须为教研组成员 / The host is a member of the group")
        host = self._teacher(host_id, community)
        if expert_id is not None:
            self._expert(expert_id, community)
        assert host.school_id is not None
        hours = tenant_settings(self.ctx, community.tenant_id).research().hours_of(kind)
        session = ResearchSession.schedule(
            tenant_id=community.tenant_id,
            group_id=group.id,
            community_id=community.id,
            kind=kind,
            theme=theme,
            starts_at=starts_at,
            ends_at=ends_at,
            held_on=local_date(starts_at) if isinstance(starts_at, datetime) else starts_at,
            host_id=host.id,
            host_school_id=host.school_id,
            expert_id=expert_id,
            meeting_link=meeting_link,
            hours=hours,
            code=f"{secrets.randbelow(1_000_000):06d}",
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(session.id, self.ctx.platform.save_all(session))

    def _expert(self, expert_id: UUID, community: Community) -> User:
        """An expert (教研员) of the community's bureau may take part in any of its communities."""
        try:
            user: object = self.ctx.platform.repository.get(expert_id)
        except NOT_THERE as exc:
            raise NotFound("专家不存在 / No such expert") from exc
        if not isinstance(user, User) or user.tenant_id != community.tenant_id:
            raise NotFound("专家不存在 / No such expert")
        if not user.active or not user.has_role(Role.EXPERT):
            raise DomainError(f"{user.display_name}不是专家 / {user.display_name} is not an expert")
        return user

    def sign_up(self, actor: Actor, session_id: UUID) -> Done:
        session, group, community = self._session(actor, session_id)
        school_id = self.member_school(actor, group, community)
        assert actor.user_id is not None
        session.sign_up(actor.user_id, school_id, occurred_at=self.ctx.clock())
        return Done(session.id, self.ctx.platform.save_all(session))

    def check_in(self, actor: Actor, session_id: UUID, *, code: str | None = None) -> Done:
        session, group, community = self._session(actor, session_id)
        assert actor.user_id is not None
        if session.leads(actor.user_id) and not group.is_member(actor.user_id):
            school_id = actor.school_id or session.host_school_id  # an expert of the bureau
        else:
            school_id = self.member_school(actor, group, community)
        session.check_in(
            actor.user_id,
            school_id,
            code=code,
            threshold=self._threshold(community),
            community_schools=frozenset(community.current_members()),
            occurred_at=self.ctx.clock(),
        )
        return Done(session.id, self.ctx.platform.save_all(session))

    def check_in_by_code(self, actor: Actor, code: str) -> Done:
        """A teacher types the code the host shows: it finds the live session of their groups."""
        home = self.home(actor)
        for _, row in home.live():
            if secrets.compare_digest(row.code, code.strip()):
                return self.check_in(actor, row.id, code=code)
        raise DomainError("签到码不正确 / Wrong check-in code")

    def record_attendance(
        self, actor: Actor, session_id: UUID, user_id: UUID, *, late: bool = False
    ) -> Done:
        session, group, community = self._session(actor, session_id)
        if not session.leads(actor.user_id):
            raise Forbidden("只有主持人可以登记出席 / Only the host records attendance")
        if not group.is_member(user_id):
            raise DomainError("不是教研组成员 / Not a member of the group")
        teacher = self._teacher(user_id, community)
        assert teacher.school_id is not None
        session.record_attendance(
            teacher.id,
            teacher.school_id,
            by=actor.user_id,
            late=late,
            threshold=self._threshold(community),
            community_schools=frozenset(community.current_members()),
            occurred_at=self.ctx.clock(),
        )
        return Done(session.id, self.ctx.platform.save_all(session))

    def post(
        self,
        actor: Actor,
        session_id: UUID,
        *,
        text: str,
        reply_to: str = "",
        uploads: list[Upload] | None = None,
    ) -> Done:
        session, group, community = self._session(actor, session_id)
        if not session.leads(actor.user_id):
            self.member_school(actor, group, community)
        assert actor.user_id is not None
        evidence = evidence_of(uploads or [])
        session.post(
            actor.user_id,
            text=text,
            reply_to=reply_to,
            evidence=evidence,
            occurred_at=self.ctx.clock(),
        )
        store_all(self.ctx.blobs, uploads or [])  # accepted: now the files are kept
        return Done(session.id, self.ctx.platform.save_all(session))

    def _threshold(self, community: Community) -> int:
        return tenant_settings(self.ctx, community.tenant_id).research().school_threshold

    # Queries --------------------------------------------------------------------------------
    def names_in(self, tenant_ids: set[UUID]) -> dict[UUID, str]:
        names: dict[UUID, str] = {}
        for tenant_id in tenant_ids:
            names.update({u.id: u.display_name for u in self.ctx.directory.users(tenant_id)})
            names.update({s.id: s.name for s in self.ctx.directory.schools(tenant_id)})
        return names

    def visible_communities(self, actor: Actor) -> tuple[dict[UUID, list[UUID]], dict[UUID, UUID]]:
        """The communities the actor sees, by owning tenant, and each one's core school."""
        community_ids: dict[UUID, list[UUID]] = {}
        core: dict[UUID, UUID] = {}
        visible = list(self.ctx.communities.communities(actor.tenant_id))
        if actor.school_id is not None:
            for community_id in self.ctx.communities.communities_of_school(actor.school_id):
                row = self.ctx.communities.community(community_id)
                if row is not None:
                    visible.append(row)
        stints = self.ctx.communities.stints([c.id for c in visible])
        for row in visible:
            scope_policy = {
                "owner_tenant_id": row.tenant_id,
                "partner_tenant_ids": frozenset(row.partner_tenant_ids),
                "member_school_ids": frozenset(s.school_id for s in stints.get(row.id, [])),
                "core_school_id": row.core_school_id,
            }
            if community_allowed(actor, CommunityAction.VIEW, **scope_policy):  # type: ignore[arg-type]
                community_ids.setdefault(row.tenant_id, []).append(row.id)
                core[row.id] = row.core_school_id
        return community_ids, core

    def home(self, actor: Actor) -> ResearchHome:
        """The groups of the communities the actor sees, their sessions, and where they belong."""
        community_ids, core = self.visible_communities(actor)
        groups = [
            g
            for tenant_id, ids in community_ids.items()
            for g in self.ctx.research.groups(tenant_id=tenant_id, community_ids=sorted(set(ids)))
        ]
        return ResearchHome(self._lines(actor, groups, core), self.ctx.clock())

    def _lines(
        self, actor: Actor, groups: list[GroupRow], core: dict[UUID, UUID]
    ) -> list[GroupLine]:
        members = self.ctx.research.members([g.id for g in groups])
        sessions = self.ctx.research.sessions([g.id for g in groups])
        names = self.names_in({actor.tenant_id, *(g.tenant_id for g in groups)})
        own_teachers = (
            [
                (u.id, u.display_name)
                for u in self.ctx.directory.users(actor.tenant_id, school_id=actor.school_id)
                if u.active and Role.TEACHER in u.roles
            ]
            if actor.has(Role.SCHOOL_ADMIN) and actor.school_id is not None
            else []
        )
        lines = []
        for group in groups:
            mine = [m for m in members if m.group_id == group.id]
            current = {m.user_id for m in mine if m.current}
            lines.append(
                GroupLine(
                    group=group,
                    members=mine,
                    sessions=[s for s in sessions if s.group_id == group.id],
                    names=names,
                    mine=actor.user_id in current,
                    requested=any(
                        m.user_id == actor.user_id and m.status == "requested" for m in mine
                    ),
                    may_schedule=may_schedule_research(
                        actor, leader_id=group.leader_id, core_school_id=core[group.community_id]
                    ),
                    may_add=[t for t in own_teachers if t[0] not in current],
                )
            )
        return lines

    def group_page(self, actor: Actor, group_id: UUID) -> GroupLine:
        group = self.ctx.research.group(group_id)
        if group is None:
            raise NotFound(GONE)
        try:
            scope = scope_of(self.ctx, actor, group.community_id)
        except NotFound as exc:
            raise NotFound(GONE) from exc
        [line] = self._lines(actor, [group], {group.community_id: scope.community.core_school_id})
        return line

    def session_page(self, actor: Actor, session_id: UUID) -> SessionPage:
        row = self.ctx.research.session(session_id)
        if row is None:
            raise NotFound(GONE)
        group = self.group_page(actor, row.group_id)
        names = group.names
        attendance = self.ctx.research.attendance(session_id=session_id)
        leads = actor.user_id in (row.host_id, row.expert_id)
        return SessionPage(
            session=row,
            group=group.group,
            host=names.get(row.host_id, ""),
            expert=names.get(row.expert_id, "") if row.expert_id else "",
            attendees=[
                Attendee(a, names.get(a.user_id, ""), names.get(a.school_id, ""))
                for a in attendance
            ],
            posts=[Post(p, names.get(p.author_id, "")) for p in self.ctx.research.posts(row.id)],
            signed_up=actor.user_id in self.ctx.research.sign_ups(row.id),
            checked_in=any(a.user_id == actor.user_id for a in attendance),
            leads=leads,
            may_take_part=group.mine or leads,
            members=[(m.user_id, names.get(m.user_id, "")) for m in group.members if m.current],
            now=self.ctx.clock(),
        )

    def post_file(self, actor: Actor, session_id: UUID, post_id: str, sha256: str) -> bytes:
        page = self.session_page(actor, session_id)
        for post in page.posts:
            if post.row.post_id == post_id and any(
                e.get("sha256") == sha256 for e in post.row.evidence
            ):
                data = self.ctx.blobs.get(sha256)
                if data is not None:
                    return data
        raise NotFound("文件不存在 / No such file")

    def today(self) -> date:
        return self.ctx.today()
