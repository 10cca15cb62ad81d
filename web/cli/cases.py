"""Working on cases and tasks from the command line, as a person (``--user``): start,
list tasks, claim, give back, complete, look at and cancel a case."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any

import click
from flask.cli import with_appcontext

from engine import clock
from engine.deadlines import timezones
from engine.usecases import cases, tasks
from engine.usecases.context import actor_for
from engine.usecases.results import HistoryEntry, WaitingStep
from storage import repositories as repo

from ..database import session_factory
from .common import counted, emit, json_option, use_case, user_option


def _name_and_text(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise click.BadParameter(f"{text!r}: write name=value")
    name, raw = text.split("=", 1)
    return name.strip(), raw


def _parse_var(text: str) -> tuple[str, Any]:
    """name=value put into a case's data as it stands: the value as JSON when it parses."""
    name, raw = _name_and_text(text)
    try:
        return name, json.loads(raw)
    except json.JSONDecodeError:
        return name, raw


def _form_var(text: str) -> tuple[str, Any]:
    """name=value for a form's field, which reads it by its type as it reads what a page
    sends (a telephone number stays text, "2" becomes a number for a number field); a list
    of choices, for a field of several, as a JSON list."""
    name, raw = _name_and_text(text)
    if raw.lstrip().startswith("["):
        try:
            return name, json.loads(raw)  # JSON that opens with [ is a list
        except json.JSONDecodeError:
            pass  # text that happens to start with [
    return name, raw


@click.command("start")
@with_appcontext
@click.argument("key")
@click.option(
    "--var", "variables", multiple=True, help='name=value, read by the start form field\'s type (choices: ["a","b"])'
)
@click.option("--title", default=None)
@click.option("--business-key", default=None)
@user_option
@json_option
@use_case
def start_command(
    key: str, variables: tuple[str, ...], title: str | None, business_key: str | None, username: str, as_json: bool
) -> None:
    """Start a case of process KEY."""
    data = dict(_form_var(v) for v in variables)
    with session_factory().begin() as session:
        detail = cases.start_instance(
            session, actor_for(session, username), key, data, title=title, business_key=business_key
        )
    emit(
        as_json,
        detail,
        lambda d: f"started case {d.id}: {d.title}\n" + _task_lines(d.open_tasks) + _untaken_lines(d.open_tasks),
    )


def _local(when: datetime, seconds: bool = False) -> str:
    """A moment as people here read it: the congress's local time, offset shown (--json stays UTC)."""
    return when.astimezone(timezones.zone(None)).strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else "") + " %z")


def _due(when: datetime) -> str:
    """A deadline as the pages show it: a period ends at 24:00 of its last day, stored as the
    midnight that begins the next (engine.deadlines.legal)."""
    local = when.astimezone(timezones.zone(None))
    if local.time() == time(0):
        return (local - timedelta(days=1)).strftime("%Y-%m-%d 24:00 %z")
    return _local(when)


def _history_line(entry: HistoryEntry) -> str:
    """When, who, what, at which element, and the task's title with its round (评议打分 · 财政所)
    when the entry was of one: two rounds of one element are not the same step."""
    step = f"  {entry.task_name}" if entry.task_name else ""
    # a step replayed from a ledger's row was the unit's or the deputy's, recorded by the actor
    source = f"  (recorded from the ledger {entry.ledger.file}, row {entry.ledger.row})" if entry.ledger else ""
    moved = _moved_text(entry.data or {}) if entry.action == "case_migrated" else ""
    return (
        f"  {_local(entry.at, seconds=True)} {entry.actor:<10} {entry.action:<12} "
        f"{entry.bpmn_id or ''}{step}{source}{moved}"
    )


def _moved_text(data: dict[str, Any]) -> str:
    """A move to another version: from which to which, and its map (the elements that did not
    keep their ids: old id -> new id, or none)."""
    said = f"v{data.get('from_version', '?')} -> v{data.get('to_version', '?')}"
    mapping = data.get("map")
    if isinstance(mapping, dict) and mapping:
        said += ", map: " + ", ".join(f"{old} -> {new or '(none)'}" for old, new in mapping.items())
    return said


def _task_lines(rows: list) -> str:
    now = clock.now()
    return (
        "\n".join(
            f"  {t.task_id}  {t.name}  [{t.title}]  "
            f"{'@' + t.assignee if t.assignee else ','.join(t.candidate_groups) or '-'}"
            f"{'  due ' + _due(t.due_at) if t.due_at else ''}"
            f"{'  OVERDUE' if t.is_overdue(now) else ''}"
            for t in rows
        )
        or "  (no open tasks)"
    )


