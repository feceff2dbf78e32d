"""For views whose update methods write at once inside a batch (instead of buffering until the
tracking row moves): when two runners apply the same events, the loser meets the winner's rows
(a duplicate key) before it meets the moved tracking row. That is the same conflict, and is
reported as one, so the runner follows the winner instead of blaming an event."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from eventsourcing.persistence import IntegrityError as StoreIntegrityError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from infra.views.base import SQLView, TrackingConflict


class DirectWrites(SQLView):
    @contextmanager
    def batch(self) -> Iterator[Session]:
        start = self.position()
        try:
            with super().batch() as session:
                yield session
        except TrackingConflict:
            raise
        except (IntegrityError, StoreIntegrityError) as exc:
            if self.position() == start:
                raise  # nobody else moved the view: a real fault, for the runner to report
            raise TrackingConflict(
                f"view {self.name} was moved by another runner while this batch ran"
            ) from exc
