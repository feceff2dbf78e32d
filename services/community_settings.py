"""A bureau's settings: its community types and each plan year's numbers (defaults until changed)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.settings import CommunityType, PlanYearSettings, TenantSettings, settings_id
from services.actor import Actor, Done
from services.context import Context
from services.platform import NOT_THERE
from services.policy import CommunityAction, community_allowed, require_community


def tenant_settings(ctx: Context, tenant_id: UUID) -> TenantSettings:
    try:
        found: TenantSettings = ctx.platform.repository.get(settings_id(tenant_id))
    except NOT_THERE:
        # Never changed: the defaults of DOMAIN.md, not saved until the bureau changes something.
        return TenantSettings(tenant_id=tenant_id, actor_id=None, occurred_at=ctx.clock())
    return found


def type_names(settings: TenantSettings) -> dict[str, str]:
    return {key: str(raw["name"]) for key, raw in settings.types.items()}


@dataclass(frozen=True)
class SettingsPage:
    types: list[CommunityType]
    year: PlanYearSettings
    may_edit: bool


class CommunitySettings:
    """The acting bureau's community types and plan years."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def settings(self, actor: Actor) -> TenantSettings:
        return tenant_settings(self.ctx, actor.tenant_id)

    def community_types(self, actor: Actor) -> list[CommunityType]:
        settings = self.settings(actor)
        return [settings.community_type(key) for key in settings.types]

    def set_community_type(
        self, actor: Actor, *, key: str, name: str, max_schools: int | None
    ) -> Done:
        require_community(actor, CommunityAction.MANAGE)
        settings = self.settings(actor)
        settings.set_community_type(
            key=key,
            name=name,
            max_schools=max_schools,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(settings.id, self.ctx.platform.save_all(settings))

    def plan_year(self, actor: Actor, year: int) -> PlanYearSettings:
        return self.settings(actor).plan_year(year)

    def set_plan_year(self, actor: Actor, year_settings: PlanYearSettings) -> Done:
        require_community(actor, CommunityAction.MANAGE)
        settings = self.settings(actor)
        settings.set_plan_year(year_settings, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(settings.id, self.ctx.platform.save_all(settings))

    def add_community_type(self, actor: Actor, *, name: str, max_schools: int | None) -> Done:
        """A new type of the bureau's own, under a key the bureau never has to see."""
        taken = set(self.settings(actor).types)
        number = len(taken) + 1
        while f"custom_{number}" in taken:
            number += 1
        return self.set_community_type(
            actor, key=f"custom_{number}", name=name, max_schools=max_schools
        )

    def settings_page(self, actor: Actor, year: int | None = None) -> SettingsPage:
        """The bureau's community types and one plan year's numbers (this year's by default)."""
        require_community(actor, CommunityAction.VIEW_DASHBOARD)
        year = year or self.ctx.today().year
        return SettingsPage(
            types=self.community_types(actor),
            year=self.plan_year(actor, year),
            may_edit=community_allowed(actor, CommunityAction.MANAGE),
        )
