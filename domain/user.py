"""A person who signs in: bureau staff, school staff, teachers and experts.

A teacher belongs to one school at a time; moving to another school is a ``Transferred`` event, so
everything they did before stays attributed to the school where they did it.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from uuid import UUID

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
