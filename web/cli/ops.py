"""Running a server: set it up (``init``), migrate its database, serve the web app, run the
scheduler, fire what is due. Operator commands: they act as the system."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError

from engine.access import OPERATOR
from engine.scheduling.health import schema_state
from engine.scheduling.leadership import AlreadyRunning
from engine.usecases import case_facts, definitions, people, timers
from storage import migrate

from .. import scheduling
from ..database import engine as app_engine
from ..database import session_factory
from .common import EXIT_DATABASE, EXIT_ERROR, counted, emit, json_option, report_unusable, use_case

REPO_ROOT = Path(__file__).resolve().parents[2]


def _bpmn_dir() -> Path:
    return Path(current_app.config.get("BPMN_DIR") or REPO_ROOT / "bpmn")


@click.command("init")
@with_appcontext
@click.option(
    "--demo/--no-demo",
    default=None,
    help="create the demo users (DEMO ONLY: an active admin among them; passwords shown once). "
    "Default: only on a database with no users yet (a new installation, `make run`); on one that has "
    "users none unless --demo is given, and then none is made a unit's head",
)
@use_case
def init_command(demo: bool | None) -> None:
    """Operator command: migrate the database, deploy every process in bpmn/, create
    departments and, on a new installation, demo users (as the operator, bypassing the access
    policy). Running it again does no harm."""
    _upgrade()
    factory = session_factory()
    with factory.begin() as session:
        migrate.one_at_a_time(session.connection())  # another init at once waits, then finds all made
        people.ensure_departments(session)
        files = sorted(_bpmn_dir().glob("*.bpmn"))
        for d in definitions.deploy_documents(session, [(path.read_bytes(), str(path)) for path in files], OPERATOR):
            click.echo(f"{'deployed' if d.created else 'unchanged'} {d.key} v{d.version}")
        demo_users = None if demo is False else people.demo_users_for_init(session, OPERATOR, asked=bool(demo))
    if demo_users is not None and demo_users.declined:
        click.echo(
            f"no demo users added: the database has {counted(demo_users.users_before, 'user')} already "
            "(give --demo to add them anyway)"
        )
    if demo_users is not None and demo_users.created:
        click.echo("\nDemo users (DEMO ONLY: these passwords are shown once; change them before real use):")
        for username, password in demo_users.created.items():
            click.echo(f"  {username:<12} {password}")


@click.group("db")
def db_group() -> None:
    """Operator command: database migrations (Alembic)."""


@db_group.command("upgrade")
@with_appcontext
@click.option(
    "--revision",
    default="head",
    show_default=True,
    help="the Alembic revision to migrate to (an id from storage/migrations/versions/); head: the newest",
)
def db_upgrade(revision: str) -> None:
    """Upgrade the database to the latest (or the given) revision, and say from which to which.
    One process at a time: a second one run meanwhile waits, then finds nothing to do."""
    _upgrade(revision)


def _upgrade(revision: str = "head") -> None:
    """Upgrade the schema, saying what was done to which database, then write the statistics'
    facts of cases saved before there were any (reading them needs the engine, which a
    migration does not import). A database it cannot migrate is one line: unreachable, or at a
    newer version's schema (exit 6), or not migrated to an unknown revision (exit 1)."""
    url = current_app.config["DATABASE_URL"]
    database = migrate.describe(url)
    try:
        done = migrate.upgrade(url, revision)
    except migrate.NewerSchema as exc:
        report_unusable("newer_schema", exc.message, False)
        sys.exit(EXIT_DATABASE)
    except migrate.MigrationError as exc:
        report_unusable("migration_refused", exc.message, False)
        sys.exit(EXIT_ERROR)
    except DBAPIError:
        state = schema_state(app_engine())
        if state.reachable:
            raise
        report_unusable("database_unreachable", f"cannot reach the database {state.error}", False)
        sys.exit(EXIT_DATABASE)
    at = f"{done.after or 'none'}{' (head)' if done.after == done.head else ''}"
    if done.changed:
        click.echo(f"migrated the database {database} from {done.before or 'none (empty)'} to {at}")
    else:
        click.echo(f"the database {database} is already at {at}: nothing to migrate")
    if revision == "head":
        with session_factory().begin() as session:
            filled = case_facts.backfill(session)
        if filled:
            click.echo(f"case facts written for {counted(filled, 'earlier case')}")


