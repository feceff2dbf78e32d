"""The API of paired mentoring (师徒结对): pairs, their records, confirmation and counts.

The content of a pair (summaries, dispute comments, evidence, the reason it ended) is for the mentor,
the mentee and their two school admins only. The service redacts it for anyone else; these answers
then leave the fields out altogether, so an empty placeholder cannot tell that something was there.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.typing import ResponseReturnValue

from projections.mentoring import RecordRow
from services.mentoring import PairSummary
from web.api.base import actor, body, bp, done, items, jsonable
from web.api.communities import _activity_input, _date
from web.current import parse_id, services

#: A record's fields that only the pair and their school admins read.
PRIVATE_RECORD_FIELDS = ("summary", "evidence", "dispute_comment")


def _summary(summary: PairSummary) -> dict[str, Any]:
    pair = dict(jsonable(summary.pair))
    if not summary.readable:
        pair.pop("end_reason", None)
    return {
        "pair": pair,
        "confirmed": summary.confirmed,
        "pending": summary.pending,
        "disputed": summary.disputed,
        "minutes": summary.minutes,
        "hours": summary.hours,
        "kinds": summary.kinds,
        "target": summary.target,
        "projected": summary.projected,
        "awaiting_me": summary.awaiting_me,
        "mentor_name": summary.mentor_name,
        "mentee_name": summary.mentee_name,
        "mentor_school": summary.mentor_school,
        "mentee_school": summary.mentee_school,
        "community_name": summary.community_name,
        "my_side": summary.my_side,
        "readable": summary.readable,
        "may_end": summary.may_end,
        "active": summary.active,
    }


def _record(record: RecordRow, readable: bool) -> dict[str, Any]:
    found = dict(jsonable(record))
    if not readable:
        for name in PRIVATE_RECORD_FIELDS:
            found.pop(name, None)
    return found


@bp.get("/mentoring/me")
def my_mentoring() -> ResponseReturnValue:
    home = services().mentoring.home(actor())
    return {
        "items": [_summary(p) for p in home.pairs],
        "awaiting": [
            {"pair_id": str(a.summary.pair.id), "record": _record(a.record, True)}
            for a in home.awaiting
        ],
    }


@bp.post("/communities/<community_id>/pairs")
def pair_teachers(community_id: str) -> ResponseReturnValue:
    fields = body()
    result = services().mentoring.pair(
        actor(),
        parse_id(community_id),
        mentor_id=fields.uuid("mentor_id"),
        mentee_id=fields.uuid("mentee_id"),
        paired_on=_date(fields, "paired_on"),
        ends_on=_date(fields, "ends_on"),
    )
    return done(result, 201, url_for("api.get_pair", pair_id=result.id))


@bp.get("/pairs/<pair_id>")
def get_pair(pair_id: str) -> ResponseReturnValue:
    summary, records, readable = services().mentoring.pair_detail(actor(), parse_id(pair_id))
    return _summary(summary) | {"records": [_record(r, readable) for r in records]}


@bp.post("/pairs/<pair_id>/records")
def record_mentoring(pair_id: str) -> ResponseReturnValue:
    fields, uploads = _activity_input()
    result = services().mentoring.record(
        actor(),
        parse_id(pair_id),
        kind=fields.text("kind"),
        mode=fields.text("mode"),
        occurred_on=_date(fields, "occurred_on"),
        minutes=fields.integer("minutes"),
        summary=fields.text("summary", required=False),
        uploads=uploads,
    )
    return done(result, 201, url_for("api.get_pair", pair_id=result.id))


@bp.post("/pairs/<pair_id>/records/<record_id>/confirm")
def confirm_record(pair_id: str, record_id: str) -> ResponseReturnValue:
    return done(services().mentoring.confirm(actor(), parse_id(pair_id), record_id))


@bp.post("/pairs/<pair_id>/records/<record_id>/dispute")
def dispute_record(pair_id: str, record_id: str) -> ResponseReturnValue:
    comment = body().text("comment")
    return done(
        services().mentoring.dispute(actor(), parse_id(pair_id), record_id, comment=comment)
    )


@bp.post("/pairs/<pair_id>/end")
def end_pair(pair_id: str) -> ResponseReturnValue:
    fields = body()
    result = services().mentoring.end(
        actor(), parse_id(pair_id), on=_date(fields, "on"), reason=fields.text("reason")
    )
    return done(result)


@bp.get("/schools/<school_id>/pairs")
def school_pairs(school_id: str) -> ResponseReturnValue:
    pairs = services().mentoring.school_pairs(actor(), parse_id(school_id))
    return items([_summary(p) for p in pairs])


@bp.get("/communities/<community_id>/pairs")
def community_pairs(community_id: str) -> ResponseReturnValue:
    pairs = services().mentoring.community_pairs(actor(), parse_id(community_id))
    return items([_summary(p) for p in pairs])
