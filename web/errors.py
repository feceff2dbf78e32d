"""Friendly 403/404/500 pages, and JSON errors with a reason under /api."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from services.errors import DomainError, Forbidden, NotFound
from web.i18n import bilingual

log = logging.getLogger(__name__)


def _respond(status: int, message: str) -> ResponseReturnValue:
    if request.path.startswith("/api/"):
        return jsonify({"error": bilingual(message), "status": status}), status
    return render_template("error.html", status=status, message=bilingual(message)), status


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
        return _respond(code, messages.get(code, exc.description or "错误 / Error"))

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> ResponseReturnValue:
        log.exception("unhandled error on %s", request.path)
        return _respond(500, "服务器出错了，我们会尽快处理 / Something went wrong on our side")
