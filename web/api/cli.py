"""``congressflow tokens``: make, list and revoke personal API tokens."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from engine.usecases import tokens

from ..cli_common import acting_options, emit, json_option, resolve_actor, use_case
from ..database import session_factory


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
        click.echo(json.dumps({"id": created.token.id, "user": owner, "name": created.token.name,
                               "token": created.secret}, ensure_ascii=False))
        return
    click.echo(f"token {created.token.id} for {owner} ({created.token.name}):\n  {created.secret}\n"
               "Keep it secret: it is shown only now. Use it as 'Authorization: Bearer <token>'.")


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
