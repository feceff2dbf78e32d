"""The one event-sourced Application of the platform: one notification log, one global order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, Recording, Transcoding

from domain.base import TenantAggregate
from services.errors import NotFound

Listener = Callable[[int], None]


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

    def on_saved(self, listener: Listener) -> None:
        """Call ``listener(position)`` after every save; in-process projections wake on it."""
        self._listeners.append(listener)

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        if recordings:
            position = max(r.notification.id for r in recordings)
            for listener in self._listeners:
                listener(position)

    def save_all(self, *aggregates: Any) -> int:
        """Save in one transaction and return the store position of the last event."""
        recordings = self.save(*aggregates)
        return max((r.notification.id for r in recordings), default=0)

    def get_in_tenant(self, cls: type[Any], aggregate_id: UUID, tenant_id: UUID) -> Any:
        """The aggregate, if it exists, is a ``cls`` and belongs to the tenant; else ``NotFound``."""
        try:
            aggregate: Any = self.repository.get(aggregate_id)
        except Exception as exc:  # AggregateNotFoundError, or an id of the wrong shape
            raise NotFound("不存在 / Not found") from exc
        if not isinstance(aggregate, cls) or not isinstance(aggregate, TenantAggregate):
            raise NotFound("不存在 / Not found")
        if aggregate.tenant_id != tenant_id:
            raise NotFound("不存在 / Not found")
        return aggregate
