"""The request's runtime, services and signed-in actor."""

from __future__ import annotations

from typing import cast
from uuid import UUID

from flask import abort, current_app, session
from flask_login import UserMixin, current_user

from infra.wiring import Runtime, Services
from services.actor import Actor
from services.errors import NotFound

SEEN = "seen"
SESSION_ID = "sid"


class SessionUser(UserMixin):
    """What flask-login keeps: the actor behind the session cookie."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    def get_id(self) -> str:
        return str(self.actor.user_id)


def runtime() -> Runtime:
    return cast(Runtime, current_app.extensions["jgt"])


def services() -> Services:
    return runtime().services


def actor() -> Actor:
    if not current_user.is_authenticated:
        abort(401)
    return cast(SessionUser, current_user).actor


def parse_id(raw: str) -> UUID:
    """An id from a URL; a malformed one is simply not found."""
    try:
        return UUID(raw)
    except ValueError as exc:
        raise NotFound("不存在 / Not found") from exc


def settle(position: int) -> None:
    """Read-your-writes: the next page shows the command's result, waiting (bounded) for the views.

    The session keeps the position too: whichever worker serves the next request, nothing cached
    from before it is shown to this user (``seen``)."""
    services().queries.wait_for(position)
    session[SEEN] = max(seen(), position)


def remember_session(session_id: UUID) -> None:
    """The server-side session this cookie stands for (signing out or ending it voids the cookie)."""
    session[SESSION_ID] = str(session_id)


def session_id() -> UUID | None:
    """The recorded session of this cookie (None for a cookie of before sessions were recorded)."""
    value = session.get(SESSION_ID)
    try:
        return UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


def seen() -> int:
    """The position of the signed-in user's own last write (0 if none in this session)."""
    value = session.get(SEEN, 0)
    return value if isinstance(value, int) else 0
