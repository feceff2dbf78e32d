"""What the browser tests share: the real product in a subprocess, and Debian's chromium.

Nothing is downloaded: without /usr/bin/chromium the tests skip locally and fail in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.services_available import IN_CI

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


def need_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"Debian's chromium is not installed at {CHROMIUM} (run `make browser`)"
    if IN_CI:
        pytest.fail(f"{reason}, and in CI the browser tests must run")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
            return bool(json.load(response).get("status") == "ok")
    except OSError:
        return False


def jgt() -> str:
    """The ``jgt`` console script of the running interpreter's environment."""
    return shutil.which("jgt", path=str(Path(sys.executable).parent)) or "jgt"


def embedded_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of the embedded default under ``var_dir``, whatever the caller has set."""
    env = {**os.environ, "JGT_VAR_DIR": str(var_dir)}
    for name in ("JGT_DATABASE_URL", "JGT_REDIS_URL", "JGT_EMBEDDED_PROJECTIONS"):
        env.pop(name, None)
    return {**env, **extra}


@contextmanager
def running(
    command: str, env: dict[str, str], var_dir: Path, timeout: float = 180
) -> Iterator[str]:
    """``jgt COMMAND --port P`` until the block ends; yields its base URL once /healthz answers."""
    port = free_port()
    log_path = var_dir / f"{command}.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [jgt(), command, "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"jgt {command} did not start:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
