"""Builds the running system from settings: store, views, services, runners, Redis roles."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy.engine import Engine

from infra.blobs import DatabaseBlobStore, FileBlobStore
from infra.dashboard_cache import (
    InProcessFiguresCache,
    RedisFiguresCache,
    community_figures_cache,
)
from infra.eventstore import datastore_of, open_platform
from infra.faults import Fault, ProjectionFaults
from infra.leases import InProcessLease, Lease, RedisLease
from infra.position_cache import LocalCache, SharedCache, page_cache
from infra.positions import PositionBroadcast, ViewPositions
from infra.ratelimit import (
    InMemoryRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    ResilientRateLimiter,
)
from infra.roster import SQLRosterStore
from infra.runner import ProjectionRunner, Status, wait_for_position
from infra.settings import Settings
from infra.views.assessment import SQLAssessmentView
from infra.views.base import SQLView
from infra.views.communities import SQLCommunitiesView
from infra.views.directory import SQLDirectoryView
from infra.views.entries import SQLActivityFeedView, SQLAuditLogView
from infra.views.lesson_plans import SQLLessonPlansView
from infra.views.mentoring import SQLMentoringView
from infra.views.research import SQLResearchView
from infra.views.sync_classes import SQLSyncClassesView
from infra.wake import InProcessWake
from projections.activity_feed import ActivityFeedProjection
from projections.assessment import AssessmentProjection
from projections.audit_log import AuditLogProjection
from projections.base import Projection
from projections.communities import CommunitiesProjection
from projections.directory import DirectoryProjection
from projections.lesson_plans import LessonPlansProjection
from projections.mentoring import MentoringProjection
from projections.research import ResearchProjection
from projections.sync_classes import SyncClassesProjection
from services.activities import ActivityService
from services.assessment import AssessmentService
from services.certificates import CertificateService
from services.communities import CommunityService
from services.context import Context, PositionCache
from services.evidence import BlobStore
from services.lesson_plans import LessonPlanService
from services.mentoring import MentoringService
from services.organisation import OrganisationService
from services.pages import PageQueries
from services.passwords import PasswordHasher
from services.people import PeopleService
from services.plans import PlanService
from services.platform import Platform
from services.portfolio import PortfolioService
from services.progress import ProgressService
from services.queries import QueryService, WaitGate
from services.research import ResearchService
from services.sync_calendar import SyncCalendarService
from services.sync_classes import SyncClassService
from services.sync_queries import SyncClassQueries
from services.teacher_import import TeacherImportService
from services.training_hours import TrainingHoursService


@dataclass
class Services:
    organisation: OrganisationService
    people: PeopleService
    queries: QueryService
    communities: CommunityService
    plans: PlanService
    activities: ActivityService
    progress: ProgressService
    mentoring: MentoringService
    pages: PageQueries
    teacher_import: TeacherImportService
    assessment: AssessmentService
    sync_classes: SyncClassService
    sync_pages: SyncClassQueries
    sync_calendars: SyncCalendarService
    research: ResearchService
    training_hours: TrainingHoursService
    lesson_plans: LessonPlanService
    certificates: CertificateService
    portfolio: PortfolioService


@dataclass
class Runtime:
    settings: Settings
    platform: Platform
    views: dict[str, SQLView]
    projections: list[Projection[Any]]
    services: Services
    lease: Lease
    rate_limiter: RateLimiter
    #: The events views could not apply (``infra.faults``, ADR 0003).
    faults: ProjectionFaults
    redis: redis.Redis | None = None
    positions: ViewPositions | None = None
    broadcast: PositionBroadcast | None = None
    #: Rendered page parts keyed by query and version (``infra.position_cache``).
    pages: LocalCache | SharedCache = field(default_factory=lambda: page_cache(None))
    #: Writes through the JSON API, per user (``web.api.base``).
    api_write_limiter: RateLimiter = field(default_factory=lambda: InMemoryRateLimiter(120, 60))
    _threads: list[threading.Thread] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def runner(self, name: str, **options: Any) -> ProjectionRunner:
        for projection in self.projections:
            if projection.name == name:
                options = {"lease_ttl": self.settings.lease_ttl_seconds, **options}
                options.setdefault("on_advanced", self._advanced)
                options.setdefault("faults", self.faults)
                return ProjectionRunner(
                    platform=self.platform, projection=projection, lease=self.lease, **options
                )
        raise KeyError(f"未知投影 / no projection named {name!r}; known: {sorted(self.views)}")

    def _advanced(self, view: str, position: int) -> None:
        """A runner of this process committed a batch: tell this process, and the others."""
        if self.positions is not None:
            self.positions.advanced(view, position)
        if self.broadcast is not None:
            self.broadcast.publish(view, position)

    def listen_for_positions(self) -> None:
        """Learn what runners elsewhere commit as they publish it (a web worker, with Redis)."""
        if self.broadcast is not None and self.positions is not None:
            self._threads.append(self.broadcast.listen(self.positions, self._stop))

    def positions_of(self, view: str, at_least: int = 0) -> int:
        """The view's position as this process knows it (``infra.positions``)."""
        if self.positions is None:
            return self.views[view].position()
        return self.positions.of(view, at_least)

    def wait_for_view(self, view: str, beyond: int, timeout: float) -> int:
        """Block until the view passes ``beyond`` (or ``timeout``): the live pages' wake-up."""
        if self.positions is None:
            return self.views[view].position()
        return self.positions.wait_beyond(view, beyond, timeout)

    def status(self) -> list[Status]:
        return [self.runner(name).status() for name in self.views]

    def stopped_views(self) -> list[Fault]:
        """The views that cannot apply an event, and that event (empty when all is well)."""
        return self.faults.all()

    def catch_up(self) -> None:
        """Bring every view to the head now (used by tests and by the demo seeding)."""
        for name in self.views:
            self.runner(name).catch_up()

    def start_embedded_projections(self) -> None:
        """Run every projection in a thread of this process, woken after each save."""
        for name in self.views:
            runner = self.runner(name)
            wake = InProcessWake()
            self.platform.on_saved(wake.notify)
            thread = threading.Thread(
                target=runner.run, args=(self._stop, wake), name=f"projection-{name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self.platform.close()


def make_views(platform: Platform) -> dict[str, SQLView]:
    datastore = datastore_of(platform)
    views: list[SQLView] = [
        SQLDirectoryView(datastore),
        SQLActivityFeedView(datastore),
        SQLAuditLogView(datastore),
        SQLCommunitiesView(datastore),
        SQLMentoringView(datastore),
        SQLAssessmentView(datastore),
        SQLSyncClassesView(datastore),
        SQLResearchView(datastore),
        SQLLessonPlansView(datastore),
    ]
    return {view.name: view for view in views}


def engine_of(platform: Platform) -> Engine:
    engine = datastore_of(platform).engine
    assert isinstance(engine, Engine)
    return engine


def make_blobs(settings: Settings, platform: Platform) -> BlobStore:
    """The evidence store the settings choose (``JGT_BLOB_STORE``)."""
    if settings.blob_store == "database":
        return DatabaseBlobStore(engine_of(platform))
    return FileBlobStore(settings.var_dir / "blobs")


def init_db(settings: Settings) -> None:
    """Create the event store's and the views' tables (idempotent). Only ``jgt db init`` calls this."""
    platform = open_platform(settings, create_tables=True)
    try:
        for view in make_views(platform).values():
            view.create_table()
        ProjectionFaults(datastore_of(platform)).create_table()
        # Always, so that a deployment can move its evidence into the database later.
        DatabaseBlobStore(engine_of(platform)).create_table()
        SQLRosterStore(engine_of(platform)).create_table()
    finally:
        platform.close()


def build_runtime(settings: Settings, *, hasher: PasswordHasher | None = None) -> Runtime:
    platform = open_platform(settings)
    views = make_views(platform)
    directory = views["directory"]
    feed = views["activity_feed"]
    audit = views["audit_log"]
    communities = views["communities"]
    mentoring = views["mentoring"]
    sync_classes = views["sync_classes"]
    assert isinstance(directory, SQLDirectoryView)
    assert isinstance(feed, SQLActivityFeedView)
    assert isinstance(audit, SQLAuditLogView)
    assert isinstance(communities, SQLCommunitiesView)
    assert isinstance(mentoring, SQLMentoringView)
    assessment = views["assessment"]
    assert isinstance(assessment, SQLAssessmentView)
    assert isinstance(sync_classes, SQLSyncClassesView)
    research = views["research"]
    assert isinstance(research, SQLResearchView)
    lesson_plans = views["lesson_plans"]
    assert isinstance(lesson_plans, SQLLessonPlansView)
    projections: list[Projection[Any]] = [
        DirectoryProjection(directory),
        ActivityFeedProjection(feed),
        AuditLogProjection(audit),
        CommunitiesProjection(communities),
        MentoringProjection(mentoring),
        AssessmentProjection(assessment),
        SyncClassesProjection(sync_classes),
        ResearchProjection(research),
        LessonPlansProjection(lesson_plans),
    ]
    client = _redis_client(settings.redis_url) if settings.redis_url else None
    prefix = settings.redis_prefix
    figures_cache: PositionCache = (
        RedisFiguresCache(client, prefix=f"{prefix}figures:") if client else InProcessFiguresCache()
    )
    positions = ViewPositions(
        {name: view.position for name, view in views.items()},
        versions={"communities": communities.version},
    )
    ctx = Context(
        platform=platform,
        directory=directory,
        feed=feed,
        audit=audit,
        hasher=hasher
        or PasswordHasher(
            time_cost=settings.password_time_cost, memory_cost=settings.password_memory_cost
        ),
        wait_for=lambda position: wait_for_position(
            list(views.values()), position, settings.read_your_writes_timeout
        ),
        communities=communities,
        mentoring=mentoring,
        sync_classes=sync_classes,
        blobs=make_blobs(settings, platform),
        research=research,
        lesson_plans=lesson_plans,
        figures_cache=figures_cache,
        community_figures=community_figures_cache(),
        positions=positions,
        actors=LocalCache(100_000, lambda _: 1),
        assessment=assessment,
        roster=SQLRosterStore(engine_of(platform)),
    )
    lease: Lease = RedisLease(client, prefix=f"{prefix}lease:") if client else InProcessLease()
    limiter = _rate_limiter(
        client,
        settings.login_attempts,
        settings.login_window_seconds,
        prefix=f"{prefix}rl:",
        name="sign-in",
    )
    api_write_limiter = _rate_limiter(
        client,
        settings.api_writes,
        settings.api_write_window_seconds,
        prefix=f"{prefix}api-writes:",
        name="api-writes",
    )
    return Runtime(
        settings=settings,
        platform=platform,
        views=views,
        projections=projections,
        services=Services(
            organisation=OrganisationService(ctx),
            people=PeopleService(ctx),
            queries=QueryService(ctx, waits=_wait_gate()),
            communities=CommunityService(ctx),
            plans=PlanService(ctx),
            activities=ActivityService(ctx),
            progress=ProgressService(ctx),
            mentoring=MentoringService(ctx),
            pages=PageQueries(ctx),
            teacher_import=TeacherImportService(ctx),
            assessment=AssessmentService(ctx),
            sync_classes=SyncClassService(ctx),
            sync_pages=SyncClassQueries(ctx),
            sync_calendars=SyncCalendarService(ctx),
            research=ResearchService(ctx),
            training_hours=TrainingHoursService(ctx),
            lesson_plans=LessonPlanService(ctx),
            certificates=CertificateService(ctx),
            portfolio=PortfolioService(ctx),
        ),
        lease=lease,
        rate_limiter=limiter,
        faults=ProjectionFaults(datastore_of(platform)),
        redis=client,
        pages=page_cache(client, prefix=f"{prefix}pages:"),
        api_write_limiter=api_write_limiter,
        positions=positions,
        broadcast=PositionBroadcast(client, f"{prefix}positions") if client else None,
    )


def _redis_client(url: str) -> redis.Redis:
    """Redis answering in a moment or failing in one: a request never waits long for it. One
    quick retry covers a pooled connection that a Redis restart has closed; the library's default
    (ten, with backoff) would make each request wait seconds during an outage."""
    return redis.Redis.from_url(
        url, socket_connect_timeout=1.0, socket_timeout=2.0, retry=Retry(NoBackoff(), 1)
    )


def _rate_limiter(
    client: redis.Redis | None, attempts: int, window_seconds: int, *, prefix: str, name: str
) -> RateLimiter:
    """Shared in Redis when there is one, falling back to this process's count while it is away."""
    local = InMemoryRateLimiter(attempts, window_seconds)
    if client is None:
        return local
    shared = RedisRateLimiter(client, attempts, window_seconds, prefix=prefix)
    return ResilientRateLimiter(shared, local, name=name)


def _wait_gate() -> WaitGate:
    """Read-your-writes waits: two per user, and in all fewer than the worker's threads
    (``JGT_THREADS``, as ``infra/gunicorn.conf.py`` reads it), so that one thread stays free."""
    threads = int(os.environ.get("JGT_THREADS", "4") or 4)
    return WaitGate(per_caller=2, overall=max(1, threads - 1))
