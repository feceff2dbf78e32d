"""An education community (教共体): a core school, member schools over time, and rounds.

Membership is a timeline: schools join and leave on dates, and every figure is computed with the
membership at the time. A school of another bureau joins only after its own bureau consents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import DomainError, TenantAggregate
from domain.fields import (
    COMMUNITY_NAME,
    DECLINING_REASON,
    FOUNDED_ON,
    JOINING_ON,
    LEAVING_ON,
    LEAVING_REASON,
    ROUND_YEAR,
)
from domain.settings import CommunityType


@dataclass(frozen=True)
class Stint:
    """One period of membership: from ``joined_on`` until ``left_on`` (exclusive), or still."""

    school_id: UUID
    joined_on: date
    left_on: date | None = None

    def covers(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or day < self.left_on)


class Community(TenantAggregate):
    class Founded(TenantAggregate.Created):
        name: str
        kind: str
        core_school_id: UUID
        founded_on: date
        round_start_year: int
        round_end_year: int

    @event(Founded)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        name: str,
        kind: str,
        core_school_id: UUID,
        founded_on: date,
        round_start_year: int,
        round_end_year: int,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.name = name
        self.kind = kind
        self.core_school_id = core_school_id
        self.round_start_year = round_start_year
        self.round_end_year = round_end_year
        self.stints: list[dict[str, Any]] = [
            {"school_id": core_school_id, "joined_on": founded_on, "left_on": None}
        ]
        self.pending: dict[UUID, dict[str, Any]] = {}  # cross-region invitations awaiting consent
        self.partner_tenants: list[UUID] = []

    @classmethod
    def found(
        cls,
        *,
        tenant_id: UUID,
        name: str,
        kind: CommunityType,
        core_school_id: UUID,
        founded_on: date,
        round_start_year: int,
        round_end_year: int,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> Community:
        name = COMMUNITY_NAME.check(name)
        FOUNDED_ON.check(founded_on)
        ROUND_YEAR.check(round_start_year)
        ROUND_YEAR.check(round_end_year)
        if not 2 <= round_end_year - round_start_year + 1 <= 3:
            raise DomainError("一轮为2或3个学年 / A round runs for two or three school years")
        return cls(
            tenant_id=tenant_id,
            name=name,
            kind=kind.key,
            core_school_id=core_school_id,
            founded_on=founded_on,
            round_start_year=round_start_year,
            round_end_year=round_end_year,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    # The timeline --------------------------------------------------------------------------

    def timeline(self) -> list[Stint]:
        return [Stint(s["school_id"], s["joined_on"], s["left_on"]) for s in self.stints]

    def members_on(self, day: date) -> set[UUID]:
        return {s.school_id for s in self.timeline() if s.covers(day)}

    def is_member_on(self, school_id: UUID, day: date) -> bool:
        return school_id in self.members_on(day)

    def current_members(self) -> set[UUID]:
        return {s.school_id for s in self.timeline() if s.left_on is None}

    def _check_can_join(self, school_id: UUID, on: date, kind: CommunityType) -> None:
        JOINING_ON.check(on)
        if school_id in self.current_members():
            raise DomainError("该校已是成员 / The school is already a member")
        founded = self.stints[0]["joined_on"]
        if on < founded:
            raise DomainError("加入日期早于教共体成立 / Joining before the community was founded")
        if kind.max_schools is not None and len(self.current_members()) >= kind.max_schools:
            raise DomainError(
                f"{kind.name.split(' / ')[0]}教共体最多{kind.max_schools}所学校 / "
                f"A community of this type has at most {kind.max_schools} schools"
            )

    class SchoolJoined(TenantAggregate.Event):
        school_id: UUID
        school_tenant_id: UUID
        joined_on: date

    @event(SchoolJoined)
    def _join(
        self,
        school_id: UUID,
        school_tenant_id: UUID,
        joined_on: date,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.stints.append({"school_id": school_id, "joined_on": joined_on, "left_on": None})
        self.pending.pop(school_id, None)
        if school_tenant_id != self.tenant_id and school_tenant_id not in self.partner_tenants:
            self.partner_tenants.append(school_tenant_id)

    def admit(
        self,
        school_id: UUID,
        *,
        on: date,
        kind: CommunityType,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        """A school of this community's own bureau joins on a date."""
        self._check_can_join(school_id, on, kind)
        self._join(school_id, self.tenant_id, on, actor_id=actor_id, occurred_at=occurred_at)

    class SchoolLeft(TenantAggregate.Event):
        school_id: UUID
        left_on: date
        reason: str

    @event(SchoolLeft)
    def _leave(
        self,
        school_id: UUID,
        left_on: date,
        reason: str,
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        for stint in self.stints:
            if stint["school_id"] == school_id and stint["left_on"] is None:
                stint["left_on"] = left_on

    def release(
        self,
        school_id: UUID,
        *,
        on: date,
        reason: str,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        LEAVING_ON.check(on)
        reason = LEAVING_REASON.check(reason)
        if school_id == self.core_school_id:
            raise DomainError("核心校不能退出 / The core school cannot leave its community")
        current = [s for s in self.timeline() if s.school_id == school_id and s.left_on is None]
        if not current:
            raise DomainError("该校不是成员 / The school is not a member")
        if on <= current[0].joined_on:
            raise DomainError("退出日期须晚于加入日期 / Leaving must come after joining")
        self._leave(school_id, on, reason, actor_id=actor_id, occurred_at=occurred_at)

    # Cross-region membership ---------------------------------------------------------------

    class CrossRegionInvited(TenantAggregate.Event):
        school_id: UUID
        school_tenant_id: UUID
        joins_on: date
        #: The code the inviting bureau typed: all it is shown of the school until consent.
        school_code: str = ""

    @event(CrossRegionInvited)
    def _invite(
        self,
        school_id: UUID,
        school_tenant_id: UUID,
        joins_on: date,
        school_code: str = "",
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.pending[school_id] = {
            "tenant_id": school_tenant_id,
            "joins_on": joins_on,
            "code": school_code,
        }

    def invite_across_regions(
        self,
        school_id: UUID,
        school_tenant_id: UUID,
        *,
        on: date,
        kind: CommunityType,
        school_code: str = "",
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        """Ask another bureau's school to join; it joins only when that bureau consents."""
        if school_tenant_id == self.tenant_id:
            raise DomainError("本局学校直接加入 / A school of this bureau joins directly")
        if school_id in self.pending:
            raise DomainError("已在等待对方教育局同意 / Already awaiting that bureau's consent")
        self._check_can_join(school_id, on, kind)
        self._invite(
            school_id,
            school_tenant_id,
            on,
            school_code,
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    def consent(
        self,
        school_id: UUID,
        *,
        consenting_tenant_id: UUID,
        kind: CommunityType,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        invitation = self.pending.get(school_id)
        if invitation is None or invitation["tenant_id"] != consenting_tenant_id:
            raise DomainError("没有待同意的邀请 / No invitation awaits this bureau's consent")
        self._check_can_join(school_id, invitation["joins_on"], kind)
        self._join(
            school_id,
            consenting_tenant_id,
            invitation["joins_on"],
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    class CrossRegionDeclined(TenantAggregate.Event):
        school_id: UUID
        reason: str

    @event(CrossRegionDeclined)
    def _decline(
        self, school_id: UUID, reason: str, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.pending.pop(school_id, None)

    def decline(
        self,
        school_id: UUID,
        *,
        declining_tenant_id: UUID,
        reason: str,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        invitation = self.pending.get(school_id)
        if invitation is None or invitation["tenant_id"] != declining_tenant_id:
            raise DomainError("没有待同意的邀请 / No invitation awaits this bureau's consent")
        self._decline(
            school_id, DECLINING_REASON.check(reason), actor_id=actor_id, occurred_at=occurred_at
        )

    def visible_to(self, tenant_id: UUID) -> bool:
        """Its own bureau and the bureaus of its cross-region members see its shared figures."""
        return tenant_id == self.tenant_id or tenant_id in self.partner_tenants
