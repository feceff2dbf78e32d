"""How far each view has got, as a web worker may know it between two reads.

Pages and signed-in actors are cached by the position of the view they come from
(``infra.position_cache``), so every request needs positions; reading them from the database each
time was most of a cached dashboard request's cost. Here each process reads a view's position at
most every ``max_age`` seconds (0.1 s by default): another user's change shows up at most that
much later (the views themselves apply events asynchronously anyway). A user's *own* write is never
missed: the web session carries the position of the user's last write (``web.current.settle``),
and a remembered position below it is read again at once. Runners in this process (the embedded
default) report each batch they commit, so there nothing waits for a re-read; with Redis, runners
anywhere publish theirs (``PositionBroadcast``), so a worker usually knows before it would read.

A view may also keep versions of parts of itself (the communities view: per tenant, ADR 0008);
``version`` reads one again only once this process knows the view has moved.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from uuid import UUID

import redis

log = logging.getLogger(__name__)


class ViewPositions:
    #: Versions remembered at most, all views together (a few bytes each).
    MAX_VERSIONS = 100_000

    def __init__(
        self,
        readers: dict[str, Callable[[], int]],
        *,
        versions: dict[str, Callable[[UUID], int]] | None = None,
        max_age: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.readers = readers
        self.version_readers = versions or {}
        self.max_age = max_age
        self.clock = clock
        self._known: dict[str, tuple[int, float]] = {}  # view: position, when it was read
        # (view, scope): its version, and the view's position this process knew when read.
        self._versions: dict[tuple[str, UUID], tuple[int, int]] = {}
        self._lock = threading.Lock()
        #: Woken whenever a runner reports a batch (here, or published through Redis): the live
        #: pages (Server-Sent Events) wait on it instead of polling the database.
        self._moved = threading.Condition(self._lock)

    def of(self, view: str, at_least: int = 0) -> int:
        """The view's position: as read less than ``max_age`` ago, unless that is below
        ``at_least`` (then read now)."""
        now = self.clock()
        with self._lock:
            known = self._known.get(view)
            if known is not None and known[0] >= at_least:
                if now - known[1] < self.max_age:
                    return known[0]
                # One thread reads; the others go on with what is known meanwhile.
                self._known[view] = (known[0], now)
        position = self.readers[view]()
        with self._lock:
            self._known[view] = (position, now)
        return position

    def version(self, view: str, scope: UUID, at_least: int = 0) -> tuple[int, int]:
        """The version of one tenant's (or community's) part of the view, read again only once
        this process knows the view has moved (an event of any tenant: one small query, not a
        computation), with the view's position it is known at (``of``): the version then
        accounts for every event up to that position, the reader's own write included when
        ``at_least`` is its position. Views without a version reader answer their position."""
        position = self.of(view, at_least)
        reader = self.version_readers.get(view)
        if reader is None:
            return position, position
        with self._lock:
            known = self._versions.get((view, scope))
        if known is not None and known[1] >= position:
            return known[0], known[1]
        version = reader(scope)
        with self._lock:
            if len(self._versions) >= self.MAX_VERSIONS:
                self._versions.clear()  # scopes come and go; a re-read costs one query
            known = self._versions.get((view, scope))
            if known is None or known[1] <= position:
                self._versions[(view, scope)] = (version, position)
        return version, position

    def advanced(self, view: str, position: int) -> None:
        """A runner of this process has just committed the view at ``position``."""
        with self._lock:
            known = self._known.get(view)
            if known is None or position > known[0]:
                self._known[view] = (position, self.clock())
                self._moved.notify_all()

    def wait_beyond(self, view: str, position: int, timeout: float, *, poll: float = 1.0) -> int:
        """The view's position once it passes ``position``, or what it is after ``timeout``.

        Woken by ``advanced``; it also reads the view every ``poll`` seconds, so a message Redis
        lost delays a watcher by that much, never forever."""
        deadline = self.clock() + timeout
        while True:
            current = self.of(view)
            remaining = deadline - self.clock()
            if current > position or remaining <= 0:
                return current
            with self._moved:
                known = self._known.get(view)
                if known is None or known[0] <= position:
                    self._moved.wait(min(poll, remaining))


class PositionBroadcast:
    """Redis pub/sub fan-out of "view X reached position N": a runner in any process publishes
    each batch it commits, and every web worker listening learns of it at once, instead of at its
    next read. A lost message only means that worker reads ``max_age`` later; Redis failing costs
    nothing else."""

    def __init__(self, client: redis.Redis, channel: str) -> None:
        self.client = client
        self.channel = channel

    def publish(self, view: str, position: int) -> None:
        try:
            self.client.publish(self.channel, f"{view} {position}")
        except redis.RedisError:
            log.warning("positions: Redis unavailable; not published", exc_info=True)

    def listen(self, positions: ViewPositions, stop: threading.Event) -> threading.Thread:
        """A daemon thread telling ``positions`` what runners publish, until ``stop``."""
        thread = threading.Thread(
            target=self._follow, args=(positions, stop), name="positions-listener", daemon=True
        )
        thread.start()
        return thread

    def _follow(self, positions: ViewPositions, stop: threading.Event) -> None:
        while not stop.is_set():
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.channel)
                while not stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        _tell(positions, message.get("data"))
            except redis.RedisError:
                log.warning("positions: Redis unavailable; listening again soon", exc_info=True)
                stop.wait(1.0)
            finally:
                with contextlib.suppress(redis.RedisError):
                    pubsub.close()


def _tell(positions: ViewPositions, data: object) -> None:
    text = data.decode() if isinstance(data, bytes) else str(data)
    view, _, number = text.partition(" ")
    if view in positions.readers and number.isdigit():
        positions.advanced(view, int(number))
