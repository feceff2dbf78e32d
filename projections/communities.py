"""Communities and the work they count: memberships, plans, activities, contributions, seals.

The progress figures are not stored: they are computed from these rows as of any date (see
``domain.progress``), so a figure can always be explained by the contributions behind it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import singledispatchmethod
from typing import Any
from uuid import UUID, uuid5

from domain.activity import Activity
from domain.assistance import AssistanceApplication
from domain.community import Community, Stint
from domain.counting import Counted
from domain.plan import Plan
from domain.progress import Counted as CountedWork
from domain.school import School
from domain.seal import QuarterSeal
from domain.settings import TenantSettings
from domain.tenant import Tenant
from projections.base import Projection


@dataclass(frozen=True)
class CommunityRow:
    id: UUID
    tenant_id: UUID
    name: str
    kind: str
    core_school_id: UUID
    founded_on: date
    round_start_year: int
    round_end_year: int
    partner_tenant_ids: list[UUID] = field(default_factory=list)


@dataclass(frozen=True)
class StintRow:
    community_id: UUID
    school_id: UUID
    school_tenant_id: UUID
    joined_on: date
    left_on: date | None

    def stint(self) -> Stint:
        return Stint(self.school_id, self.joined_on, self.left_on)


@dataclass(frozen=True)
class InvitationRow:
    community_id: UUID
    community_name: str
    owner_tenant_id: UUID
    school_id: UUID
    school_tenant_id: UUID
    joins_on: date


@dataclass(frozen=True)
class PlanRow:
    id: UUID
    tenant_id: UUID
    community_id: UUID
    year: int
    period_start: date
    period_end: date
    title: str
    status: str
    version: int  # the approved version in force; 0 before the first approval
    tasks: list[dict[str, Any]]  # the approved tasks in force
    draft_tasks: list[dict[str, Any]]
    comments: list[str]
    updated_at: datetime


@dataclass(frozen=True)
class ContributionRow:
    position: int
    tenant_id: UUID
    community_id: UUID
    school_id: UUID
    task_kind: str
    unit: str
    amount: int
    occurred_on: date
    recorded_at: datetime
    event_type: str
    subject_id: UUID
    actor_id: UUID | None
    title: str


@dataclass(frozen=True)
class ActivityRow:
    id: UUID
    tenant_id: UUID
    community_id: UUID
    school_id: UUID
    kind: str
    title: str
    occurred_on: date
    recorded_at: datetime
    actor_id: UUID | None
    participant_ids: list[UUID]
    details: dict[str, Any]
    evidence: list[dict[str, Any]]
    counted: bool
    withdrawn: bool


@dataclass(frozen=True)
class SealRow:
    tenant_id: UUID
    year: int
    quarter: int
    due: date
    sealed_at: datetime
    figures: list[dict[str, Any]]


@dataclass(frozen=True)
class ApplicationRow:
    id: UUID
    tenant_id: UUID
    school_id: UUID
    needs: str
    subjects: list[str]
    status: str
    applied_at: datetime
    helper_school_id: UUID | None = None
    community_id: UUID | None = None
    reason: str = ""


def members_scope(tenant_id: UUID) -> UUID:
    """The id of a tenant's *members* version: moved only by what changes which communities it
    sees, their schools and those schools' names (not by the work recorded in them), so that
    what is read from those is kept across the events that change figures."""
    return uuid5(tenant_id, "members")


class CommunitiesView(ABC):
    # Updates ---------------------------------------------------------------------------------
    @abstractmethod
    def add_community(self, row: CommunityRow) -> None: ...

    @abstractmethod
    def add_stint(self, row: StintRow) -> None: ...

    @abstractmethod
    def end_stint(self, community_id: UUID, school_id: UUID, left_on: date) -> None: ...

    @abstractmethod
    def add_invitation(self, row: InvitationRow) -> None: ...

    @abstractmethod
    def remove_invitation(self, community_id: UUID, school_id: UUID) -> None: ...

    @abstractmethod
    def add_plan(self, row: PlanRow) -> None: ...

    @abstractmethod
    def update_plan(self, plan_id: UUID, **fields: Any) -> None: ...

    @abstractmethod
    def plan(self, plan_id: UUID) -> PlanRow | None: ...

    @abstractmethod
    def add_activity(self, row: ActivityRow) -> None: ...

    @abstractmethod
    def update_activity(self, activity_id: UUID, **fields: Any) -> None: ...

    @abstractmethod
    def activity(self, activity_id: UUID) -> ActivityRow | None: ...

    @abstractmethod
    def add_contributions(self, rows: list[ContributionRow]) -> None: ...

    @abstractmethod
    def add_seal(self, row: SealRow) -> None: ...

    @abstractmethod
    def add_application(self, row: ApplicationRow) -> None: ...

    @abstractmethod
    def update_application(self, application_id: UUID, **fields: Any) -> None: ...

    @abstractmethod
    def changed(
        self,
        position: int,
        *,
        communities: Iterable[UUID] = (),
        tenants: Iterable[UUID] = (),
        owned_by: Iterable[UUID] = (),
        schools: Iterable[UUID] = (),
        members: bool = False,
    ) -> None:
        """The event at ``position`` changed what the dashboards show: the versions of these
        communities, of the communities ``owned_by`` these tenants and of those ``schools`` are
        members of, and of every tenant that sees any of them (or is named in ``tenants``),
        become ``position``, in the transaction that writes the rows. ``members``: it changed
        communities, memberships, names or seals too, so those tenants' ``members_scope``
        moves."""

    # Queries (each takes the tenant that is asking, or ids already checked by the service) ----
    @abstractmethod
    def communities(self, tenant_id: UUID) -> list[CommunityRow]:
        """Communities the tenant owns or has a cross-region member in."""

    @abstractmethod
    def community(self, community_id: UUID) -> CommunityRow | None: ...

    @abstractmethod
    def stints(self, community_ids: list[UUID]) -> dict[UUID, list[StintRow]]: ...

    @abstractmethod
    def communities_of_school(self, school_id: UUID) -> list[UUID]:
        """Communities the school has ever been a member of."""

    @abstractmethod
    def invitations_for(self, tenant_id: UUID) -> list[InvitationRow]: ...

    @abstractmethod
    def plans(self, community_ids: list[UUID]) -> list[PlanRow]: ...

    @abstractmethod
    def plans_of_tenant(self, tenant_id: UUID, status: str | None = None) -> list[PlanRow]: ...

    @abstractmethod
    def contributions(
        self,
        community_ids: list[UUID],
        *,
        up_to: date | None = None,
        task_kind: str | None = None,
        recorded_after: datetime | None = None,
    ) -> list[ContributionRow]: ...

    @abstractmethod
    def counted(
        self, community_ids: list[UUID], *, up_to: date | None = None
    ) -> dict[UUID, list[CountedWork]]:
        """Per community, the contributions summed per school, task, unit and day: all that the
        figures need (``domain.progress`` counts by day and membership, never by record)."""

    @abstractmethod
    def activities(
        self, community_id: UUID, *, kind: str | None = None, limit: int = 100
    ) -> list[ActivityRow]: ...

    @abstractmethod
    def seals(self, tenant_id: UUID, year: int | None = None) -> list[SealRow]: ...

    @abstractmethod
    def versions(self, ids: list[UUID]) -> dict[UUID, int]:
        """The version of each tenant or community (0 for one nothing has changed yet): the
        position of the last event that changed its figures, school names or settings."""

    def version(self, scope_id: UUID) -> int:
        return self.versions([scope_id]).get(scope_id, 0)

    @abstractmethod
    def applications(
        self, tenant_id: UUID, *, school_id: UUID | None = None
    ) -> list[ApplicationRow]: ...


def _title(event: object) -> str:
    title = getattr(event, "title", "")
    return str(title) if title else type(event).__qualname__


class CommunitiesProjection(Projection[CommunitiesView]):
    name = "communities"

    @singledispatchmethod
    def process(self, event: Any) -> None:
        """Events without a handler change nothing here."""

    # Every area's counted work arrives here, whatever aggregate emitted it.
    @process.register
    def _(self, e: Counted) -> None:
        self._count(e, _title(e))

    def _count(self, e: Counted, title: str) -> None:
        rows = [
            ContributionRow(
                position=self.position,
                tenant_id=e.tenant_id,
                community_id=c.community_id,
                school_id=c.school_id,
                task_kind=c.task_kind,
                unit=c.unit,
                amount=c.amount,
                occurred_on=c.occurred_on,
                recorded_at=e.timestamp,
                event_type=type(e).__qualname__,
                subject_id=e.originator_id,
                actor_id=e.actor_id,
                title=title,
            )
            for c in e.counted()
        ]
        if rows:
            self.view.add_contributions(rows)
            self.view.changed(self.position, communities={r.community_id for r in rows})

    @process.register
    def _(self, e: Community.Founded) -> None:
        self.view.add_community(
            CommunityRow(
                id=e.originator_id,
                tenant_id=e.tenant_id,
                name=e.name,
                kind=e.kind,
                core_school_id=e.core_school_id,
                founded_on=e.founded_on,
                round_start_year=e.round_start_year,
                round_end_year=e.round_end_year,
            )
        )
        self.view.add_stint(
            StintRow(e.originator_id, e.core_school_id, e.tenant_id, e.founded_on, None)
        )
        self.view.changed(self.position, communities=[e.originator_id], members=True)

    @process.register
    def _(self, e: Community.SchoolJoined) -> None:
        if e.school_tenant_id != e.tenant_id:
            # Only another bureau's school is invited (``Community.invite_across_regions``): a
            # bureau's own school joining has no invitation to remove, and a DELETE for it was a
            # round trip per join in a rebuild.
            self.view.remove_invitation(e.originator_id, e.school_id)
        self.view.add_stint(
            StintRow(e.originator_id, e.school_id, e.school_tenant_id, e.joined_on, None)
        )
        self.view.changed(self.position, communities=[e.originator_id], members=True)

    @process.register
    def _(self, e: Community.SchoolLeft) -> None:
        self.view.end_stint(e.originator_id, e.school_id, e.left_on)
        self.view.changed(self.position, communities=[e.originator_id], members=True)

    @process.register
    def _(self, e: Community.CrossRegionInvited) -> None:
        community = self.view.community(e.originator_id)
        self.view.add_invitation(
            InvitationRow(
                community_id=e.originator_id,
                community_name=community.name if community else "",
                owner_tenant_id=e.tenant_id,
                school_id=e.school_id,
                school_tenant_id=e.school_tenant_id,
                joins_on=e.joins_on,
            )
        )

    @process.register
    def _(self, e: Community.CrossRegionDeclined) -> None:
        self.view.remove_invitation(e.originator_id, e.school_id)

    @process.register
    def _(self, e: Plan.Drafted) -> None:
        self.view.add_plan(
            PlanRow(
                id=e.originator_id,
                tenant_id=e.tenant_id,
                community_id=e.community_id,
                year=e.year,
                period_start=e.period_start,
                period_end=e.period_end,
                title=e.title,
                status="draft",
                version=0,
                tasks=[],
                draft_tasks=list(e.tasks),
                comments=[],
                updated_at=e.timestamp,
            )
        )
        self.view.changed(self.position, communities=[e.community_id])

    @process.register
    def _(self, e: Plan.TasksRevised) -> None:
        self.view.update_plan(
            e.originator_id, status="draft", draft_tasks=list(e.tasks), updated_at=e.timestamp
        )
        self._plan_changed(e.originator_id)

    @process.register
    def _(self, e: Plan.Submitted) -> None:
        self.view.update_plan(e.originator_id, status="submitted", updated_at=e.timestamp)
        self._plan_changed(e.originator_id)

    @process.register
    def _(self, e: Plan.Returned) -> None:
        plan = self.view.plan(e.originator_id)
        comments = [*(plan.comments if plan else []), e.comments]
        self.view.update_plan(
            e.originator_id, status="returned", comments=comments, updated_at=e.timestamp
        )
        self._plan_changed(e.originator_id)

    @process.register
    def _(self, e: Plan.Approved) -> None:
        self.view.update_plan(
            e.originator_id,
            status="approved",
            version=e.version,
            tasks=list(e.tasks),
            updated_at=e.timestamp,
        )
        self._plan_changed(e.originator_id)

    def _plan_changed(self, plan_id: UUID) -> None:
        # The figures carry the plan in force, its status and comments too.
        plan = self.view.plan(plan_id)
        if plan is not None:
            self.view.changed(self.position, communities=[plan.community_id])

    @process.register
    def _(self, e: Activity.Recorded) -> None:
        self.view.add_activity(
            ActivityRow(
                id=e.originator_id,
                tenant_id=e.tenant_id,
                community_id=e.community_id,
                school_id=e.school_id,
                kind=e.kind,
                title=e.title,
                occurred_on=e.occurred_on,
                recorded_at=e.timestamp,
                actor_id=e.actor_id,
                participant_ids=list(e.participant_ids),
                details=dict(e.details),
                evidence=list(e.evidence),
                counted=bool(e.contributions),
                withdrawn=False,
            )
        )
        self._count(e, e.title)

    @process.register
    def _(self, e: Activity.PlacementCompleted) -> None:
        activity = self.view.activity(e.originator_id)
        if activity is not None:
            details = {**activity.details, "ends_on": e.ended_on, "days": e.days}
            self.view.update_activity(e.originator_id, details=details, counted=True)
            self._count(e, activity.title)

    @process.register
    def _(self, e: Activity.EvidenceAttached) -> None:
        activity = self.view.activity(e.originator_id)
        if activity is not None:
            self.view.update_activity(e.originator_id, evidence=[*activity.evidence, *e.evidence])

    @process.register
    def _(self, e: Activity.Withdrawn) -> None:
        activity = self.view.activity(e.originator_id)
        self.view.update_activity(e.originator_id, withdrawn=True, counted=False)
        self._count(e, activity.title if activity else _title(e))

    @process.register
    def _(self, e: QuarterSeal.Sealed) -> None:
        self.view.add_seal(
            SealRow(e.tenant_id, e.year, e.quarter, e.due, e.timestamp, list(e.figures))
        )
        # The seal amends the figures of every community the bureau owns, wherever shown; the
        # members version moves too, as seals are kept with what it keys (rare: quarterly).
        self.view.changed(self.position, owned_by=[e.tenant_id], members=True)

    # Not rows of this view, but what its dashboards show beside them: the bureau's checkpoints
    # and community types, its name, and the names of member schools.
    @process.register
    def _(self, e: TenantSettings.Created) -> None:
        self.view.changed(self.position, owned_by=[e.tenant_id], members=True)

    @process.register
    def _(self, e: TenantSettings.CommunityTypeSet) -> None:
        self.view.changed(self.position, owned_by=[e.tenant_id], members=True)

    @process.register
    def _(self, e: TenantSettings.PlanYearSet) -> None:
        self.view.changed(self.position, owned_by=[e.tenant_id], members=True)

    @process.register
    def _(self, e: Tenant.Renamed) -> None:
        self.view.changed(self.position, tenants=[e.tenant_id], members=True)

    @process.register
    def _(self, e: School.DetailsChanged) -> None:
        self.view.changed(
            self.position, tenants=[e.tenant_id], schools=[e.originator_id], members=True
        )

    @process.register
    def _(self, e: AssistanceApplication.Applied) -> None:
        self.view.add_application(
            ApplicationRow(
                id=e.originator_id,
                tenant_id=e.tenant_id,
                school_id=e.school_id,
                needs=e.needs,
                subjects=list(e.subjects),
                status="open",
                applied_at=e.timestamp,
            )
        )

    @process.register
    def _(self, e: AssistanceApplication.HelperAssigned) -> None:
        self.view.update_application(
            e.originator_id,
            status="assigned",
            helper_school_id=e.helper_school_id,
            community_id=e.community_id,
        )

    @process.register
    def _(self, e: AssistanceApplication.Declined) -> None:
        self.view.update_application(e.originator_id, status="declined", reason=e.reason)
