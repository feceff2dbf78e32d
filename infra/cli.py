"""``jgt``: the command line. Thin: each command parses options and calls the wiring."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import warnings
from typing import Any

import click

from infra.settings import load_settings
from infra.wiring import build_runtime, init_db


@click.group()
def main() -> None:
    """教共体平台命令行 / Jiaogongti command line."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # eventsourcing-sqlalchemy names every tracking record class alike; harmless, and noisy.
    warnings.filterwarnings("ignore", message="This declarative base already contains a class")


@main.group()
def db() -> None:
    """The event store and view tables."""


@db.command("init")
def db_init() -> None:
    """Create every table once (idempotent). Workers never create tables."""
    settings = load_settings()
    init_db(settings)
    click.echo(f"数据库已就绪 / database ready: {_redact(settings.database_url)}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--seed-only", is_flag=True, help="Seed the demo and exit, without serving.")
def demo(host: str, port: int, seed_only: bool) -> None:
    """Seed the demo bureau (idempotent) and serve it on the embedded default."""
    from infra.demo import DEMO_PASSWORD, seed_demo

    settings = load_settings()
    init_db(settings)
    runtime = build_runtime(settings)
    try:
        logins = seed_demo(runtime)
        runtime.catch_up()
    finally:
        runtime.close()
    click.echo("\n演示账号 / demo logins (password: " + DEMO_PASSWORD + "):")
    for username, role in logins:
        click.echo(f"  {username:<16} {role}")
    if seed_only:
        return
    click.echo(f"\n打开 / open http://{host}:{port}\n")
    _serve(host, port)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the web app with the development server (production uses gunicorn)."""
    _serve(host, port)


def _serve(host: str, port: int) -> None:
    from web import create_app

    app = create_app()
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.group()
def projections() -> None:
    """Projection workers and their state."""


@projections.command("run")
@click.argument("names", nargs=-1)
@click.option("--batch-size", default=500, show_default=True)
def projections_run(names: tuple[str, ...], batch_size: int) -> None:
    """Run projection workers (all, or NAMES) until SIGTERM/SIGINT."""
    from infra.wake import InProcessWake, PostgresWake, Wake

    settings = load_settings()
    runtime = build_runtime(settings)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threads = []
    for name in names or tuple(runtime.views):
        runner = runtime.runner(name, batch_size=batch_size)
        wake: Wake = InProcessWake() if settings.is_sqlite else PostgresWake(settings.database_url)
        thread = threading.Thread(target=runner.run, args=(stop, wake), name=name)
        thread.start()
        threads.append(thread)
        click.echo(f"running projection {name} as {runner.holder}")
    while any(t.is_alive() for t in threads):
        for t in threads:
            t.join(timeout=0.5)
    runtime.close()


@projections.command("rebuild")
@click.argument("names", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every view, each in a process of its own.")
@click.option("--batch-size", default=5000, show_default=True)
@click.option("--processes", default=0, help="At most this many at once (default: the cores).")
def projections_rebuild(
    names: tuple[str, ...], every: bool, batch_size: int, processes: int
) -> None:
    """Apply the whole event log to views NAMES (or --all) beside the live ones, and swap each in
    once caught up; several views are rebuilt side by side in processes of their own.

    The live views serve, and their workers may run, meanwhile; a failed rebuild changes nothing."""
    import os

    from infra.rebuild import rebuild_in_parallel

    settings = load_settings()
    runtime = build_runtime(settings)
    view_names = list(runtime.views)
    runtime.close()
    if every == bool(names):
        click.echo("给出视图名称或 --all / name the views, or give --all", err=True)
        sys.exit(2)
    unknown = sorted(set(names) - set(view_names))
    if unknown:
        click.echo(f"没有此视图 / no such view: {', '.join(unknown)}", err=True)
        sys.exit(2)
    chosen = view_names if every else list(dict.fromkeys(names))
    processes = processes or min(len(chosen), os.cpu_count() or 1)
    results = rebuild_in_parallel(settings, chosen, batch_size, processes)
    for result in results:
        if result.error is not None:
            click.echo(f"{result.name}: {result.error}", err=True)
            continue
        rate = result.events / result.seconds if result.seconds else 0
        click.echo(
            f"rebuilt {result.name}: {result.events} events in {result.seconds:.2f} s "
            f"({rate:.0f} events/s)"
        )
    if any(result.error is not None for result in results):
        sys.exit(2)


@projections.command("status")
def projections_status() -> None:
    """Each view's position, the head of the store, the lag, and the views that stopped."""
    runtime = build_runtime(load_settings())
    try:
        click.echo(f"{'view':<16}{'position':>10}{'head':>10}{'lag':>8}")
        for status in runtime.status():
            click.echo(f"{status.name:<16}{status.position:>10}{status.head:>10}{status.lag:>8}")
        for fault in runtime.stopped_views():
            click.echo(
                f"\n{fault.view} stopped at {fault.position} ({fault.topic}): "
                f"{fault.error}: {fault.message}\n"
                f"  first seen {fault.first_seen:%Y-%m-%d %H:%M:%S} UTC, "
                f"last seen {fault.last_seen:%Y-%m-%d %H:%M:%S} UTC, {fault.attempts} attempts "
                "(docs/adr/0003-when-a-view-stops.md)"
            )
    finally:
        runtime.close()


@main.group()
def evidence() -> None:
    """Evidence files (佐证材料) and where they are stored."""


@evidence.command("migrate")
def evidence_migrate() -> None:
    """Copy the evidence files under JGT_VAR_DIR/blobs into the database (idempotent)."""
    from infra.blobs import DatabaseBlobStore, FileBlobStore, migrate
    from infra.eventstore import open_platform
    from infra.wiring import engine_of

    settings = load_settings()
    platform = open_platform(settings)
    try:
        target = DatabaseBlobStore(engine_of(platform))
        done = migrate(FileBlobStore(settings.var_dir / "blobs"), target)
    finally:
        platform.close()
    click.echo(
        f"已复制 {done.copied} 个文件，{done.already_there} 个已在数据库中，{done.damaged} 个已损坏未复制 / "
        f"copied {done.copied} files, {done.already_there} already in the database, "
        f"{done.damaged} damaged and left out"
    )
    if settings.blob_store != "database":
        click.echo(
            "提示：设置 JGT_BLOB_STORE=database 后生效 / set JGT_BLOB_STORE=database to use them"
        )
    if done.damaged:
        sys.exit(1)


@main.command("create-platform-admin")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True)
@click.password_option()
def create_platform_admin(username: str, display_name: str, password: str) -> None:
    """Create a platform administrator (the only way to make the first one)."""
    from infra.bootstrap import bootstrap_platform_admin
    from services.errors import DomainError

    runtime = build_runtime(load_settings())
    try:
        bootstrap_platform_admin(runtime, username, display_name, password)
        click.echo(f"platform admin {username} created")
    except DomainError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    finally:
        runtime.close()


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
