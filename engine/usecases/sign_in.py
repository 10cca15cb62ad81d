"""Signing in: password hashing with Argon2 (argon2-cffi), the password policy (zxcvbn),
checking a password, and the session version that ends every session of an account
(signing out, a new password).

Every sign-in attempt is in the audit log with the client it came from (its address and
browser): ``sign_in``, ``sign_in_failed`` (with its reason: a wrong password, an unknown name,
the right password of a deactivated account or of one for the API only; recorded under the
name tried, never the password typed) and ``sign_in_throttled`` (an attempt the
password-check limits refused before any check), as a security audit expects of a login
(等保: failures and lockouts recorded, with their source)."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from storage import repositories as repo
from storage.models import User

from .. import access
from ..access import Actor
from ..errors import FieldError, InvalidData, NotAllowed, NotFound
from .context import audit

log = logging.getLogger(__name__)


_hasher = PasswordHasher()


PASSWORD_MIN_LENGTH = 10


# zxcvbn's score: 0 (a top password) .. 4 (about 10^10 guesses and more); 3 is "safely
# unguessable" against an online attack, which is what a throttled sign-in faces.
PASSWORD_MIN_SCORE = 3


# zxcvbn's running time grows with the length (it refuses more than 72 characters); what
# comes after that many characters only adds strength.
_PASSWORD_SCORED_LENGTH = 72


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash and verify with ``hasher`` from now on, and give back the one used before: tests
    and benchmarks that create hundreds of users use a cheap one (production's costs about
    0.2 s of CPU a hash, on purpose)."""
    global _hasher
    before, _hasher = _hasher, hasher
    _dummy_hash.cache_clear()
    return before


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_hex(16))


