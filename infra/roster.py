"""The roster tables: written by the roster service in transactions of their own, never by a
projection and never into the event log (ADR 0006). Two tables in the store's own database: each
school's secret, and its students (学号, class, name and the pseudonymous key)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    delete,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from services.roster_store import Student

_metadata = MetaData()
roster_secrets = Table(
    "jgt_roster_secrets",
    _metadata,
    Column("school_id", Uuid, primary_key=True),
    Column("secret", LargeBinary, nullable=False),
)
roster = Table(
    "jgt_roster",
    _metadata,
    Column("school_id", Uuid, primary_key=True),
    Column("number", Text, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("key", Text, nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("grade", BigInteger, nullable=False),
    Column("class_name", Text, nullable=False),
)


def _student(row: object) -> Student:
    return Student(
        key=row.key,  # type: ignore[attr-defined]
        number=row.number,  # type: ignore[attr-defined]
        name=row.name,  # type: ignore[attr-defined]
        grade=int(row.grade),  # type: ignore[attr-defined]
        class_name=row.class_name,  # type: ignore[attr-defined]
    )


class SQLRosterStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._secrets: dict[UUID, bytes] = {}

    def create_table(self) -> None:
        _metadata.create_all(self.engine, tables=[roster_secrets, roster])

    def _secret(self, connection: Connection, school_id: UUID) -> bytes:
        if school_id in self._secrets:
            return self._secrets[school_id]
        query = select(roster_secrets.c.secret).where(roster_secrets.c.school_id == school_id)
        found = connection.execute(query).scalar()
        if found is None:
            try:
                with connection.begin_nested():
                    fresh = secrets.token_bytes(32)
                    connection.execute(
                        roster_secrets.insert().values(school_id=school_id, secret=fresh)
                    )
                    found = fresh
            except IntegrityError:
                found = connection.execute(query).scalar_one()  # made meanwhile by another
        self._secrets[school_id] = bytes(found)
        return self._secrets[school_id]

    def key_for(self, school_id: UUID, number: str) -> str:
        with self.engine.begin() as connection:
            secret = self._secret(connection, school_id)
        message = f"{school_id}:{number}".encode()
        return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]

    def put_class(
        self, tenant_id: UUID, school_id: UUID, grade: int, class_name: str, students: list[Student]
    ) -> None:
        if not students:
            return
        rows = [
            {
                "school_id": school_id,
                "number": s.number,
                "tenant_id": tenant_id,
                "key": s.key,
                "name": s.name,
                "grade": grade,
                "class_name": class_name,
            }
            for s in students
        ]
        with self.engine.begin() as connection:
            module = postgresql if connection.dialect.name == "postgresql" else sqlite
            statement = module.insert(roster)
            changes = {c: statement.excluded[c] for c in ("key", "name", "grade", "class_name")}
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["school_id", "number"], set_=changes
                ),
                rows,
            )

    def students(
        self, school_id: UUID, *, grade: int | None = None, class_name: str | None = None
    ) -> list[Student]:
        query = select(roster).where(roster.c.school_id == school_id)
        if grade is not None:
            query = query.where(roster.c.grade == grade)
        if class_name is not None:
            query = query.where(roster.c.class_name == class_name)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(roster.c.number)).all()
        return [_student(r) for r in rows]

    def by_numbers(self, school_id: UUID, numbers: list[str]) -> dict[str, Student]:
        if not numbers:
            return {}
        query = select(roster).where(roster.c.school_id == school_id, roster.c.number.in_(numbers))
        with self.engine.connect() as connection:
            return {r.number: _student(r) for r in connection.execute(query)}

    def by_keys(self, school_id: UUID, keys: list[str]) -> dict[str, Student]:
        if not keys:
            return {}
        query = select(roster).where(roster.c.school_id == school_id, roster.c.key.in_(keys))
        with self.engine.connect() as connection:
            return {r.key: _student(r) for r in connection.execute(query)}

    def erase(self, school_id: UUID, number: str) -> bool:
        with self.engine.begin() as connection:
            result = connection.execute(
                delete(roster).where(roster.c.school_id == school_id, roster.c.number == number)
            )
        return bool(result.rowcount)
