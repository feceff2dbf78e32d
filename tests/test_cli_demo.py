"""``jgt demo --seed-only`` seeds the demo store and exits, for a deployment that serves it elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from infra import cli
from tests.conftest import open_runtime, sqlite_settings


def test_demo_seed_only_seeds_the_demo_bureau_and_does_not_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def serve(host: str, port: int) -> None:
        raise AssertionError("--seed-only must not serve")

    monkeypatch.setattr(cli, "_serve", serve)
    env = {
        "JGT_VAR_DIR": str(tmp_path),
        "JGT_SECRET_KEY": "test-secret",
        "JGT_DATABASE_URL": None,
        "JGT_REDIS_URL": None,
        "JGT_PASSWORD_TIME_COST": "1",
        "JGT_PASSWORD_MEMORY_COST": "8",
    }

    result = CliRunner().invoke(cli.main, ["demo", "--seed-only"], env=env)

    assert result.exit_code == 0, result.output
    assert "hn-admin" in result.output
    assert "http://" not in result.output
    runtime = open_runtime(sqlite_settings(tmp_path))
    try:
        assert runtime.services.people.username_taken("hn-admin")
        head = runtime.platform.recorder.max_notification_id()
        assert all(status.position == head for status in runtime.status())
    finally:
        runtime.close()
