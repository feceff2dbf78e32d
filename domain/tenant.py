"""A tenant is one education bureau's jurisdiction (区/县教育局)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.base import DomainError, TenantAggregate


class Tenant(TenantAggregate):
    class Registered(TenantAggregate.Created):
        name: str
        region: str

    @staticmethod
    def create_id(tenant_id: UUID) -> UUID:
        # A tenant is its own tenant: its id is the tenant id every other aggregate carries.
        return tenant_id

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
        if not name.strip():
            raise DomainError("教育局名称不能为空 / A bureau needs a name")
        self.tenant_id = tenant_id
        self.name = name.strip()
        self.region = region.strip()

    class Renamed(TenantAggregate.Event):
        name: str

    @event(Renamed)
    def rename(self, name: str, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        if not name.strip():
            raise DomainError("教育局名称不能为空 / A bureau needs a name")
        self.name = name.strip()
