"""Personal API tokens: ``Authorization: Bearer <secret>`` for scripts and other systems.

Only the SHA-256 of a secret is stored, so the secret is shown once, when it is made.
A token acts as its user, with that user's roles and groups as they are at each request;
revoking it, or deactivating the user, stops it at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from storage import repositories as repo
from storage.models import ApiToken, User

from .. import access, clock
from ..access import Actor
from ..errors import Conflict, FieldError, InvalidData, NotAllowed, NotFound
from .context import audit

PREFIX = "cf_"
MAX_NAME_CHARS = 100
# last_used_at is written at most this often per token: a read request stays a read.
LAST_USED_RESOLUTION = timedelta(minutes=1)
TOUCHED = "api_token_touched"  # session.info key: authenticate_token wrote last_used_at


@dataclass(frozen=True)
class TokenView:
    id: int
    username: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class CreatedToken:
    token: TokenView
    secret: str  # shown once; never stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _view(row: ApiToken) -> TokenView:
    return TokenView(row.id, row.user.username, row.name, row.created_at, row.last_used_at, row.revoked_at)


def create_token(session: Session, actor: Actor, username: str, name: str) -> CreatedToken:
    """A new token for ``username`` (oneself, or anyone for an admin)."""
    name = (name or "").strip()
    if not name:
        raise InvalidData({"name": FieldError("required")})
    if len(name) > MAX_NAME_CHARS:
        raise InvalidData({"name": FieldError("max_length", {"max": MAX_NAME_CHARS})})
    if not access.may_manage_tokens(actor, username):
        raise NotAllowed(f"{actor.username} may not make tokens for {username}")
    user = repo.user_by_name(session, username)
    if user is None or not user.active:
        raise NotFound(f"no active user {username!r}")
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=hash_secret(secret), created_at=clock.now())
    session.add(row)
    session.flush()
    audit(session, actor, "create_token", data={"username": username, "token_id": row.id, "name": name})
    return CreatedToken(_view(row), secret)


def list_tokens(session: Session, actor: Actor, username: str) -> list[TokenView]:
    if not access.may_manage_tokens(actor, username):
        raise NotAllowed(f"{actor.username} may not list the tokens of {username}")
    rows = session.scalars(
        select(ApiToken).join(ApiToken.user).where(User.username == username).order_by(ApiToken.created_at, ApiToken.id)
    )
    return [_view(r) for r in rows]


def revoke_token(session: Session, actor: Actor, token_id: int) -> TokenView:
    row = session.get(ApiToken, token_id)
    if row is None or not access.may_manage_tokens(actor, row.user.username):
        raise NotFound(f"no token {token_id}")
    if row.revoked_at is not None:
        raise Conflict(f"token {token_id} was already revoked at {row.revoked_at:%Y-%m-%d %H:%M} UTC")
    row.revoked_at = clock.now()
    audit(session, actor, "revoke_token", data={"username": row.user.username, "token_id": row.id})
    session.flush()
    return _view(row)


def authenticate_token(session: Session, secret: str) -> Actor | None:
    """The actor a presented secret stands for; None when it is unknown, revoked or its
    user is inactive. Records the use (at most once a minute per token; then
    ``session.info[TOUCHED]`` is set and the caller commits)."""
    if not secret or not secret.startswith(PREFIX):
        return None
    row = (
        session.scalars(
            select(ApiToken)
            .where(ApiToken.token_hash == hash_secret(secret))
            .options(joinedload(ApiToken.user).joinedload(User.role_rows))
        )
        .unique()
        .first()
    )
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    now = clock.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now
        session.flush()
        session.info[TOUCHED] = True
    user = row.user
    return Actor.of(user)
