"""The first platform administrator: created from the command line, by the system itself."""

from __future__ import annotations

from uuid import NAMESPACE_URL, uuid5

from domain.roles import Role
from infra.wiring import Runtime
from services.actor import Actor, Done

#: Platform administrators belong to no bureau: they live in a tenant of their own.
PLATFORM_TENANT_ID = uuid5(NAMESPACE_URL, "jgt:platform")
SYSTEM = Actor(user_id=None, tenant_id=PLATFORM_TENANT_ID, roles=frozenset({Role.PLATFORM_ADMIN}))


def bootstrap_platform_admin(
    runtime: Runtime, username: str, display_name: str, password: str
) -> Done:
    return runtime.services.people.register_user(
        SYSTEM,
        username=username,
        display_name=display_name,
        password=password,
        roles=[Role.PLATFORM_ADMIN],
    )
