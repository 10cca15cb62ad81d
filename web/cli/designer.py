"""The designer's commands: a process's versions (with notes and case counts) and a rollback
to an old version, as the process library page does them (engine.usecases.library)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from engine.usecases import library

from ..database import session_factory
from .common import acting_options, emit, json_option, resolve_actor, use_case


def _versions_text(p: library.LibraryProcess) -> str:
    head = f"{p.key}  {p.name}" + (
        "" if p.offered else f"  (not offered for new cases since {p.offering_changed_at:%Y-%m-%d})"
    )
    lines = [head, f"{'version':<8} {'deployed by':<16} {'deployed at (UTC)':<17} {'running':>7} {'finished':>8}  note"]
    for v in p.versions:
        lines.append(
            f"v{v.version:<7} {v.deployed_by:<16} {v.deployed_at:%Y-%m-%d %H:%M} "
            f"{v.running:>7} {v.finished:>8}  {v.note}"
        )
    return "\n".join(lines)


@click.command("versions")
@with_appcontext
@click.argument("key")
@acting_options
@json_option
@use_case
def versions_command(key: str, username: str | None, as_operator: bool, as_json: bool) -> None:
    """Every version of process KEY: who deployed it, when, why, cases running and finished."""
    with session_factory()() as session:
        result = library.process_versions(session, resolve_actor(session, username, as_operator), key)
    emit(as_json, result, _versions_text)


@click.command("rollback")
@with_appcontext
@click.argument("key")
@click.argument("version", type=click.IntRange(min=1))
@click.option("--note", default="", help="why (the note also says from which version)")
@acting_options
@json_option
@use_case
def rollback_command(key: str, version: int, note: str, username: str | None, as_operator: bool, as_json: bool) -> None:
    """Deploy VERSION of process KEY again as its newest version; running cases keep theirs."""
    with session_factory().begin() as session:
        result = library.rollback(session, resolve_actor(session, username, as_operator), key, version, note)
    emit(as_json, result, lambda d: f"deployed {d.key} v{d.version} (the content of v{version})")
