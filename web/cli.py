"""The ``congressflow`` command: Flask's own commands (run, routes, shell) plus the
product's. Each product command is one use case in one transaction; errors go to stderr
with a non-zero exit code."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from engine import clock
from engine.access import OPERATOR
from engine.deadlines import timezones
from engine.usecases import cases, definitions, people, sign_in, tasks, timers
from engine.usecases.context import actor_for
from storage import migrate
from storage import repositories as repo

from .api.cli import tokens_group
from .cli_common import (
    acting_options,
    json_option,
    resolve_actor,
    use_case,
    user_option,
)
from .cli_common import emit as _emit
from .database import session_factory
from .ops_cli import calendar_group, scheduler_command, serve_command, settings_group

REPO_ROOT = Path(__file__).resolve().parent.parent


def _bpmn_dir() -> Path:
    return Path(current_app.config.get("BPMN_DIR") or REPO_ROOT / "bpmn")


@click.command("init")
@with_appcontext
@click.option("--demo/--no-demo", default=True, help="create the demo users (demo only)")
@use_case
def init_command(demo: bool) -> None:
    """Operator command: migrate the database, deploy every process in bpmn/, create
    departments and demo users (as the operator, bypassing the access policy)."""
    migrate.upgrade(current_app.config["DATABASE_URL"])
    factory = session_factory()
    with factory.begin() as session:
        people.ensure_departments(session)
        files = sorted(_bpmn_dir().glob("*.bpmn"))
        for path in files:
            for d in definitions.deploy(session, path.read_bytes(), path.name, OPERATOR):
                click.echo(f"{'deployed' if d.created else 'unchanged'} {d.key} v{d.version} ({path.name})")
        created = people.ensure_demo_users(session, OPERATOR) if demo else {}
    if created:
        click.echo("\nDemo users (DEMO ONLY: these passwords are shown once; change them before real use):")
        for username, password in created.items():
            click.echo(f"  {username:<12} {password}")


@click.group("db")
def db_group() -> None:
    """Database migrations (Alembic)."""


@db_group.command("upgrade")
@with_appcontext
@click.option("--revision", default="head")
def db_upgrade(revision: str) -> None:
    """Upgrade the database to the latest (or the given) revision."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo("database is up to date")


@click.command("deploy")
@with_appcontext
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@acting_options
@json_option
@use_case
def deploy_command(files: tuple[Path, ...], username: str | None, as_operator: bool, as_json: bool) -> None:
    """Validate and deploy BPMN files (all or nothing), as a designer (--user) or the operator."""
    with session_factory().begin() as session:
        actor = resolve_actor(session, username, as_operator)
        results = [d for path in files for d in definitions.deploy(session, path.read_bytes(), str(path), actor)]
    _emit(as_json, results, lambda rs: "\n".join(
        f"{'deployed' if d.created else 'unchanged'} {d.key} v{d.version} (definition {d.definition_id})"
        for d in rs))


@click.command("definitions")
@with_appcontext
@json_option
def definitions_command(as_json: bool) -> None:
    """List the latest version of every deployed process."""
    with session_factory()() as session:
        rows = [{"key": d.key, "name": d.name, "version": d.version, "id": d.id,
                 "deployed_at": d.deployed_at, "deployed_by": d.deployed_by}
                for d in repo.latest_definitions(session)]
    _emit(as_json, rows, lambda rs: "\n".join(f"{r['key']:<24} v{r['version']:<3} {r['name']}" for r in rs))


def _parse_var(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise click.BadParameter(f"{text!r}: write name=value")
    name, raw = text.split("=", 1)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return name.strip(), value


@click.command("start")
@with_appcontext
@click.argument("key")
@click.option("--var", "variables", multiple=True, help="name=value (value as JSON when it parses)")
@click.option("--title", default=None)
@click.option("--business-key", default=None)
@user_option
@json_option
@use_case
def start_command(key: str, variables: tuple[str, ...], title: str | None, business_key: str | None,
                  username: str, as_json: bool) -> None:
    """Start a case of process KEY."""
    data = dict(_parse_var(v) for v in variables)
    with session_factory().begin() as session:
        detail = cases.start_instance(session, actor_for(session, username), key, data, title=title,
                                          business_key=business_key)
    _emit(as_json, detail, lambda d: f"started case {d.id}: {d.title}\n" + _task_lines(d.open_tasks))


def _local(when: datetime, seconds: bool = False) -> str:
    """A moment as people here read it: the congress's local time, offset shown (--json stays UTC)."""
    return when.astimezone(timezones.zone(None)).strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else "") + " %z")


def _task_lines(rows: list) -> str:
    now = clock.now()
    return "\n".join(
        f"  {t.task_id}  {t.name}  [{t.title}]  "
        f"{'@' + t.assignee if t.assignee else ','.join(t.candidate_groups) or '-'}"
        f"{'  due ' + _local(t.due_at) if t.due_at else ''}"
        f"{'  OVERDUE' if t.is_overdue(now) else ''}" for t in rows) or "  (no open tasks)"


@click.command("tasks")
@with_appcontext
@user_option
@click.option("--all", "show_all", is_flag=True, help="every open task (supervisors and admins)")
@click.option("--process", "process_key", default=None)
@click.option("--overdue", is_flag=True)
@click.option("--limit", default=50)
@json_option
@use_case
def tasks_command(username: str, show_all: bool, process_key: str | None, overdue: bool, limit: int,
                  as_json: bool) -> None:
    """The user's open tasks: assigned to them or claimable by their groups."""
    flt = repo.InboxFilter(scope="all" if show_all else "open", process_key=process_key,
                           overdue_at=clock.now() if overdue else None, limit=limit)
    with session_factory()() as session:
        rows, total = tasks.list_tasks(session, actor_for(session, username), flt)
    _emit(as_json, {"total": total, "tasks": rows}, lambda r: f"{r['total']} task(s)\n" + _task_lines(r["tasks"]))


