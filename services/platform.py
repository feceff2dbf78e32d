"""The one event-sourced Application of the platform: one notification log, one global order."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording, Transcoding

from domain.base import TenantAggregate
from services.errors import NotFound

Listener = Callable[[int], None]

#: What "no such aggregate here" looks like when loading one: missing, or an id of the wrong shape.
#: Anything else (the database away) is not "not found": it propagates, and the entry point
#: answers 503.
NOT_THERE: tuple[type[Exception], ...] = (AggregateNotFoundError, ValueError, TypeError)
#: The same, or an aggregate the actor may not see (which answers as a missing one does).
NOT_THERE_OR_HIDDEN: tuple[type[Exception], ...] = (*NOT_THERE, NotFound)


class ConcurrentChange(IntegrityError):
    """Another command saved one of this command's aggregates in the moment between loading and
    saving it (a version taken twice, or an aggregate with a derived id created twice): nothing
    of this command was stored, and deciding again on the new state may well succeed.

    Still an ``IntegrityError``: the services that claim a unique name catch that around their
    save and answer "taken", and must go on doing so; only what they leave uncaught is retried.
    """


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class Platform(Application[UUID]):
    name = "jgt"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._listeners: list[Listener] = []
        self._saves = threading.local()

    def on_saved(self, listener: Listener) -> None:
        """Call ``listener(position)`` after every save; in-process projections wake on it."""
        self._listeners.append(listener)

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        if recordings:
            position = max(r.notification.id for r in recordings)
            for listener in self._listeners:
                listener(position)

    def save_all(self, *aggregates: Any) -> int:
        """Save in one transaction and return the store position of the last event.

        ``ConcurrentChange`` if an aggregate loaded for this command was changed meanwhile."""
        try:
            recordings = self.save(*aggregates)
        except ConcurrentChange:
            raise
        except IntegrityError as exc:
            raise ConcurrentChange(*exc.args) from exc
        self._saves.count = self.saves_in_this_thread() + 1
        return max((r.notification.id for r in recordings), default=0)

    def saves_in_this_thread(self) -> int:
        """How many saves this thread has made: a command may be run again after a
        ``ConcurrentChange`` only if nothing else was saved since it began."""
        count: int = getattr(self._saves, "count", 0)
        return count

    def head(self) -> int:
        """The position of the last event stored (0 for an empty store)."""
        return self.recorder.max_notification_id() or 0

    def get_in_tenant(self, cls: type[Any], aggregate_id: UUID, tenant_id: UUID) -> Any:
        """The aggregate, if it exists, is a ``cls`` and belongs to the tenant; else ``NotFound``."""
        try:
            aggregate: Any = self.repository.get(aggregate_id)
        except NOT_THERE as exc:
            raise NotFound("不存在 / Not found") from exc
        if not isinstance(aggregate, cls) or not isinstance(aggregate, TenantAggregate):
            raise NotFound("不存在 / Not found")
        if aggregate.tenant_id != tenant_id:
            raise NotFound("不存在 / Not found")
        return aggregate
