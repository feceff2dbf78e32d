"""The JSON API under ``/api/v1``: bearer tokens, the same operations as the pages, OpenAPI 3.1 written from the operations' models."""

from __future__ import annotations

from flask import Flask

import web.api.activities
import web.api.assessment
import web.api.assistance
import web.api.communities
import web.api.mentoring
import web.api.plans
import web.api.progress
import web.api.reference
import web.api.research
import web.api.settings
import web.api.sync_classes
import web.api.views  # noqa: F401 (registers the endpoints on the blueprint)
from web.api.base import bp
from web.extensions import csrf

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    # No cookie signs an API request in, so there is nothing for a cross-site form to ride on.
    csrf.exempt(bp)
    app.register_blueprint(bp)
