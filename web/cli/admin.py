"""Administering from the command line, as an administrator or designer (``--user``) or
as the server's operator (``--operator``): processes, users, API tokens, the working-day
calendar and the deadline settings."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup, with_appcontext

from engine.access import Actor
from engine.usecases import deadlines, definitions, people, sign_in, tokens

from ..database import session_factory
from .common import acting_options, emit, json_option, resolve_actor, use_case


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
    emit(
        as_json,
        results,
        lambda rs: "\n".join(
            f"{'deployed' if d.created else 'unchanged'} {d.key} v{d.version} (definition {d.definition_id})"
            for d in rs
        ),
    )


@click.command("definitions")
@with_appcontext
@acting_options
@json_option
@use_case
def definitions_command(username: str | None, as_operator: bool, as_json: bool) -> None:
    """List the latest version of every deployed process, and whether you may start it."""
    with session_factory()() as session:
        rows = definitions.list_definitions(session, resolve_actor(session, username, as_operator))
    emit(
        as_json,
        rows,
        lambda rs: "\n".join(
            f"{d.key:<24} v{d.version:<3} {d.name}{'' if d.startable else '  (you may not start it)'}" for d in rs
        ),
    )


@click.group("users")
def users_group() -> None:
    """Manage users."""


@users_group.command("create")
@with_appcontext
@click.argument("account", metavar="USERNAME")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default="")
@click.option(
    "--role",
    "roles",
    multiple=True,
    help="admin, designer, officer, office_head, petition_officer, supervisor, deputy, chair",
)
@click.option("--department", default=None, help="department code, e.g. finance")
@click.option("--email", default=None)
@acting_options
@json_option
@use_case
def users_create(
    account: str,
    password: str,
    display_name: str,
    roles: tuple[str, ...],
    department: str | None,
    email: str | None,
    username: str | None,
    as_operator: bool,
    as_json: bool,
) -> None:
    """Create a user (as an administrator, or the operator setting up a server)."""
    with session_factory().begin() as session:
        user = people.create_user(
            session,
            resolve_actor(session, username, as_operator),
            account,
            password,
            display_name=display_name,
            roles=roles,
            department=department,
            email=email,
        )
        view = people.user_view(user)
    emit(as_json, view, lambda v: f"created user {v.username}")


@users_group.command("set-password")
@with_appcontext
@click.argument("account", metavar="USERNAME")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--must-change", is_flag=True, help="the user must change it at the next sign-in")
@acting_options
@json_option
@use_case
def users_set_password(
    account: str, password: str, must_change: bool, username: str | None, as_operator: bool, as_json: bool
) -> None:
    """Set a user's password (yours, or anyone's as an administrator or the operator);
    every session of the user ends."""
    with session_factory().begin() as session:
        sign_in.set_password(
            session, resolve_actor(session, username, as_operator), account, password, must_change=must_change
        )
    emit(
        as_json,
        {"username": account, "must_change": must_change},
        lambda r: (
            f"password of {r['username']} changed" + ("; to be changed at the next sign-in" if r["must_change"] else "")
        ),
    )


@contextmanager
def _admin_session(username: str | None, as_operator: bool) -> Iterator[tuple[Any, Actor]]:
    with session_factory().begin() as session:
        yield session, resolve_actor(session, username, as_operator)


def _print(as_json: bool, rows: list, text: Callable[[Any], str]) -> None:
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(r) for r in rows], ensure_ascii=False, indent=2, default=str))
    else:
        click.echo("\n".join(text(r) for r in rows) or "(none)")


@click.group("calendar", cls=AppGroup)
def calendar_group() -> None:
    """The official working-day schedule: holidays and make-up working days (调休)."""


@calendar_group.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--working/--holiday", "is_working", required=True, help="a make-up working day, or a day off")
@click.option("--note", default="", help="e.g. 春节调休")
@acting_options
@json_option
@use_case
def calendar_set(day: Any, is_working: bool, note: str, username: str | None, as_operator: bool, as_json: bool) -> None:
    """Declare DAY (YYYY-MM-DD) a working day or a holiday."""
    with _admin_session(username, as_operator) as (session, actor):
        entry = deadlines.set_calendar_day(session, actor, day.date(), is_working, note)
    emit(as_json, entry, lambda e: f"{e.day.isoformat()} is now a {'working day' if e.is_working else 'holiday'}")


@calendar_group.command("unset")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@acting_options
@json_option
@use_case
def calendar_unset(day: Any, username: str | None, as_operator: bool, as_json: bool) -> None:
    """Remove the entry for DAY: it follows the holidays package again."""
    with _admin_session(username, as_operator) as (session, actor):
        deadlines.unset_calendar_day(session, actor, day.date())
    emit(as_json, {"day": day.date()}, lambda r: f"{r['day'].isoformat()} follows the built-in calendar again")


@calendar_group.command("list")
@click.option("--year", type=int, default=None)
@json_option
def calendar_list(year: int | None, as_json: bool) -> None:
    """The entries made by administrators."""
    with session_factory()() as session:
        rows = deadlines.calendar_entries(session, year)
    _print(as_json, rows, lambda e: f"{e.day.isoformat()}  {'working' if e.is_working else 'holiday':<8} {e.note}")


@calendar_group.command("check")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@json_option
def calendar_check(day: Any, as_json: bool) -> None:
    """Is DAY a working day (entries and the built-in calendar together)?"""
    with session_factory()() as session:
        working = deadlines.is_working_day(session, day.date())
    emit(
        as_json,
        {"day": day.date(), "working": working},
        lambda r: f"{r['day'].isoformat()}: {'working day' if r['working'] else 'day off'}",
    )


@click.group("settings", cls=AppGroup)
def settings_group() -> None:
    """Deadline settings (periods the processes read with setting(name))."""


@settings_group.command("list")
@json_option
def settings_list(as_json: bool) -> None:
    with session_factory()() as session:
        rows = deadlines.list_settings(session)
    _print(
        as_json,
        rows,
        lambda s: (
            f"{s.name:<36} {s.value:>4} {s.unit:<13}"
            f"{'' if not s.overridden else f'(default {s.default}) '}{s.description}"
        ),
    )


@settings_group.command("set")
@click.argument("name")
@click.argument("value")
@acting_options
@json_option
@use_case
def settings_set(name: str, value: str, username: str | None, as_operator: bool, as_json: bool) -> None:
    """Set NAME to VALUE (a whole number in the setting's unit)."""
    with _admin_session(username, as_operator) as (session, actor):
        view = deadlines.set_setting(session, actor, name, value)
    emit(as_json, view, lambda v: f"{v.name} = {v.value} {v.unit}")


@settings_group.command("reset")
@click.argument("name")
@acting_options
@json_option
@use_case
def settings_reset(name: str, username: str | None, as_operator: bool, as_json: bool) -> None:
    """Back to the default value."""
    with _admin_session(username, as_operator) as (session, actor):
        deadlines.reset_setting(session, actor, name)
    emit(as_json, {"reset": name}, lambda r: f"{r['reset']} is back to its default")


@click.group("tokens", cls=AppGroup)
def tokens_group() -> None:
    """Personal API tokens (Authorization: Bearer <token>)."""


@tokens_group.command("create")
@click.option("--for", "owner", required=True, help="the token acts as this user")
@click.option("--name", required=True, help="what the token is for, e.g. 'reporting script'")
@acting_options
@json_option
@use_case
def tokens_create(owner: str, name: str, username: str | None, as_operator: bool, as_json: bool) -> None:
    """Make a token for a user (yourself, or anyone as an administrator or the operator);
    its secret is printed once and cannot be shown again."""
    with session_factory().begin() as session:
        created = tokens.create_token(session, resolve_actor(session, username, as_operator), owner, name)
    if as_json:
        click.echo(
            json.dumps(
                {"id": created.token.id, "user": owner, "name": created.token.name, "token": created.secret},
                ensure_ascii=False,
            )
        )
        return
    click.echo(
        f"token {created.token.id} for {owner} ({created.token.name}):\n  {created.secret}\n"
        "Keep it secret: it is shown only now. Use it as 'Authorization: Bearer <token>'."
    )


@tokens_group.command("list")
@click.option("--for", "owner", required=True, help="whose tokens")
@acting_options
@json_option
@use_case
def tokens_list(owner: str, username: str | None, as_operator: bool, as_json: bool) -> None:
    """The tokens of a user (never their secrets)."""
    with session_factory()() as session:
        rows = tokens.list_tokens(session, resolve_actor(session, username, as_operator), owner)
    if as_json:
        emit(True, rows, str)
        return
    for t in rows:
        used = f"last used {t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never used"
        state = f"REVOKED {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
        click.echo(f"{t.id:>5}  {t.name:<30} created {t.created_at:%Y-%m-%d %H:%M}  {used}  {state}")
    if not rows:
        click.echo("(no tokens)")


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
@acting_options
@json_option
@use_case
def tokens_revoke(token_id: int, username: str | None, as_operator: bool, as_json: bool) -> None:
    """Revoke a token: it stops working at once."""
    with session_factory().begin() as session:
        view = tokens.revoke_token(session, resolve_actor(session, username, as_operator), token_id)
    emit(as_json, view, lambda v: f"revoked token {v.id}")
