"""The directory: tenants, schools with their classes and bell schedules, and users (for login too)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from domain.school import School
from domain.tenant import Tenant
from domain.user import User
from projections.base import Projection


@dataclass(frozen=True)
class TenantRow:
    id: UUID
    name: str
    region: str


@dataclass(frozen=True)
class SchoolRow:
    id: UUID
    tenant_id: UUID
    name: str
    code: str
    stage: str
    locality: str
    student_count: int
    teacher_count: int = 0
    class_count: int = 0


@dataclass(frozen=True)
class ClassRow:
    school_id: UUID
    class_id: str
    grade: int
    name: str


@dataclass(frozen=True)
class UserRow:
    id: UUID
    tenant_id: UUID
    username: str
    display_name: str
    school_id: UUID | None
    roles: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    grades: list[int] = field(default_factory=list)
    key_level: str = ""
    title: str = ""
    active: bool = True
    #: When the password was last changed or reset: sessions and tokens from before it are void.
    credentials_changed_at: datetime | None = None


class DirectoryView(ABC):
    # Updates, called by the projection inside the runner's transaction.
    @abstractmethod
    def add_tenant(self, row: TenantRow) -> None: ...

    @abstractmethod
    def rename_tenant(self, tenant_id: UUID, name: str) -> None: ...

    @abstractmethod
    def add_school(self, row: SchoolRow) -> None: ...

    @abstractmethod
    def update_school(self, school_id: UUID, **fields: Any) -> None: ...

    @abstractmethod
    def open_class(self, row: ClassRow) -> None: ...

    @abstractmethod
    def close_class(self, school_id: UUID, class_id: str) -> None: ...

    @abstractmethod
    def set_bell_schedule(self, school_id: UUID, periods: list[dict[str, object]]) -> None: ...

    @abstractmethod
    def add_user(self, row: UserRow) -> None: ...

    @abstractmethod
    def update_user(self, user_id: UUID, **fields: Any) -> None: ...

    # Queries. Every query of tenant data takes the tenant.
    @abstractmethod
    def tenants(self) -> list[TenantRow]: ...

    @abstractmethod
    def tenant(self, tenant_id: UUID) -> TenantRow | None: ...

    @abstractmethod
    def schools(self, tenant_id: UUID) -> list[SchoolRow]: ...

    @abstractmethod
    def school(self, tenant_id: UUID, school_id: UUID) -> SchoolRow | None: ...

    @abstractmethod
    def school_names(self, tenant_id: UUID) -> dict[UUID, str]:
        """The names of the tenant's schools (nothing else: pages naming many schools)."""

    @abstractmethod
    def classes(self, tenant_id: UUID, school_id: UUID) -> list[ClassRow]: ...

    @abstractmethod
    def bell_schedule(self, tenant_id: UUID, school_id: UUID) -> list[dict[str, object]]: ...

    @abstractmethod
    def users(
        self, tenant_id: UUID, *, school_id: UUID | None = None, role: str | None = None
    ) -> list[UserRow]: ...

    @abstractmethod
    def user(self, tenant_id: UUID, user_id: UUID) -> UserRow | None: ...

    @abstractmethod
    def user_for_session(self, user_id: UUID) -> UserRow | None:
        """The signed-in user's own row, looked up by id alone (the session knows no tenant yet)."""

    @abstractmethod
    def user_id_by_username(self, username: str) -> UUID | None: ...


class DirectoryProjection(Projection[DirectoryView]):
    name = "directory"

    @singledispatchmethod
    def process(self, event: Any) -> None:
        """Events without a handler change nothing in the directory."""

    @process.register
    def _(self, e: Tenant.Registered) -> None:
        self.view.add_tenant(TenantRow(e.originator_id, e.name, e.region))

    @process.register
    def _(self, e: Tenant.Renamed) -> None:
        self.view.rename_tenant(e.originator_id, e.name)

    @process.register
    def _(self, e: School.Registered) -> None:
        self.view.add_school(
            SchoolRow(
                id=e.originator_id,
                tenant_id=e.tenant_id,
                name=e.name,
                code=e.code,
                stage=e.stage,
                locality=e.locality,
                student_count=e.student_count,
            )
        )

    @process.register
    def _(self, e: School.DetailsChanged) -> None:
        self.view.update_school(
            e.originator_id,
            name=e.name,
            stage=e.stage,
            locality=e.locality,
            student_count=e.student_count,
        )

    @process.register
    def _(self, e: School.ClassOpened) -> None:
        self.view.open_class(ClassRow(e.originator_id, e.class_id, e.grade, e.name))

    @process.register
    def _(self, e: School.ClassClosed) -> None:
        self.view.close_class(e.originator_id, e.class_id)

    @process.register
    def _(self, e: School.BellScheduleSet) -> None:
        self.view.set_bell_schedule(e.originator_id, e.periods)

    @process.register
    def _(self, e: User.Registered) -> None:
        self.view.add_user(
            UserRow(
                id=e.originator_id,
                tenant_id=e.tenant_id,
                username=e.username,
                display_name=e.display_name,
                school_id=e.school_id,
                roles=list(e.roles),
                subjects=list(e.subjects),
                grades=list(e.grades),
                key_level=e.key_level,
                title=e.title,
            )
        )

    @process.register
    def _(self, e: User.PasswordChanged) -> None:
        # Only when, never the hash: the read model holds nothing a password could be guessed from.
        self.view.update_user(e.originator_id, credentials_changed_at=e.timestamp)

    @process.register
    def _(self, e: User.RolesChanged) -> None:
        self.view.update_user(e.originator_id, roles=list(e.roles))

    @process.register
    def _(self, e: User.ProfileUpdated) -> None:
        self.view.update_user(
            e.originator_id,
            display_name=e.display_name,
            subjects=list(e.subjects),
            grades=list(e.grades),
            key_level=e.key_level,
            title=e.title,
        )

    @process.register
    def _(self, e: User.Transferred) -> None:
        self.view.update_user(e.originator_id, school_id=e.to_school_id)

    @process.register
    def _(self, e: User.Deactivated) -> None:
        self.view.update_user(e.originator_id, active=False)

    @process.register
    def _(self, e: User.Reactivated) -> None:
        self.view.update_user(e.originator_id, active=True)
