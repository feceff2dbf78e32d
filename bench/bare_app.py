"""The baseline of ``bench.dashboard``: a bare Flask app answering one constant JSON document.

Served by gunicorn with the same settings as the platform (``infra/gunicorn.conf.py``):
``gunicorn -c infra/gunicorn.conf.py 'bench.bare_app:create_app()'``. ``BENCH_BARE_BYTES`` sets
roughly how large the JSON is (the benchmark makes it as large as the dashboard page it compares).
"""

from __future__ import annotations

import json
import os

from flask import Flask, Response


def payload(size: int) -> bytes:
    """A JSON list of community-like objects, about ``size`` bytes long."""
    rows = []
    length = 2
    n = 0
    while length < size:
        n += 1
        row = {"id": n, "name": f"教共体{n:04d}", "status": "on_track", "percent": 61.5}
        rows.append(row)
        length += len(json.dumps(row, ensure_ascii=False).encode()) + 2
    return json.dumps({"communities": rows}, ensure_ascii=False).encode()


def create_app() -> Flask:
    app = Flask(__name__)
    body = payload(int(os.environ.get("BENCH_BARE_BYTES", "2000")))

    @app.get("/bare")
    def bare() -> Response:
        return Response(body, mimetype="application/json")

    return app