@click.command("fire-due")
@with_appcontext
@json_option
def fire_due_command(as_json: bool) -> None:
    """Operator command: fire every timer that is due now (as the system). A timer that could
    not fire is listed (``failed``; an incident is recorded on its case) and the command ends
    with exit code 1."""
    firing = timers.fire_due_reporting(session_factory())
    failed = [{"timer": f.timer_id, "case": f.instance_id, "message": f.message} for f in firing.failed]
    emit(as_json, {"fired": firing.fired, "failed": failed}, lambda r: "fired " + counted(r["fired"], "timer"))
    if not as_json:  # (with --json the failures are in the object above)
        for f in firing.failed:
            of = f"of case {f.instance_id}" if f.instance_id is not None else "of a start event"
            said = f"error: timer {f.timer_id} {of} could not fire: {f.message} (see congressflow incidents)"
            click.echo(said, err=True)
    if failed:
        sys.exit(EXIT_ERROR)


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
    except (AlreadyRunning, scheduling.CannotListen) as exc:
        raise click.ClickException(str(exc)) from None


@click.command("serve")
@click.option(
    "--host",
    default=None,
    help=f"the address to listen on ({scheduling.BIND_VARIABLE} may name a Unix socket instead: unix:PATH)"
    f" [default: the host of {scheduling.BIND_VARIABLE} (HOST:PORT), else 127.0.0.1]",
)
@click.option(
    "--port",
    default=None,
    type=click.IntRange(1, 65535),
    help=f"the port to listen on [default: the port of {scheduling.BIND_VARIABLE}, else 5000]",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    envvar="CONGRESSFLOW_WORKERS",
    show_envvar=True,
    type=click.IntRange(min=1),
    help="worker processes: 1 is waitress in this process; more is gunicorn (not on Windows)",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    envvar="CONGRESSFLOW_THREADS",
    show_envvar=True,
    help=f"request threads per process [default: {scheduling.WAITRESS_THREADS} in one process; with --workers N, 2]",
)
@click.option(
    "--scheduler/--no-scheduler",
    "with_scheduler",
    default=True,
    show_default=True,
    help="run the timer scheduler with the server (in this process; with --workers N, in one process beside them)",
)
@with_appcontext
def serve_command(host: str | None, port: int | None, workers: int, threads: int | None, with_scheduler: bool) -> None:
    """Operator command: serve the web app with the timer scheduler. One process (waitress) by
    default; --workers N > 1 runs gunicorn (web/gunicorn_conf.py) with N worker processes and
    the scheduler in one process of its own beside them. With the scheduler run as a service
    of its own (congressflow scheduler), give --no-scheduler."""
    if host is None or port is None:
        bind = os.environ.get(scheduling.BIND_VARIABLE) or scheduling.DEFAULT_BIND
        try:
            bound_host, bound_port = scheduling.bind_address(bind)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        if scheduling.socket_path(bound_host) is not None and (host or port):
            # --host or --port names a TCP address: the socket is no half of it
            bound_host, bound_port = scheduling.bind_address(scheduling.DEFAULT_BIND)
        host, port = host or bound_host, port or bound_port
    if scheduling.socket_path(host) is not None:  # --host unix:PATH as well
        try:
            host, port = scheduling.bind_address(host, "--host")
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    if workers > 1:
        try:
            scheduling.serve_workers(host, port, workers, threads, with_scheduler)
        except (RuntimeError, scheduling.CannotListen) as exc:
            raise click.ClickException(str(exc)) from None
    try:
        scheduling.serve(
            current_app._get_current_object(),  # type: ignore[attr-defined]
            host,
            port,
            threads or scheduling.WAITRESS_THREADS,
            with_scheduler,
        )
    except (AlreadyRunning, scheduling.CannotListen) as exc:
        raise click.ClickException(str(exc)) from None
