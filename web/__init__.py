"""The web entry point: ``create_app()`` builds the Application after fork (no gunicorn --preload)."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from flask import Flask, Response, g
from werkzeug.middleware.proxy_fix import ProxyFix

from infra.eventstore import one_connection
from infra.settings import Settings, load_settings
from infra.wiring import Runtime, build_runtime
from web.evidence import MAX_REQUEST_BYTES
from web.extensions import babel, csrf, login_manager
from web.i18n import bilingual, is_english, select_locale


def create_app(
    settings: Settings | None = None, *, runtime: Runtime | None = None, **config: Any
) -> Flask:
    settings = settings or (runtime.settings if runtime else load_settings())
    app = Flask(__name__)
    if settings.proxy_hops:
        # Behind a reverse proxy the client's address is in X-Forwarded-For: the sign-in limits
        # must count each client, not the proxy.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops
        )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("JGT_SECURE_COOKIES", "") == "1",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="zh_CN",
        BABEL_TRANSLATION_DIRECTORIES=os.path.join(app.root_path, "translations"),
    )
    app.config.update(config)
    # The API answers in UTF-8 as it is: Chinese names stay readable to people and to searches.
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    if runtime is None:
        runtime = build_runtime(settings)
        if settings.embedded_projections:
            runtime.start_embedded_projections()
        else:
            runtime.listen_for_positions()
    app.extensions["jgt"] = runtime
    _one_store_connection_per_request(app, runtime)

    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["bilingual"] = bilingual

    from domain import fields
    from web import auth, conflicts, errors, health, home

    @app.context_processor
    def endpoints() -> dict[str, Any]:
        # Templates link only to pages that exist in this build.
        # ``limits``: the domain's field limits, so inputs carry the same maxlength.
        return {
            "url_rules": set(app.view_functions),
            "is_english": is_english(),
            "limits": fields,
        }

    errors.init_app(app)
    app.after_request(_security_headers)
    for blueprint in (auth.bp, health.bp, home.bp):
        app.register_blueprint(blueprint)
    _register_areas(app)
    conflicts.init_app(app)
    return app


def _one_store_connection_per_request(app: Flask, runtime: Runtime) -> None:
    """A request's event-store reads and its save share one pooled connection
    (``infra.eventstore.one_connection``): one checkout for a command, not one per statement."""

    @app.before_request
    def hold_store_connection() -> None:
        scope = one_connection(runtime.platform)
        scope.__enter__()
        g.store_connection = scope

    @app.teardown_request
    def release_store_connection(_: BaseException | None) -> None:
        scope = g.pop("store_connection", None)
        if scope is not None:
            scope.__exit__(None, None, None)


def _register_areas(app: Flask) -> None:
    """The blueprints of each area; each module exposes ``bp`` (and the API exempts CSRF)."""
    import importlib

    for name in (
        "web.bureau",
        "web.school",
        "web.activity",
        "web.communities",
        "web.dashboard",
        "web.mentoring",
        "web.assessment",
        "web.bundled",
        "web.sync_classes",
        "web.sync_calendar",
        "web.research",
        "web.lesson_plans",
        "web.certificates",
        "web.portfolio",
        "web.live",
        "web.research_settings",
        "web.api",
    ):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        if hasattr(module, "init_app"):
            module.init_app(app)
        else:
            app.register_blueprint(module.bp)


#: Scripts and styles from this site's files only (no inline script anywhere; ``static/app.js``),
#: style attributes allowed for the progress bars' widths; no framing by anyone.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response
