"""Incidents from the command line: the cases that failed at run time with nobody waiting
(``incidents``), and retrying one once the cause is fixed (``retry``)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from engine.usecases import incidents, recovery
from engine.usecases.context import actor_for

from ..database import session_factory
from .common import EXIT_ERROR, emit, json_option, use_case, user_option


@click.command("incidents")
@with_appcontext
@click.option("--open", "only_open", is_flag=True, help="only the open ones (default: all)")
@click.option("--process", default="", help="only this process (its key)")
@user_option
@json_option
@use_case
def incidents_command(only_open: bool, process: str, username: str, as_json: bool) -> None:
    """Cases that failed at run time: a timer whose firing failed, a case found stuck."""
    with session_factory()() as session:
        rows = incidents.list_incidents(
            session, actor_for(session, username), state="open" if only_open else "all", process_key=process
        )

    def text(found: list[incidents.IncidentView]) -> str:
        lines = [f"{len(found)} incident(s)"]
        for i in found:
            state = "open" if i.open else f"resolved {i.resolved_at:%Y-%m-%d %H:%M} by {i.resolved_by}"
            lines.append(
                f"#{i.id} case {i.instance_id} [{i.process_key}] {i.kind} at {i.bpmn_id or '-'} ({state}): {i.message}"
            )
        return "\n".join(lines)

    emit(as_json, rows, text)


@click.command("retry")
@with_appcontext
@click.argument("instance_id", type=int)
@user_option
@json_option
@use_case
def retry_command(instance_id: int, username: str, as_json: bool) -> None:
    """Run a case's engine steps again once the cause of its incident is fixed."""
    with session_factory().begin() as session:
        result = recovery.retry_case(session, actor_for(session, username), instance_id)
    if result.ok:
        emit(as_json, result, lambda r: f"case {r.instance_id}: moved on; {r.resolved} incident(s) resolved")
        return
    emit(as_json, result, lambda r: f"case {r.instance_id}: {r.error or 'still stuck: no open task and no timer'}")
    raise SystemExit(EXIT_ERROR)
