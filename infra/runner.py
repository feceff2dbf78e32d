"""The projection runner: follows the store and keeps one view up to date, exactly once.

- Reads the head position first, then the events up to it: under the store's table lock ids commit
  in order, so nothing at or below a committed head can still appear later. No event whose
  transaction commits late is skipped.
- Applies a batch of events and moves its tracking row in one transaction; a crash loses the batch
  and the next run redoes it.
- Holds a lease while it works, and moves the tracking row by compare-and-set, so a second runner
  for the same view can never apply the same events again.
"""

from __future__ import annotations

import copy
import logging
import os
import queue
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import sqlalchemy.exc
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import InterfaceError, Notification
from sqlalchemy.exc import DBAPIError

from infra.faults import Fault, ProjectionFaults
from infra.leases import InProcessLease, Lease
from infra.rebuild import Shadow, ShadowBehind
from infra.views.base import SQLView, TrackingConflict
from infra.wake import Wake
from projections.base import Projection
from services.platform import Platform

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Status:
    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


#: A notification and its domain event, or the error that decoding it raised.
Decoded = tuple[Notification, DomainEventProtocol[Any] | Exception]


class ProjectionStopped(RuntimeError):
    """A view cannot apply the event at ``position``: it stops there, it does not skip it."""

    def __init__(self, view: str, position: int, topic: str, fault: Fault | None) -> None:
        super().__init__(
            f"投影 {view} 无法应用事件 {position} ({topic}) / view {view} cannot "
            f"apply the event at {position} ({topic})"
        )
        self.view, self.position, self.topic, self.fault = view, position, topic, fault


#: PostgreSQL's codes for a lock or snapshot conflict: deadlock, serialization, lock not available.
_CONTENTION = {"40P01", "40001", "55P03"}


