"""A teacher's personal calendar feed (iCalendar) of their synchronized-class lessons.

Phone calendars fetch the feed without signing in, so its address is the only key. The address
carries the feed's generation, signed by the web layer; revoking the feed, or issuing a new
address, moves the generation on, and every address handed out before stops working. Nothing
secret is stored in an event: the signing key never leaves the app's configuration.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import DomainError, TenantAggregate


def calendar_feed_id(user_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"jgt:calendar-feed:{user_id}")


class CalendarFeed(TenantAggregate):
    class Created(TenantAggregate.Created):
        user_id: UUID

    @staticmethod
    def create_id(user_id: UUID) -> UUID:
        return calendar_feed_id(user_id)

    @event(Created)
    def __init__(
        self, *, tenant_id: UUID, user_id: UUID, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.tenant_id = tenant_id
        self.user_id = user_id
        self.generation = 0
        self.active = False

    class Issued(TenantAggregate.Event):
        generation: int

    @event(Issued)
    def _issue(self, generation: int, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.generation = generation
        self.active = True

    def issue(self, *, actor_id: UUID | None, occurred_at: datetime) -> int:
        """A new address; any earlier one stops working."""
        self._issue(self.generation + 1, actor_id=actor_id, occurred_at=occurred_at)
        return self.generation

    class Revoked(TenantAggregate.Event):
        generation: int

    @event(Revoked)
    def _revoke(self, generation: int, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.active = False

    def revoke(self, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        if not self.active:
            raise DomainError("订阅链接已停用 / The calendar link is already revoked")
        self._revoke(self.generation, actor_id=actor_id, occurred_at=occurred_at)

    def opens(self, generation: int) -> bool:
        """Whether an address of ``generation`` still opens the feed."""
        return self.active and generation == self.generation
