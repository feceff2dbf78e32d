"""Whether PostgreSQL and Redis answer; in CI (CI=true) a missing one fails the test, never skips."""

from __future__ import annotations

import os
import socket

import pytest

POSTGRES_URL = os.environ.get(
    "JGT_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("JGT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need(service: str, host: str, port: int) -> None:
    if port_open(host, port):
        return
    reason = f"{service} is not answering on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{reason}, and in CI the {service} tests must run")
    pytest.skip(reason)
