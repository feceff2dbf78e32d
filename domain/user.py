"""A person who signs in: bureau staff, school staff, teachers and experts.

A teacher belongs to one school at a time; moving to another school is a ``Transferred`` event, so
everything they did before stays attributed to the school where they did it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.base import DomainError, TenantAggregate
from domain.fields import (
    DEACTIVATION_REASON,
    GRADE_LIST,
    JOB_TITLE,
    PASSWORD_HASH,
    PERSON_NAME,
    ROLE_LIST,
    SUBJECT_LIST,
)
from domain.roles import BUREAU_ROLES, SCHOOL_ROLES, Role


class KeyTeacherLevel(StrEnum):
    NONE = ""
    COUNTY = "county"  # 县级骨干
    CITY = "city"  # 市级骨干
    PROVINCE = "province"  # 省级骨干


SUBJECTS = (
    "语文",
    "数学",
    "英语",
    "科学",
    "道德与法治",
    "美术",
    "音乐",
    "体育",
    "信息技术",
    "班队",
)
_USERNAME = re.compile(r"[A-Za-z0-9_.@-]{3,64}")
MIN_PASSWORD_LENGTH = 8
#: A page session and an API token last this long after signing in: the cookie's and the token's
#: own lifetime, checked in wall-clock time where they are read. The sessions page lists only these.
SESSION_LIFETIME = timedelta(hours=12)
#: The aggregate keeps this many newest sessions and forgets older ones (long expired, or ended by
#: signing in that many times since), so a user's state stays small however often they sign in.
MAX_SESSIONS = 20
SESSION_KINDS = ("web", "api")
MAX_ADDRESS_LENGTH = 45  # an IPv6 address in text
MAX_AGENT_LENGTH = 200


@dataclass(frozen=True)
class OpenSession:
    """A signed-in browser or an API token: open until signed out, ended, or past its lifetime."""

    id: UUID
    kind: str
    started_at: datetime
    address: str
    agent: str

    def live_at(self, now: datetime) -> bool:
        return now < self.started_at + SESSION_LIFETIME


def check_username(username: str) -> str:
    username = username.strip().lower() if isinstance(username, str) else ""
    if not _USERNAME.fullmatch(username):
        raise DomainError(
            "登录名应为3–64位字母、数字或 _ . @ - / A login name is 3–64 letters, digits or _ . @ -"
        )
    return username


def check_roles(roles: list[str], school_id: UUID | None) -> list[str]:
    if not ROLE_LIST.check(roles):
        raise DomainError("至少需要一个角色 / A user needs at least one role")
    try:
        parsed = sorted({Role(r) for r in roles})
    except ValueError as exc:
        raise DomainError(f"未知角色 / Unknown role: {exc}") from exc
    if school_id is None and any(r in SCHOOL_ROLES for r in parsed):
        raise DomainError("学校角色需要所属学校 / School roles need a school")
    if school_id is not None and any(r in BUREAU_ROLES for r in parsed):
        raise DomainError("教育局角色不属于学校 / Bureau roles do not belong to a school")
    return [str(r) for r in parsed]


def check_profile(subjects: list[str], grades: list[int], key_level: str) -> None:
    unknown = [s for s in SUBJECT_LIST.check(subjects) if s not in SUBJECTS]
    if unknown:
        raise DomainError(f"未知学科 / Unknown subject: {', '.join(map(str, unknown))}")
    bad = [g for g in GRADE_LIST.check(grades) if isinstance(g, bool) or g not in range(1, 10)]
    if bad:
        raise DomainError(f"年级应为1–9 / Grades are 1–9, got {bad}")
    if key_level not in KeyTeacherLevel.__members__.values():
        raise DomainError(f"未知骨干级别 / Unknown key-teacher level: {key_level}")


def _profile(subjects: list[str], grades: list[int], key_level: str) -> tuple[list[str], list[int]]:
    check_profile(subjects, grades, key_level)
    return list(subjects), sorted(set(grades))


class User(TenantAggregate):
    class Registered(TenantAggregate.Created):
        username: str
        display_name: str
        school_id: UUID | None
        roles: list[str]
        subjects: list[str]
        grades: list[int]
        key_level: str
        title: str
        password_hash: str

    @event(Registered)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        username: str,
        display_name: str,
        school_id: UUID | None,
        roles: list[str],
        subjects: list[str],
        grades: list[int],
        key_level: str,
        title: str,
        password_hash: str,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.username = username
        self.display_name = display_name
        self.school_id = school_id
        self.roles = roles
        self.subjects = subjects
        self.grades = grades
        self.key_level = key_level
        self.title = title
        self.password_hash = password_hash
        self.active = True
        #: When the password was last changed or reset, or the account deactivated.
        self.credentials_changed_at: datetime | None = None
        self.sessions: dict[UUID, OpenSession] = {}

    @classmethod
    def register(
        cls,
        *,
        tenant_id: UUID,
        username: str,
        display_name: str,
        school_id: UUID | None,
        roles: list[str],
        password_hash: str,
        subjects: list[str] | None = None,
        grades: list[int] | None = None,
        key_level: str = "",
        title: str = "",
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> User:
        subjects, grades = _profile(subjects or [], grades or [], key_level)
        return cls(
            tenant_id=tenant_id,
            username=check_username(username),
            display_name=PERSON_NAME.check(display_name),
            school_id=school_id,
            roles=check_roles(roles, school_id),
            subjects=subjects,
            grades=grades,
            key_level=key_level,
            title=JOB_TITLE.check(title),
            password_hash=PASSWORD_HASH.check(password_hash),
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    def has_role(self, role: Role) -> bool:
        return str(role) in self.roles

    class PasswordChanged(TenantAggregate.Event):
        password_hash: str

    @event(PasswordChanged)
    def _change_password(
        self, password_hash: str, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.password_hash = password_hash
        # A new password ends every session and token: a stolen cookie is worth nothing after it.
        self.credentials_changed_at = occurred_at
        self.sessions = {}

    def change_password(
        self, password_hash: str, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self._change_password(
            PASSWORD_HASH.check(password_hash), actor_id=actor_id, occurred_at=occurred_at
        )

    class RolesChanged(TenantAggregate.Event):
        roles: list[str]

    @event(RolesChanged)
    def _change_roles(
        self, roles: list[str], *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.roles = roles

    def change_roles(
        self, roles: list[str], *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self._change_roles(
            check_roles(roles, self.school_id), actor_id=actor_id, occurred_at=occurred_at
        )

    class ProfileUpdated(TenantAggregate.Event):
        display_name: str
        subjects: list[str]
        grades: list[int]
        key_level: str
        title: str

    @event(ProfileUpdated)
    def _update_profile(
        self,
        display_name: str,
        subjects: list[str],
        grades: list[int],
        key_level: str,
        title: str,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.display_name = display_name
        self.subjects, self.grades = subjects, grades
        self.key_level, self.title = key_level, title

    def update_profile(
        self,
        *,
        display_name: str,
        subjects: list[str],
        grades: list[int],
        key_level: str,
        title: str,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        subjects, grades = _profile(subjects, grades, key_level)
        self._update_profile(
            PERSON_NAME.check(display_name),
            subjects,
            grades,
            key_level,
            JOB_TITLE.check(title),
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    class Transferred(TenantAggregate.Event):
        from_school_id: UUID
        to_school_id: UUID

    @event(Transferred)
    def _transfer(
        self,
        from_school_id: UUID,
        to_school_id: UUID,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.school_id = to_school_id

    def transfer(self, to_school_id: UUID, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        if self.school_id is None:
            raise DomainError("只有学校教职工可以调动 / Only school staff can transfer")
        if to_school_id == self.school_id:
            raise DomainError("已在该校 / Already at that school")
        if not self.active:
            raise DomainError("账号已停用 / The account is deactivated")
        self._transfer(self.school_id, to_school_id, actor_id=actor_id, occurred_at=occurred_at)

    class Deactivated(TenantAggregate.Event):
        reason: str

    @event(Deactivated)
    def _deactivate(self, reason: str, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.active = False
        self.credentials_changed_at = occurred_at
        self.sessions = {}

    def deactivate(self, reason: str, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        if not self.active:
            raise DomainError("账号已停用 / The account is already deactivated")
        self._deactivate(
            DEACTIVATION_REASON.check(reason), actor_id=actor_id, occurred_at=occurred_at
        )

    class Reactivated(TenantAggregate.Event):
        pass

    @event(Reactivated)
    def _reactivate(self, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.active = True

    def reactivate(self, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        if self.active:
            raise DomainError("账号已启用 / The account is already active")
        self._reactivate(actor_id=actor_id, occurred_at=occurred_at)

    class SessionStarted(TenantAggregate.Event):
        # Where and with what someone signs in is theirs to see, on the sessions page only.
        PRIVATE_FIELDS: ClassVar[frozenset[str]] = frozenset({"address", "agent"})
        session_id: UUID
        kind: str
        address: str
        agent: str

    @event(SessionStarted)
    def _start_session(
        self,
        session_id: UUID,
        kind: str,
        address: str,
        agent: str,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.sessions[session_id] = OpenSession(session_id, kind, occurred_at, address, agent)
        if len(self.sessions) > MAX_SESSIONS:
            # Dicts keep their order: the first are the oldest.
            for old in list(self.sessions)[: len(self.sessions) - MAX_SESSIONS]:
                del self.sessions[old]

    def start_session(self, kind: str, *, address: str, agent: str, occurred_at: datetime) -> UUID:
        """Sign in a browser (``web``) or issue an API token (``api``); the new session's id."""
        if not self.active:
            raise DomainError("账号已停用 / The account is deactivated")
        if kind not in SESSION_KINDS:
            raise DomainError(f"未知会话类型 / Unknown kind of session: {kind}")
        session_id = uuid4()
        self._start_session(
            session_id,
            kind,
            address[:MAX_ADDRESS_LENGTH],
            agent[:MAX_AGENT_LENGTH],
            actor_id=self.id,
            occurred_at=occurred_at,
        )
        return session_id

    class SessionsEnded(TenantAggregate.Event):
        session_ids: list[UUID]

    @event(SessionsEnded)
    def _end_sessions(
        self, session_ids: list[UUID], *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        for session_id in session_ids:
            self.sessions.pop(session_id, None)

    def end_sessions(
        self, session_ids: list[UUID], *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        """Sign out, end a token, or end several at once (\"end all others\")."""
        known = [s for s in session_ids if s in self.sessions]
        if not known:
            raise DomainError("该会话已结束 / That session has already ended")
        self._end_sessions(known, actor_id=actor_id, occurred_at=occurred_at)

    def open_sessions(self, now: datetime) -> list[OpenSession]:
        """The sessions and tokens that still sign this user in, newest first."""
        live = [s for s in self.sessions.values() if s.live_at(now)]
        return sorted(live, key=lambda s: s.started_at, reverse=True)
