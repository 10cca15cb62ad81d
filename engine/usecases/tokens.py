"""Personal API tokens: ``Authorization: Bearer <secret>`` for scripts and other systems.

Only the SHA-256 of a secret is stored, so the secret is shown once, when it is made.
A token acts as its user, with that user's roles and groups as they are at each request;
revoking it, its expiry, or deactivating the user, stops it at once. Tokens are made by a
person in person (the settings page, the API with a signed-in session, the command line),
never through a token (access.may_make_tokens).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from storage import principals
from storage import repositories as repo
from storage.db import Busy, write_unless_busy
from storage.models import ApiToken, User

from .. import access, clock
from ..access import Actor
from ..errors import Conflict, FieldError, InvalidData, NotAllowed, NotFound
from ..text import control_character
from .context import audit

PREFIX = "cf_"
MAX_NAME_CHARS = 100
# last_used_at is written at most this often per token: a read request stays a read.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# What the settings page and the API offer when nobody says otherwise: a quarter is long
# enough that a reporting script is not re-keyed every month, short enough that a token
# forgotten in a script or on a lost laptop stops working within a quarter of its making.
DEFAULT_EXPIRY_DAYS = 90
# ten years: longer is "never" in all but name (and a far date would overflow datetime)
MAX_EXPIRY_DAYS = 3650
# why a token may not make tokens (access.may_make_tokens)
MADE_IN_PERSON = (
    "an API token cannot make API tokens: make it on 我的设置 (/settings), or through the API "
    "signed in (the session cookie and its X-CSRFToken header), or with 'congressflow tokens create'"
)


@dataclass(frozen=True)
class TokenView:
    id: int
    username: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None  # None: never
    expired: bool  # as of the moment it was read


@dataclass(frozen=True)
class CreatedToken:
    token: TokenView
    secret: str  # shown once; never stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and now >= expires_at


def _view(row: ApiToken) -> TokenView:
    return TokenView(
        row.id,
        row.user.username,
        row.name,
        row.created_at,
        row.last_used_at,
        row.revoked_at,
        row.expires_at,
        _expired(row.expires_at, clock.now()),
    )


def _field_errors(name: str, expires_in_days: int | None) -> dict[str, FieldError]:
    """What is wrong with a new token's name (stripped) and expiry, by field."""
    errors: dict[str, FieldError] = {}
    if not name:
        errors["name"] = FieldError("required")
    elif len(name) > MAX_NAME_CHARS:
        errors["name"] = FieldError("max_length", {"max": MAX_NAME_CHARS})
    elif (refused := control_character(name)) is not None:
        errors["name"] = refused
    if expires_in_days is not None and expires_in_days < 1:
        errors["expires_in_days"] = FieldError("min", {"min": 1})
    elif expires_in_days is not None and expires_in_days > MAX_EXPIRY_DAYS:
        errors["expires_in_days"] = FieldError("max", {"max": MAX_EXPIRY_DAYS})
    return errors


def create_token(
    session: Session, actor: Actor, username: str, name: str, expires_in_days: int | None = None
) -> CreatedToken:
    """A new token for ``username`` (oneself, or anyone for an admin), made in person (not
    through a token); it expires ``expires_in_days`` days from now (None: never)."""
    if not access.may_make_tokens(actor, username):
        if actor.through_token:
            raise NotAllowed(MADE_IN_PERSON)
        raise NotAllowed(f"{actor.username} may not make tokens for {username}")
    name = (name or "").strip()
    errors = _field_errors(name, expires_in_days)
    if errors:
        raise InvalidData(errors)
    user = repo.user_by_name(session, username)
    if user is None or not user.active:
        raise NotFound(f"no active user {username!r}")
    secret = PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    expires_at = now + timedelta(days=expires_in_days) if expires_in_days is not None else None
    row = ApiToken(user_id=user.id, name=name, token_hash=hash_secret(secret), created_at=now, expires_at=expires_at)
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "create_token",
        data={"username": username, "token_id": row.id, "name": name, "expires_in_days": expires_in_days},
    )
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


@dataclass(frozen=True)
class Bearer:
    """Who a presented token acts for; ``use_unrecorded``: its last use is stored as more
    than LAST_USED_RESOLUTION ago (``record_use`` writes it); ``timezone``: the holder's
    own zone (我的设置), in which their answers show times, as their pages do."""

    actor: Actor
    token_id: int
    use_unrecorded: bool
    timezone: str | None = None


# why a presented secret acts for nobody: one sentence for every cause, so that it tells no
# one which (whether the account exists) beyond what holding the secret already tells
REFUSED = "the API token is unknown or revoked, has expired, or its account is disabled"


def authenticate_token(session: Session, secret: str) -> Bearer | None:
    """Who a presented secret acts for (``through_token``); None when it is unknown, revoked,
    expired or its user is inactive. One indexed read, as they are at this moment (no cache: a revocation or a
    change of roles holds from the next request on); writes nothing."""
    if not secret or not secret.startswith(PREFIX):
        return None
    holder = principals.token_holder(session, hash_secret(secret))
    if holder is None or holder.revoked_at is not None or not holder.principal.active:
        return None
    now = clock.now()
    if _expired(holder.expires_at, now):
        return None
    last = holder.last_used_at
    unrecorded = last is None or now - last >= LAST_USED_RESOLUTION
    return Bearer(
        Actor.of(holder.principal, through_token=True), holder.token_id, unrecorded, holder.principal.timezone
    )


def record_use(factory: sessionmaker[Session], token_id: int) -> bool:
    """Store that a token was used now, unless that was done less than LAST_USED_RESOLUTION
    ago: bookkeeping of a request that may only read, so it never waits for a lock (SQLite's
    write lock, the token's row on PostgreSQL). Taken: nothing written, False (a later
    request records it)."""
    now = clock.now()
    try:
        with write_unless_busy(factory) as session:
            session.execute(
                update(ApiToken)
                .where(
                    ApiToken.id == token_id,
                    or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USED_RESOLUTION),
                )
                .values(last_used_at=now)
            )
    except Busy:
        return False
    return True
