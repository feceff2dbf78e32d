"""Recording community activities, with evidence, as they happen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain.activity import ACTIVITY_KINDS, Activity, recorded_late
from domain.counting import TaskKind
from domain.roles import Role
from domain.user import User
from projections.communities import ActivityRow, CommunityRow, StintRow
from projections.directory import UserRow
from services.actor import Actor, Done
from services.clock import local_date
from services.community_scope import (
    CommunityAccess,
    Scope,
    can_see_details,
    community_access,
    community_of,
    community_policy,
    school_names,
    scope_of,
)
from services.community_settings import tenant_settings
from services.context import Context
from services.errors import DomainError, Forbidden, NotFound
from services.evidence import Upload, evidence_of, store_all
from services.platform import NOT_THERE_OR_HIDDEN
from services.policy import CommunityAction, require_community


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ActivityLine:
    """A record as a list shows it: when it happened, when it was recorded, by whom, where."""

    row: ActivityRow
    school: str
    recorded_by: str
    late: bool  # recorded long after it happened (``domain.activity.recorded_late``)


def activity_lines(
    ctx: Context, rows: list[ActivityRow], stints: list[StintRow]
) -> list[ActivityLine]:
    names = school_names(ctx, stints)
    actors = {r.actor_id for r in rows if r.actor_id}
    people: dict[UUID, str] = {}
    for tenant_id in {r.tenant_id for r in rows}:
        people.update(
            {u.id: u.display_name for u in ctx.directory.users(tenant_id) if u.id in actors}
        )
    return [
        ActivityLine(
            row=r,
            school=names.get(r.school_id, ""),
            recorded_by=people.get(r.actor_id, "") if r.actor_id else "",
            late=recorded_late(r.occurred_on, r.recorded_at),
        )
        for r in rows
    ]


def may_change(actor: Actor, school_id: UUID, recorded_by: UUID | None) -> bool:
    """The recording school changes its own records: its admin, or the teacher who recorded."""
    own_school = actor.school_id == school_id
    recorded_it = actor.user_id is not None and actor.user_id == recorded_by
    return own_school and (actor.has(Role.SCHOOL_ADMIN) or recorded_it)


@dataclass(frozen=True)
class ActivitiesPage:
    community: CommunityRow
    lines: list[ActivityLine]
    kind: str | None
    access: CommunityAccess


@dataclass(frozen=True)
class ActivityPage:
    line: ActivityLine
    community: CommunityRow
    participants: list[str]
    teacher: str  # a shadow placement's teacher
    host_school: str  # a shadow placement's host school
    required_days: int  # a shadow placement counts after this many days
    may_change: bool
    today: date
    withdrawn_because: str = ""


@dataclass(frozen=True)
class RecordForm:
    community: CommunityRow
    kinds: tuple[str, ...]
    teachers: list[UserRow]  # of the actor's school: participants, placement teachers
    host_schools: list[tuple[UUID, str]]  # current members, the core school first
    required_days: int
    today: date


class ActivityService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def record(
        self,
        actor: Actor,
        community_id: UUID,
        *,
        kind: str,
        title: str,
        occurred_on: date,
        participant_ids: list[UUID] | None = None,
        details: dict[str, Any] | None = None,
        uploads: list[Upload] | None = None,
    ) -> Done:
        community = community_of(self.ctx, actor, community_id)
        require_community(actor, CommunityAction.RECORD_ACTIVITY, **community_policy(community))
        assert actor.school_id is not None
        if not community.is_member_on(actor.school_id, occurred_on):
            raise DomainError(
                "活动当天贵校不是该教共体成员 / Your school was not a member on that day"
            )
        participants = list(participant_ids or [])
        for user_id in participants:
            try:
                self.ctx.platform.get_in_tenant(User, user_id, actor.tenant_id)
            except NotFound as exc:
                raise NotFound("参与教师不存在 / No such participating teacher") from exc
        details = dict(details or {})
        if kind == TaskKind.SHADOW_PLACEMENT and details.get("host_school_id") is None:
            details["host_school_id"] = community.core_school_id
        evidence = evidence_of(uploads or [])
        now = self.ctx.clock()
        activity = Activity.record(
            tenant_id=actor.tenant_id,
            community_id=community_id,
            school_id=actor.school_id,
            kind=kind,
            title=title,
            occurred_on=occurred_on,
            participant_ids=participants,
            details=details,
            evidence=evidence,
            today=local_date(now),
            actor_id=actor.user_id,
            occurred_at=now,
        )
        store_all(self.ctx.blobs, uploads or [])  # accepted: now the files are kept
        return Done(activity.id, self.ctx.platform.save_all(activity))

    def _activity(self, actor: Actor, activity_id: UUID) -> Activity:
        """The record as it is now; one the actor may not see answers as a made-up id does."""
        try:
            activity: object = self.ctx.platform.repository.get(activity_id)
            if not isinstance(activity, Activity):
                raise NotFound
            community = community_of(self.ctx, actor, activity.community_id)
        except NOT_THERE_OR_HIDDEN as exc:
            raise NotFound("记录不存在 / No such record") from exc
        # As ``can_see_details``: a partner bureau sees its own schools' records, whose tenant
        # is the recording school's.
        if actor.tenant_id not in (community.tenant_id, activity.tenant_id):
            raise NotFound("记录不存在 / No such record")
        return activity

    def _require_owner(self, actor: Actor, activity: Activity) -> None:
        """The recording school changes its own records: its admin, or the teacher who recorded."""
        if not may_change(actor, activity.school_id, activity.recorded_by):
            raise Forbidden("只有记录学校可以修改 / Only the recording school changes this record")

    def complete_placement(self, actor: Actor, activity_id: UUID, *, ended_on: date) -> Done:
        activity = self._activity(actor, activity_id)
        self._require_owner(actor, activity)
        year = tenant_settings(self.ctx, activity.tenant_id).plan_year(ended_on.year)
        now = self.ctx.clock()
        activity.complete_placement(
            ended_on=ended_on,
            required_days=year.shadow_placement_days,
            today=local_date(now),
            actor_id=actor.user_id,
            occurred_at=now,
        )
        return Done(activity.id, self.ctx.platform.save_all(activity))

    def attach_evidence(self, actor: Actor, activity_id: UUID, uploads: list[Upload]) -> Done:
        activity = self._activity(actor, activity_id)
        self._require_owner(actor, activity)
        if not uploads:
            raise DomainError("请选择文件 / Choose a file")
        evidence = evidence_of(uploads)
        activity.attach_evidence(evidence, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        store_all(self.ctx.blobs, uploads)
        return Done(activity.id, self.ctx.platform.save_all(activity))

    def withdraw(self, actor: Actor, activity_id: UUID, *, reason: str) -> Done:
        activity = self._activity(actor, activity_id)
        self._require_owner(actor, activity)
        activity.withdraw(reason, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(activity.id, self.ctx.platform.save_all(activity))

    def activities(
        self, actor: Actor, community_id: UUID, *, kind: str | None = None, limit: int = 100
    ) -> list[ActivityRow]:
        scope = scope_of(self.ctx, actor, community_id)
        rows = self.ctx.communities.activities(community_id, kind=kind, limit=limit)
        return [r for r in rows if can_see_details(actor, scope, r.school_id)]

    def activity(self, actor: Actor, activity_id: UUID) -> ActivityRow:
        self._activity(actor, activity_id)
        row = self.ctx.communities.activity(activity_id)
        if row is None:  # recorded a moment ago: the view has not applied it yet
            raise NotFound("记录不存在 / No such record")
        return row

    def evidence(self, actor: Actor, activity_id: UUID, sha256: str) -> EvidenceFile:
        self._activity(actor, activity_id)
        row = self.ctx.communities.activity(activity_id)
        if row is None:
            raise NotFound("文件不存在 / No such file")
        for item in row.evidence:
            if item.get("sha256") == sha256:
                data = self.ctx.blobs.get(sha256)
                if data is None:
                    break
                return EvidenceFile(str(item["name"]), str(item["type"]), data)
        raise NotFound("文件不存在 / No such file")

    # What the pages show ------------------------------------------------------------------
    def _lines(self, rows: list[ActivityRow], scope: Scope) -> list[ActivityLine]:
        return activity_lines(self.ctx, rows, scope.stints)

    def activities_page(
        self, actor: Actor, community_id: UUID, *, kind: str | None = None, limit: int = 200
    ) -> ActivitiesPage:
        scope = scope_of(self.ctx, actor, community_id)
        if kind and kind not in ACTIVITY_KINDS:
            kind = None
        rows = self.activities(actor, community_id, kind=kind, limit=limit)
        return ActivitiesPage(
            community=scope.community,
            lines=self._lines(rows, scope),
            kind=kind,
            access=community_access(actor, scope),
        )

    def activity_page(self, actor: Actor, activity_id: UUID) -> ActivityPage:
        activity = self._activity(actor, activity_id)
        row = self.ctx.communities.activity(activity_id)
        if row is None:  # recorded a moment ago: the view has not applied it yet
            raise NotFound("记录不存在 / No such record")
        scope = scope_of(self.ctx, actor, row.community_id)
        [line] = self._lines([row], scope)
        staff = {u.id: u.display_name for u in self.ctx.directory.users(row.tenant_id)}
        details = activity.details
        teacher_id = details.get("teacher_id")
        host_id = details.get("host_school_id")
        year = (details.get("starts_on") or row.occurred_on).year
        return ActivityPage(
            line=line,
            community=scope.community,
            participants=[staff.get(p, "") for p in row.participant_ids],
            teacher=staff.get(teacher_id, "") if isinstance(teacher_id, UUID) else "",
            host_school=school_names(self.ctx, scope.stints).get(host_id, "")
            if isinstance(host_id, UUID)
            else "",
            required_days=tenant_settings(self.ctx, row.tenant_id)
            .plan_year(year)
            .shadow_placement_days,
            may_change=may_change(actor, row.school_id, row.actor_id) and not row.withdrawn,
            today=self.ctx.today(),
            withdrawn_because=next(
                (
                    e.reason
                    for e in self.ctx.platform.repository.event_store.get(activity_id)
                    if isinstance(e, Activity.Withdrawn)
                ),
                "",
            )
            if row.withdrawn
            else "",
        )

    def record_form(self, actor: Actor, community_id: UUID) -> RecordForm:
        """What a member school's staff choose from when recording."""
        scope = scope_of(self.ctx, actor, community_id)
        require_community(actor, CommunityAction.RECORD_ACTIVITY, **scope.policy())
        assert actor.school_id is not None
        names = school_names(self.ctx, scope.stints)
        core = scope.community.core_school_id
        hosts = [core, *sorted(scope.current_members - {core}, key=lambda i: names.get(i, ""))]
        today = self.ctx.today()
        return RecordForm(
            community=scope.community,
            kinds=tuple(ACTIVITY_KINDS),
            teachers=[
                u
                for u in self.ctx.directory.users(actor.tenant_id, school_id=actor.school_id)
                if u.active and Role.TEACHER in u.roles
            ],
            host_schools=[(i, names.get(i, "")) for i in hosts],
            required_days=tenant_settings(self.ctx, scope.community.tenant_id)
            .plan_year(today.year)
            .shadow_placement_days,
            today=today,
        )
