"""The API's document, and the reference page that reads it, for integrators."""

from __future__ import annotations

from flask import jsonify, render_template
from flask.typing import ResponseReturnValue

from web.api.contract import operation
from web.api.document import document


@operation(
    "GET",
    "/openapi.json",
    tag="auth",
    summary="This document (OpenAPI 3.1)",
    answer=dict[str, object],
    public=True,
)
def openapi_document() -> ResponseReturnValue:
    return jsonify(document())


@operation(
    "GET",
    "/docs",
    tag="auth",
    summary="The API reference page, read from this document",
    answer=None,
    media="text/html",
    public=True,
)
def api_docs() -> ResponseReturnValue:
    return render_template("api_docs.html")
