"""The communities read model as SQL tables."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    cast,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Row

from domain.progress import Counted as CountedWork
from infra.views.base import Batch, SQLView, _upsert_statement, as_utc, metadata, upsert
from projections.base import plain
from projections.communities import (
    ActivityRow,
    ApplicationRow,
    CommunitiesView,
    CommunityRow,
    ContributionRow,
    InvitationRow,
    PlanRow,
    SealRow,
    StintRow,
    members_scope,
)

_ID = BigInteger().with_variant(Integer(), "sqlite")

communities = Table(
    "com_communities",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("core_school_id", Uuid, nullable=False),
    Column("founded_on", Date, nullable=False),
    Column("round_start_year", BigInteger, nullable=False),
    Column("round_end_year", BigInteger, nullable=False),
)
stints = Table(
    "com_stints",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("school_id", Uuid, nullable=False, index=True),
    Column("school_tenant_id", Uuid, nullable=False, index=True),
    Column("joined_on", Date, nullable=False),
    Column("left_on", Date, nullable=True),
)
invitations = Table(
    "com_invitations",
    metadata,
    Column("community_id", Uuid, primary_key=True),
    Column("school_id", Uuid, primary_key=True),
    Column("community_name", Text, nullable=False),
    Column("owner_tenant_id", Uuid, nullable=False),
    Column("school_tenant_id", Uuid, nullable=False, index=True),
    Column("joins_on", Date, nullable=False),
)
plans = Table(
    "com_plans",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False, index=True),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("year", BigInteger, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("title", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("tasks", JSON, nullable=False),
    Column("draft_tasks", JSON, nullable=False),
    Column("comments", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
activities = Table(
    "com_activities",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("school_id", Uuid, nullable=False),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("actor_id", Uuid, nullable=True),
    Column("participant_ids", JSON, nullable=False),
    Column("details", JSON, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("counted", Boolean, nullable=False),
    Column("withdrawn", Boolean, nullable=False),
)
contributions = Table(
    "com_contributions",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("tenant_id", Uuid, nullable=False),
    Column("community_id", Uuid, nullable=False),
    Column("school_id", Uuid, nullable=False),
    Column("task_kind", Text, nullable=False),
    Column("unit", Text, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("event_type", Text, nullable=False),
    Column("subject_id", Uuid, nullable=False),
    Column("actor_id", Uuid, nullable=True),
    Column("title", Text, nullable=False),
)
Index("com_contributions_by_day", contributions.c.community_id, contributions.c.occurred_on)
seals = Table(
    "com_seals",
    metadata,
    Column("tenant_id", Uuid, primary_key=True),
    Column("due", Date, primary_key=True),
    Column("year", BigInteger, nullable=False),
    Column("quarter", BigInteger, nullable=False),
    Column("sealed_at", DateTime(timezone=True), nullable=False),
    Column("figures", JSON, nullable=False),
)
applications = Table(
    "com_applications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False, index=True),
    Column("school_id", Uuid, nullable=False),
    Column("needs", Text, nullable=False),
    Column("subjects", JSON, nullable=False),
    Column("status", Text, nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
    Column("helper_school_id", Uuid, nullable=True),
    Column("community_id", Uuid, nullable=True),
    Column("reason", Text, nullable=False),
)

#: Per tenant and per community (ids never collide), the position of the last event that changed
#: what its dashboards show (``CommunitiesView.changed``): caches are keyed by these, so that
#: another county's events, sign-ins and profile edits leave them alone (ADR 0008).
versions = Table(
    "com_versions",
    metadata,
    Column("scope_id", Uuid, primary_key=True),
    Column("version", BigInteger, nullable=False),
)


class _Changes:
    """What the events of a batch changed, resolved to versions when the batch is written."""

    def __init__(self) -> None:
        self.position = 0
        self.communities: set[UUID] = set()
        self.tenants: set[UUID] = set()
        self.owned_by: set[UUID] = set()
        self.schools: set[UUID] = set()

    def add(
        self,
        position: int,
        communities: Iterable[UUID],
        tenants: Iterable[UUID],
        owned_by: Iterable[UUID],
        schools: Iterable[UUID],
    ) -> None:
        self.position = max(self.position, position)
        self.communities.update(communities)
        self.tenants.update(tenants)
        self.owned_by.update(owned_by)
        self.schools.update(schools)


def _community(r: Row[Any], partners: list[UUID]) -> CommunityRow:
    return CommunityRow(
        id=r.id,
        tenant_id=r.tenant_id,
        name=r.name,
        kind=r.kind,
        core_school_id=r.core_school_id,
        founded_on=r.founded_on,
        round_start_year=r.round_start_year,
        round_end_year=r.round_end_year,
        partner_tenant_ids=partners,
    )


#: A row as the database returns it, or a buffered insert read back the same way (``_buffered``).
_Record = Row[Any] | SimpleNamespace


def _buffered(values: dict[str, Any]) -> SimpleNamespace:
    """A buffered insert as a row: its own copy, so what the caller changes stays out of it."""
    return SimpleNamespace(**copy.deepcopy(values))


def _plan(r: _Record) -> PlanRow:
    return PlanRow(
        id=r.id,
        tenant_id=r.tenant_id,
        community_id=r.community_id,
        year=r.year,
        period_start=r.period_start,
        period_end=r.period_end,
        title=r.title,
        status=r.status,
        version=r.version,
        tasks=list(r.tasks),
        draft_tasks=list(r.draft_tasks),
        comments=list(r.comments),
        updated_at=as_utc(r.updated_at),
    )


def _activity(r: _Record) -> ActivityRow:
    return ActivityRow(
        id=r.id,
        tenant_id=r.tenant_id,
        community_id=r.community_id,
        school_id=r.school_id,
        kind=r.kind,
        title=r.title,
        occurred_on=r.occurred_on,
        recorded_at=as_utc(r.recorded_at),
        actor_id=r.actor_id,
        participant_ids=[UUID(p) for p in r.participant_ids],
        details=dict(r.details),
        evidence=list(r.evidence),
        counted=r.counted,
        withdrawn=r.withdrawn,
    )


def _contribution(r: Row[Any]) -> ContributionRow:
    return ContributionRow(
        position=r.position,
        tenant_id=r.tenant_id,
        community_id=r.community_id,
        school_id=r.school_id,
        task_kind=r.task_kind,
        unit=r.unit,
        amount=r.amount,
        occurred_on=r.occurred_on,
        recorded_at=as_utc(r.recorded_at),
        event_type=r.event_type,
        subject_id=r.subject_id,
        actor_id=r.actor_id,
        title=r.title,
    )


def _application(r: Row[Any]) -> ApplicationRow:
    return ApplicationRow(
        id=r.id,
        tenant_id=r.tenant_id,
        school_id=r.school_id,
        needs=r.needs,
        subjects=list(r.subjects),
        status=r.status,
        applied_at=as_utc(r.applied_at),
        helper_school_id=r.helper_school_id,
        community_id=r.community_id,
        reason=r.reason,
    )


def _text(column: Any) -> Any:
    """A UUID column read as text, for ``_Ids`` (the same column name)."""
    return cast(column, String).label(column.name)


class _Ids:
    """UUIDs from their text, each distinct one parsed once.

    The dashboard's queries return tens of thousands of rows naming a few thousand communities
    and schools; parsing a UUID per row and column costs more than the query itself."""

    def __init__(self) -> None:
        self._seen: dict[str, UUID] = {}

    def __call__(self, text: str) -> UUID:
        found = self._seen.get(text)
        if found is None:
            found = self._seen[text] = UUID(text)
        return found


class SQLCommunitiesView(SQLView, CommunitiesView):
    name = "communities"
    view_tables = (
        communities,
        stints,
        invitations,
        plans,
        activities,
        contributions,
        seals,
        applications,
        versions,
    )

    # Updates ---------------------------------------------------------------------------------
    # In a runner's batch the inserts of communities, stints, plans, activities and contributions
    # are buffered and written at the end of the batch, one executemany per table (``SQLView``).
    # Everything the projection reads or changes while it applies the batch sees them:
    # ``activity``/``plan`` read a buffered row back, ``update_activity``/``update_plan`` amend it
    # in place, ``end_stint`` ends a buffered stint too, and the queries over several rows first
    # write the buffered rows of their tables (``_write_buffered``). Invitations, seals and
    # applications are rare and written at once.

    def add_community(self, row: CommunityRow) -> None:
        self._insert(
            communities,
            {
                "id": row.id,
                "tenant_id": row.tenant_id,
                "name": row.name,
                "kind": row.kind,
                "core_school_id": row.core_school_id,
                "founded_on": row.founded_on,
                "round_start_year": row.round_start_year,
                "round_end_year": row.round_end_year,
            },
            (row.id,),
        )

    def add_stint(self, row: StintRow) -> None:
        # By arrival: a school may have several stints in a community (the id numbers them).
        self._insert(
            stints,
            {
                "community_id": row.community_id,
                "school_id": row.school_id,
                "school_tenant_id": row.school_tenant_id,
                "joined_on": row.joined_on,
                "left_on": row.left_on,
            },
        )

    def end_stint(self, community_id: UUID, school_id: UUID, left_on: date) -> None:
        # Every open stint of the school ends: a buffered one, and any in the database.
        batch = self._current_batch()
        for pending in batch.inserts.get(stints, {}).values() if batch else ():
            if (
                pending["community_id"] == community_id
                and pending["school_id"] == school_id
                and pending["left_on"] is None
            ):
                pending["left_on"] = left_on
        with self.transaction(commit=True) as s:
            s.execute(
                update(stints)
                .where(stints.c.community_id == community_id, stints.c.school_id == school_id)
                .where(stints.c.left_on.is_(None))
                .values(left_on=left_on)
            )

    def add_invitation(self, row: InvitationRow) -> None:
        # Upserts, here and for seals and applications (written at once, not buffered): a
        # runner racing another one over the same batch then fails on the tracking row, and
        # follows it, rather than on this row's key, which would blame the event.
        with self.transaction(commit=True) as s:
            upsert(
                s,
                invitations,
                {
                    "community_id": row.community_id,
                    "school_id": row.school_id,
                    "community_name": row.community_name,
                    "owner_tenant_id": row.owner_tenant_id,
                    "school_tenant_id": row.school_tenant_id,
                    "joins_on": row.joins_on,
                },
                ["community_id", "school_id"],
            )

    def remove_invitation(self, community_id: UUID, school_id: UUID) -> None:
        with self.transaction(commit=True) as s:
            s.execute(
                delete(invitations).where(
                    invitations.c.community_id == community_id,
                    invitations.c.school_id == school_id,
                )
            )

    def add_plan(self, row: PlanRow) -> None:
        self._insert(
            plans,
            {
                "id": row.id,
                "tenant_id": row.tenant_id,
                "community_id": row.community_id,
                "year": row.year,
                "period_start": row.period_start,
                "period_end": row.period_end,
                "title": row.title,
                "status": row.status,
                "version": row.version,
                "tasks": plain(row.tasks),
                "draft_tasks": plain(row.draft_tasks),
                "comments": row.comments,
                "updated_at": row.updated_at,
            },
            (row.id,),
        )

    def update_plan(self, plan_id: UUID, **fields: Any) -> None:
        self._update(plans, (plan_id,), plans.c.id == plan_id, _plain_fields(fields))

    def plan(self, plan_id: UUID) -> PlanRow | None:
        pending = self._pending_insert(plans, (plan_id,))
        if pending is not None:
            return _plan(_buffered(pending))
        with self.transaction(commit=False) as s:
            r = s.execute(select(plans).where(plans.c.id == plan_id)).first()
        return _plan(r) if r else None

    def add_activity(self, row: ActivityRow) -> None:
        self._insert(
            activities,
            {
                "id": row.id,
                "tenant_id": row.tenant_id,
                "community_id": row.community_id,
                "school_id": row.school_id,
                "kind": row.kind,
                "title": row.title,
                "occurred_on": row.occurred_on,
                "recorded_at": row.recorded_at,
                "actor_id": row.actor_id,
                "participant_ids": plain(row.participant_ids),
                "details": plain(row.details),
                "evidence": plain(row.evidence),
                "counted": row.counted,
                "withdrawn": row.withdrawn,
            },
            (row.id,),
        )

    def update_activity(self, activity_id: UUID, **fields: Any) -> None:
        where = activities.c.id == activity_id
        self._update(activities, (activity_id,), where, _plain_fields(fields))

    def activity(self, activity_id: UUID) -> ActivityRow | None:
        pending = self._pending_insert(activities, (activity_id,))
        if pending is not None:
            return _activity(_buffered(pending))
        with self.transaction(commit=False) as s:
            r = s.execute(select(activities).where(activities.c.id == activity_id)).first()
        return _activity(r) if r else None

    def add_contributions(self, rows: list[ContributionRow]) -> None:
        values = [
            {
                "position": r.position,
                "tenant_id": r.tenant_id,
                "community_id": r.community_id,
                "school_id": r.school_id,
                "task_kind": r.task_kind,
                "unit": r.unit,
                "amount": r.amount,
                "occurred_on": r.occurred_on,
                "recorded_at": r.recorded_at,
                "event_type": r.event_type,
                "subject_id": r.subject_id,
                "actor_id": r.actor_id,
                "title": r.title,
            }
            for r in rows
        ]
        if self._current_batch() is None:
            with self.transaction(commit=True) as s:
                s.execute(contributions.insert(), values)
            return
        # By arrival: nothing reads one back or changes it, and no column set is unique.
        for row in values:
            self._insert(contributions, row)

    def add_seal(self, row: SealRow) -> None:
        with self.transaction(commit=True) as s:
            upsert(
                s,
                seals,
                {
                    "tenant_id": row.tenant_id,
                    "due": row.due,
                    "year": row.year,
                    "quarter": row.quarter,
                    "sealed_at": row.sealed_at,
                    "figures": plain(row.figures),
                },
                ["tenant_id", "due"],
            )

    def add_application(self, row: ApplicationRow) -> None:
        with self.transaction(commit=True) as s:
            upsert(
                s,
                applications,
                {
                    "id": row.id,
                    "tenant_id": row.tenant_id,
                    "school_id": row.school_id,
                    "needs": row.needs,
                    "subjects": row.subjects,
                    "status": row.status,
                    "applied_at": row.applied_at,
                    "helper_school_id": row.helper_school_id,
                    "community_id": row.community_id,
                    "reason": row.reason,
                },
                ["id"],
            )

    def update_application(self, application_id: UUID, **fields: Any) -> None:
        with self.transaction(commit=True) as s:
            s.execute(
                update(applications).where(applications.c.id == application_id).values(**fields)
            )

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
        # In a batch, collected and written once at its end (``_flush``), after its rows.
        what = (list(communities), list(tenants), list(owned_by), list(schools))
        memo = self._memo()
        kinds = ("changes", "members") if members else ("changes",)
        found = [_Changes() if memo is None else memo.setdefault(k, _Changes()) for k in kinds]
        for changes in found:
            changes.add(position, *what)
        if memo is None:
            with self.transaction(commit=True) as s:
                self._write_versions(s, *found)

    def _flush(self, batch: Batch) -> None:
        super()._flush(batch)
        changes, members = batch.memo.get("changes"), batch.memo.get("members")
        if isinstance(changes, _Changes):
            self._write_versions(batch.session, changes, *[members] if members else [])

    def _write_versions(self, s: Any, changes: _Changes, members: _Changes | None = None) -> None:
        """Every community changed, and every tenant that sees one of them, at the batch's last
        changing position (a version only has to grow when its figures may have changed); and
        the members version of the tenants whose communities, memberships or names changed."""
        scope, tenants = self._affected(s, changes)
        found = dict.fromkeys(scope | tenants, changes.position)
        if members is not None:
            _, seeing = self._affected(s, members)
            found |= {members_scope(t): members.position for t in seeing}
        # Sorted: concurrent writers take the row locks in one order.
        rows = [{"scope_id": i, "version": v} for i, v in sorted(found.items())]
        if rows:
            s.execute(_upsert_statement(s, versions, ["scope_id"], ["scope_id", "version"]), rows)

    @staticmethod
    def _affected(s: Any, changes: _Changes) -> tuple[set[UUID], set[UUID]]:
        """The communities changed, and the tenants that see any of them or were named."""
        c, st = communities.c, stints.c
        scope = set(changes.communities)
        if changes.owned_by:
            owned = select(c.id).where(c.tenant_id.in_(changes.owned_by))
            scope.update(s.execute(owned).scalars())
        if changes.schools:
            joined = select(st.community_id).where(st.school_id.in_(changes.schools))
            scope.update(s.execute(joined.distinct()).scalars())
        tenants = set(changes.tenants) | set(changes.owned_by)
        if scope:
            owners = select(c.tenant_id).where(c.id.in_(scope)).distinct()
            partners = select(st.school_tenant_id).where(st.community_id.in_(scope)).distinct()
            tenants.update(s.execute(owners).scalars())
            tenants.update(s.execute(partners).scalars())
        return scope, tenants

    # Queries ---------------------------------------------------------------------------------
    def versions(self, ids: list[UUID]) -> dict[UUID, int]:
        if not ids:
            return {}
        found: dict[UUID, int] = {}
        with self.transaction(commit=False) as s:
            for i in range(0, len(ids), 1000):
                query = select(versions.c.scope_id, versions.c.version).where(
                    versions.c.scope_id.in_(ids[i : i + 1000])
                )
                found.update({k: int(v) for k, v in s.execute(query).all()})
        return found

    def communities(self, tenant_id: UUID) -> list[CommunityRow]:
        self._write_buffered(communities, stints)
        partner = select(stints.c.community_id).where(stints.c.school_tenant_id == tenant_id)
        query = (
            select(communities)
            .where(or_(communities.c.tenant_id == tenant_id, communities.c.id.in_(partner)))
            .order_by(communities.c.name)
        )
        with self.transaction(commit=False) as s:
            rows = s.execute(query).all()
        partners = self._partners([r.id for r in rows])
        return [_community(r, partners.get(r.id, [])) for r in rows]

    def community(self, community_id: UUID) -> CommunityRow | None:
        # Called by the projection (an invitation names the community): rare enough to write
        # the buffered communities and stints rather than merge them with the partners' query.
        self._write_buffered(communities, stints)
        with self.transaction(commit=False) as s:
            r = s.execute(select(communities).where(communities.c.id == community_id)).first()
        if r is None:
            return None
        return _community(r, self._partners([community_id]).get(community_id, []))

    def _partners(self, community_ids: list[UUID]) -> dict[UUID, list[UUID]]:
        if not community_ids:
            return {}
        self._write_buffered(communities, stints)
        query = (
            select(stints.c.community_id, stints.c.school_tenant_id)
            .join(communities, communities.c.id == stints.c.community_id)
            .where(stints.c.community_id.in_(community_ids))
            .where(stints.c.school_tenant_id != communities.c.tenant_id)
            .distinct()
        )
        found: dict[UUID, list[UUID]] = {}
        with self.transaction(commit=False) as s:
            for community_id, tenant_id in s.execute(query).all():
                found.setdefault(community_id, []).append(tenant_id)
        return found

    def stints(self, community_ids: list[UUID]) -> dict[UUID, list[StintRow]]:
        found: dict[UUID, list[StintRow]] = {cid: [] for cid in community_ids}
        if not community_ids:
            return found
        self._write_buffered(stints)
        c = stints.c
        query = (
            select(_text(c.community_id), _text(c.school_id), _text(c.school_tenant_id))
            .add_columns(c.joined_on, c.left_on)
            .where(c.community_id.in_(community_ids))
            .order_by(c.joined_on, c.id)
        )
        parsed = _Ids()
        with self.transaction(commit=False) as s:
            for community_id, school_id, tenant_id, joined_on, left_on in s.execute(query).all():
                community = parsed(community_id)
                found[community].append(
                    StintRow(community, parsed(school_id), parsed(tenant_id), joined_on, left_on)
                )
        return found

    def communities_of_school(self, school_id: UUID) -> list[UUID]:
        self._write_buffered(stints)
        query = select(stints.c.community_id).where(stints.c.school_id == school_id).distinct()
        with self.transaction(commit=False) as s:
            return list(s.execute(query).scalars())

    def invitations_for(self, tenant_id: UUID) -> list[InvitationRow]:
        query = select(invitations).where(invitations.c.school_tenant_id == tenant_id)
        with self.transaction(commit=False) as s:
            rows = s.execute(query).all()
        return [
            InvitationRow(
                r.community_id,
                r.community_name,
                r.owner_tenant_id,
                r.school_id,
                r.school_tenant_id,
                r.joins_on,
            )
            for r in rows
        ]

    def plans(self, community_ids: list[UUID]) -> list[PlanRow]:
        if not community_ids:
            return []
        self._write_buffered(plans)
        query = (
            select(plans)
            .where(plans.c.community_id.in_(community_ids))
            .order_by(plans.c.year.desc(), plans.c.updated_at.desc())
        )
        with self.transaction(commit=False) as s:
            return [_plan(r) for r in s.execute(query).all()]

    def plans_of_tenant(self, tenant_id: UUID, status: str | None = None) -> list[PlanRow]:
        self._write_buffered(plans)
        query = select(plans).where(plans.c.tenant_id == tenant_id)
        if status:
            query = query.where(plans.c.status == status)
        query = query.order_by(plans.c.updated_at.desc())
        with self.transaction(commit=False) as s:
            return [_plan(r) for r in s.execute(query).all()]

    def contributions(
        self,
        community_ids: list[UUID],
        *,
        up_to: date | None = None,
        task_kind: str | None = None,
        recorded_after: datetime | None = None,
    ) -> list[ContributionRow]:
        if not community_ids:
            return []
        self._write_buffered(contributions)
        query = select(contributions).where(contributions.c.community_id.in_(community_ids))
        if up_to is not None:
            query = query.where(contributions.c.occurred_on <= up_to)
        if task_kind:
            query = query.where(contributions.c.task_kind == task_kind)
        if recorded_after is not None:
            query = query.where(contributions.c.recorded_at > recorded_after)
        query = query.order_by(contributions.c.occurred_on, contributions.c.position)
        with self.transaction(commit=False) as s:
            return [_contribution(r) for r in s.execute(query).all()]

    def counted(
        self, community_ids: list[UUID], *, up_to: date | None = None
    ) -> dict[UUID, list[CountedWork]]:
        found: dict[UUID, list[CountedWork]] = {cid: [] for cid in community_ids}
        if not community_ids:
            return found
        self._write_buffered(contributions)
        c = contributions.c
        community, school = _text(c.community_id), _text(c.school_id)
        query = (
            select(community, school, c.task_kind, c.unit, c.occurred_on, func.sum(c.amount))
            .where(c.community_id.in_(community_ids))
            .group_by(community, school, c.task_kind, c.unit, c.occurred_on)
        )
        if up_to is not None:
            query = query.where(c.occurred_on <= up_to)
        parsed = _Ids()
        with self.transaction(commit=False) as s:
            rows = s.execute(query).all()
        for community_id, school_id, task_kind, unit, occurred_on, amount in rows:
            found[parsed(community_id)].append(
                CountedWork(task_kind, parsed(school_id), occurred_on, int(amount), unit)
            )
        return found

    def activities(
        self, community_id: UUID, *, kind: str | None = None, limit: int = 100
    ) -> list[ActivityRow]:
        self._write_buffered(activities)
        query = select(activities).where(activities.c.community_id == community_id)
        if kind:
            query = query.where(activities.c.kind == kind)
        query = query.order_by(activities.c.occurred_on.desc(), activities.c.recorded_at.desc())
        with self.transaction(commit=False) as s:
            return [_activity(r) for r in s.execute(query.limit(limit)).all()]

    def seals(self, tenant_id: UUID, year: int | None = None) -> list[SealRow]:
        query = select(seals).where(seals.c.tenant_id == tenant_id)
        if year is not None:
            query = query.where(seals.c.year == year)
        with self.transaction(commit=False) as s:
            rows = s.execute(query.order_by(seals.c.due)).all()
        return [
            SealRow(r.tenant_id, r.year, r.quarter, r.due, as_utc(r.sealed_at), list(r.figures))
            for r in rows
        ]

    def applications(
        self, tenant_id: UUID, *, school_id: UUID | None = None
    ) -> list[ApplicationRow]:
        query = select(applications).where(applications.c.tenant_id == tenant_id)
        if school_id is not None:
            query = query.where(applications.c.school_id == school_id)
        with self.transaction(commit=False) as s:
            rows = s.execute(query.order_by(applications.c.applied_at.desc())).all()
        return [_application(r) for r in rows]


def _plain_fields(fields: dict[str, Any]) -> dict[str, Any]:
    json_columns = {"tasks", "draft_tasks", "comments", "details", "evidence", "participant_ids"}
    return {k: plain(v) if k in json_columns else v for k, v in fields.items()}
