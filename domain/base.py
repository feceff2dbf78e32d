"""What every aggregate and event of the platform shares.

Every event carries the tenant it belongs to, the user who acted and when the thing happened
(``occurred_at``), which can be earlier than when it was recorded (the event's ``timestamp``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate


class DomainError(Exception):
    """A command broke a rule of the domain; the message is fit to show to the user."""


class TenantAggregate(Aggregate):
    """An aggregate that belongs to exactly one tenant (a bureau's jurisdiction)."""

    tenant_id: UUID

    class Event(Aggregate.Event):
        tenant_id: UUID
        actor_id: UUID | None
        occurred_at: datetime

    class Created(Event, Aggregate.Created):
        pass

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        # Commands name the actor and the time; the tenant always comes from the aggregate itself,
        # so no command can stamp an event with another tenant's id.
        kwargs["tenant_id"] = self.tenant_id
        super().trigger_event(event_class, **kwargs)
