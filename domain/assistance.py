"""An assistance application (帮扶申请): a school asks for help; the bureau assigns a helper or declines."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event

from domain.base import DomainError, TenantAggregate
from domain.fields import DECLINING_REASON, NEEDS, SUBJECT_LIST
from domain.user import SUBJECTS


class ApplicationStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    DECLINED = "declined"


class AssistanceApplication(TenantAggregate):
    class Applied(TenantAggregate.Created):
        school_id: UUID
        needs: str
        subjects: list[str]

    @event(Applied)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        school_id: UUID,
        needs: str,
        subjects: list[str],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.school_id = school_id
        self.needs = needs
        self.subjects = subjects
        self.status = ApplicationStatus.OPEN
        self.community_id: UUID | None = None

    @classmethod
    def apply(
        cls,
        *,
        tenant_id: UUID,
        school_id: UUID,
        needs: str,
        subjects: list[str],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> AssistanceApplication:
        if not isinstance(needs, str) or len(needs.strip()) < NEEDS.min_length:
            raise DomainError(
                "请具体说明需求（至少10个字） / Describe the needs (at least 10 characters)"
            )
        unknown = [s for s in SUBJECT_LIST.check(subjects) if s not in SUBJECTS]
        if unknown:
            raise DomainError(f"未知学科 / Unknown subject: {', '.join(map(str, unknown))}")
        return cls(
            tenant_id=tenant_id,
            school_id=school_id,
            needs=NEEDS.check(needs),
            subjects=list(subjects),
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    class HelperAssigned(TenantAggregate.Event):
        helper_school_id: UUID
        community_id: UUID

    @event(HelperAssigned)
    def _assign(
        self,
        helper_school_id: UUID,
        community_id: UUID,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.status = ApplicationStatus.ASSIGNED
        self.community_id = community_id

    def assign(
        self,
        helper_school_id: UUID,
        community_id: UUID,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        if self.status != ApplicationStatus.OPEN:
            raise DomainError("申请已处理 / The application has been decided")
        if helper_school_id == self.school_id:
            raise DomainError("不能自己帮扶自己 / A school cannot help itself")
        self._assign(helper_school_id, community_id, actor_id=actor_id, occurred_at=occurred_at)

    class Declined(TenantAggregate.Event):
        reason: str

    @event(Declined)
    def _decline(self, reason: str, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.status = ApplicationStatus.DECLINED

    def decline(self, reason: str, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        if self.status != ApplicationStatus.OPEN:
            raise DomainError("申请已处理 / The application has been decided")
        if not isinstance(reason, str) or not reason.strip():
            raise DomainError("拒绝需要说明原因 / Declining needs a reason")
        self._decline(DECLINING_REASON.check(reason), actor_id=actor_id, occurred_at=occurred_at)
