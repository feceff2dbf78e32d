"""The API of recorded activities and their evidence.

Each endpoint parses its input, calls one service method and answers JSON, like ``web.api.views``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Response, request, url_for
from flask.typing import ResponseReturnValue

from domain.counting import TaskKind
from projections.communities import ActivityRow
from services.evidence import Upload
from web.api import inputs as i
from web.api.base import actor, done, items, one
from web.api.contract import operation, validate_part
from web.api.outputs import Done, items_of
from web.current import parse_id, services

activities = partial(operation, tag="activities")


def uploads() -> list[Upload]:
    """The ``evidence`` files of a multipart request (its ``json`` part is the body)."""
    if request.mimetype != "multipart/form-data":
        return []
    return [
        Upload(f.filename or "", f.mimetype or "", f.read())
        for f in request.files.getlist("evidence")
        if f.filename
    ]


def _details(body: i.NewActivity) -> dict[str, Any]:
    details = dict(body.details)
    if body.kind == TaskKind.SHADOW_PLACEMENT:
        placement = validate_part(i.PlacementDetails, details, "details")
        details.update(placement.model_dump())
    return details


@activities(
    "GET",
    "/communities/<community_id>/activities",
    summary="A community's activities, newest first",
    query=i.ActivitiesQuery,
    answer=items_of(ActivityRow),
)
def list_activities(community_id: str, query: i.ActivitiesQuery) -> ResponseReturnValue:
    found = services().activities.activities(actor(), parse_id(community_id), kind=query.kind)
    return items(found)


@activities(
    "POST",
    "/communities/<community_id>/activities",
    summary="Record an activity, with evidence files as multipart",
    body=i.NewActivity,
    multipart=True,
    answer=Done,
    status=201,
    errors=(413,),
)
def record_activity(community_id: str, body: i.NewActivity) -> ResponseReturnValue:
    result = services().activities.record(
        actor(),
        parse_id(community_id),
        kind=body.kind,
        title=body.title,
        occurred_on=body.occurred_on,
        participant_ids=list(body.participant_ids),
        details=_details(body),
        uploads=uploads(),
    )
    return done(result, 201, url_for("api.get_activity", activity_id=result.id))


@activities("GET", "/activities/<activity_id>", summary="An activity", answer=ActivityRow)
def get_activity(activity_id: str) -> ResponseReturnValue:
    return one(services().activities.activity(actor(), parse_id(activity_id)))


@activities(
    "POST",
    "/activities/<activity_id>/complete",
    summary="Complete a shadow placement",
    body=i.Completion,
    answer=Done,
)
def complete_placement(activity_id: str, body: i.Completion) -> ResponseReturnValue:
    return done(
        services().activities.complete_placement(
            actor(), parse_id(activity_id), ended_on=body.ended_on
        )
    )


@activities(
    "POST",
    "/activities/<activity_id>/withdraw",
    summary="Withdraw an activity (it no longer counts)",
    body=i.Withdrawal,
    answer=Done,
)
def withdraw_activity(activity_id: str, body: i.Withdrawal) -> ResponseReturnValue:
    return done(services().activities.withdraw(actor(), parse_id(activity_id), reason=body.reason))


@activities(
    "GET",
    "/activities/<activity_id>/evidence/<sha256>",
    summary="Download an evidence file of an activity",
    path={"sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
    answer=None,
    media="application/octet-stream",
)
def activity_evidence(activity_id: str, sha256: str) -> ResponseReturnValue:
    found = services().activities.evidence(actor(), parse_id(activity_id), sha256)
    response = Response(found.data, mimetype=found.content_type or "application/octet-stream")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "attachment"
    response.headers["Cache-Control"] = "private, no-store"
    return response
