"""What every API view shares: the blueprint, bearer tokens, the actor, input parsing and JSON.

The API never reads the session cookie: a request is signed in only by ``Authorization: Bearer``,
so cross-site requests carry no credentials and CSRF does not apply.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, NoReturn
from uuid import UUID

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, URLSafeTimedSerializer

from services.actor import Actor, Done
from services.errors import Conflict
from services.queries import Waited
from web.current import runtime, services
from web.i18n import bilingual

bp = Blueprint("api", __name__, url_prefix="/api/v1")

TOKEN_SALT = "api-token"  # noqa: S105 (a namespace for signatures, not a secret)
TOKEN_LIFETIME_SECONDS = 12 * 60 * 60
#: Endpoints that answer without a token.
PUBLIC_ENDPOINTS = frozenset({"api.issue_token", "api.openapi_document", "api.api_docs"})
#: Methods that write, and so count against the signed-in user's write limit.
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# Errors -------------------------------------------------------------------------------------------


class InvalidInput(Exception):
    """A request body or query parameter that is not well formed (400, naming the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class RuleBroken(Exception):
    """A well-formed value that breaks a limit or a list of allowed values (422, naming the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotSignedIn(Exception):
    """No bearer token, or one that is forged, expired or stands for a deactivated user (401)."""


class NotYetVisible(Exception):
    """``min_position`` was not reached by the read models within the bounded wait, or the
    caller already waits in too many requests (503, Retry-After)."""


class TooManyWrites(Exception):
    """The signed-in user has used up the API writes of the window (429, with Retry-After)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"写入过于频繁，请{retry_after}秒后再试 / Too many writes; try again in {retry_after} s"
        )
        self.retry_after = retry_after


def error_response(status: int, message: str, **extra: Any) -> Response:
    response = jsonify({"error": bilingual(message), "status": status, **extra})
    response.status_code = status
    return response


@bp.errorhandler(InvalidInput)
def invalid_input(exc: InvalidInput) -> ResponseReturnValue:
    return error_response(400, f"{exc.field}: {exc}", field=exc.field)


@bp.errorhandler(RuleBroken)
def rule_broken(exc: RuleBroken) -> ResponseReturnValue:
    return error_response(422, str(exc), field=exc.field)


@bp.errorhandler(NotSignedIn)
def not_signed_in(exc: NotSignedIn) -> ResponseReturnValue:
    response = error_response(401, str(exc))
    response.headers["WWW-Authenticate"] = 'Bearer realm="jgt"'
    return response


@bp.errorhandler(Conflict)
def conflict(exc: Conflict) -> ResponseReturnValue:
    return error_response(409, str(exc))


@bp.errorhandler(NotYetVisible)
def not_yet_visible(exc: NotYetVisible) -> ResponseReturnValue:
    response = error_response(503, str(exc))
    response.headers["Retry-After"] = "1"
    return response


@bp.errorhandler(TooManyWrites)
def too_many_writes(exc: TooManyWrites) -> ResponseReturnValue:
    response = error_response(429, str(exc))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


# Tokens and the actor -----------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def issue_token(user_id: UUID, session_id: UUID) -> str:
    """A token for the user's recorded session ``session_id`` (ending that session voids it)."""
    return _serializer().dumps({"uid": str(user_id), "sid": str(session_id)})


def token_holder(token: str) -> tuple[UUID, UUID] | None:
    """The user and the session a token stands for, if the app signed it less than 12 hours ago."""
    try:
        payload = _serializer().loads(token, max_age=TOKEN_LIFETIME_SECONDS)
        return UUID(str(payload["uid"])), UUID(str(payload["sid"]))
    except (BadSignature, AttributeError, KeyError, TypeError, ValueError):
        return None


@bp.before_request
def authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotSignedIn("需要令牌 / A bearer token is required")
    holder = token_holder(token.strip())
    found = services().people.actor_for_session(*holder) if holder else None
    if found is None:
        raise NotSignedIn("令牌无效或已过期 / The token is invalid or has expired")
    g.api_actor = found


@bp.before_request
def limit_writes() -> None:
    """Each user may write so often (``JGT_API_WRITES`` per window); reads are never limited.

    Registered after ``authenticate``, so the actor is known; a refused write never reaches its
    view, so nothing of it is recorded.
    """
    if request.method not in WRITE_METHODS or request.endpoint in PUBLIC_ENDPOINTS:
        return
    who = actor()
    key = f"{who.tenant_id}:{who.user_id}"
    wait = runtime().api_write_limiter.admit(key)  # one Redis round trip, refused or not
    if wait:
        raise TooManyWrites(max(1, wait))


