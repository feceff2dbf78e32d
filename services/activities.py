"""Recording community activities, with evidence, as they happen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain.activity import Activity
from domain.counting import TaskKind
from domain.roles import Role
from projections.communities import ActivityRow
from services.actor import Actor, Done
from services.communities import Scope, scope_of, tenant_settings
from services.context import Context
from services.errors import DomainError, Forbidden, NotFound
from services.evidence import Upload, store_all
from services.policy import CommunityAction, require_community


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    content_type: str
    data: bytes


def can_see_details(actor: Actor, scope: Scope, school_id: UUID) -> bool:
    """A partner bureau sees the shared figures, not another bureau's schools' own records."""
    if actor.tenant_id == scope.community.tenant_id:
        return True
    school_tenant = {s.school_id: s.school_tenant_id for s in scope.stints}.get(school_id)
    return school_tenant == actor.tenant_id


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
        scope = scope_of(self.ctx, actor, community_id)
        require_community(actor, CommunityAction.RECORD_ACTIVITY, **scope.policy())
        assert actor.school_id is not None
        if not any(
            s.school_id == actor.school_id and s.stint().covers(occurred_on) for s in scope.stints
        ):
            raise DomainError(
                "活动当天贵校不是该教共体成员 / Your school was not a member on that day"
            )
        participants = list(participant_ids or [])
        for user_id in participants:
            if self.ctx.directory.user(actor.tenant_id, user_id) is None:
                raise NotFound("参与教师不存在 / No such participating teacher")
        details = dict(details or {})
        if kind == TaskKind.SHADOW_PLACEMENT and details.get("host_school_id") is None:
            details["host_school_id"] = scope.community.core_school_id
        evidence = store_all(self.ctx.blobs, uploads or [])
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
            today=now.date(),
            actor_id=actor.user_id,
            occurred_at=now,
        )
        return Done(activity.id, self.ctx.platform.save_all(activity))

    def _activity(self, actor: Actor, activity_id: UUID) -> tuple[Activity, Scope]:
        row = self.ctx.communities.activity(activity_id)
        if row is None:
            raise NotFound("记录不存在 / No such record")
        scope = scope_of(self.ctx, actor, row.community_id)
        if not can_see_details(actor, scope, row.school_id):
            raise NotFound("记录不存在 / No such record")
        activity: Activity = self.ctx.platform.get_in_tenant(Activity, activity_id, row.tenant_id)
        return activity, scope

    def _require_owner(self, actor: Actor, activity: Activity) -> None:
        """The recording school changes its own records: its admin, or the teacher who recorded."""
        own_school = actor.school_id == activity.school_id
        recorded_it = actor.user_id is not None and actor.user_id == activity.recorded_by
        if not (own_school and (actor.has(Role.SCHOOL_ADMIN) or recorded_it)):
            raise Forbidden("只有记录学校可以修改 / Only the recording school changes this record")

    def complete_placement(self, actor: Actor, activity_id: UUID, *, ended_on: date) -> Done:
        activity, _ = self._activity(actor, activity_id)
        self._require_owner(actor, activity)
        year = tenant_settings(self.ctx, activity.tenant_id).plan_year(ended_on.year)
        now = self.ctx.clock()
        activity.complete_placement(
            ended_on=ended_on,
            required_days=year.shadow_placement_days,
            today=now.date(),
            actor_id=actor.user_id,
            occurred_at=now,
        )
        return Done(activity.id, self.ctx.platform.save_all(activity))

    def attach_evidence(self, actor: Actor, activity_id: UUID, uploads: list[Upload]) -> Done:
        activity, _ = self._activity(actor, activity_id)
        self._require_owner(actor, activity)
        if not uploads:
            raise DomainError("请选择文件 / Choose a file")
        evidence = store_all(self.ctx.blobs, uploads)
        activity.attach_evidence(evidence, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(activity.id, self.ctx.platform.save_all(activity))

    def withdraw(self, actor: Actor, activity_id: UUID, *, reason: str) -> Done:
        activity, _ = self._activity(actor, activity_id)
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
        assert row is not None
        return row

    def evidence(self, actor: Actor, activity_id: UUID, sha256: str) -> EvidenceFile:
        self._activity(actor, activity_id)
        row = self.ctx.communities.activity(activity_id)
        assert row is not None
        for item in row.evidence:
            if item.get("sha256") == sha256:
                data = self.ctx.blobs.get(sha256)
                if data is None:
                    break
                return EvidenceFile(str(item["name"]), str(item["type"]), data)
        raise NotFound("文件不存在 / No such file")
