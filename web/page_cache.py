"""Whole pages kept for the session that asked for them, until the version they show moves.

A signed-in page carries the user's name, menu and CSRF token, so it is kept per session (the
session's CSRF secret is part of the key) and only in this process. The content a district shares
is cached separately, across sessions and workers (``web.dashboard``'s board); this saves drawing
the frame around it again on every refresh of a busy page. A response with flashed messages, or
one that changed the session, is never kept, and nothing is served from here to a request that
could change something (only GET).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, make_response, request, session
from flask.typing import ResponseReturnValue

from infra.position_cache import LocalCache
from web.i18n import is_english

#: Kept pages in all, per process and app, in bytes.
MAX_BYTES = 16_000_000


def _pages() -> LocalCache:
    found: LocalCache = current_app.extensions.setdefault(
        "jgt.pages", LocalCache(MAX_BYTES, lambda value: len(value[1]))
    )
    return found


def cached_page(
    version: tuple[int, ...],
    render: Callable[[], ResponseReturnValue],
    *parts: Any,
    keep: Callable[[], bool] = lambda: True,
) -> Response:
    """The page this session last drew for this request at this ``version`` of what it shows,
    or ``render()``'s, kept for next time if ``keep()`` says so after rendering (not a page
    whose content is an older drawing, say). ``parts``: anything else the page depends on
    beyond the session, the language and the full URL (e.g. today's date, the actor)."""
    if request.method != "GET" or "_flashes" in session:
        return make_response(render())
    key = hashlib.sha256(
        json.dumps(
            [
                str(session.get("_user_id")),
                str(session.get("csrf_token")),
                is_english(),
                request.full_path,
                [str(p) for p in parts],
            ]
        ).encode()
    ).hexdigest()
    pages = _pages()
    found = pages.get(key, version)
    if found is not None:
        mimetype, body = found
        return Response(body, mimetype=mimetype)
    response = make_response(render())
    if (
        response.status_code == 200
        and not session.modified
        and not response.direct_passthrough
        and keep()
    ):
        pages.put(key, version, (response.mimetype, response.get_data()))
    return response