@bp.before_request
def read_your_writes() -> None:
    """``?min_position=N`` on any GET: wait (bounded) until the read models show position N."""
    if request.method != "GET" or "min_position" not in request.args:
        return
    position = query_int("min_position", minimum=0)
    if not position:
        return
    who = actor()
    waited = services().queries.wait_as(f"{who.tenant_id}:{who.user_id}", position)
    if waited is Waited.BEYOND_HEAD:
        # Answered at once: no write has that position, so waiting would only hold a thread.
        raise InvalidInput(
            "min_position",
            f"尚无位置 {position} 的记录 / No write has reached position {position} yet",
        )
    if waited is Waited.BUSY:
        raise NotYetVisible(
            "同时等待的请求过多，请稍后重试 / Too many requests waiting at once; retry shortly"
        )
    if waited is Waited.LATE:
        raise NotYetVisible(
            f"数据尚未更新到位置 {position}，请稍后重试 / "
            f"The read models have not reached position {position} yet; retry shortly"
        )


def actor() -> Actor:
    found: Actor = g.api_actor
    return found


# Input ---------------------------------------------------------------------------------------------


#: JSON deeper than this is no request of this API (and a deep one would exhaust the stack).
MAX_JSON_DEPTH = 32
#: Numbers beyond 64 bits (or not finite) are no value of this API, and no column holds them.
LARGEST_NUMBER = 2**63 - 1


def strict_json(raw: bytes | str, field: str) -> Any:
    """``raw`` as JSON, refusing what would fail later instead (a 500 in a driver or an
    encoder): nesting beyond ``MAX_JSON_DEPTH``, numbers beyond 64 bits or not finite, and text
    that is not Unicode (a lone surrogate such as ``"\\ud800"``). A refusal is a 400 naming
    ``field``."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise InvalidInput(field, "请求体应为UTF-8编码 / The body must be UTF-8") from exc
    try:
        data = json.loads(
            text, parse_int=_bounded_int, parse_float=_finite_float, parse_constant=_no_constant
        )
    except RecursionError as exc:
        raise InvalidInput(field, _TOO_DEEP) from exc
    except _OutOfRange as exc:
        raise InvalidInput(field, str(exc)) from exc
    except ValueError as exc:  # malformed JSON, or an integer of thousands of digits
        raise InvalidInput(field, "请求体不是有效的JSON / The body is not valid JSON") from exc
    _check_values(data, field)
    return data


_TOO_DEEP = f"嵌套过深（最多{MAX_JSON_DEPTH}层）/ Nested too deeply (at most {MAX_JSON_DEPTH})"
_NOT_A_NUMBER = "数值超出范围 / A number out of range (64-bit integers, finite decimals)"


class _OutOfRange(ValueError):
    pass


def _bounded_int(raw: str) -> int:
    value = int(raw)
    if abs(value) > LARGEST_NUMBER:
        raise _OutOfRange(_NOT_A_NUMBER)
    return value


def _finite_float(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value) or abs(value) > LARGEST_NUMBER:
        raise _OutOfRange(_NOT_A_NUMBER)
    return value


def _no_constant(raw: str) -> float:
    raise _OutOfRange(_NOT_A_NUMBER)


def _check_values(data: Any, field: str) -> None:
    """Depth and text, walked without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value, field)
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise InvalidInput(field, _TOO_DEEP)
            if isinstance(value, dict):
                for key in value:
                    _check_text(key, field)
                value = list(value.values())
            stack.extend((item, depth + 1) for item in value)


def _check_text(value: str, field: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(
            field,
            "文本含无效字符（单独的代理项）/ Text with an invalid character (a lone surrogate)",
        ) from exc


def query_int(name: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = request.args.get(name, "")
    try:
        value = int(raw)
    except ValueError:
        _bad_query(name, "应为整数 / Must be an integer")
    if value < minimum or (maximum is not None and value > maximum):
        limits = f"{minimum}–{maximum}" if maximum is not None else f"≥ {minimum}"
        _bad_query(name, f"超出范围 / Out of range ({limits})")
    return value


def _bad_query(name: str, message: str) -> NoReturn:
    raise InvalidInput(name, message)


# Output --------------------------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """Read-model rows (dataclasses) as JSON values: ids as strings, times in ISO 8601."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def items(rows: list[Any], **extra: Any) -> ResponseReturnValue:
    return jsonify({"items": jsonable(rows), **extra})


def one(row: Any) -> ResponseReturnValue:
    return jsonify(jsonable(row))


def done(
    result: Done, status: int = 200, location: str | None = None, **created: str
) -> ResponseReturnValue:
    """The command's answer: the aggregate's id, the position to wait for, and the ids of the
    parts it created inside the aggregate (``record_id=…``)."""
    response = jsonify({"id": str(result.id), "position": result.position, **created})
    response.status_code = status
    if location:
        response.headers["Location"] = location
    return response
