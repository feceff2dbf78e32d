"""The API of assistance applications (帮扶申请): applying, assigning a helper school, declining.

Each endpoint parses its input, calls one service method and answers JSON, like ``web.api.views``.
"""

from __future__ import annotations

from flask import url_for
from flask.typing import ResponseReturnValue

from web.api import inputs as i
from web.api.base import actor, done, items, jsonable
from web.api.communities import communities
from web.api.outputs import Done, Open
from web.current import parse_id, services


@communities("GET", "/assistance", summary="Applications for assistance", answer=Open)
def list_assistance() -> ResponseReturnValue:
    page = services().communities.assistance_page(actor())
    return items(
        [
            jsonable(line.application)
            | {
                "school": line.school,
                "helper": line.helper,
                "suggested": [str(s.id) for s in line.suggested],
            }
            for line in page.applications
        ]
    )


@communities(
    "POST",
    "/assistance",
    summary="Apply for assistance (a school admin)",
    body=i.NewApplication,
    answer=Done,
    status=201,
)
def apply_for_assistance(body: i.NewApplication) -> ResponseReturnValue:
    result = services().communities.apply_for_assistance(
        actor(), needs=body.needs, subjects=list(body.subjects)
    )
    return done(result, 201)


@communities(
    "POST",
    "/assistance/<application_id>/assign",
    summary="Assign a helper school: founds their community",
    body=i.Assignment,
    answer=Done,
    status=201,
)
def assign_helper(application_id: str, body: i.Assignment) -> ResponseReturnValue:
    result = services().communities.assign_helper(
        actor(),
        parse_id(application_id),
        helper_school_id=body.helper_school_id,
        founded_on=body.founded_on,
        round_start_year=body.round_start_year,
        round_end_year=body.round_end_year,
    )
    return done(result, 201, url_for("api.get_community", community_id=result.id))


@communities(
    "POST",
    "/assistance/<application_id>/decline",
    summary="Decline an application for assistance",
    body=i.Declining,
    answer=Done,
)
def decline_application(application_id: str, body: i.Declining) -> ResponseReturnValue:
    return done(
        services().communities.decline_application(
            actor(), parse_id(application_id), reason=body.reason
        )
    )
