"""A teacher's calendar feed (iCalendar) of their synchronized-class lessons.

The page (signed in) shows the teacher's personal address, issues a new one and revokes it. The
feed itself is fetched by phone calendars without a session: the address is the key, a signed
(user, generation) pair; the generation checked against the teacher's ``CalendarFeed`` makes a
revoked or replaced address answer 404, as a made-up one does.
"""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from itsdangerous import BadSignature, URLSafeSerializer

from services.errors import NotFound
from web.current import actor, services, settle
from web.i18n import bilingual

bp = Blueprint("sync_calendar", __name__, url_prefix="/sync/calendar")
SALT = "jgt-sync-calendar"


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.secret_key), salt=SALT)


def feed_token(user_id: UUID, generation: int) -> str:
    return str(_signer().dumps([str(user_id), generation]))


def _holder(token: str) -> tuple[UUID, int] | None:
    try:
        raw = _signer().loads(token)
        user, generation = raw
        return UUID(str(user)), int(generation)
    except (BadSignature, ValueError, TypeError):
        return None


def feed_url(user_id: UUID, generation: int) -> str:
    token = feed_token(user_id, generation)
    return url_for("sync_calendar.feed", token=token, _external=True)


@bp.get("")
@login_required
def page() -> ResponseReturnValue:
    me = actor()
    state = services().sync_calendars.feed(me)
    url = feed_url(me.user_id, state.generation) if state.active and me.user_id else ""
    return render_template("sync/calendar.html", state=state, url=url)


@bp.post("/issue")
@login_required
def issue() -> ResponseReturnValue:
    settle(services().sync_calendars.issue(actor()).position)
    flash(
        bilingual("已生成新的订阅链接，旧链接已失效 / A new link; any earlier one stops working"),
        "ok",
    )
    return redirect(url_for("sync_calendar.page"))


@bp.post("/revoke")
@login_required
def revoke() -> ResponseReturnValue:
    settle(services().sync_calendars.revoke(actor()).position)
    flash(bilingual("订阅链接已停用 / The calendar link is revoked"), "ok")
    return redirect(url_for("sync_calendar.page"))


@bp.get("/<token>.ics")
def feed(token: str) -> ResponseReturnValue:
    """Public: the address is the key. No session, no cookie, nothing but this teacher's lessons."""
    holder = _holder(token)
    if holder is None:
        abort(404)
    user_id, generation = holder
    try:
        text = services().sync_calendars.document(user_id, generation)
    except NotFound:
        abort(404)
    response = Response(text, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Content-Disposition"] = 'inline; filename="sync-classes.ics"'
    return response
