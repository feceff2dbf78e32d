"""The directory as SQL tables."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Table,
    Text,
    Uuid,
    func,
    select,
)
from sqlalchemy.engine import Row

from infra.views.base import SQLView, as_utc, metadata
from projections.directory import ClassRow, DirectoryView, SchoolRow, TenantRow, UserRow

tenants = Table(
    "dir_tenants",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("region", Text, nullable=False),
)
schools = Table(
    "dir_schools",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("stage", Text, nullable=False),
    Column("locality", Text, nullable=False),
    Column("student_count", BigInteger, nullable=False),
    Column("bell_schedule", JSON, nullable=False),
)
classes = Table(
    "dir_classes",
    metadata,
    Column("school_id", Uuid, primary_key=True),
    Column("class_id", Text, primary_key=True),
    Column("grade", BigInteger, nullable=False),
    Column("name", Text, nullable=False),
    Column("open", Boolean, nullable=False),
)
users = Table(
    "dir_users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False, index=True),
    Column("username", Text, nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("school_id", Uuid, nullable=True, index=True),
    Column("roles", JSON, nullable=False),
    Column("subjects", JSON, nullable=False),
    Column("grades", JSON, nullable=False),
    Column("key_level", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("credentials_changed_at", DateTime(timezone=True), nullable=True),
)


def _user(row: Row[Any]) -> UserRow:
    return UserRow(
        id=row.id,
        tenant_id=row.tenant_id,
        username=row.username,
        display_name=row.display_name,
        school_id=row.school_id,
        roles=list(row.roles),
        subjects=list(row.subjects),
        grades=list(row.grades),
        key_level=row.key_level,
        title=row.title,
        active=row.active,
        credentials_changed_at=(
            as_utc(row.credentials_changed_at) if row.credentials_changed_at else None
        ),
    )


class SQLDirectoryView(SQLView, DirectoryView):
    name = "directory"
    view_tables = (tenants, schools, classes, users)

    # Updates. In a runner's batch the inserts are buffered and written at the end of the batch;
    # an update of a row inserted earlier in the same batch amends the buffered row instead.

    def add_tenant(self, row: TenantRow) -> None:
        self._insert(tenants, {"id": row.id, "name": row.name, "region": row.region}, (row.id,))

    def rename_tenant(self, tenant_id: UUID, name: str) -> None:
        self._update(tenants, (tenant_id,), tenants.c.id == tenant_id, {"name": name})

    def add_school(self, row: SchoolRow) -> None:
        self._insert(
            schools,
            {
                "id": row.id,
                "tenant_id": row.tenant_id,
                "name": row.name,
                "code": row.code,
                "stage": row.stage,
                "locality": row.locality,
                "student_count": row.student_count,
                "bell_schedule": [],
            },
            (row.id,),
        )

    def update_school(self, school_id: UUID, **fields: Any) -> None:
        self._update(schools, (school_id,), schools.c.id == school_id, fields)

    def open_class(self, row: ClassRow) -> None:
        self._insert(
            classes,
            {
                "school_id": row.school_id,
                "class_id": row.class_id,
                "grade": row.grade,
                "name": row.name,
                "open": True,
            },
            (row.school_id, row.class_id),
        )

    def close_class(self, school_id: UUID, class_id: str) -> None:
        where = (classes.c.school_id == school_id) & (classes.c.class_id == class_id)
        self._update(classes, (school_id, class_id), where, {"open": False})

    def set_bell_schedule(self, school_id: UUID, periods: list[dict[str, object]]) -> None:
        self.update_school(school_id, bell_schedule=periods)

    def add_user(self, row: UserRow) -> None:
        self._insert(
            users,
            {
                "id": row.id,
                "tenant_id": row.tenant_id,
                "username": row.username,
                "display_name": row.display_name,
                "school_id": row.school_id,
                "roles": row.roles,
                "subjects": row.subjects,
                "grades": row.grades,
                "key_level": row.key_level,
                "title": row.title,
                "active": row.active,
            },
            (row.id,),
        )

    def update_user(self, user_id: UUID, **fields: Any) -> None:
        self._update(users, (user_id,), users.c.id == user_id, fields)

    def tenants(self) -> list[TenantRow]:
        with self.transaction(commit=False) as s:
            rows = s.execute(select(tenants).order_by(tenants.c.name)).all()
        return [TenantRow(r.id, r.name, r.region) for r in rows]

    def tenant(self, tenant_id: UUID) -> TenantRow | None:
        with self.transaction(commit=False) as s:
            r = s.execute(select(tenants).where(tenants.c.id == tenant_id)).first()
        return TenantRow(r.id, r.name, r.region) if r else None

    def schools(self, tenant_id: UUID) -> list[SchoolRow]:
        return self._schools(tenant_id, None)

    def school(self, tenant_id: UUID, school_id: UUID) -> SchoolRow | None:
        found = self._schools(tenant_id, school_id)
        return found[0] if found else None

    def school_names(self, tenant_id: UUID) -> dict[UUID, str]:
        query = select(schools.c.id, schools.c.name).where(schools.c.tenant_id == tenant_id)
        with self.transaction(commit=False) as s:
            return dict(s.execute(query).tuples().all())

    def _schools(self, tenant_id: UUID, school_id: UUID | None) -> list[SchoolRow]:
        staff = (
            select(users.c.school_id, func.count().label("n"))
            .where(users.c.tenant_id == tenant_id, users.c.active.is_(True))
            .group_by(users.c.school_id)
            .subquery()
        )
        open_classes = (
            select(classes.c.school_id, func.count().label("n"))
            .where(classes.c.open.is_(True))
            .group_by(classes.c.school_id)
            .subquery()
        )
        query = (
            select(schools, staff.c.n.label("staff"), open_classes.c.n.label("class_count"))
            .outerjoin(staff, staff.c.school_id == schools.c.id)
            .outerjoin(open_classes, open_classes.c.school_id == schools.c.id)
            .where(schools.c.tenant_id == tenant_id)
            .order_by(schools.c.code)
        )
        if school_id is not None:
            query = query.where(schools.c.id == school_id)
        with self.transaction(commit=False) as s:
            rows = s.execute(query).all()
        return [
            SchoolRow(
                id=r.id,
                tenant_id=r.tenant_id,
                name=r.name,
                code=r.code,
                stage=r.stage,
                locality=r.locality,
                student_count=r.student_count,
                teacher_count=r.staff or 0,
                class_count=r.class_count or 0,
            )
            for r in rows
        ]

    def classes(self, tenant_id: UUID, school_id: UUID) -> list[ClassRow]:
        query = (
            select(classes)
            .join(schools, schools.c.id == classes.c.school_id)
            .where(schools.c.tenant_id == tenant_id, classes.c.school_id == school_id)
            .where(classes.c.open.is_(True))
            .order_by(classes.c.grade, classes.c.name)
        )
        with self.transaction(commit=False) as s:
            rows = s.execute(query).all()
        return [ClassRow(r.school_id, r.class_id, r.grade, r.name) for r in rows]

    def bell_schedule(self, tenant_id: UUID, school_id: UUID) -> list[dict[str, object]]:
        query = select(schools.c.bell_schedule).where(
            schools.c.tenant_id == tenant_id, schools.c.id == school_id
        )
        with self.transaction(commit=False) as s:
            periods = s.execute(query).scalar_one_or_none()
        return list(periods or [])

    def users(
        self, tenant_id: UUID, *, school_id: UUID | None = None, role: str | None = None
    ) -> list[UserRow]:
        query = select(users).where(users.c.tenant_id == tenant_id).order_by(users.c.username)
        if school_id is not None:
            query = query.where(users.c.school_id == school_id)
        with self.transaction(commit=False) as s:
            rows = [_user(r) for r in s.execute(query).all()]
        return [u for u in rows if role is None or role in u.roles]

    def user(self, tenant_id: UUID, user_id: UUID) -> UserRow | None:
        query = select(users).where(users.c.tenant_id == tenant_id, users.c.id == user_id)
        with self.transaction(commit=False) as s:
            r = s.execute(query).first()
        return _user(r) if r else None

    def user_for_session(self, user_id: UUID) -> UserRow | None:
        with self.transaction(commit=False) as s:
            r = s.execute(select(users).where(users.c.id == user_id)).first()
        return _user(r) if r else None

    def user_id_by_username(self, username: str) -> UUID | None:
        query = select(users.c.id).where(users.c.username == username.strip().lower())
        with self.transaction(commit=False) as s:
            found: UUID | None = s.execute(query).scalar_one_or_none()
        return found
