"""Operating commands: ``congressflow scheduler``, ``serve``, ``calendar`` and ``settings``."""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from engine.access import Actor
from engine.scheduling.leadership import AlreadyRunning
from engine.usecases import deadlines

from . import scheduling
from .cli_common import acting_options, emit, json_option, resolve_actor, use_case
from .database import session_factory


@contextmanager
def _admin_session(username: str | None, as_operator: bool) -> Iterator[tuple[Any, Actor]]:
    with session_factory().begin() as session:
        yield session, resolve_actor(session, username, as_operator)


def _print(as_json: bool, rows: list, text: Callable[[Any], str]) -> None:
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(r) for r in rows], ensure_ascii=False, indent=2, default=str))
    else:
        click.echo("\n".join(text(r) for r in rows) or "(none)")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the timer scheduler. One is active per database: on PostgreSQL others wait as
    standbys and take over within seconds; on SQLite a second one refuses to start."""
    try:
        scheduling.run_standalone(current_app._get_current_object())  # type: ignore[attr-defined]
    except AlreadyRunning as exc:
        raise click.ClickException(str(exc)) from None


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--scheduler/--no-scheduler", "with_scheduler", default=True, show_default=True,
              help="run the timer scheduler in this process")
@with_appcontext
def serve_command(host: str, port: int, threads: int, with_scheduler: bool) -> None:
    """Serve the web app (waitress) with the timer scheduler in-process."""
    try:
        scheduling.serve(current_app._get_current_object(), host, port, threads,  # type: ignore[attr-defined]
                         with_scheduler)
    except AlreadyRunning as exc:
        raise click.ClickException(str(exc)) from None


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
def calendar_set(day: Any, is_working: bool, note: str, username: str | None, as_operator: bool,
                 as_json: bool) -> None:
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
    emit(as_json, {"day": day.date(), "working": working},
         lambda r: f"{r['day'].isoformat()}: {'working day' if r['working'] else 'day off'}")


@click.group("settings", cls=AppGroup)
def settings_group() -> None:
    """Deadline settings (periods the processes read with setting(name))."""


@settings_group.command("list")
@json_option
def settings_list(as_json: bool) -> None:
    with session_factory()() as session:
        rows = deadlines.list_settings(session)
    _print(as_json, rows, lambda s: f"{s.name:<36} {s.value:>4} {s.unit:<13}"
                                    f"{'' if not s.overridden else f'(default {s.default}) '}{s.description}")


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
