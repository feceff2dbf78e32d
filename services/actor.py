"""Who is acting: every service method takes an ``Actor`` first."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from domain.roles import Role


@dataclass(frozen=True)
class Actor:
    user_id: UUID | None
    tenant_id: UUID
    school_id: UUID | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    display_name: str = ""

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)


@dataclass(frozen=True)
class Done:
    """What a command returns: the id it created or changed and the store position to wait for."""

    id: UUID
    position: int
    #: The id of a part created inside the aggregate (a mentoring record, a class), which has
    #: no id of its own in the store: clients need it to act on what they created.
    part_id: str | None = None
