"""A school's activity feed: what happened at the school, newest first."""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from domain.school import School
from domain.user import User
from projections.audit_log import EventEntry, entry_for
from projections.base import Projection


class ActivityFeedView(ABC):
    @abstractmethod
    def remember_user_school(self, user_id: UUID, school_id: UUID | None) -> None: ...

    @abstractmethod
    def user_school(self, user_id: UUID) -> UUID | None: ...

    @abstractmethod
    def append(self, entry: EventEntry) -> None: ...

    @abstractmethod
    def entries(
        self, tenant_id: UUID, school_id: UUID, *, before_position: int | None, limit: int
    ) -> list[EventEntry]: ...


class ActivityFeedProjection(Projection[ActivityFeedView]):
    name = "activity_feed"

    @singledispatchmethod
    def process(self, event: Any) -> None:
        """Events that concern no school do not appear in a feed."""

    @process.register
    def _(self, e: School.Event) -> None:
        self.view.append(entry_for(e, e.originator_id, self.position))

    @process.register
    def _(self, e: User.Registered) -> None:
        self.view.remember_user_school(e.originator_id, e.school_id)
        if e.school_id is not None:
            self.view.append(entry_for(e, e.school_id, self.position))

    @process.register
    def _(self, e: User.Transferred) -> None:
        # Both schools see a transfer: one loses a teacher, the other gains one.
        self.view.remember_user_school(e.originator_id, e.to_school_id)
        self.view.append(entry_for(e, e.from_school_id, self.position))
        self.view.append(entry_for(e, e.to_school_id, self.position))

    @process.register
    def _(self, e: User.ProfileUpdated) -> None:
        self._append_at_user_school(e)

    @process.register
    def _(self, e: User.RolesChanged) -> None:
        self._append_at_user_school(e)

    @process.register
    def _(self, e: User.Deactivated) -> None:
        self._append_at_user_school(e)

    @process.register
    def _(self, e: User.Reactivated) -> None:
        self._append_at_user_school(e)

    def _append_at_user_school(self, e: User.Event) -> None:
        school_id = self.view.user_school(e.originator_id)
        if school_id is not None:
            self.view.append(entry_for(e, school_id, self.position))
