"""``jgt projections rebuild --all``: every view rebuilt side by side, each in a process of its own,
ends as rebuilding each view on its own does. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner
from sqlalchemy import delete

from infra import cli
from infra.settings import Settings
from infra.wiring import Runtime
from tests.conftest import found_fusion, make_bureau
from tests.workers.dumps import all_rows


def env_of(settings: Settings) -> dict[str, str]:
    return {
        "JGT_VAR_DIR": str(settings.var_dir),
        "JGT_SECRET_KEY": "test-secret",
        "JGT_DATABASE_URL": settings.database_url,
        "JGT_EMBEDDED_PROJECTIONS": "false",
        "JGT_REDIS_URL": "",
    }


def test_rebuilding_all_views_in_parallel_ends_as_rebuilding_each_one(
    runtime: Runtime, store_settings: Settings
) -> None:
    hn = make_bureau(runtime, "hn", "海宁市教育局")
    community = found_fusion(runtime, hn).id
    for day in (3, 4, 5):
        runtime.services.activities.record(
            hn.school_admin,
            community,
            kind="offline_research",
            title=f"教研 {day}",
            occurred_on=date(2025, 3, day),
        )
    runtime.catch_up()
    for name in runtime.views:
        runtime.runner(name).rebuild()
    each_alone = all_rows(runtime.views)
    positions = {name: view.position() for name, view in runtime.views.items()}
    assert all(each_alone[name] for name in ("directory", "communities", "audit_log"))
    # Every row thrown away: only the rebuild can bring them back.
    for view in runtime.views.values():
        with view.transaction(commit=True) as session:
            for table in reversed(view.view_tables):
                session.execute(delete(table))
    assert all_rows(runtime.views) != each_alone

    result = CliRunner().invoke(
        cli.main, ["projections", "rebuild", "--all"], env=env_of(store_settings)
    )

    assert result.exit_code == 0, result.output
    for name in runtime.views:
        assert f"rebuilt {name}: " in result.output
    assert all_rows(runtime.views) == each_alone
    assert {name: view.position() for name, view in runtime.views.items()} == positions


def test_rebuild_needs_view_names_or_all_and_refuses_an_unknown_view(
    runtime: Runtime, store_settings: Settings
) -> None:
    env = env_of(store_settings)
    neither = CliRunner().invoke(cli.main, ["projections", "rebuild"], env=env)
    assert neither.exit_code == 2
    assert "--all" in neither.output
    unknown = CliRunner().invoke(cli.main, ["projections", "rebuild", "nonesuch"], env=env)
    assert unknown.exit_code == 2
    assert "nonesuch" in unknown.output
