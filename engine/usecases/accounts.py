"""Users, their roles and departments; password hashing with Argon2 (argon2-cffi)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import Role
from storage.models import Department, User, UserRole

from .. import clock
from ..errors import Conflict, InvalidData, NotFound
from .context import Actor, audit

_hasher = PasswordHasher()

# The handling units and offices of a township congress (domain brief). Codes are the
# candidate group names processes use.
DEPARTMENTS = {
    "office": "镇人大办",
    "presidium": "人大主席团",
    "finance": "财政所",
    "civil_affairs": "民政办",
    "family_planning": "计生办",
    "land": "国土所",
    "middle_school": "中学",
    "central_school": "中心校",
    "health_center": "卫生院",
    "credit_coop": "信用社",
    "petition_office": "信访办",
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    roles: tuple[str, ...]
    department: str | None


DEMO_USERS = (
    DemoUser("admin", "系统管理员", ("admin",), "office"),
    DemoUser("designer", "流程设计员", ("designer",), "office"),
    DemoUser("office", "人大办 王干事", ("officer",), "office"),
    DemoUser("chair", "人大主席 李主席", ("officer", "chair"), "presidium"),
    DemoUser("finance", "财政所 张所长", ("officer",), "finance"),
    DemoUser("civil", "民政办 赵主任", ("officer",), "civil_affairs"),
    DemoUser("supervisor", "督查 陈科长", ("supervisor",), "office"),
    DemoUser("deputy", "代表 刘代表", ("deputy",), None),
)


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


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None (same work either way)."""
    user = repo.user_by_name(session, username.strip()) if username else None
    if user is None or not user.active:
        try:  # the same work as a real check, so timing does not tell which names exist
            _hasher.verify(_dummy_hash(), password)
        except VerificationError:
            pass
        return None
    if not check_password(user, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit(session, Actor(user.username), "sign_in")
    return user


def ensure_departments(session: Session) -> int:
    existing = repo.department_codes(session)
    added = 0
    for code, name in DEPARTMENTS.items():
        if code not in existing:
            session.add(Department(code=code, name=name))
            added += 1
    session.flush()
    return added


def create_user(session: Session, actor: Actor, username: str, password: str, *, display_name: str = "",
                roles: tuple[str, ...] = (), department: str | None = None, email: str | None = None) -> User:
    errors = {}
    if not username or not username.replace("_", "").replace("-", "").isalnum():
        errors["username"] = "letters, digits, - and _ only"
    if len(password) < 8:
        errors["password"] = "at least 8 characters"
    unknown = [r for r in roles if r not in {r.value for r in Role}]
    if unknown:
        errors["roles"] = f"unknown role(s) {', '.join(unknown)}; known: {', '.join(r.value for r in Role)}"
    dept = repo.department_by_code(session, department) if department else None
    if department and dept is None:
        errors["department"] = f"no department {department!r}"
    if errors:
        raise InvalidData(errors)
    if repo.user_by_name(session, username) is not None:
        raise Conflict(f"user {username!r} already exists")
    user = User(username=username, display_name=display_name or username, password_hash=hash_password(password),
                email=email, department_id=dept.id if dept else None, active=True, created_at=clock.now())
    user.role_rows = [UserRole(role=Role(r)) for r in dict.fromkeys(roles)]
    session.add(user)
    session.flush()
    audit(session, actor, "create_user", data={"username": username, "roles": list(roles), "department": department})
    return user


def set_password(session: Session, actor: Actor, username: str, password: str) -> None:
    user = repo.user_by_name(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    if len(password) < 8:
        raise InvalidData({"password": "at least 8 characters"})
    user.password_hash = hash_password(password)
    audit(session, actor, "set_password", data={"username": username})


def ensure_demo_users(session: Session, actor: Actor) -> dict[str, str]:
    """Create the demo users that do not exist yet; return their new passwords (shown once)."""
    ensure_departments(session)
    existing = set(session.scalars(select(User.username)))
    created = {}
    for demo in DEMO_USERS:
        if demo.username in existing:
            continue
        password = secrets.token_urlsafe(9)
        create_user(session, actor, demo.username, password, display_name=demo.display_name,
                    roles=demo.roles, department=demo.department)
        created[demo.username] = password
    return created
