"""Incidents from the command line: the cases that failed at run time with nobody waiting
and the timer start events that could not start a case (``incidents``), and retrying one once
the cause is fixed (``retry CASE``, or ``retry --incident N`` for a timer start event's)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from engine.errors import InvalidData
from engine.usecases import incidents, recovery, start_timers
from engine.usecases.context import actor_for

from ..database import session_factory
from .common import EXIT_ERROR, counted, emit, json_option, use_case, user_option


@click.command("incidents")
@with_appcontext
@click.option("--open", "only_open", is_flag=True, help="only the open ones (default: all)")
@click.option("--process", default="", help="only this process (its key)")
@user_option
@json_option
@use_case
def incidents_command(only_open: bool, process: str, username: str, as_json: bool) -> None:
    """Cases that failed at run time: a timer whose firing failed, a case found stuck; and
    timer start events that could not start a case."""
    with session_factory()() as session:
        try:
            rows = incidents.list_incidents(
                session, actor_for(session, username), state="open" if only_open else "all", process_key=process
            )
        except InvalidData as exc:
            if set(exc.codes) != {"process"}:
                raise
            # a mistyped option is a usage error (exit 2), as click says a value it cannot read
            deployed = exc.codes["process"].params["choices"].replace("、", ", ")
            raise click.BadParameter(f"no process {process!r}; deployed: {deployed}", param_hint="--process") from None

    def text(found: list[incidents.IncidentView]) -> str:
        lines = [counted(len(found), "incident")]
        for i in found:
            state = "open" if i.open else f"resolved {i.resolved_at:%Y-%m-%d %H:%M} by {i.resolved_by}"
            of = f"case {i.instance_id}" if i.instance_id is not None else f"no case, process v{i.process_version}"
            seen = f"{i.occurrences}x, first {i.created_at:%Y-%m-%d %H:%M}, last {i.last_seen_at:%Y-%m-%d %H:%M}"
            lines.append(
                f"#{i.id} {of} [{i.process_key}] {i.kind} at {i.bpmn_id or '-'} ({state}; {seen}): {i.message}"
            )
        return "\n".join(lines)

    emit(as_json, rows, text)


@click.command("retry")
@with_appcontext
@click.argument("instance_id", type=int, required=False)
@click.option(
    "--incident", "incident_id", type=int, help="a timer start event's incident (no case): fire that event again now"
)
@user_option
@json_option
@use_case
def retry_command(instance_id: int | None, incident_id: int | None, username: str, as_json: bool) -> None:
    """Run a case's engine steps again once the cause of its incident is fixed; or, with
    --incident, start the case a timer start event could not start."""
    if (instance_id is None) == (incident_id is None):
        raise click.UsageError(
            "give a case (INSTANCE_ID) or a timer start event's incident (--incident N), one of them"
        )
    if incident_id is not None:
        _retry_start(incident_id, username, as_json)
        return
    assert instance_id is not None
    with session_factory().begin() as session:
        result = recovery.retry_case(session, actor_for(session, username), instance_id)
    if result.ok:
        emit(as_json, result, lambda r: f"case {r.instance_id}: moved on; {counted(r.resolved, 'incident')} resolved")
        return
    emit(as_json, result, lambda r: f"case {r.instance_id}: {r.error or 'still stuck: no open task and no timer'}")
    raise SystemExit(EXIT_ERROR)


def _retry_start(incident_id: int, username: str, as_json: bool) -> None:
    with session_factory().begin() as session:
        result = start_timers.retry_start(session, actor_for(session, username), incident_id)

    def text(r: start_timers.StartRetryResult) -> str:
        if r.ok:
            return f"incident #{r.incident_id}: case {r.instance_id} started; the incident is resolved"
        if r.event_gone:
            return f"incident #{r.incident_id}: the latest version has no such timer start event; closed"
        if r.error:
            return f"incident #{r.incident_id}: {r.error}"
        return f"incident #{r.incident_id}: already resolved by {r.resolved_by} at {r.resolved_at:%Y-%m-%d %H:%M}"

    emit(as_json, result, text)
    if not (result.ok or result.event_gone):
        raise SystemExit(EXIT_ERROR)
