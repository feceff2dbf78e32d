"""Friendly 403/404/409/503/500 pages, and JSON errors with a reason under /api."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from infra.outages import RETRY_AFTER_SECONDS, database_unavailable, redis_unavailable
from services.errors import DomainError, Forbidden, NotFound
from services.platform import ConcurrentChange
from web.extensions import login_manager
from web.i18n import bilingual

log = logging.getLogger(__name__)

CHANGED_MEANWHILE = (
    "此记录刚被他人修改，请刷新后重试 / "
    "This was changed by someone else at the same moment; reload and try again"
)
UNAVAILABLE = "服务暂时不可用，请稍后重试 / The service is briefly unavailable; try again shortly"
#: What an HTTP error of werkzeug says that the client needs (405's Allow, 401's challenge).
_KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")


def _respond(status: int, message: str) -> Response:
    if request.path.startswith("/api/"):
        response = jsonify({"error": bilingual(message), "status": status})
        response.status_code = status
        return response
    try:
        return make_response(
            render_template("error.html", status=status, message=bilingual(message)), status
        )
    except Exception:
        # The page's layout reads the signed-in user, which may be what failed (the database
        # away): the message still reaches the reader, plainly.
        log.warning("error page %s rendered plainly", status, exc_info=True)
        return Response(bilingual(message), status, mimetype="text/plain")


def unavailable() -> Response:
    if "_login_user" not in g:
        # Nobody is looked up while the database is away: the page shows the signed-out layout.
        g._login_user = login_manager.anonymous_user()
    response = _respond(503, UNAVAILABLE)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(NotFound)
    def not_found(exc: NotFound) -> ResponseReturnValue:
        return _respond(404, str(exc))

    @app.errorhandler(Forbidden)
    def forbidden(exc: Forbidden) -> ResponseReturnValue:
        return _respond(403, str(exc))

    @app.errorhandler(DomainError)
    def rule_broken(exc: DomainError) -> ResponseReturnValue:
        return _respond(422, str(exc))

    @app.errorhandler(ConcurrentChange)
    def changed_meanwhile(exc: ConcurrentChange) -> ResponseReturnValue:
        # Only after deciding again did not help (web.conflicts); nothing of it was stored.
        return _respond(409, CHANGED_MEANWHILE)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        messages = {
            400: "请求有误 / Bad request",
            401: "请先登录 / Please sign in",
            403: "无权访问 / Forbidden",
            404: "页面不存在 / Not found",
            405: "不支持此操作 / Method not allowed",
            413: "文件太大 / The upload is too large",
            429: "尝试次数过多，请稍后再试 / Too many attempts; try again later",
        }
        code = exc.code or 500
        response = _respond(code, messages.get(code, exc.description or "错误 / Error"))
        for name, value in exc.get_headers():
            if name in _KEPT_HEADERS:
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> ResponseReturnValue:
        if database_unavailable(exc):
            log.warning("database unavailable on %s: %s", request.path, exc)
            return unavailable()
        if redis_unavailable(exc):
            log.warning("Redis unavailable on %s: %s", request.path, exc)
            return unavailable()
        log.exception("unhandled error on %s", request.path)
        return _respond(500, "服务器出错了，我们会尽快处理 / Something went wrong on our side")
