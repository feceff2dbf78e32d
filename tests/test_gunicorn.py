"""The production server settings: they load, never preload the app, and really serve."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "infra" / "gunicorn.conf.py"
BIN = Path(sys.executable).parent


def load_config(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    for name in ("JGT_BIND", "JGT_WORKERS", "JGT_THREADS", "JGT_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("jgt_gunicorn_conf", CONFIG)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_gunicorn_settings_use_threads_and_build_the_app_after_fork(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conf = load_config(monkeypatch)
    assert conf.preload_app is False
    assert conf.wsgi_app == "web:create_app()"
    assert conf.worker_class == "gthread"
    assert conf.threads == 4
    assert conf.bind == "127.0.0.1:8000"
    assert 3 <= conf.workers <= conf.MAX_DEFAULT_WORKERS
    assert conf.graceful_timeout > 0
    assert conf.accesslog == "-"


def test_the_gunicorn_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = load_config(
        monkeypatch, JGT_BIND="0.0.0.0:9000", JGT_WORKERS="3", JGT_THREADS="8", JGT_TIMEOUT="60"
    )
    assert (conf.bind, conf.workers, conf.threads, conf.timeout) == ("0.0.0.0:9000", 3, 8, 60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def get_json(url: str) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (a local URL)
            found: dict[str, object] = json.load(response)
            return found
    except OSError:
        return None


@pytest.mark.slow
@pytest.mark.postgres
def test_gunicorn_serves_healthz_from_a_postgres_database_made_by_jgt_db_init(
    postgres_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "JGT_DATABASE_URL": postgres_url,
        "JGT_EMBEDDED_PROJECTIONS": "false",
        "JGT_SECRET_KEY": "gunicorn-test-secret",
        "JGT_VAR_DIR": str(tmp_path),
        "JGT_BIND": f"127.0.0.1:{port}",
        "JGT_WORKERS": "2",
    }
    env.pop("JGT_REDIS_URL", None)
    subprocess.run([str(BIN / "jgt"), "db", "init"], env=env, cwd=ROOT, check=True, timeout=60)
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(CONFIG)], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 30
        health = None
        while health is None and time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            health = get_json(f"http://127.0.0.1:{port}/healthz")
            time.sleep(0.2)
        assert health is not None, (tmp_path / "gunicorn.log").read_text()
        assert health["status"] == "ok"
        assert isinstance(health["projections"], dict)
        assert "directory" in health["projections"]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
        log.close()
    output = (tmp_path / "gunicorn.log").read_text()
    assert code == 0, output
    assert "gthread" in output
    assert "GET /healthz" in output  # the access log goes to stdout
