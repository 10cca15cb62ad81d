"""``congressflow tokens``: make, list and revoke personal API tokens."""
from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from flask.cli import AppGroup

from engine.errors import EngineError, InvalidData
from engine.usecases import tokens
from engine.usecases.context import SYSTEM

from ..database import session_factory


def _engine_errors(fn: Callable) -> Callable:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InvalidData as exc:
            raise click.ClickException("; ".join(f"{k}: {v}" for k, v in exc.field_errors.items())) from None
        except EngineError as exc:
            raise click.ClickException(exc.message) from None

    return wrapper


@click.group("tokens", cls=AppGroup)
def tokens_group() -> None:
    """Personal API tokens (Authorization: Bearer <token>)."""


@tokens_group.command("create")
@click.option("--user", "username", required=True, help="the token acts as this user")
@click.option("--name", required=True, help="what the token is for, e.g. 'reporting script'")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@_engine_errors
def tokens_create(username: str, name: str, as_json: bool) -> None:
    """Make a token; its secret is printed once and cannot be shown again."""
    with session_factory().begin() as session:
        created = tokens.create_token(session, SYSTEM, username, name)
    if as_json:
        click.echo(json.dumps({"id": created.token.id, "user": username, "name": created.token.name,
                               "token": created.secret}, ensure_ascii=False))
        return
    click.echo(f"token {created.token.id} for {username} ({created.token.name}):\n  {created.secret}\n"
               "Keep it secret: it is shown only now. Use it as 'Authorization: Bearer <token>'.")


@tokens_group.command("list")
@click.option("--user", "username", required=True)
@_engine_errors
def tokens_list(username: str) -> None:
    """The tokens of a user (never their secrets)."""
    with session_factory()() as session:
        rows = tokens.list_tokens(session, SYSTEM, username)
    for t in rows:
        used = f"last used {t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never used"
        state = f"REVOKED {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
        click.echo(f"{t.id:>5}  {t.name:<30} created {t.created_at:%Y-%m-%d %H:%M}  {used}  {state}")
    if not rows:
        click.echo("(no tokens)")


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
@_engine_errors
def tokens_revoke(token_id: int) -> None:
    """Revoke a token: it stops working at once."""
    with session_factory().begin() as session:
        tokens.revoke_token(session, SYSTEM, token_id)
    click.echo(f"revoked token {token_id}")
