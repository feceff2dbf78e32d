"""The school-private roster: 学号, class and name of each student, kept outside the event log.

Events about students carry only a pseudonymous key, an HMAC of the school and the 学号 under a
secret that belongs to the school and lives beside the roster (``infra.roster``). Only the school's
own staff read the roster through the services, and erasing a student deletes the one row that links
the key to a 学号 and a name (ADR 0006).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class Student:
    key: str
    number: str  # 学号
    name: str
    grade: int
    class_name: str


class RosterStore(Protocol):
    def key_for(self, school_id: UUID, number: str) -> str:
        """The student's pseudonymous key (the school's secret is made on first use)."""
        ...

    def put_class(
        self, tenant_id: UUID, school_id: UUID, grade: int, class_name: str, students: list[Student]
    ) -> None:
        """Add or update the class's students, in one transaction."""
        ...

    def students(
        self, school_id: UUID, *, grade: int | None = None, class_name: str | None = None
    ) -> list[Student]: ...

    def by_numbers(self, school_id: UUID, numbers: list[str]) -> dict[str, Student]: ...

    def by_keys(self, school_id: UUID, keys: list[str]) -> dict[str, Student]: ...

    def erase(self, school_id: UUID, number: str) -> bool:
        """Forget the student's 学号 and name; False if there was no such student."""
        ...
