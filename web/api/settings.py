"""The API of the bureau's settings: community types and each plan year's numbers.

Each endpoint parses its input, calls one service method and answers JSON, like ``web.api.views``.
"""

from __future__ import annotations

from functools import partial

from flask.typing import ResponseReturnValue

from domain.settings import Checkpoint, CommunityType, PlanYearSettings
from web.api import inputs as i
from web.api.base import actor, done, items, one
from web.api.contract import operation
from web.api.outputs import Done, items_of
from web.api.years import YEAR_PATH, _year
from web.current import services

settings = partial(operation, tag="settings")


@settings(
    "GET",
    "/settings/community-types",
    summary="The bureau's community types",
    answer=items_of(CommunityType),
)
def community_types() -> ResponseReturnValue:
    return items(services().communities.community_types(actor()))


@settings(
    "PUT",
    "/settings/community-types",
    summary="Add or change a community type",
    body=i.TypeSetting,
    answer=Done,
)
def set_community_type(body: i.TypeSetting) -> ResponseReturnValue:
    result = services().communities.set_community_type(
        actor(), key=body.key, name=body.name, max_schools=body.max_schools
    )
    return done(result)


@settings(
    "GET",
    "/settings/plan-years/<year>",
    summary="A plan year's settings",
    path={"year": YEAR_PATH},
    answer=PlanYearSettings,
)
def get_plan_year(year: str) -> ResponseReturnValue:
    return one(services().communities.settings_page(actor(), _year(year)).year)


@settings(
    "PUT",
    "/settings/plan-years/<year>",
    summary="Set a plan year's checkpoints, targets and limits",
    path={"year": YEAR_PATH},
    body=i.PlanYear,
    answer=Done,
)
def set_plan_year(year: str, body: i.PlanYear) -> ResponseReturnValue:
    settings = PlanYearSettings(
        year=_year(year),
        checkpoints=sorted(
            (Checkpoint(c.due, c.required) for c in body.checkpoints), key=lambda c: c.due
        ),
        targets=dict(body.targets),
        plan_deadline=body.plan_deadline,
        shadow_placement_days=body.shadow_placement_days,
        mentor_max_mentees=body.mentor_max_mentees,
    )
    return done(services().communities.set_plan_year(actor(), settings))
