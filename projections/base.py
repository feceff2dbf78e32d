"""What every projection shares: dispatch by event class, and the topics it needs from the store."""

from __future__ import annotations

from datetime import date, datetime
from functools import singledispatchmethod
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

V = TypeVar("V")


class Projection(Generic[V]):
    """Turns events into view updates, one small handler per event class.

    Handlers are registered with ``@process.register``. The runner calls ``process`` for every event
    in a batch inside one view transaction, so handlers only call the view's update methods.
    """

    name: ClassVar[str]
    #: When true the projection sees every event; otherwise only the classes it registered.
    all_events: ClassVar[bool] = False

    def __init__(self, view: V) -> None:
        self.view = view
        #: The store position (notification id) of the event being processed; set by the runner.
        self.position = 0

    @singledispatchmethod
    def process(self, event: Any) -> None:
        """Events without a handler change nothing in this view."""

    @classmethod
    def topics(cls) -> tuple[str, ...]:
        if cls.all_events:
            return ()
        registry = cls.__dict__["process"].dispatcher.registry
        handled = [t for t in registry if t is not object]
        return tuple(sorted({topic_of(t) for t in _with_subclasses(handled)}))


def topic_of(cls: type) -> str:
    # The store's topic format. Not eventsourcing's get_topic(): that registers the class, and the
    # @event decorator leaves several class objects with one qualified name.
    return f"{cls.__module__}:{cls.__qualname__}"


def _with_subclasses(classes: list[type]) -> list[type]:
    # A handler for a base class (``School.Event``) handles every event class under it, and the
    # store filters by the stored events' own topics.
    found: list[type] = []
    stack = list(classes)
    while stack:
        cls = stack.pop()
        if cls not in found:
            found.append(cls)
            stack.extend(cls.__subclasses__())
    return found


def plain(value: Any) -> Any:
    """A value as JSON holds it: ids and dates as ISO strings, containers recursively."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
