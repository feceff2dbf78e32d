"""What the bureau's progress pages show around the figures: member schools, task lines, one line per
community, the dashboard, drill-down and community pages, and the names they need (looked up once
per request)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from domain.counting import TASK_KIND_NAMES
from domain.settings import CommunityType
from projections.communities import CommunityRow, SealRow, StintRow
from services.community_settings import tenant_settings
from services.context import Context
from services.progress import (
    CommunityFigures,
    DashboardFilter,
)


@dataclass(frozen=True)
class MemberSchool:
    id: UUID
    name: str
    joined_on: date
    left_on: date | None
    core: bool
    partner: bool  # a school of another bureau (a cross-region member)

    def member_on(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or day < self.left_on)


@dataclass(frozen=True)
class TaskLine:
    kind: str
    name: str  # "中文 / English"
    done: int
    target: int
    percent: float
    counts: str = ""  # what counts, in the plan's own words

    @property
    def missing(self) -> int:
        """How many more are needed to reach the target."""
        return max(self.target - self.done, 0)


@dataclass(frozen=True)
class CommunityLine:
    """One community with its figures and the names around them."""

    figures: CommunityFigures
    kind_name: str
    schools: list[MemberSchool]
    tasks: list[TaskLine]
    history: list[tuple[date, float]] = field(default_factory=list)

    @property
    def community(self) -> CommunityRow:
        return self.figures.community

    @property
    def core_school(self) -> str:
        return next((s.name for s in self.schools if s.core), "—")

    def members_on(self, day: date) -> list[str]:
        """The member schools (not the core school) on a day."""
        return [s.name for s in self.schools if not s.core and s.member_on(day)]

    @property
    def missing(self) -> list[TaskLine]:
        return [t for t in self.tasks if t.missing]


@dataclass(frozen=True)
class DashboardPage:
    as_of: date
    today: date
    filters: DashboardFilter
    school_text: str  # the part of a member school's name searched for
    school_name: str  # the school of ``filters.school_id``, if one is chosen
    counts: dict[str, int]  # per status, over the communities that match the type and school
    total: int
    matching: int  # communities that match every filter, status included
    lines: list[CommunityLine]  # this page of them
    page: int
    pages: int
    kinds: list[CommunityType]
    #: The member schools' names to suggest while typing, unless there are too many.
    schools: list[str]
    seals: list[SealRow]
    may_seal: bool


@dataclass(frozen=True)
class MinePage:
    as_of: date
    today: date
    lines: list[CommunityLine]


@dataclass(frozen=True)
class CommunityPage:
    line: CommunityLine
    as_of: date
    today: date


@dataclass(frozen=True)
class DrillLine:
    visible: bool  # False: a partner bureau's school's record; only the day and whether it counts
    occurred_on: date
    counts: bool
    reason: str  # a NotCounted value, empty when it counts
    task_kind: str
    amount: int  # 1, or -1 for a withdrawal
    event_type: str = ""
    title: str = ""
    school: str = ""
    actor: str = ""
    recorded_at: datetime | None = None
    late: bool = False


@dataclass(frozen=True)
class DrillPage:
    community: CommunityRow
    as_of: date
    today: date
    task_kind: str | None
    percent: float | None  # the figure the rows explain: the task's, or the community's
    task: TaskLine | None
    tasks: list[TaskLine]
    lines: list[DrillLine]

    @property
    def counted(self) -> int:
        return sum(1 for line in self.lines if line.counts)

    @property
    def not_counted(self) -> int:
        return sum(1 for line in self.lines if not line.counts)


class _Names:
    """School, people and type names, looked up once per request."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._schools: dict[UUID, str] = {}
        self._tenants: set[UUID] = set()
        self._users: dict[tuple[UUID, UUID], str] = {}
        self._types: dict[UUID, dict[str, str]] = {}

    def schools_of(self, tenant_ids: set[UUID]) -> None:
        for tenant_id in tenant_ids - self._tenants:
            self._tenants.add(tenant_id)
            self._schools.update(self.ctx.directory.school_names(tenant_id))

    def school(self, school_id: UUID) -> str:
        return self._schools.get(school_id, "—")

    def schools_known(self) -> dict[UUID, str]:
        return dict(self._schools)

    def known(self, tenant_ids: set[UUID], schools: dict[UUID, str]) -> None:
        """The school names of these tenants, as read before."""
        self._tenants |= tenant_ids
        self._schools.update(schools)

    def user(self, tenant_id: UUID, user_id: UUID | None) -> str:
        if user_id is None:
            return "—"
        key = (tenant_id, user_id)
        if key not in self._users:
            row = self.ctx.directory.user(tenant_id, user_id)
            self._users[key] = row.display_name if row else "—"
        return self._users[key]

    def kind(self, community: CommunityRow) -> str:
        owner = community.tenant_id
        if owner not in self._types:
            settings = tenant_settings(self.ctx, owner)
            self._types[owner] = {key: str(raw["name"]) for key, raw in settings.types.items()}
        return self._types[owner].get(community.kind, community.kind)


def _schools(community: CommunityRow, stints: list[StintRow], names: _Names) -> list[MemberSchool]:
    names.schools_of({s.school_tenant_id for s in stints})
    members = [
        MemberSchool(
            id=s.school_id,
            name=names.school(s.school_id),
            joined_on=s.joined_on,
            left_on=s.left_on,
            core=s.school_id == community.core_school_id,
            partner=s.school_tenant_id != community.tenant_id,
        )
        for s in stints
    ]
    return sorted(members, key=lambda m: (not m.core, m.joined_on, m.name))


def _tasks(figures: CommunityFigures) -> list[TaskLine]:
    if figures.progress is None or figures.plan is None:
        return []
    counts = {str(t["kind"]): str(t.get("counts", "")) for t in figures.plan.tasks}
    return [
        TaskLine(
            kind=t.kind,
            name=TASK_KIND_NAMES.get(t.kind, t.kind),  # type: ignore[call-overload]
            done=t.done,
            target=t.target,
            percent=round(t.ratio * 100, 1),
            counts=counts.get(t.kind, ""),
        )
        for t in figures.progress.tasks
    ]
