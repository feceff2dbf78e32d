"""The bureau's audit log: who did what, when it happened and when it was recorded."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from functools import singledispatchmethod
from typing import Any, ClassVar
from uuid import UUID

from domain.base import TenantAggregate
from domain.school import School
from domain.uniqueness import NameClaim
from domain.user import User
from projections.base import Projection, plain

# Fields every event has; what is left is what the event says.
_ENVELOPE = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "tenant_id",
        "actor_id",
        "occurred_at",
    }
)
# Never copied into a read model. Events name their own private fields in PRIVATE_FIELDS.
_SECRET = frozenset({"password_hash"})


def event_type(event: object) -> str:
    """``School.ClassOpened`` — the aggregate and the event, stable across module moves."""
    return type(event).__qualname__


def event_details(event: object) -> dict[str, Any]:
    details: dict[str, Any] = {}
    private: frozenset[str] = getattr(event, "PRIVATE_FIELDS", frozenset())
    for key, value in vars(event).items():
        if key in _ENVELOPE or key in _SECRET or key in private:
            continue
        details[key] = plain(value)
    return details


@dataclass(frozen=True)
class EventEntry:
    position: int
    tenant_id: UUID
    event_type: str
    subject_id: UUID
    actor_id: UUID | None
    school_id: UUID | None
    occurred_at: datetime
    recorded_at: datetime
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditFilter:
    school_id: UUID | None = None
    actor_id: UUID | None = None
    event_type: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    before_position: int | None = None
    limit: int = 50


class AuditLogView(ABC):
    @abstractmethod
    def remember_user_school(self, user_id: UUID, school_id: UUID | None) -> None: ...

    @abstractmethod
    def user_school(self, user_id: UUID) -> UUID | None: ...

    @abstractmethod
    def append(self, entry: EventEntry) -> None: ...

    @abstractmethod
    def entries(self, tenant_id: UUID, query: AuditFilter) -> list[EventEntry]: ...

    @abstractmethod
    def event_types(self, tenant_id: UUID) -> list[str]: ...


def school_of(event: TenantAggregate.Event, view: AuditLogView) -> UUID | None:
    """The school an event concerns, as known when the event happened."""
    if isinstance(event, School.Event):
        return event.originator_id
    if isinstance(event, User.Registered):
        return event.school_id
    if isinstance(event, User.Transferred):
        return event.to_school_id
    if isinstance(event, User.Event):
        return view.user_school(event.originator_id)
    school_id = getattr(event, "school_id", None)
    return school_id if isinstance(school_id, UUID) else None


class AuditLogProjection(Projection[AuditLogView]):
    name = "audit_log"
    all_events: ClassVar[bool] = True

    @singledispatchmethod
    def process(self, event: Any) -> None:
        """Only tenant events are audited."""

    @process.register
    def _(self, e: NameClaim.Claimed) -> None:
        """A claim on a name is bookkeeping; the event that took the name is audited."""

    @process.register
    def _(self, e: User.SessionStarted | User.SessionsEnded) -> None:
        """Signing in and out is not a change to the bureau's records (and would bury them)."""

    @process.register
    def _(self, e: TenantAggregate.Event) -> None:
        school_id = school_of(e, self.view)
        if isinstance(e, User.Registered | User.Transferred):
            self.view.remember_user_school(e.originator_id, school_id)
        self.view.append(entry_for(e, school_id, self.position))


def entry_for(e: TenantAggregate.Event, school_id: UUID | None, position: int) -> EventEntry:
    return EventEntry(
        position=position,
        tenant_id=e.tenant_id,
        event_type=event_type(e),
        subject_id=e.originator_id,
        actor_id=e.actor_id,
        school_id=school_id,
        occurred_at=e.occurred_at,
        recorded_at=e.timestamp,
        details=event_details(e),
    )
