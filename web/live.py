"""The live session page's feed: Server-Sent Events of who has checked in and the posts.

The stream waits on the research view's position (``Runtime.wait_for_view``): runners in this
process wake it directly (the embedded default); with Redis, a runner in any process publishes its
batch and every gunicorn worker's listener wakes the streams it serves. On a wake-up the stream reads
the session from the view and sends it only if it changed. A stream lasts a few minutes; the
browser's EventSource reconnects by itself (``retry``), so no worker thread is held for ever.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue
from flask_login import login_required

from infra.wiring import Runtime
from services.actor import Actor
from services.research import SessionPage
from web.current import actor, parse_id, runtime, services

bp = Blueprint("live", __name__, url_prefix="/research")

VIEW = "research"
#: How long one stream lives before the browser reconnects, and how often it says it is alive.
STREAM_SECONDS = 300.0
KEEP_ALIVE_SECONDS = 15.0


def snapshot(page: SessionPage) -> dict[str, Any]:
    """What the live page shows: plain data; the page's script puts it in as text, never HTML."""
    return {
        "attendees": [
            {
                "name": a.name,
                "school": a.school,
                "late": a.row.late,
                "by_host": a.row.by_host,
                "at": a.row.at.isoformat(),
            }
            for a in page.attendees
        ],
        "posts": [
            {
                "id": p.row.post_id,
                "author": p.author,
                "text": p.row.text,
                "reply_to": p.row.reply_to,
                "at": p.row.posted_at.isoformat(),
            }
            for p in page.posts
        ],
        "live": page.live,
        "over": page.over,
    }


def events(
    rt: Runtime, me: Actor, session_id: UUID, *, seconds: float = STREAM_SECONDS
) -> Iterator[str]:
    """The stream; it needs no request context, as a server iterates it after the view returned."""
    deadline = time.monotonic() + seconds
    position = rt.positions_of(VIEW)
    sent = ""
    yield "retry: 3000\n\n"
    while True:
        data = json.dumps(snapshot(rt.services.research.session_page(me, session_id)))
        if data != sent:
            sent = data
            yield f"id: {position}\nevent: session\ndata: {data}\n\n"
        else:
            yield ": alive\n\n"
        remaining = deadline - time.monotonic()
        if remaining <= 0 or json.loads(sent)["over"]:
            return
        position = rt.wait_for_view(VIEW, position, min(KEEP_ALIVE_SECONDS, remaining))


@bp.get("/sessions/<research_session_id>/live")
@login_required
def live(research_session_id: str) -> ResponseReturnValue:
    me, session_id = actor(), parse_id(research_session_id)
    services().research.session_page(me, session_id)  # not found or not allowed: before streaming
    response = Response(events(runtime(), me, session_id), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