@click.command("claim")
@with_appcontext
@click.argument("task_id")
@user_option
@json_option
@use_case
def claim_command(task_id: str, username: str, as_json: bool) -> None:
    """Claim a task for yourself."""
    with session_factory().begin() as session:
        summary = tasks.claim(session, actor_for(session, username), task_id)
    _emit(as_json, summary, lambda t: f"claimed {t.name} [{t.title}]")


@click.command("unclaim")
@with_appcontext
@click.argument("task_id")
@user_option
@json_option
@use_case
def unclaim_command(task_id: str, username: str, as_json: bool) -> None:
    """Give a claimed task back to its groups."""
    with session_factory().begin() as session:
        summary = tasks.unclaim(session, actor_for(session, username), task_id)
    _emit(as_json, summary, lambda t: f"unclaimed {t.name} [{t.title}]")


@click.command("complete")
@with_appcontext
@click.argument("task_id")
@user_option
@click.option("--data", "data_json", default="{}", help="the form data as a JSON object")
@json_option
@use_case
def complete_command(task_id: str, username: str, data_json: str, as_json: bool) -> None:
    """Complete a task with its form data."""
    try:
        data = json.loads(data_json)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"--data is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise click.BadParameter("--data must be a JSON object")
    with session_factory().begin() as session:
        following = tasks.complete(session, actor_for(session, username), task_id, data)
    _emit(as_json, {"completed": task_id, "open_tasks": following},
          lambda r: f"completed {task_id}\nopen tasks in this case:\n" + _task_lines(r["open_tasks"]))


@click.command("instance")
@with_appcontext
@click.argument("instance_id", type=int)
@user_option
@json_option
@use_case
def instance_command(instance_id: int, username: str, as_json: bool) -> None:
    """A case you may see: status, variables (confidential ones masked unless you may read
    them) and history."""
    with session_factory()() as session:
        detail = cases.instance_detail(session, actor_for(session, username), instance_id)

    def text(d: Any) -> str:
        lines = [f"case {d.id}: {d.title}", f"process {d.process_key} v{d.version}, {d.status}, "
                 f"started {_local(d.started_at)} by {d.started_by}", "variables:"]
        lines += [f"  {k} = {v!r}" for k, v in sorted(d.variables.items())]
        lines += ["open tasks:", _task_lines(d.open_tasks), "history:"]
        lines += [f"  {_local(h.at, seconds=True)} {h.actor:<10} {h.action:<12} {h.bpmn_id or ''}" for h in d.history]
        return "\n".join(lines)

    _emit(as_json, detail, text)


@click.command("cancel")
@with_appcontext
@click.argument("instance_id", type=int)
@user_option
@click.option("--reason", required=True, help="why; kept in the case's history")
@json_option
@use_case
def cancel_command(instance_id: int, username: str, reason: str, as_json: bool) -> None:
    """Cancel a running case (the office it was started from, and administrators)."""
    with session_factory().begin() as session:
        cases.cancel_instance(session, actor_for(session, username), instance_id, reason)
    _emit(as_json, {"cancelled": instance_id, "reason": reason}, lambda r: f"cancelled case {r['cancelled']}")


@click.command("fire-due")
@with_appcontext
@json_option
def fire_due_command(as_json: bool) -> None:
    """Fire every timer that is due now."""
    fired = timers.fire_due(session_factory())
    _emit(as_json, {"fired": fired}, lambda r: f"fired {r['fired']} timer(s)")


@click.group("users")
def users_group() -> None:
    """Manage users."""


@users_group.command("create")
@with_appcontext
@click.argument("account", metavar="USERNAME")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default="")
@click.option("--role", "roles", multiple=True,
              help="admin, designer, officer, office_head, petition_officer, supervisor, deputy, chair")
@click.option("--department", default=None, help="department code, e.g. finance")
@click.option("--email", default=None)
@acting_options
@json_option
@use_case
def users_create(account: str, password: str, display_name: str, roles: tuple[str, ...], department: str | None,
                 email: str | None, username: str | None, as_operator: bool, as_json: bool) -> None:
    """Create a user (as an administrator, or the operator setting up a server)."""
    with session_factory().begin() as session:
        user = people.create_user(session, resolve_actor(session, username, as_operator), account, password,
                                    display_name=display_name, roles=roles, department=department, email=email)
        view = people.user_view(user)
    _emit(as_json, view, lambda v: f"created user {v.username}")


@users_group.command("set-password")
@with_appcontext
@click.argument("account", metavar="USERNAME")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--must-change", is_flag=True, help="the user must change it at the next sign-in")
@acting_options
@json_option
@use_case
def users_set_password(account: str, password: str, must_change: bool, username: str | None, as_operator: bool,
                       as_json: bool) -> None:
    """Set a user's password (yours, or anyone's as an administrator or the operator);
    every session of the user ends."""
    with session_factory().begin() as session:
        sign_in.set_password(session, resolve_actor(session, username, as_operator), account, password,
                              must_change=must_change)
    _emit(as_json, {"username": account, "must_change": must_change},
          lambda r: f"password of {r['username']} changed" + ("; to be changed at the next sign-in"
                                                              if r["must_change"] else ""))


COMMANDS = (init_command, db_group, deploy_command, definitions_command, start_command, tasks_command,
            claim_command, unclaim_command, complete_command, instance_command, cancel_command,
            fire_due_command, users_group, tokens_group,
            scheduler_command, serve_command, calendar_group, settings_group)


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app() -> Flask:
    from . import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, help="CongressFlow: BPMN workflows for a township people's congress.")
