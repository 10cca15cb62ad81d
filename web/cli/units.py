"""``congressflow units list``: the units (departments) as the units page (系统管理 → 单位) shows
them, as an administrator (``--user``) or the operator (``--operator``): each unit's code,
name, head (负责人) and contact (联络员), with the person's name and whether they can still act
as one, and how many active people it has; then the clashes of units' names that the page
warns of above its list, in its words (in the command's language: ``--lang``, else the
language the ``--user`` chose: web/cli/said.py)."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import with_appcontext

from engine.usecases import people

from ..database import session_factory
from .common import acting_options, emit, json_option, resolve_actor, table, use_case
from .said import in_the_commands_language

# why a head or contact named before can no longer act as one (the page's badges)
STANDING_WORDS = {
    people.Standing.INACTIVE: "deactivated",
    people.Standing.ELSEWHERE: "no longer in this unit",
    people.Standing.UNKNOWN: "no such user",
}


@click.group("units")
def units_group() -> None:
    """The units (departments): code, name, head, contact."""


@units_group.command("list")
@with_appcontext
@acting_options
@json_option
@use_case
def units_list(username: str | None, as_operator: bool, as_json: bool) -> None:
    """List the units: code, name, head (负责人), contact (联络员), active people; then the
    units whose names clash (tasks for the name go to the people of both), as the units page
    warns. As an administrator, or the operator."""
    with session_factory()() as session:
        actor = resolve_actor(session, username, as_operator)
        overview = people.units_overview(session, actor)
    listed = {
        "units": [_unit(d, overview.names) for d in overview.units],
        "clashes": [_clash(c) for c in overview.clashes],
    }
    emit(as_json, listed, _text)


def _unit(d: people.DepartmentView, names: dict[str, str]) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "head": _holder(d.head, d.head_standing, names),
        "contact": _holder(d.contact, d.contact_standing, names),
        "active_users": d.users,
    }


def _holder(username: str | None, standing: people.Standing | None, names: dict[str, str]) -> dict[str, Any] | None:
    """A head or contact: the user name, the person's name (None: no such user) and, when they
    can no longer act as one, why (``standing``: inactive, elsewhere, unknown)."""
    if username is None:
        return None
    return {"username": username, "name": names.get(username), "standing": standing.value if standing else None}


def _clash(clash: people.UnitClash) -> dict[str, Any]:
    from ..views.admin import clash_text  # the units page's sentence

    with in_the_commands_language():
        said = clash_text(clash)
    return {
        "code": clash.code,
        "name": clash.name,
        "other_code": clash.other_code,
        "other_name": clash.other_name,
        "said": said,
    }


def _holder_text(holder: dict[str, Any] | None) -> str:
    if holder is None:
        return "-"
    standing = holder["standing"] and STANDING_WORDS[people.Standing(holder["standing"])]
    about = "; ".join(part for part in (holder["name"], standing) if part)
    return f"{holder['username']} ({about})" if about else holder["username"]


def _text(listed: dict[str, Any]) -> str:
    rows = [
        (u["code"], u["name"], _holder_text(u["head"]), _holder_text(u["contact"]), str(u["active_users"]))
        for u in listed["units"]
    ]
    lines = table([("code", "name", "head", "contact", "active users"), *rows]) if rows else ["(none)"]
    return "\n".join([*lines, *(f"warning: {c['said']}" for c in listed["clashes"])])