def _not_the_events_fault(error: BaseException) -> bool:
    """The database, not the event, failed (a lost connection, a lock held elsewhere, as during
    a rebuild's swap): no event is to blame, and the run loop retries."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, (InterfaceError, sqlalchemy.exc.InterfaceError)):
            return True
        if getattr(cause, "pgcode", None) in _CONTENTION:
            return True
        if isinstance(cause, sqlite3.OperationalError) and "locked" in str(cause):
            return True
        cause = cause.__cause__ or getattr(cause, "orig", None)
    return False


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ProjectionRunner:
    def __init__(
        self,
        *,
        platform: Platform,
        projection: Projection[SQLView],
        lease: Lease,
        holder: str | None = None,
        batch_size: int = 500,
        lease_ttl: float = 15.0,
        on_advanced: Callable[[str, int], None] | None = None,
        faults: ProjectionFaults | None = None,
        min_backoff: float = 1.0,
        max_backoff: float = 60.0,
        read_in_batch: bool = True,
    ) -> None:
        self.platform = platform
        # A runner of its own: the handlers read ``position``, which the runner sets per event.
        self.projection = copy.copy(projection)
        self.view = projection.view
        self.lease = lease
        self.holder = holder or default_holder()
        self.batch_size = batch_size
        self.lease_ttl = lease_ttl
        self.topics = list(type(projection).topics())
        self.applied = 0  # events this runner applied (tests compare runners by it)
        self.conflicts = 0  # batches rolled back because another runner moved the view first
        self.caught_up = threading.Condition()
        #: Told (view name, position) after each committed batch: this process's caches by
        #: position learn of it at once (``infra.positions``).
        self.on_advanced = on_advanced
        #: Where a stopped view is recorded (``infra.faults``), and this view's fault if any.
        self.faults = faults
        self._fault_at: int | None = None
        self._fault_checked = False
        self.min_backoff, self.max_backoff = min_backoff, max_backoff
        self.read_in_batch = read_in_batch

    @property
    def name(self) -> str:
        return self.projection.name

    def status(self) -> Status:
        head = self.platform.recorder.max_notification_id() or 0
        return Status(self.name, self.view.position(), head)

    def catch_up(self, keep_going: Callable[[], bool] = lambda: True) -> int:
        """Apply every event up to the current head, a batch per transaction. Returns the count.

        If another runner moves the view meanwhile (no lease, or a lease lost), this batch rolls
        back on the tracking row's compare-and-set, and catching up goes on from where the view
        is now: the events are applied once, by whichever runner got there first.

        If a batch fails, its events are applied again one per transaction, so that the event
        the view cannot apply is found, recorded as a fault and raised as ``ProjectionStopped``;
        the events before it stay applied. It is never skipped.
        """
        position = self.view.position()
        head = self.platform.recorder.max_notification_id() or 0
        self._forget_passed_fault(position)
        ahead = _ReadAhead(self._read_decoded, position, head, self.batch_size, self.read_in_batch)
        try:
            return self._catch_up(position, head, keep_going, ahead)
        finally:
            ahead.close()

    def _catch_up(
        self, position: int, head: int, keep_going: Callable[[], bool], ahead: _ReadAhead
    ) -> int:
        processed = 0
        one_by_one_until = 0  # the end of a failed batch, whose events go one per transaction
        while position < head and keep_going():
            limit = 1 if position < one_by_one_until else self.batch_size
            current: Notification | None = None
            try:
                # A shadow view reads the store before its batch (their databases differ), the
                # next page already read and decoded meanwhile when the reader is where this
                # batch is.
                page = [] if self.read_in_batch else ahead.take(position, limit)
                with self.view.batch() as session:
                    if self.read_in_batch:
                        # Read in the batch's own session: one connection, one transaction.
                        page = self._read_decoded(position, head, limit)
                    notifications = [notification for notification, _ in page]
                    full = len(page) == limit
                    to_position = page[-1][0].id if full else head
                    for notification, decoded in page:
                        current = notification
                        self.projection.position = notification.id
                        if isinstance(decoded, Exception):
                            raise decoded  # blamed on this event, as if decoded here
                        self.projection.process(decoded)
                    self.view.advance(session, position, to_position)
            except TrackingConflict:
                self.conflicts += 1
                log.info("view %s was moved by another runner; following it", self.name)
                position = self.view.position()
                continue
            except Exception as error:
                if current is None or _not_the_events_fault(error):
                    raise  # nothing to blame on an event: the run loop retries
                if limit > 1:
                    one_by_one_until = to_position
                    continue
                self._stopped_at(current, error)
            processed += len(notifications)
            self.applied += len(notifications)
            position = to_position
            self._forget_passed_fault(position)
            if self.on_advanced is not None:
                self.on_advanced(self.name, position)
            with self.caught_up:
                self.caught_up.notify_all()
        return processed

    def _read_decoded(self, position: int, head: int, limit: int) -> list[Decoded]:
        """The page, each notification with its domain event (or why it could not be decoded:
        the batch blames that event when it comes to it)."""
        mapper = self.platform.mapper
        page: list[Decoded] = []
        for notification in self._read(position, head, limit):
            try:
                page.append((notification, mapper.to_domain_event(notification)))
            except Exception as exc:
                page.append((notification, exc))
        return page

    def _read(self, position: int, head: int, limit: int) -> Sequence[Notification]:
        return self.platform.recorder.select_notifications(
            start=position,
            stop=head,
            limit=limit,
            topics=self.topics,
            inclusive_of_start=False,
        )

    def _stopped_at(self, notification: Notification, error: Exception) -> NoReturn:
        fault = None
        if self.faults is not None:
            try:
                fault = self.faults.record(self.name, notification.id, notification.topic, error)
                self._fault_at = notification.id
            except Exception:
                log.exception("could not record the fault of %s", self.name)
        raise ProjectionStopped(self.name, notification.id, notification.topic, fault) from error

    def _forget_passed_fault(self, position: int) -> None:
        """Clear this view's fault once it has applied the event (a fix was deployed)."""
        if self.faults is None:
            return
        if self._fault_at is None:
            if self._fault_checked:
                return
            fault = self.faults.of(self.name)
            self._fault_checked = True
            self._fault_at = fault.position if fault is not None else None
        if self._fault_at is not None and position >= self._fault_at:
            self.faults.clear(self.name, position)
            log.info("projection %s applied %s: its fault is cleared", self.name, self._fault_at)
            self._fault_at = None

    def run(self, stop: threading.Event, wake: Wake, idle_timeout: float = 1.0) -> None:
        """Hold the lease and follow the store until ``stop`` is set."""
        renew_every = self.lease_ttl / 3
        first_backoff = min(self.min_backoff, renew_every)
        backoff = first_backoff

        def still_leased() -> bool:
            return not stop.is_set() and self.lease.acquire(self.name, self.holder, self.lease_ttl)

        try:
            while not stop.is_set():
                try:
                    if not self.lease.acquire(self.name, self.holder, self.lease_ttl):
                        stop.wait(renew_every)
                        continue
                    processed = self.catch_up(still_leased)
                except Exception:
                    # A failing batch rolled back (or the lease could not be asked for): retry
                    # later rather than skip an event or run without the lease. A fix deployed
                    # meanwhile, in the code or in the database, lets the next try through.
                    log.exception("projection %s failed; retrying in %.0f s", self.name, backoff)
                    stop.wait(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                    continue
                backoff = first_backoff
                if processed == 0:
                    wake.wait(min(idle_timeout, renew_every))
        finally:
            try:
                self.lease.release(self.name, self.holder)
            except Exception:  # the lease lapses by itself
                log.warning("could not release the lease for %s", self.name, exc_info=True)

    def rebuild(self) -> int:
        """Apply the whole log to a view beside the live one, and swap it in once it has caught
        up (``infra.rebuild``, ADR 0003). The live view serves meanwhile, and its runner may
        keep running; a rebuild that fails changes nothing. Returns the events applied."""
        name = f"{self.name}:rebuild"
        if not self.lease.acquire(name, self.holder, self.lease_ttl):
            raise RuntimeError(
                f"{self.name} 正在另一处重建 / another rebuild of {self.name} is under way"
            )
        lost = False

        def still_ours() -> bool:
            nonlocal lost
            lost = not self.lease.acquire(name, self.holder, self.lease_ttl)
            return not lost

        shadow = Shadow(self.view)
        try:
            projection = copy.copy(self.projection)
            projection.view = shadow.open()
            beside = ProjectionRunner(
                platform=self.platform,
                projection=projection,
                lease=InProcessLease(),
                batch_size=self.batch_size,
                read_in_batch=False,
            )
            count = 0
            while True:
                count += beside.catch_up(still_ours)
                if lost:
                    raise RuntimeError(
                        f"重建 {self.name} 时失去了租约 / lost the lease for rebuilding "
                        f"{self.name}; the live view is unchanged, rebuild again"
                    )
                try:
                    position = shadow.swap()
                    break
                except ShadowBehind:
                    continue  # the live runner applied newer events: catch up to them too
        finally:
            shadow.drop()
            self.lease.release(name, self.holder)
        log.info("rebuilt %s beside the live view and swapped it in at %s", self.name, position)
        if self.faults is not None:
            self.faults.clear(self.name, position)
        if self.on_advanced is not None:
            self.on_advanced(self.name, position)
        return count


class _ReadAhead:
    """Pages of the log read and decoded in a thread of their own while the runner applies and
    writes the page before (the writes wait on the database without the GIL):
    for a shadow view (``read_in_batch=False``), whose reads are not in its batch's transaction.

    The reader goes on as the batches will if all goes well (full pages, from the last id of the
    page before). A batch that goes another way (one by one after a failure, a conflict) reads
    for itself from then on."""

    _END = object()

    def __init__(
        self,
        read: Callable[[int, int, int], list[Decoded]],
        position: int,
        head: int,
        limit: int,
        idle: bool,
    ) -> None:
        self._read, self._head, self._limit = read, head, limit
        self._pages: queue.Queue[tuple[int, object]] = queue.Queue(maxsize=2)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if not idle and position < head:
            self._thread = threading.Thread(
                target=self._run, args=(position, head), name="read-ahead", daemon=True
            )
            self._thread.start()

    def _run(self, position: int, head: int) -> None:
        try:
            while position < head and not self._stop.is_set():
                page = self._read(position, head, self._limit)
                self._put(position, page)
                position = page[-1][0].id if len(page) == self._limit else head
        except BaseException as exc:  # handed to the runner, which decides
            self._put(position, exc)
        self._put(position, self._END)

    def _put(self, position: int, item: object) -> None:
        while not self._stop.is_set():
            try:
                self._pages.put((position, item), timeout=0.1)
                return
            except queue.Full:
                continue

    def take(self, position: int, limit: int) -> list[Decoded]:
        """The page after ``position``: the one read ahead if it is that one, else read now."""
        if self._thread is not None and limit == self._limit:
            start, page = self._pages.get()
            if isinstance(page, BaseException):
                self.close()
                raise page
            if start == position and page is not self._END:
                return page  # type: ignore[return-value]
            self.close()
        return self._read(position, self._head, limit)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def wait_for_position(views: list[SQLView], position: int, timeout: float) -> bool:
    """Read-your-writes: block (bounded) until every view has applied ``position``."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        if all(view.position() >= position for view in views):
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.1)
