"""A tenant is one education bureau's jurisdiction (区/县教育局)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.base import TenantAggregate
from domain.fields import BUREAU_NAME, REGION


class Tenant(TenantAggregate):
    class Registered(TenantAggregate.Created):
        name: str
        region: str

    @staticmethod
    def create_id(tenant_id: UUID) -> UUID:
        # A tenant is its own tenant: its id is the tenant id every other aggregate carries.
        return tenant_id

    @classmethod
    def register(
        cls,
        *,
        tenant_id: UUID,
        name: str,
        region: str = "",
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> Tenant:
        return cls(
            tenant_id=tenant_id,
            name=BUREAU_NAME.check(name),
            region=REGION.check(region),
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    @event(Registered)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        name: str,
        region: str,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.name = name
        self.region = region

    class Renamed(TenantAggregate.Event):
        name: str

    @event(Renamed)
    def _rename(self, name: str, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.name = name

    def rename(self, name: str, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self._rename(BUREAU_NAME.check(name), actor_id=actor_id, occurred_at=occurred_at)
