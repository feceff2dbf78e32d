"""``GET /healthz``: liveness, each projection's position against the head, and stopped views.

503 when a view cannot apply an event (naming the view, the event and the error: ADR 0003) or when
the database cannot be reached; 200 otherwise."""

from __future__ import annotations

import logging

from eventsourcing.persistence import PersistenceError
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from infra.outages import RETRY_AFTER_SECONDS
from web.current import runtime

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

RETRY_AFTER = str(RETRY_AFTER_SECONDS)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    try:
        statuses = runtime().status()
        faults = runtime().stopped_views()
    except (PersistenceError, SQLAlchemyError, OSError) as exc:
        log.warning("healthz: the database cannot be reached: %s", exc)
        unavailable = {
            "status": "unavailable",
            "reason": "数据库无法访问 / the database cannot be reached",
            "error": type(exc).__name__,
        }
        return jsonify(unavailable), 503, {"Retry-After": RETRY_AFTER}
    projections = {s.name: {"position": s.position, "head": s.head} for s in statuses}
    if faults:
        first = faults[0]
        body: dict[str, object] = {
            "status": "stopped",
            "reason": (
                f"投影 {first.view} 无法应用事件 {first.position} / view {first.view} cannot "
                f"apply the event at {first.position}: {first.error}: {first.message}"
            ),
            "faults": [fault.as_json() for fault in faults],
            "projections": projections,
        }
        return jsonify(body), 503, {"Retry-After": RETRY_AFTER}
    return jsonify({"status": "ok", "projections": projections})
