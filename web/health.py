"""``GET /healthz``: liveness and each projection's position against the head."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from web.current import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    statuses = runtime().status()
    return jsonify(
        {
            "status": "ok",
            "projections": {s.name: {"position": s.position, "head": s.head} for s in statuses},
        }
    )
