"""What the service areas share: the store, the read models, the hasher and the clock."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from projections.activity_feed import ActivityFeedView
from projections.assessment import AssessmentView
from projections.audit_log import AuditLogView
from projections.communities import CommunitiesView
from projections.directory import DirectoryView
from projections.lesson_plans import LessonPlansView
from projections.mentoring import MentoringView
from projections.research import ResearchView
from projections.sync_classes import SyncClassesView
from services.clock import Clock, local_date, utc_now
from services.evidence import BlobStore
from services.passwords import PasswordHasher
from services.platform import Platform
from services.roster_store import RosterStore

#: Blocks (bounded) until the read models have applied a store position; False on time-out.
WaitForPosition = Callable[[int], bool]


class Positions(Protocol):
    """How far each view has got (``infra.positions``: re-read at most every 0.1 s)."""

    def of(self, view: str, at_least: int = 0) -> int: ...

    def version(self, view: str, scope: UUID, at_least: int = 0) -> tuple[int, int]:
        """A tenant's (or community's) version in the view and the view's position it is
        known at (at least ``at_least``)."""
        ...


class Served(Protocol):
    """A cached value, the version it was computed at, and whether that is an older one."""

    @property
    def value(self) -> Any: ...

    @property
    def version(self) -> Hashable: ...

    @property
    def stale(self) -> bool: ...


class PositionCache(Protocol):
    """Values computed before, each stored with the read model position it was computed at.

    A value is returned only for the same key *and* position: every new event moves the
    position, so nothing stale is ever served and nothing needs to expire for correctness
    (``infra.dashboard_cache``: in this process, or in Redis shared by every web worker).
    """

    def get(self, key: str, position: int) -> Any | None: ...

    def put(self, key: str, position: int, value: Any, made_at: int = 0) -> None: ...

    def computed(
        self,
        key: str,
        version: int,
        compute: Callable[[], tuple[Any, bool]],
        *,
        made_at: int = 0,
        stale_from: int | None = None,
    ) -> Served:
        """The value at ``version``, computed once however many ask at the same time
        (``infra.position_cache``)."""
        ...


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
    sync_classes: SyncClassesView
    blobs: BlobStore
    research: ResearchView
    lesson_plans: LessonPlansView
    clock: Clock = utc_now
    #: The bureau dashboard's figures, keyed by query and the tenant's version in the
    #: communities view (ADR 0008).
    figures_cache: PositionCache | None = None
    #: Each community's figures and chart as of a day, by the community's version (a dashboard
    #: computes again only the communities that changed); each district's communities, school
    #: names and seals, by the tenant's members version (in process only).
    community_figures: PositionCache | None = None
    #: The views' positions (read before anything cached by them is computed).
    positions: Positions | None = None
    #: Signed-in users' credentials, keyed by user and the User aggregate's version.
    actors: PositionCache | None = None
    #: Joint assessment's view, and the schools' student rosters (outside the log, ADR 0006).
    assessment: AssessmentView | None = None
    roster: RosterStore | None = None

    def today(self) -> date:
        """Today in the schools' own time (a UTC date is yesterday before 08:00 in Beijing)."""
        return local_date(self.clock())
