"""Tenants, schools, classes and bell schedules."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.school import School
from domain.tenant import Tenant
from domain.uniqueness import NameClaim, school_code_key
from services.actor import Actor, Done
from services.context import Context
from services.errors import Conflict
from services.policy import Action, require


class OrganisationService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def register_tenant(self, actor: Actor, *, name: str, region: str = "") -> Done:
        require(actor, Action.REGISTER_TENANT)
        from uuid import uuid4

        tenant = Tenant.register(
            tenant_id=uuid4(),
            name=name,
            region=region,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(tenant.id, self.ctx.platform.save_all(tenant))

    def register_school(
        self,
        actor: Actor,
        *,
        name: str,
        code: str,
        stage: str,
        locality: str,
        student_count: int = 0,
    ) -> Done:
        require(actor, Action.MANAGE_SCHOOLS)
        now = self.ctx.clock()
        school = School.register(
            tenant_id=actor.tenant_id,
            name=name,
            code=code,
            stage=stage,
            locality=locality,
            student_count=student_count,
            actor_id=actor.user_id,
            occurred_at=now,
        )
        claim = NameClaim(
            tenant_id=actor.tenant_id,
            key=school_code_key(actor.tenant_id, school.code),
            owner_id=school.id,
            actor_id=actor.user_id,
            occurred_at=now,
        )
        try:
            position = self.ctx.platform.save_all(school, claim)
        except IntegrityError as exc:
            raise Conflict(
                f"学校代码 {school.code} 已被使用 / School code {school.code} is taken"
            ) from exc
        return Done(school.id, position)

    def _school(self, actor: Actor, school_id: UUID) -> School:
        school: School = self.ctx.platform.get_in_tenant(School, school_id, actor.tenant_id)
        return school

    def change_school(
        self,
        actor: Actor,
        school_id: UUID,
        *,
        name: str,
        stage: str,
        locality: str,
        student_count: int,
    ) -> Done:
        school = self._school(actor, school_id)
        require(actor, Action.MANAGE_SCHOOLS)
        school.change_details(
            name=name,
            stage=stage,
            locality=locality,
            student_count=student_count,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(school.id, self.ctx.platform.save_all(school))

    def open_class(self, actor: Actor, school_id: UUID, *, grade: int, name: str) -> Done:
        school = self._school(actor, school_id)
        require(actor, Action.MANAGE_CLASSES, school_id)
        class_id = school.open_class(
            grade=grade, name=name, actor_id=actor.user_id, occurred_at=self.ctx.clock()
        )
        return Done(school.id, self.ctx.platform.save_all(school), part_id=class_id)

    def close_class(self, actor: Actor, school_id: UUID, class_id: str) -> Done:
        school = self._school(actor, school_id)
        require(actor, Action.MANAGE_CLASSES, school_id)
        school.close_class(class_id, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(school.id, self.ctx.platform.save_all(school))

    def set_bell_schedule(
        self, actor: Actor, school_id: UUID, periods: list[dict[str, object]]
    ) -> Done:
        school = self._school(actor, school_id)
        require(actor, Action.MANAGE_CLASSES, school_id)
        school.set_bell_schedule(periods, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(school.id, self.ctx.platform.save_all(school))
