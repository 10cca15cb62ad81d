"""Who a request stands for, in one indexed statement: a user by name (a signed-in session)
or by the hash of a personal API token, with their unit and roles.

Authentication runs on every request. Through the ORM it was a query with two joined loads
(or a second select for the roles) building objects that were thrown away at once; here a
statement built once gives plain values: one row per role (or one row for a user without
any), each lookup through a unique index (user name, token hash) and primary keys. A
request's read-only session that has not begun a transaction reads it as a statement of its
own on a pooled connection (storage.driver_reads: a fifth of an authenticated no-op request
was the transaction around it); one in a transaction, or one that may write, reads on its
connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, select
from sqlalchemy.orm import Session

from .db import READ_ONLY
from .driver_reads import DriverRead
from .models import ApiToken, Department, User, UserRole

_users = cast(Table, User.__table__)
_departments = cast(Table, Department.__table__)
_roles = cast(Table, UserRole.__table__)
_tokens = cast(Table, ApiToken.__table__)
_READ = "congressflow_principals_read"  # session.info: (transaction or None, {username: Principal})

_PERSON = (
    _users.c.username,
    _users.c.display_name,
    _users.c.email,
    _users.c.active,
    _users.c.session_version,
    _users.c.must_change_password,
    _users.c.timezone,
    # what 我的设置 chooses beside the time zone (deferred on the model): GET /api/v1/me, the
    # authenticated frame's benchmark, answers them from this read rather than a second one
    _users.c.language,
    _users.c.email_notices,
    _departments.c.code,
    _departments.c.name,
    _roles.c.role,
)
_WITH_UNIT_AND_ROLES = _users.outerjoin(_departments, _departments.c.id == _users.c.department_id).outerjoin(
    _roles, _roles.c.user_id == _users.c.id
)
_BY_USERNAME = select(*_PERSON).select_from(_WITH_UNIT_AND_ROLES).where(_users.c.username == bindparam("username"))
_BY_TOKEN_HASH = (
    select(_tokens.c.id, _tokens.c.revoked_at, _tokens.c.last_used_at, _tokens.c.expires_at, *_PERSON)
    .select_from(_tokens.join(_WITH_UNIT_AND_ROLES, _users.c.id == _tokens.c.user_id))
    .where(_tokens.c.token_hash == bindparam("token_hash"))
)


@dataclass(slots=True)
class Unit:
    code: str
    name: str


@dataclass(slots=True)
class Principal:
    """A user as authentication reads them (shaped like ``models.User`` for what the access
    policy and the signed-in session read). Plain data, read for one request."""

    username: str
    display_name: str
    email: str | None
    active: bool
    session_version: int
    must_change_password: bool
    timezone: str | None
    language: str | None  # None: never chosen, Chinese
    email_notices: bool
    department: Unit | None
    role_names: frozenset[str]

    @property
    def roles(self) -> set[str]:
        return set(self.role_names)

    @property
    def groups(self) -> set[str]:
        """The candidate groups: roles, the unit's code and name (as ``User.groups``)."""
        groups = set(self.role_names)
        if self.department is not None:
            groups |= {self.department.code, self.department.name}
        return groups


@dataclass(slots=True)
class TokenHolder:
    """A stored token and the user it acts for."""

    token_id: int
    revoked_at: datetime | None
    last_used_at: datetime | None
    expires_at: datetime | None
    principal: Principal


def _principal(rows: Sequence[Sequence[Any]], offset: int = 0) -> Principal:
    first = rows[0][offset:]
    username, display_name, email, active, version, must_change, timezone, language, notices, code, name, _ = first
    role = offset + len(_PERSON) - 1
    roles = frozenset(row[role].value for row in rows if row[role] is not None)
    unit = Unit(code, name) if code is not None else None
    return Principal(
        username,
        display_name,
        email,
        bool(active),
        version,
        bool(must_change),
        timezone,
        language,
        bool(notices),
        unit,
        roles,
    )


def user_by_name(session: Session, username: str) -> Principal | None:
    known = _read(session)
    if username in known:
        return known[username]
    rows = _rows(session, _BY_USERNAME, _BY_USERNAME_ALONE, {"username": username})
    principal = _principal(rows) if rows else None
    if principal is not None:
        known[username] = principal
    return principal


def token_holder(session: Session, token_hash: str) -> TokenHolder | None:
    rows = _rows(session, _BY_TOKEN_HASH, _BY_TOKEN_HASH_ALONE, {"token_hash": token_hash})
    if not rows:
        return None
    token_id, revoked_at, last_used_at, expires_at = rows[0][:4]
    holder = TokenHolder(token_id, revoked_at, last_used_at, expires_at, _principal(rows, 4))
    _read(session)[holder.principal.username] = holder.principal
    return holder


_BY_USERNAME_ALONE = DriverRead(_BY_USERNAME)
_BY_TOKEN_HASH_ALONE = DriverRead(_BY_TOKEN_HASH)


def _rows(session: Session, statement: Any, alone: DriverRead, params: dict[str, str]) -> Sequence[Sequence[Any]]:
    bind = session.get_bind()
    if session.in_transaction() or not bind.get_execution_options().get(READ_ONLY):
        return session.connection().execute(statement, params).all()
    return alone.rows(cast(Engine, bind), params)


def _read(session: Session) -> dict[str, Principal]:
    """The principals a read-only session has read, in its transaction or, before it began
    one, as statements of their own (a read-only session serves one request: the request
    that authenticated someone and then shows their profile reads them once). Any other
    session: a fresh dict each time, as it may change them."""
    if not session.get_bind().get_execution_options().get(READ_ONLY):
        return {}
    transaction = session.get_transaction()
    known = session.info.get(_READ)
    if known is None or known[0] is not transaction:
        known = session.info[_READ] = (transaction, {})
    return known[1]
