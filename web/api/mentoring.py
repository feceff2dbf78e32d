"""The API of paired mentoring (师徒结对): pairs, their records, confirmation and counts.

The content of a pair (summaries, dispute comments, evidence, the reason it ended) is for the mentor,
the mentee and their two school admins only. The service redacts it for anyone else; these answers
then leave the fields out altogether, so an empty placeholder cannot tell that something was there.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import url_for
from flask.typing import ResponseReturnValue

from projections.mentoring import RecordRow
from services.mentoring import PairSummary
from web.api import inputs as i
from web.api.base import actor, done, items, jsonable
from web.api.communities import uploads
from web.api.contract import operation
from web.api.outputs import Done, Open, RecordMade
from web.current import parse_id, services

mentoring = partial(operation, tag="mentoring")
RECORD_ID = {"type": "string", "pattern": "^[0-9]+$", "examples": ["1"]}

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


@mentoring(
    "GET",
    "/mentoring/me",
    summary="One's own pairs, and the records awaiting one's confirmation",
    answer=Open,
)
def my_mentoring() -> ResponseReturnValue:
    home = services().mentoring.home(actor())
    return {
        "items": [_summary(p) for p in home.pairs],
        "awaiting": [
            {"pair_id": str(a.summary.pair.id), "record": _record(a.record, True)}
            for a in home.awaiting
        ],
    }


@mentoring(
    "POST",
    "/communities/<community_id>/pairs",
    summary="Pair a mentor with a mentee",
    body=i.NewPair,
    answer=Done,
    status=201,
)
def pair_teachers(community_id: str, body: i.NewPair) -> ResponseReturnValue:
    result = services().mentoring.pair(
        actor(),
        parse_id(community_id),
        mentor_id=body.mentor_id,
        mentee_id=body.mentee_id,
        paired_on=body.paired_on,
        ends_on=body.ends_on,
    )
    return done(result, 201, url_for("api.get_pair", pair_id=result.id))


@mentoring(
    "GET",
    "/pairs/<pair_id>",
    summary="A pair and its records (content for the pair and their admins only)",
    answer=Open,
)
def get_pair(pair_id: str) -> ResponseReturnValue:
    summary, records, readable = services().mentoring.pair_detail(actor(), parse_id(pair_id))
    return _summary(summary) | {"records": [_record(r, readable) for r in records]}


@mentoring(
    "POST",
    "/pairs/<pair_id>/records",
    summary="Record a mentoring session (the other side confirms it)",
    body=i.NewMentoringRecord,
    multipart=True,
    answer=RecordMade,
    status=201,
    errors=(413,),
)
def record_mentoring(pair_id: str, body: i.NewMentoringRecord) -> ResponseReturnValue:
    result = services().mentoring.record(
        actor(),
        parse_id(pair_id),
        kind=body.kind,
        mode=body.mode,
        occurred_on=body.occurred_on,
        minutes=body.minutes,
        summary=body.summary,
        uploads=uploads(),
    )
    location = url_for("api.get_pair", pair_id=result.id)
    return done(result, 201, location, pair_id=str(result.id), record_id=result.part_id or "")


@mentoring(
    "POST",
    "/pairs/<pair_id>/records/<record_id>/confirm",
    summary="Confirm the other side's record",
    path={"record_id": RECORD_ID},
    answer=Done,
)
def confirm_record(pair_id: str, record_id: str) -> ResponseReturnValue:
    return done(services().mentoring.confirm(actor(), parse_id(pair_id), record_id))


@mentoring(
    "POST",
    "/pairs/<pair_id>/records/<record_id>/dispute",
    summary="Dispute the other side's record",
    path={"record_id": RECORD_ID},
    body=i.Dispute,
    answer=Done,
)
def dispute_record(pair_id: str, record_id: str, body: i.Dispute) -> ResponseReturnValue:
    return done(
        services().mentoring.dispute(actor(), parse_id(pair_id), record_id, comment=body.comment)
    )


@mentoring("POST", "/pairs/<pair_id>/end", summary="End a pairing", body=i.PairEnd, answer=Done)
def end_pair(pair_id: str, body: i.PairEnd) -> ResponseReturnValue:
    result = services().mentoring.end(actor(), parse_id(pair_id), on=body.on, reason=body.reason)
    return done(result)


@mentoring(
    "GET",
    "/schools/<school_id>/pairs",
    summary="A school's pairs (counts, never content)",
    answer=Open,
)
def school_pairs(school_id: str) -> ResponseReturnValue:
    pairs = services().mentoring.school_pairs(actor(), parse_id(school_id))
    return items([_summary(p) for p in pairs])


@mentoring(
    "GET",
    "/communities/<community_id>/pairs",
    summary="A community's pairs (counts, never content)",
    answer=Open,
)
def community_pairs(community_id: str) -> ResponseReturnValue:
    pairs = services().mentoring.community_pairs(actor(), parse_id(community_id))
    return items([_summary(p) for p in pairs])
