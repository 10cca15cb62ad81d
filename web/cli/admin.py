"""Administering from the command line, as an administrator or designer (``--user``) or
as the server's operator (``--operator``): processes, users, API tokens, the working-day
calendar and the deadline settings."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup, with_appcontext

from engine import clock
from engine.access import Actor
from engine.deadlines.calendar import DaySource, DayStatus
from engine.deadlines.legal import due_text, local_day
from engine.usecases import deadlines, definitions, people, sign_in, tokens

from ..database import session_factory
from .common import acting_options, counted, emit, json_option, resolve_actor, table, use_case


@click.command("deploy")
@with_appcontext
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--default-group",
    default="",
    help="the group that holds user tasks naming nobody, for processes that name none (written into the file)",
)
@click.option(
    "--note",
    default="",
    help="why (说明), shown with each version deployed in the process library (at most 1000 characters)",
)
@acting_options
@json_option
@use_case
def deploy_command(
    files: tuple[Path, ...], default_group: str, note: str, username: str | None, as_operator: bool, as_json: bool
) -> None:
    """Validate and deploy BPMN files (all or nothing; they may call each other's processes),
    as a designer (--user) or the operator, with a note saying why (--note)."""
    with session_factory().begin() as session:
        actor = resolve_actor(session, username, as_operator)
        # the paths as given: the library keeps the file's name (deploy_documents), as `init`
        # and the designer's upload do, and two files of one name are refused naming both paths
        documents = [(path.read_bytes(), str(path)) for path in files]
        results = definitions.deploy_documents(session, documents, actor, default_group=default_group, note=note)
    emit(
        as_json,
        [_deployed(d) for d in results],
        lambda _said: "\n".join(
            f"{'deployed' if d.created else 'unchanged'} {d.key} v{d.version} (definition {d.definition_id})"
            + "".join(f"\nwarning: {w}" for w in d.warnings)
            for d in results
        ),
    )


def _deployed(d: definitions.Deployed) -> dict[str, Any]:
    """A deployed process as the command says it: its warnings one line each (file, line,
    element, what deploy did)."""
    said = {k: v for k, v in dataclasses.asdict(d).items() if k != "warning_problems"}
    return said | {"warnings": list(d.warnings)}


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
@click.option("--name", "display_name", default="", help="the person's name (姓名), required")
@click.option(
    "--role",
    "roles",
    multiple=True,
    help="one or more of admin, designer, officer, office_head, petition_officer, supervisor, deputy, chair, "
    "monitor (a monitoring system's account: /metrics only)",
)
@click.option("--department", default=None, help="department code, e.g. finance")
@click.option("--email", default=None)
@click.option("--phone", default=None, help="an 11-digit mobile, or a landline such as 0571-87654321")
@click.option("--district", default=None, help="a deputy's electoral district (选区)")
@click.option(
    "--must-change/--no-must-change",
    default=True,
    show_default=True,
    help="the user must change this password at the first sign-in (you chose it, so you know it)",
)
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
    phone: str | None,
    district: str | None,
    must_change: bool,
    username: str | None,
    as_operator: bool,
    as_json: bool,
) -> None:
    """Create a user (as an administrator, or the operator setting up a server), by the rules
    the admin's page and the import keep: a user name of letters, digits, - and _, a name, at
    least one role."""
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
            phone=phone,
            district=district,
            must_change_password=must_change,
        )
        view = people.user_view(user)
    then = "; to change the password at the first sign-in" if must_change else ""
    emit(as_json, view, lambda v: f"created user {v.username}{then}")


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


def _listed_user(view: people.UserView) -> dict[str, Any]:
    return {
        "username": view.username,
        "display_name": view.display_name,
        "roles": list(view.roles),
        "department": view.department,
        "active": view.active,
    }


@users_group.command("list")
@with_appcontext
@acting_options
@json_option
@use_case
def users_list(username: str | None, as_operator: bool, as_json: bool) -> None:
    """List the users: user name, name, roles, department, whether they may sign in.

    As an administrator, or the operator."""
    with session_factory()() as session:
        rows = [_listed_user(v) for v in people.list_users(session, resolve_actor(session, username, as_operator))]
    emit(
        as_json,
        rows,
        lambda users: (
            "\n".join(
                table(
                    [
                        (
                            u["username"],
                            u["display_name"],
                            ",".join(u["roles"]) or "-",
                            u["department"] or "-",
                            "active" if u["active"] else "INACTIVE",
                        )
                        for u in users
                    ]
                )
            )
            or "(none)"
        ),
    )


def _set_active(account: str, active: bool, username: str | None, as_operator: bool, as_json: bool) -> None:
    with session_factory().begin() as session:
        done = people.change_active(session, resolve_actor(session, username, as_operator), account, active)
    said = _listed_user(done.user)
    if not active:  # what the users page would have asked to confirm: said, not asked
        said["held_tasks"] = [
            {"task_id": t.task_id, "name": t.name, "instance_id": t.instance_id} for t in done.held.tasks
        ]
        said["held_count"] = done.held.count
    emit(
        as_json,
        said,
        lambda u: (
            f"activated user {u['username']}: they may sign in again"
            if u["active"]
            else f"deactivated user {u['username']}: they can no longer sign in, and their sessions have ended"
            + _held_lines(u["username"], done.held)
        ),
    )


def _held_lines(account: str, held: people.HeldTasks) -> str:
    """A warning for each open task the deactivated user still holds (the deactivation
    stands): nobody else may do it until it is handed on, as the users page says."""
    return "".join(
        f"\nwarning: {account} still holds {t.name} ({t.task_id}) in case {t.instance_id} ({t.title}): "
        "nobody else can do it until it is handed to someone (task.reassign)"
        for t in held.tasks
    )


@users_group.command("deactivate")
@with_appcontext
@click.argument("account", metavar="USERNAME")
@acting_options
@json_option
@use_case
def users_deactivate(account: str, username: str | None, as_operator: bool, as_json: bool) -> None:
    """Stop a user signing in (the user page's 允许登录, unticked), e.g. the demo users
    before real use: their sessions end, their tasks and history stay; a warning names each
    open task they still hold, which nobody else can do until it is handed on. As an
    administrator (not yourself), or the operator."""
    _set_active(account, False, username, as_operator, as_json)


@users_group.command("activate")
@with_appcontext
@click.argument("account", metavar="USERNAME")
@acting_options
@json_option
@use_case
def users_activate(account: str, username: str | None, as_operator: bool, as_json: bool) -> None:
    """Let a deactivated user sign in again. As an administrator, or the operator."""
    _set_active(account, True, username, as_operator, as_json)


@contextmanager
def _admin_session(username: str | None, as_operator: bool) -> Iterator[tuple[Any, Actor]]:
    with session_factory().begin() as session:
        yield session, resolve_actor(session, username, as_operator)


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


SOURCE_WORDS = {
    DaySource.OFFICIAL: "official",
    DaySource.ESTIMATE: "estimate",
    DaySource.ADMINISTRATOR: "administrator entry",
}


def _day_text(d: DayStatus) -> str:
    what = "working day" if d.is_working else "day off"
    return f"{d.day.isoformat()}: {what} ({SOURCE_WORDS[d.source]}{f': {d.name}' if d.name else ''})"


def _estimate_warnings(warnings: list[deadlines.EstimatedYear]) -> list[str]:
    return [
        f"warning: {w.due_dates} pending due date{'s' if w.due_dates != 1 else ''} ({w.tasks} tasks, "
        f"{w.timers} timers) fall in {w.year} (the first {due_text(w.first_due)}), whose schedule is only "
        "the holidays package's estimate: "
        f"enter the State Council's schedule for {w.year} (工作日历 page, or `calendar enter`)"
        for w in warnings
    ]


@calendar_group.command("list")
@click.option("--year", type=int, default=None, help="the year's special days, whatever their source")
@click.option("--every-day", is_flag=True, help="with --year: every day of the year")
@json_option
@use_case
def calendar_list(year: int | None, every_day: bool, as_json: bool) -> None:
    """The administrators' entries; with --year, the year's holidays, make-up working days
    (调休) and entries, each with its source (official, estimate, administrator)."""
    view = None
    with session_factory()() as session:
        if year is None:
            calendar = deadlines.working_calendar(session)
            days = [calendar.day_status(e.day) for e in deadlines.calendar_entries(session)]
        else:
            view = deadlines.calendar_year(session, year, every_day=every_day)
            days = view.days
    rows = [
        {
            "day": d.day,
            "is_working": d.is_working,
            "source": d.source.value,
            "name": d.name or "",
            "note": d.note,
        }
        for d in days
    ]
    if as_json:
        emit(True, rows, str)
        return
    for d in days:
        source = SOURCE_WORDS[d.source]
        click.echo(f"{d.day.isoformat()}  {'working' if d.is_working else 'holiday':<8} {source:<20} {d.name or ''}")
    if not days:
        click.echo("(none)")
    if view is not None and not view.published:
        click.echo(
            f"warning: {view.year} has no official schedule here yet: these days are the holidays package's "
            "estimate (no 调休 make-up working days)"
        )


@calendar_group.command("check")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]), required=False)
@json_option
def calendar_check(day: Any, as_json: bool) -> None:
    """Is DAY (default: today, in the office's time zone) a working day (entries and the
    built-in calendar together), and where does the answer come from? Warns when DAY's
    year, or pending due dates, are estimated."""
    with session_factory()() as session:
        calendar = deadlines.working_calendar(session)
        warnings = deadlines.estimated_year_warnings(session)
    status = calendar.day_status(day.date() if day is not None else local_day(clock.now()))
    published = calendar.is_published(status.day.year)
    if as_json:
        emit(
            True,
            {
                "day": status.day,
                "working": status.is_working,
                "source": status.source.value,
                "name": status.name or "",
                "note": status.note,
                "year_published": published,
                "estimated_years": [dataclasses.asdict(w) | {"due_dates": w.due_dates} for w in warnings],
            },
            str,
        )
        return
    click.echo(_day_text(status))
    if not published:
        click.echo(
            f"warning: {status.day.year} has no official schedule here yet: the day follows the holidays package's "
            "rule-based estimate (no 调休 make-up working days); enter the State Council's schedule when it is "
            "published (工作日历 page, or `calendar enter`)"
        )
    for line in _estimate_warnings(warnings):
        click.echo(line)


AFFECTED_WORDS = {"task": "task", "bpmn": "timer", "reminder": "reminder", "start": "start timer"}


def _affected_text(a: deadlines.AffectedDue) -> str:
    """A pending due date the schedule concerns, as the page says it: the case by its
    number and title, the step by its name, the ends in Beijing time."""
    case = " ".join(str(part) for part in (f"#{a.instance_id}", a.case_number, a.case_title) if part)
    what = f"{AFFECTED_WORDS.get(a.what, a.what)} {a.name}" + (f" of case {case}" if a.instance_id else "")
    day = f"{a.day.isoformat()} {'working day' if a.was_working else 'day off'}"
    if a.was_working != a.now_working:
        day += f" → {'working day' if a.now_working else 'day off'}"
    if a.moves_to is not None:  # a reminder: it moves, its due date stays
        return f"{what}: at {due_text(a.due_at)}, moves to {due_text(a.moves_to)} ({day})"
    if a.recounted_at is not None:
        return f"{what}: stored due {due_text(a.due_at)}, by its rule now {due_text(a.recounted_at)} ({day})"
    return f"{what}: due {due_text(a.due_at)} ({day})"


@calendar_group.command("enter")
@click.argument("year", type=int)
@click.argument("schedule", type=click.File("r", encoding="utf-8"))
@click.option("--preview", is_flag=True, help="show what it would change, save nothing")
@acting_options
@json_option
@use_case
def calendar_enter(
    year: int, schedule: Any, preview: bool, username: str | None, as_operator: bool, as_json: bool
) -> None:
    """Enter the State Council's schedule for YEAR from the file SCHEDULE (- for stdin), one
    line each: "2027-02-06..2027-02-13 春节", "2027-02-14 调休". It replaces the year's
    entries, all or nothing; stored due dates do not move, pending reminders follow the year."""
    text = schedule.read()
    with _admin_session(username, as_operator) as (session, actor):
        parsed = deadlines.parse_schedule(year, text)
        run = deadlines.preview_year_schedule if preview else deadlines.enter_year_schedule
        result = run(session, actor, parsed)  # a preview writes nothing
    if as_json:
        emit(True, result, str)
        return
    n = len(result.entries)
    verb = "would be" if preview else "is now" if n == 1 else "are now"
    click.echo(f"{year}: {counted(n, 'entry', 'entries')} {verb} stored (replacing {result.replaced})")
    for c in result.changes:
        after = "working day" if c.after.is_working else "day off"
        click.echo(f"  {c.day.isoformat()} becomes a {after} {f'({c.after.name})' if c.after.name else ''}".rstrip())
    for a in result.affected:
        click.echo(f"  {_affected_text(a)}")
    click.echo("stored due dates do not move: only deadlines computed from now on follow the new schedule")
    moved = "moved" if result.saved else "would move"
    click.echo(f"pending reminders counted again on the new schedule: {result.reminders_moved} {moved}")


@click.group("settings", cls=AppGroup)
def settings_group() -> None:
    """Deadline settings (periods the processes read with setting(name))."""


# a setting's unit for one of it; the others ("ms", and "month" / "day" naming one of the
# year / the month) read the same for any number
SINGULAR_UNITS = {"days": "day", "months": "month", "working days": "working day", "steps": "step"}


def _unit(value: int, unit: str) -> str:
    return SINGULAR_UNITS.get(unit, unit) if value == 1 else unit


@settings_group.command("list")
@json_option
def settings_list(as_json: bool) -> None:
    """List the deadline settings, with their bounds.

    Each one's value in effect and its unit, the default when it was changed, the bounds, and
    what it is for."""
    with session_factory()() as session:
        rows = deadlines.list_settings(session)
    if as_json:
        emit(True, [dataclasses.asdict(r) | {"out_of_range": r.out_of_range} for r in rows], str)
        return
    lines = table(
        [
            (
                s.name,
                str(s.value),
                _unit(s.value, s.unit),
                f"[{s.minimum}..{s.maximum}]",
                ("" if not s.overridden else f"(default {s.default}) ")
                + s.description
                + (f"  OUT OF RANGE: stored {s.stored!r}, {s.value} in effect; set it again" if s.out_of_range else ""),
            )
            for s in rows
        ],
        right=frozenset({1}),
    )
    click.echo("\n".join(lines) or "(none)")


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
    emit(as_json, view, lambda v: f"{v.name} = {v.value} {_unit(v.value, v.unit)}")


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
@click.option(
    "--expires-in-days",
    "expires_in_days",
    type=int,
    default=None,
    help=f"it stops working this many days from now (1 to {tokens.MAX_EXPIRY_DAYS}); default: never",
)
@acting_options
@json_option
@use_case
def tokens_create(
    owner: str, name: str, expires_in_days: int | None, username: str | None, as_operator: bool, as_json: bool
) -> None:
    """Make a token for a user (yourself, or anyone as an administrator or the operator);
    its secret is printed once and cannot be shown again."""
    with session_factory().begin() as session:
        actor = resolve_actor(session, username, as_operator)
        created = tokens.create_token(session, actor, owner, name, expires_in_days)
    expires_at = created.token.expires_at
    if as_json:
        click.echo(
            json.dumps(
                {
                    "id": created.token.id,
                    "user": owner,
                    "name": created.token.name,
                    "token": created.secret,
                    "expires_at": expires_at.isoformat() if expires_at else None,
                },
                ensure_ascii=False,
            )
        )
        return
    expiry = f"expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else "never expires"
    click.echo(
        f"token {created.token.id} for {owner} ({created.token.name}, {expiry}):\n  {created.secret}\n"
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
        expiry = f"expires {t.expires_at:%Y-%m-%d %H:%M}" if t.expires_at else "never expires"
        if t.revoked_at:
            state = f"REVOKED {t.revoked_at:%Y-%m-%d %H:%M}"
        else:
            state = "EXPIRED" if t.expired else "active"
        click.echo(f"{t.id:>5}  {t.name:<30} created {t.created_at:%Y-%m-%d %H:%M}  {used}  {expiry}  {state}")
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