@click.command("tasks")
@with_appcontext
@user_option
@click.option("--all", "show_all", is_flag=True, help="every open task (supervisors and admins)")
@click.option("--process", "process_key", default=None)
@click.option("--overdue", is_flag=True)
@click.option("--limit", default=50)
@json_option
@use_case
def tasks_command(
    username: str, show_all: bool, process_key: str | None, overdue: bool, limit: int, as_json: bool
) -> None:
    """The user's open tasks: assigned to them or claimable by their groups."""
    flt = repo.InboxFilter(
        scope="all" if show_all else "open",
        process_key=process_key,
        overdue_at=clock.now() if overdue else None,
        limit=limit,
    )
    with session_factory()() as session:
        rows, total = tasks.list_tasks(session, actor_for(session, username), flt)
    emit(
        as_json, {"total": total, "tasks": rows}, lambda r: counted(r["total"], "task") + "\n" + _task_lines(r["tasks"])
    )


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
    emit(as_json, summary, lambda t: f"claimed {t.name} [{t.title}]")


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
    emit(as_json, summary, lambda t: f"unclaimed {t.name} [{t.title}]")


def _json_object(_ctx: click.Context, _param: click.Parameter, text: str) -> dict[str, Any]:
    """An option's JSON object, refused as the option's (click names it, on stderr or in --json's
    ``fields``)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise click.BadParameter("not a JSON object")
    return value


@click.command("complete")
@with_appcontext
@click.argument("task_id")
@user_option
@click.option("--data", "data", default="{}", callback=_json_object, help="the form data as a JSON object")
@json_option
@use_case
def complete_command(task_id: str, username: str, data: dict[str, Any], as_json: bool) -> None:
    """Complete a task with its form data. A field --data leaves out takes its default, or
    else keeps the case's value; a fresh one answered in an earlier round is then its default
    or empty, as the task page sends it. Warns of each task it opened that no active person
    can take."""
    with session_factory().begin() as session:
        following = tasks.complete(session, actor_for(session, username), task_id, data)
    with session_factory()() as session:  # what the case, as saved, waits for from outside
        waiting = cases.waiting_after(session, actor_for(session, username), task_id)
    untaken = sorted(t.task_id for t in following if t.nobody_to_take)
    emit(
        as_json,
        {"completed": task_id, "open_tasks": following, "nobody_to_take": untaken, "waiting_for_workers": waiting},
        lambda r: (
            f"completed {task_id}\nopen tasks in this case:\n"
            + _task_lines(following)
            + _untaken_lines(following)
            + _waiting_lines(waiting)
        ),
    )


def _waiting_lines(waiting: list[WaitingStep]) -> str:
    """The steps the case waits at for an external system (a worker fetching them by topic):
    current steps, though no one's task."""
    if not waiting:
        return ""
    return "\nwaiting for an external system:" + "".join(
        f"\n  {w.name} ({w.bpmn_id}): topic {w.topic}" for w in waiting
    )


def _untaken_lines(following: list) -> str:
    """A warning for each task the completion opened that no active person can take (the
    completion stands): what the task page warns of."""
    return "".join(
        f"\nwarning: no active person can take {t.name} ({t.task_id}): put someone in its unit, "
        "or have the task handed to someone (task.reassign)"
        for t in following
        if t.nobody_to_take
    )


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
        lines = [
            f"case {d.id}: {d.title}",
            f"process {d.process_key} v{d.version}, {d.status}, started {_local(d.started_at)} by {d.started_by}"
            + (" (recorded from the ledger)" if d.started_from_ledger else ""),
            "variables:",
        ]
        lines += [f"  {k} = {v!r}" for k, v in sorted(d.variables.items())]
        lines += ["open tasks:", _task_lines(d.open_tasks)]
        lines += [_waiting_lines(d.waiting_for_workers).lstrip("\n")] if d.waiting_for_workers else []
        lines += ["history:"]
        lines += [_history_line(h) for h in d.history]
        return "\n".join(lines)

    emit(as_json, detail, text)


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
    emit(as_json, {"cancelled": instance_id, "reason": reason}, lambda r: f"cancelled case {r['cancelled']}")
