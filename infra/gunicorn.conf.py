"""gunicorn settings for production: ``gunicorn -c infra/gunicorn.conf.py``.

Every setting can be changed from the environment (see the README's configuration table):

- ``JGT_BIND`` (default ``127.0.0.1:8000``): where to listen; put a reverse proxy in front.
- ``JGT_WORKERS`` (default ``2 × cores + 1``, at most 8): web worker processes.
- ``JGT_THREADS`` (default 4): threads per worker (gthread).
- ``JGT_TIMEOUT`` / ``JGT_GRACEFUL_TIMEOUT`` (default 30 s / 30 s).
- ``JGT_MAX_REQUESTS`` (default 20,000, jittered by a tenth): requests before a worker is replaced.

The app is never preloaded: ``create_app()`` builds the event-sourced Application and its database
pools after the fork, in each worker, so no connection is shared between processes. Tables are
created once beforehand by ``jgt db init``; projections run in their own workers
(``jgt projections run``), so set ``JGT_EMBEDDED_PROJECTIONS=false`` for the web workers.
"""

# ruff: noqa: N999 (gunicorn looks for a file named gunicorn.conf.py)
from __future__ import annotations

import multiprocessing
import os

MAX_DEFAULT_WORKERS = 8


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def default_workers() -> int:
    # The usual 2 × cores + 1, capped: each worker holds its own database pool.
    return min(2 * multiprocessing.cpu_count() + 1, MAX_DEFAULT_WORKERS)


wsgi_app = "web:create_app()"
bind = os.environ.get("JGT_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = _int("JGT_WORKERS", default_workers())
threads = _int("JGT_THREADS", 4)
preload_app = False

timeout = _int("JGT_TIMEOUT", 30)
graceful_timeout = _int("JGT_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycle workers now and then (jittered so they do not all restart at once), as a guard against
# slow leaks. Not often: a new worker costs about a second of CPU (imports, the app, templates) and
# starts with empty in-process caches, which at 2,000 requests cost half a millisecond a request.
max_requests = _int("JGT_MAX_REQUESTS", 20000)
max_requests_jitter = max_requests // 10

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("JGT_LOG_LEVEL", "info")
capture_output = True
# Trust X-Forwarded-* only from the reverse proxy on this host (gunicorn's default), unless told.
forwarded_allow_ips = os.environ.get("JGT_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "jgt-web"
