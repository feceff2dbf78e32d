"""The API of communities: founding, members over time, cross-region invitations.

Each endpoint parses its input, calls one service method and answers JSON, like ``web.api.views``.
"""

from __future__ import annotations

from functools import partial

from flask import url_for
from flask.typing import ResponseReturnValue

from web.api import inputs as i
from web.api.base import actor, done, items, jsonable
from web.api.contract import operation
from web.api.outputs import Done, Open
from web.current import parse_id, services

communities = partial(operation, tag="communities")


@communities(
    "GET",
    "/communities",
    summary="The communities the user may see, with their progress",
    answer=Open,
)
def list_communities() -> ResponseReturnValue:
    page = services().communities.index_page(actor())
    return items(
        [
            {
                "community": jsonable(i.community),
                "type_name": i.type_name,
                "owner_name": i.owner_name,
                "core_school": i.core_school,
                "members": i.members,
                "percent": i.figures.percent,
                "status": i.figures.status,
            }
            for i in page.items
        ],
        as_of=page.as_of.isoformat(),
    )


@communities(
    "POST",
    "/communities",
    summary="Found a community",
    body=i.NewCommunity,
    answer=Done,
    status=201,
)
def found_community(body: i.NewCommunity) -> ResponseReturnValue:
    result = services().communities.found(
        actor(),
        name=body.name,
        kind=body.kind,
        core_school_id=body.core_school_id,
        founded_on=body.founded_on,
        round_start_year=body.round_start_year,
        round_end_year=body.round_end_year,
        member_school_ids=list(body.member_school_ids),
    )
    return done(result, 201, url_for("api.get_community", community_id=result.id))


@communities(
    "GET",
    "/communities/<community_id>",
    summary="A community: members, plans, progress",
    answer=Open,
)
def get_community(community_id: str) -> ResponseReturnValue:
    page = services().communities.page(actor(), parse_id(community_id))
    return jsonable(
        {
            "community": page.community,
            "type_name": page.type_name,
            "owner_name": page.owner_name,
            "members": [
                {
                    "school_id": m.stint.school_id,
                    "school": m.school,
                    "bureau": m.bureau,
                    "core": m.is_core,
                    "joined_on": m.stint.joined_on,
                    "left_on": m.stint.left_on,
                }
                for m in page.members
            ],
            "plans": page.plans,
            "percent": page.figures.percent,
            "status": page.figures.status,
            "access": page.access,
            "pending": page.pending,
            "declined": page.declined,
        }
    )


@communities(
    "POST",
    "/communities/<community_id>/members",
    summary="Admit a school of the bureau",
    body=i.Admission,
    answer=Done,
)
def admit_school(community_id: str, body: i.Admission) -> ResponseReturnValue:
    result = services().communities.admit(
        actor(), parse_id(community_id), body.school_id, on=body.on
    )
    return done(result)


@communities(
    "POST",
    "/communities/<community_id>/members/<school_id>/leave",
    summary="A member school leaves",
    body=i.Leaving,
    answer=Done,
)
def release_school(community_id: str, school_id: str, body: i.Leaving) -> ResponseReturnValue:
    result = services().communities.release(
        actor(), parse_id(community_id), parse_id(school_id), on=body.on, reason=body.reason
    )
    return done(result)


@communities(
    "POST",
    "/communities/<community_id>/invitations",
    summary="Invite a school of another bureau (its bureau consents)",
    body=i.Invitation,
    answer=Done,
)
def invite_school(community_id: str, body: i.Invitation) -> ResponseReturnValue:
    result = services().communities.invite_across_regions(
        actor(),
        parse_id(community_id),
        tenant_id=body.tenant_id,
        school_code=body.school_code,
        on=body.on,
    )
    return done(result)


@communities(
    "POST",
    "/communities/<community_id>/invitations/<school_id>/consent",
    summary="Consent to an invitation of one's school",
    answer=Done,
)
def consent_invitation(community_id: str, school_id: str) -> ResponseReturnValue:
    result = services().communities.consent(actor(), parse_id(community_id), parse_id(school_id))
    return done(result)


@communities(
    "POST",
    "/communities/<community_id>/invitations/<school_id>/decline",
    summary="Decline an invitation of one's school",
    body=i.Declining,
    answer=Done,
)
def decline_invitation(community_id: str, school_id: str, body: i.Declining) -> ResponseReturnValue:
    result = services().communities.decline(
        actor(), parse_id(community_id), parse_id(school_id), reason=body.reason
    )
    return done(result)


@communities("GET", "/invitations", summary="Invitations of the bureau's schools", answer=Open)
def list_invitations() -> ResponseReturnValue:
    lines = services().communities.invitations(actor())
    return items(
        [jsonable(i.invitation) | {"school": i.school, "from_bureau": i.from_bureau} for i in lines]
    )
