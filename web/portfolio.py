"""The growth portfolio (成长记录袋): a teacher's page by school year, printable, and its xAPI
export (JSON, one statement per activity)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from services.errors import Forbidden
from web import labels
from web.current import actor, parse_id, services
from web.evidence import content_disposition

bp = Blueprint("portfolio", __name__, url_prefix="/research")
labels.register(bp)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page needs a signed-in user; the services decide who sees what."""


def _user_id(user_id: str | None) -> str:
    me = actor()
    if user_id is None:
        if me.user_id is None:
            raise Forbidden("只有教师有成长记录袋 / A portfolio is a teacher's")
        return str(me.user_id)
    return user_id


@bp.get("/portfolio")
@bp.get("/teachers/<user_id>/portfolio")
def portfolio(user_id: str | None = None) -> ResponseReturnValue:
    found = services().portfolio.portfolio(actor(), parse_id(_user_id(user_id)))
    return render_template("portfolio/portfolio.html", p=found)


@bp.get("/portfolio.xapi.json")
@bp.get("/teachers/<user_id>/portfolio.xapi.json")
def xapi(user_id: str | None = None) -> ResponseReturnValue:
    statements = services().portfolio.xapi(actor(), parse_id(_user_id(user_id)), request.host_url)
    response = Response(
        json.dumps(statements, ensure_ascii=False, indent=1), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = content_disposition(
        "attachment", "portfolio-xapi.json"
    )
    return response
