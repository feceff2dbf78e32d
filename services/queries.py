"""Reads of the read models, scoped to what the actor may see."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from uuid import UUID

from domain.roles import Role
from projections.audit_log import AuditFilter, EventEntry
from projections.directory import ClassRow, SchoolRow, TenantRow, UserRow
from services.actor import Actor
from services.context import Context
from services.errors import Forbidden, NotFound
from services.policy import Action, allowed, require


class Waited(Enum):
    """How a read-your-writes wait ended."""

    REACHED = "reached"  # the read models show the position
    LATE = "late"  # they did not within the bounded wait
    BEYOND_HEAD = "beyond_head"  # no event has that position yet: nothing to wait for
    BUSY = "busy"  # too many waits already (this caller's, or everyone's): not waited


class WaitGate:
    """Bounds the requests parked in read-your-writes waits, per caller and in all.

    A wait holds a server thread for up to the read-your-writes timeout. Unbounded, one signed-in
    user asking for many positions at once parks every thread of the server; so each caller may
    wait in ``per_caller`` requests at once, and all callers together in fewer requests than a
    worker has threads (``overall``): some thread is always free to serve. Beyond that a wait is
    refused at once rather than queued.
    """

    def __init__(self, *, per_caller: int = 2, overall: int = 3) -> None:
        self.per_caller = per_caller
        self.overall = overall
        self._waiting: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, caller: str) -> Iterator[bool]:
        """Yields whether the caller may wait now (and holds the slot meanwhile)."""
        with self._lock:
            allowed = (
                self._waiting[caller] < self.per_caller and self._waiting.total() < self.overall
            )
            if allowed:
                self._waiting[caller] += 1
        try:
            yield allowed
        finally:
            if allowed:
                with self._lock:
                    self._waiting[caller] -= 1
                    if not self._waiting[caller]:
                        del self._waiting[caller]


class QueryService:
    def __init__(self, ctx: Context, *, waits: WaitGate | None = None) -> None:
        self.ctx = ctx
        self.waits = waits or WaitGate()

    def wait_for(self, position: int) -> bool:
        """Read-your-writes: wait (bounded) until the read models show ``position``."""
        return self.ctx.wait_for(position)

    def wait_as(self, caller: str, position: int) -> Waited:
        """Read-your-writes for one caller (a user), bounded by ``waits``: a position not yet in
        the log is answered at once, and so is a caller with too many waits already."""
        if position > self.ctx.platform.head():
            return Waited.BEYOND_HEAD
        with self.waits.slot(caller) as allowed:
            if not allowed:
                return Waited.BUSY
            return Waited.REACHED if self.ctx.wait_for(position) else Waited.LATE

    def tenants(self, actor: Actor) -> list[TenantRow]:
        require(actor, Action.REGISTER_TENANT)
        return self.ctx.directory.tenants()

    def own_tenant(self, actor: Actor) -> TenantRow | None:
        return self.ctx.directory.tenant(actor.tenant_id)

    def schools(self, actor: Actor) -> list[SchoolRow]:
        require(actor, Action.VIEW_DIRECTORY)
        return self.ctx.directory.schools(actor.tenant_id)

    def school(self, actor: Actor, school_id: UUID) -> SchoolRow:
        school = self.ctx.directory.school(actor.tenant_id, school_id)
        if school is None:
            raise NotFound("学校不存在 / No such school")
        require(actor, Action.VIEW_DIRECTORY)
        return school

    def classes(self, actor: Actor, school_id: UUID) -> list[ClassRow]:
        self.school(actor, school_id)
        return self.ctx.directory.classes(actor.tenant_id, school_id)

    def bell_schedule(self, actor: Actor, school_id: UUID) -> list[dict[str, object]]:
        self.school(actor, school_id)
        return self.ctx.directory.bell_schedule(actor.tenant_id, school_id)

    def staff(self, actor: Actor, school_id: UUID) -> list[UserRow]:
        self.school(actor, school_id)
        require(actor, Action.VIEW_SCHOOL, school_id)
        return self.ctx.directory.users(actor.tenant_id, school_id=school_id)

    def bureau_staff(self, actor: Actor) -> list[UserRow]:
        require(actor, Action.MANAGE_BUREAU_STAFF)
        return [
            u
            for u in self.ctx.directory.users(actor.tenant_id)
            if u.school_id is None and Role.PLATFORM_ADMIN not in u.roles
        ]

    def user(self, actor: Actor, user_id: UUID) -> UserRow:
        user = self.ctx.directory.user(actor.tenant_id, user_id)
        if user is None:
            raise NotFound("用户不存在 / No such user")
        if user.id != actor.user_id and not (
            allowed(actor, Action.VIEW_SCHOOL, user.school_id)
            if user.school_id
            else allowed(actor, Action.VIEW_AUDIT_LOG)
        ):
            raise Forbidden("无权查看该用户 / Not allowed to see this user")
        return user

    def names(self, actor: Actor, user_ids: set[UUID]) -> dict[UUID, str]:
        """Display names for the actors shown in a feed or a log (of the actor's tenant only)."""
        return {
            u.id: u.display_name
            for u in self.ctx.directory.users(actor.tenant_id)
            if u.id in user_ids
        }

    def school_feed(
        self, actor: Actor, school_id: UUID, *, before_position: int | None = None, limit: int = 50
    ) -> list[EventEntry]:
        self.school(actor, school_id)
        require(actor, Action.VIEW_SCHOOL_FEED, school_id)
        return self.ctx.feed.entries(
            actor.tenant_id, school_id, before_position=before_position, limit=min(limit, 200)
        )

    def audit_log(self, actor: Actor, query: AuditFilter) -> list[EventEntry]:
        require(actor, Action.VIEW_AUDIT_LOG)
        return self.ctx.audit.entries(actor.tenant_id, query)

    def audit_event_types(self, actor: Actor) -> list[str]:
        require(actor, Action.VIEW_AUDIT_LOG)
        return self.ctx.audit.event_types(actor.tenant_id)
