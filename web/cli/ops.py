"""Running a server: set it up (``init``), migrate its database, serve the web app, run the
scheduler, fire what is due. Operator commands: they act as the system."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from engine.access import OPERATOR
from engine.scheduling.leadership import AlreadyRunning
from engine.usecases import case_facts, definitions, people, timers
from storage import migrate

from .. import scheduling
from ..database import session_factory
from .common import emit, json_option, use_case

REPO_ROOT = Path(__file__).resolve().parents[2]


def _bpmn_dir() -> Path:
    return Path(current_app.config.get("BPMN_DIR") or REPO_ROOT / "bpmn")


@click.command("init")
@with_appcontext
@click.option("--demo/--no-demo", default=True, help="create the demo users (demo only)")
@use_case
def init_command(demo: bool) -> None:
    """Operator command: migrate the database, deploy every process in bpmn/, create
    departments and demo users (as the operator, bypassing the access policy)."""
    _upgrade()
    factory = session_factory()
    with factory.begin() as session:
        people.ensure_departments(session)
        files = sorted(_bpmn_dir().glob("*.bpmn"))
        for d in definitions.deploy_documents(session, [(path.read_bytes(), path.name) for path in files], OPERATOR):
            click.echo(f"{'deployed' if d.created else 'unchanged'} {d.key} v{d.version}")
        created = people.ensure_demo_users(session, OPERATOR) if demo else {}
    if created:
        click.echo("\nDemo users (DEMO ONLY: these passwords are shown once; change them before real use):")
        for username, password in created.items():
            click.echo(f"  {username:<12} {password}")


@click.group("db")
def db_group() -> None:
    """Operator command: database migrations (Alembic)."""


@db_group.command("upgrade")
@with_appcontext
@click.option("--revision", default="head")
def db_upgrade(revision: str) -> None:
    """Upgrade the database to the latest (or the given) revision."""
    _upgrade(revision)
    click.echo("database is up to date")


def _upgrade(revision: str = "head") -> None:
    """Upgrade the schema, then write the statistics' facts of cases saved before there
    were any (reading them needs the engine, which a migration does not import)."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    if revision == "head":
        with session_factory().begin() as session:
            filled = case_facts.backfill(session)
        if filled:
            click.echo(f"case facts written for {filled} earlier case(s)")


@click.command("fire-due")
@with_appcontext
@json_option
def fire_due_command(as_json: bool) -> None:
    """Operator command: fire every timer that is due now (as the system)."""
    fired = timers.fire_due(session_factory())
    emit(as_json, {"fired": fired}, lambda r: f"fired {r['fired']} timer(s)")


@click.command("scheduler")
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="serve this process's metrics (timer lateness, leadership) for Prometheus on this port",
)
@click.option("--metrics-host", default="127.0.0.1", show_default=True, help="the address for --metrics-port")
@click.option("--exit-with-parent", is_flag=True, hidden=True, help="stop when the starting process ends")
@with_appcontext
def scheduler_command(metrics_port: int | None, metrics_host: str, exit_with_parent: bool) -> None:
    """Operator command: run the timer scheduler. One is active per database: on PostgreSQL others wait as
    standbys and take over within seconds; on SQLite a second one refuses to start."""
    try:
        scheduling.run_standalone(
            current_app._get_current_object(),  # type: ignore[attr-defined]
            metrics_address=(metrics_host, metrics_port) if metrics_port else None,
            exit_with_parent=exit_with_parent,
        )
    except AlreadyRunning as exc:
        raise click.ClickException(str(exc)) from None


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="worker processes: 1 is waitress in this process; more is gunicorn (not on Windows)",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    help=f"request threads per process [default: {scheduling.WAITRESS_THREADS} in one process; with --workers N, "
    "web/gunicorn_conf.py's (CONGRESSFLOW_THREADS, else 2)]",
)
@click.option(
    "--scheduler/--no-scheduler",
    "with_scheduler",
    default=True,
    show_default=True,
    help="run the timer scheduler with the server (in this process; with --workers N, in one process beside them)",
)
@with_appcontext
def serve_command(host: str, port: int, workers: int, threads: int | None, with_scheduler: bool) -> None:
    """Operator command: serve the web app with the timer scheduler. One process (waitress) by
    default; --workers N > 1 runs gunicorn (web/gunicorn_conf.py) with N worker processes and
    the scheduler in one process of its own beside them."""
    if workers > 1:
        try:
            scheduling.serve_workers(host, port, workers, threads, with_scheduler)
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from None
    try:
        scheduling.serve(
            current_app._get_current_object(),  # type: ignore[attr-defined]
            host,
            port,
            threads or scheduling.WAITRESS_THREADS,
            with_scheduler,
        )
    except AlreadyRunning as exc:
        raise click.ClickException(str(exc)) from None
