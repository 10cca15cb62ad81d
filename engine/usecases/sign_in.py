"""Signing in: password hashing with Argon2 (argon2-cffi), the password policy (zxcvbn),
checking a password, and the session version that ends every session of an account
(signing out, a new password)."""

from __future__ import annotations

import logging
import secrets
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
from ..errors import FieldError, InvalidData, NotFound
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


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None (the same work either way).

    ``session`` must be outside a transaction: the user is read in a transaction that
    ends before the hash is verified, because on SQLite a transaction holds the write lock
    (storage.db) and a verification takes a fifth of a second of CPU: password guessers
    would queue every other request behind their hashes. What is written after a success
    (a re-hash with today's parameters, the audit entry) is best effort, in a session of
    its own so that its failure leaves the user read here as it is: a database that
    refuses writes (a read-only file, a full disk) must not refuse sign-ins, so the
    failure is logged instead."""
    name = username.strip() if username else ""
    user = repo.user_by_name(session, name) if name else None
    session.commit()
    if user is None or not user.active:
        try:  # the same work as a real check, so timing does not tell which names exist
            _hasher.verify(_dummy_hash(), password)
        except VerificationError:
            pass
        return None
    if not check_password(user, password):
        return None
    rehashed = hash_password(password) if _hasher.check_needs_rehash(user.password_hash) else None
    try:
        with Session(session.get_bind()) as writer, writer.begin():
            if rehashed is not None:
                writer.execute(update(User).where(User.id == user.id).values(password_hash=rehashed))
            audit(writer, Actor(user.username), "sign_in")
    except SQLAlchemyError:
        log.warning(
            "%s signed in, but the re-hash or the audit entry could not be written", user.username, exc_info=True
        )
    return user


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