def password_problem(password: str, username: str = "", display_name: str = "") -> FieldError | None:
    """Why ``password`` may not be anyone's, or None: too short, the person's own name in
    it, or easy to guess (a common password, a keyboard walk, a word with digits). One
    policy for accounts made, reset and changed; a FieldError, which reads as its English
    text."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return FieldError("password_too_short", {"min": PASSWORD_MIN_LENGTH})
    lowered = password.lower()
    if _telling(username) and username.lower() in lowered:
        return FieldError("password_contains_username")
    if any(_telling(n) and n.lower() in lowered for n in (display_name, *display_name.split())):
        return FieldError("password_contains_name")
    inputs = [v for v in (username, display_name, *display_name.split()) if v]
    if zxcvbn(password[:_PASSWORD_SCORED_LENGTH], user_inputs=inputs)["score"] < PASSWORD_MIN_SCORE:
        return FieldError("password_guessable")
    return None


def _telling(name: str) -> bool:
    """Long enough to be someone's name inside a password rather than a chance match:
    three letters, or two Chinese characters (a whole given name and surname)."""
    return len(name) >= (3 if name.isascii() else 2)


def end_sessions(session: Session, user: User) -> int:
    """Bump the user's session version: every session begun before is over (the web
    layer compares the version a session began with on each request). Done in SQL, so
    that two bumps at once never write the same number."""
    user.session_version = User.session_version + 1
    session.flush()
    session.refresh(user, ["session_version"])
    return user.session_version


@dataclass(frozen=True)
class Client:
    """Where a sign-in attempt comes from, as its audit entry records it: the client's
    address (behind reverse proxies, as they pass it on) and what its browser calls itself."""

    address: str = ""
    user_agent: str = ""

    def audit_data(self, **more: object) -> dict[str, object]:
        return {"address": self.address[:_ADDRESS_KEPT], "user_agent": self.user_agent[:_USER_AGENT_KEPT], **more}


NO_CLIENT = Client()  # a caller with no client to name (the command line, a test)

_ADDRESS_KEPT = 64  # an IPv6 address with its zone fits
_USER_AGENT_KEPT = 256  # enough to tell browsers and tools apart; a guesser's padding is cut

# the name tried is the audit entry's actor: kept as text a database stores (no control
# character: PostgreSQL keeps no NUL) and as long as the actor column
_UNSTORABLE = re.compile(r"[\x00-\x1f\x7f]")
_ACTOR_KEPT = 64


def name_tried(username: str) -> str:
    """The name a sign-in submitted, as its audit entry keeps it."""
    return _UNSTORABLE.sub("", username.strip())[:_ACTOR_KEPT]


class TokenOnly(NotAllowed):
    """The name and password are right, but the account signs in to no page
    (``access.may_sign_in_to_pages``: a monitoring system's, which holds an API token)."""


class Deactivated(NotAllowed):
    """The name and password are right, but an administrator deactivated the account: said
    so (the user would otherwise retry a password that is right, not knowing to ask the
    administrator), and only to whoever knows the password: to anyone else the account
    answers as any other, so that nobody learns which accounts exist."""


def authenticate(session: Session, username: str, password: str, client: Client = NO_CLIENT) -> User | None:
    """The active user with this name and password, or None (the same work either way: a
    hash verified, an audit entry written); after its audit entry, Deactivated for the right
    password of a deactivated account and TokenOnly for that of an account that may not sign
    in to the pages.

    ``session`` must be outside a transaction: the user is read in a transaction that
    ends before the hash is verified, because on SQLite a transaction holds the write lock
    (storage.db) and a verification takes a fifth of a second of CPU: password guessers
    would queue every other request behind their hashes. What is written after the check
    (a re-hash with today's parameters, the audit entry of the success or the failure) is
    best effort, in a session of its own so that its failure leaves the user read here as
    it is: a database that refuses writes (a read-only file, a full disk) must not refuse
    sign-ins, so the failure is logged instead."""
    name = username.strip() if username else ""
    # no account's name holds a control character, and PostgreSQL cannot even look up one
    # with a NUL: such a name is unknown, answered and recorded as any other
    user = repo.user_by_name(session, name) if name and not _UNSTORABLE.search(name) else None
    session.commit()
    if user is None:
        try:  # the same work as a real check, so timing does not tell which names exist
            _hasher.verify(_dummy_hash(), password)
        except VerificationError:
            pass
        _failed(session, name_tried(name), client.audit_data(reason="unknown_name"))
        return None
    if not check_password(user, password):
        _failed(session, user.username, client.audit_data(reason="wrong_password"))
        return None
    # told only to whoever knows the password: to anyone else the account is as any other
    if not user.active:
        _failed(session, user.username, client.audit_data(reason="inactive"))
        raise Deactivated(f"{user.username} is deactivated: an administrator may activate it again")
    if not access.may_sign_in_to_pages(Actor.of(user)):
        _failed(session, user.username, client.audit_data(reason="token_only"))
        raise TokenOnly(f"{user.username} is a monitoring account: it reads /metrics with an API token, no page")
    rehashed = hash_password(password) if _hasher.check_needs_rehash(user.password_hash) else None

    def write(writer: Session) -> None:
        if rehashed is not None:
            writer.execute(update(User).where(User.id == user.id).values(password_hash=rehashed))
        audit(writer, Actor(user.username), "sign_in", data=client.audit_data())

    _best_effort(session, write, f"{user.username} signed in, but the re-hash or the audit entry")
    return user


def _failed(session: Session, actor_name: str, data: dict[str, object]) -> None:
    _best_effort(
        session,
        lambda writer: audit(writer, Actor(actor_name), "sign_in_failed", data=data),
        f"a sign-in as {actor_name!r} failed, and its audit entry",
    )


def record_throttled(session: Session, username: str, client: Client, retry_after: int | None) -> None:
    """Record a sign-in attempt the password-check limits refused before checking anything
    (too many wrong passwords for the name, or from the address): under the name tried, with
    how long the client must wait. Best effort, as every sign-in's entry."""
    actor_name = name_tried(username)
    data = client.audit_data(retry_after=retry_after)
    _best_effort(
        session,
        lambda writer: audit(writer, Actor(actor_name), "sign_in_throttled", data=data),
        f"a sign-in as {actor_name!r} was throttled, and its audit entry",
    )


def _best_effort(session: Session, write: Callable[[Session], None], what: str) -> None:
    """Run ``write`` in a transaction of its own on ``session``'s database; its failure is
    logged (``what`` … could not be written), never raised."""
    try:
        with Session(session.get_bind()) as writer, writer.begin():
            write(writer)
    except SQLAlchemyError:
        log.warning("%s could not be written", what, exc_info=True)


def sign_out(session: Session, actor: Actor) -> None:
    """End every session of the actor's account: sessions are signed cookies, so a copy
    of one would otherwise stay valid after this one is cleared."""
    user = repo.user_by_name(session, actor.username)
    if user is None:
        raise NotFound(f"no user {actor.username!r}")
    end_sessions(session, user)
    audit(session, actor, "sign_out")


def change_password(session: Session, actor: Actor, current: str, new: str) -> int:
    """Change one's own password, given the current one; every other session of the
    account ends. Returns the new session version, for the session that made the change."""
    user = repo.user_by_name(session, actor.username)
    if user is None or not user.active:
        raise NotFound(f"no active user {actor.username!r}")
    errors = {}
    if not check_password(user, current):
        errors["current_password"] = FieldError("wrong_password")
    problem = password_problem(new, user.username, user.display_name)
    if problem is None and new == current:
        problem = FieldError("password_unchanged")
    if problem:
        errors["password"] = problem
    if errors:
        raise InvalidData(errors)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    version = end_sessions(session, user)
    audit(session, actor, "change_password")
    return version


def set_password(session: Session, actor: Actor, username: str, password: str, *, must_change: bool = False) -> None:
    """Set a password without knowing the old one (an administrator's reset, the command
    line); every session of the account ends. ``must_change``: the user is sent to change
    it at the next sign-in, so that the one who reset it does not know it for long."""
    if actor.username != username or must_change:
        access.require(actor, access.Permission.ADMIN_USERS, "set other people's passwords")
    user = repo.user_by_name(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    if problem := password_problem(password, user.username, user.display_name):
        raise InvalidData({"password": problem})
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    end_sessions(session, user)
    audit(session, actor, "set_password", data={"username": username, "must_change": must_change})
