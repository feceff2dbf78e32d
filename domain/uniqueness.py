"""Claims on unique names (a login name, a school code in a tenant).

A claim is an aggregate whose id is derived from the name, saved in the same transaction as the
aggregate that takes the name: a second claim on the same name fails on the store's unique key, so
uniqueness holds across processes without a read-then-write race.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import TenantAggregate


class NameClaim(TenantAggregate):
    class Claimed(TenantAggregate.Created):
        key: str
        owner_id: UUID

    @staticmethod
    def create_id(key: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"jgt:claim:{key}")

    @event(Claimed)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        key: str,
        owner_id: UUID,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.key = key
        self.owner_id = owner_id


def username_key(username: str) -> str:
    return f"username:{username.strip().lower()}"


def school_code_key(tenant_id: UUID, code: str) -> str:
    return f"school-code:{tenant_id}:{code.strip().upper()}"
