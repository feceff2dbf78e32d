"""What the service areas share: the store, the read models, the hasher and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from projections.activity_feed import ActivityFeedView
from projections.audit_log import AuditLogView
from projections.communities import CommunitiesView
from projections.directory import DirectoryView
from projections.lesson_plans import LessonPlansView
from projections.mentoring import MentoringView
from projections.research import ResearchView
from services.clock import Clock, local_date, utc_now
from services.evidence import BlobStore
from services.passwords import PasswordHasher
from services.platform import Platform

#: Blocks (bounded) until the read models have applied a store position; False on time-out.
WaitForPosition = Callable[[int], bool]


class Positions(Protocol):
    """How far each view has got (``infra.positions``: re-read at most every 0.1 s)."""

    def of(self, view: str, at_least: int = 0) -> int: ...


class PositionCache(Protocol):
    """Values computed before, each stored with the read model position it was computed at.

    A value is returned only for the same key *and* position: every new event moves the
    position, so nothing stale is ever served and nothing needs to expire for correctness
    (``infra.dashboard_cache``: in this process, or in Redis shared by every web worker).
    """

    def get(self, key: str, position: int) -> Any | None: ...

    def put(self, key: str, position: int, value: Any) -> None: ...


@dataclass
class Context:
    platform: Platform
    directory: DirectoryView
    feed: ActivityFeedView
    audit: AuditLogView
    hasher: PasswordHasher
    wait_for: WaitForPosition
    communities: CommunitiesView
    mentoring: MentoringView
    blobs: BlobStore
    research: ResearchView
    lesson_plans: LessonPlansView
    clock: Clock = utc_now
    #: The bureau dashboard's figures, keyed by query and the communities view's position.
    figures_cache: PositionCache | None = None
    #: The views' positions (read before anything cached by them is computed).
    positions: Positions | None = None
    #: Signed-in users' credentials, keyed by user and the User aggregate's version.
    actors: PositionCache | None = None

    def today(self) -> date:
        """Today in the schools' own time (a UTC date is yesterday before 08:00 in Beijing)."""
        return local_date(self.clock())
