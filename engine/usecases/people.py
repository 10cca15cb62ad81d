"""Users, their roles and departments; password hashing with Argon2 (argon2-cffi), the
password policy (zxcvbn) and the session version that ends every session of an account."""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from storage import repositories as repo
from storage.enums import Role
from storage.models import Department, User, UserRole

from .. import access, clock
from ..deadlines import timezones
from ..errors import Conflict, InvalidData, NotFound
from .context import Actor, audit

log = logging.getLogger(__name__)

_hasher = PasswordHasher()

PASSWORD_MIN_LENGTH = 10
# zxcvbn's score: 0 (a top password) .. 4 (about 10^10 guesses and more); 3 is "safely
# unguessable" against an online attack, which is what a throttled sign-in faces.
PASSWORD_MIN_SCORE = 3
# zxcvbn's running time grows with the length (it refuses more than 72 characters); what
# comes after that many characters only adds strength.
_PASSWORD_SCORED_LENGTH = 72

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
    DemoUser("head", "人大办 周主任", ("officer", "office_head"), "office"),
    DemoUser("office", "人大办 王干事（信访专员）", ("officer", "petition_officer"), "office"),
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


def password_problem(password: str, username: str = "", display_name: str = "") -> str | None:
    """Why ``password`` may not be anyone's, or None: too short, the person's own name in
    it, or easy to guess (a common password, a keyboard walk, a word with digits). One
    policy for accounts made, reset and changed; the message is English, like every field
    message of the engine."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"at least {PASSWORD_MIN_LENGTH} characters"
    lowered = password.lower()
    if _telling(username) and username.lower() in lowered:
        return "must not contain the user name"
    if any(_telling(n) and n.lower() in lowered for n in (display_name, *display_name.split())):
        return "must not contain the name"
    inputs = [v for v in (username, display_name, *display_name.split()) if v]
    if zxcvbn(password[:_PASSWORD_SCORED_LENGTH], user_inputs=inputs)["score"] < PASSWORD_MIN_SCORE:
        return "too easy to guess"
    return None


def _telling(name: str) -> bool:
    """Long enough to be someone's name inside a password rather than a chance match:
    three letters, or two Chinese characters (a whole given name and surname)."""
    return len(name) >= (3 if name.isascii() else 2)


def _end_sessions(session: Session, user: User) -> int:
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
        log.warning("%s signed in, but the re-hash or the audit entry could not be written", user.username,
                    exc_info=True)
    return user


def sign_out(session: Session, actor: Actor) -> None:
    """End every session of the actor's account: sessions are signed cookies, so a copy
    of one would otherwise stay valid after this one is cleared."""
    user = repo.user_by_name(session, actor.username)
    if user is None:
        raise NotFound(f"no user {actor.username!r}")
    _end_sessions(session, user)
    audit(session, actor, "sign_out")


def change_password(session: Session, actor: Actor, current: str, new: str) -> int:
    """Change one's own password, given the current one; every other session of the
    account ends. Returns the new session version, for the session that made the change."""
    user = repo.user_by_name(session, actor.username)
    if user is None or not user.active:
        raise NotFound(f"no active user {actor.username!r}")
    errors = {}
    if not check_password(user, current):
        errors["current_password"] = "wrong password"
    problem = password_problem(new, user.username, user.display_name)
    if problem is None and new == current:
        problem = "must differ from the current password"
    if problem:
        errors["password"] = problem
    if errors:
        raise InvalidData(errors)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    version = _end_sessions(session, user)
    audit(session, actor, "change_password")
    return version


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
    require_admin(actor)
    errors = {}
    if not username or not username.replace("_", "").replace("-", "").isalnum():
        errors["username"] = "letters, digits, - and _ only"
    if problem := password_problem(password, username, display_name):
        errors["password"] = problem
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


def set_password(session: Session, actor: Actor, username: str, password: str, *,
                 must_change: bool = False) -> None:
    """Set a password without knowing the old one (an administrator's reset, the command
    line); every session of the account ends. ``must_change``: the user is sent to change
    it at the next sign-in, so that the one who reset it does not know it for long."""
    if actor.username != username or must_change:
        require_admin(actor)
    user = repo.user_by_name(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    if problem := password_problem(password, user.username, user.display_name):
        raise InvalidData({"password": problem})
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    _end_sessions(session, user)
    audit(session, actor, "set_password", data={"username": username, "must_change": must_change})


def set_timezone(session: Session, actor: Actor, username: str, zone: str | None) -> str:
    """Set the zone ``username`` reads dates in ("" or None: the default) and return the
    zone now in effect. Everyone sets their own; an administrator anyone's."""
    if actor.username != username:
        require_admin(actor)
    user = repo.user_by_name(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    zone = (zone or "").strip()
    error = timezones.problem(zone)
    if error:
        raise InvalidData({"timezone": error})
    user.timezone = zone or None
    audit(session, actor, "set_timezone", data={"username": username, "timezone": user.timezone})
    return timezones.effective(user.timezone)


def ensure_demo_users(session: Session, actor: Actor) -> dict[str, str]:
    """Create the demo users that do not exist yet; return their new passwords (shown once)."""
    ensure_departments(session)
    existing = set(session.scalars(select(User.username)))
    created = {}
    for demo in DEMO_USERS:
        if demo.username in existing:
            continue
        password = secrets.token_urlsafe(9)
        while password_problem(password, demo.username, demo.display_name):
            password = secrets.token_urlsafe(9)
        create_user(session, actor, demo.username, password, display_name=demo.display_name,
                    roles=demo.roles, department=demo.department)
        created[demo.username] = password
    return created


# -- administration (admin page, API) ---------------------------------------------
@dataclass(frozen=True)
class UserView:
    username: str
    display_name: str
    email: str | None
    department: str | None          # code
    department_name: str | None
    roles: tuple[str, ...]
    active: bool
    timezone: str | None = None     # None: the default zone


@dataclass(frozen=True)
class DepartmentView:
    code: str
    name: str
    users: int


def require_admin(actor: Actor) -> None:
    access.require(actor, access.Permission.ADMIN_USERS, "administer users and departments")


def user_view(u: User) -> UserView:
    return UserView(u.username, u.display_name, u.email, u.department.code if u.department else None,
                    u.department.name if u.department else None, tuple(sorted(u.roles)), u.active, u.timezone)


def list_users(session: Session, actor: Actor) -> list[UserView]:
    require_admin(actor)
    return [user_view(u) for u in session.scalars(select(User).order_by(User.username))]


def get_user(session: Session, actor: Actor, username: str) -> UserView:
    require_admin(actor)
    user = repo.user_by_name(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user_view(user)


def update_user(session: Session, actor: Actor, username: str, *, display_name: str, email: str | None,
                roles: tuple[str, ...], department: str | None, active: bool,
                timezone: str | None = None) -> UserView:
    """Change a user's name, e-mail, roles, department, whether they may sign in and the
    zone they read dates in (``timezone``: None leaves it as it is, "" means the default)."""
    require_admin(actor)
    user = repo.user_by_name(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    errors = {}
    unknown = [r for r in roles if r not in {r.value for r in Role}]
    if unknown:
        errors["roles"] = f"unknown role(s) {', '.join(unknown)}"
    dept = repo.department_by_code(session, department) if department else None
    if department and dept is None:
        errors["department"] = f"no department {department!r}"
    if username == actor.username and (not active or Role.ADMIN.value not in roles):
        errors["roles"] = "you cannot remove your own administrator role or deactivate yourself"
    zone = timezone.strip() if timezone is not None else None
    if zone and (problem := timezones.problem(zone)):
        errors["timezone"] = problem
    if errors:
        raise InvalidData(errors)
    user.display_name = display_name.strip() or user.username
    user.email = (email or "").strip() or None
    user.department_id = dept.id if dept else None
    if user.active and not active:
        _end_sessions(session, user)
    user.active = active
    if zone is not None:
        user.timezone = zone or None
    wanted = list(dict.fromkeys(roles))
    user.role_rows = [r for r in user.role_rows if r.role.value in wanted]
    have = {r.role.value for r in user.role_rows}
    user.role_rows += [UserRole(role=Role(r)) for r in wanted if r not in have]
    session.flush()
    session.refresh(user)
    audit(session, actor, "update_user", data={"username": username, "roles": wanted, "department": department,
                                               "active": active, "timezone": user.timezone})
    return user_view(user)


def list_departments(session: Session, actor: Actor) -> list[DepartmentView]:
    require_admin(actor)
    counts = dict(session.execute(select(User.department_id, func.count()).group_by(User.department_id)).all())
    return [DepartmentView(d.code, d.name, counts.get(d.id, 0))
            for d in session.scalars(select(Department).order_by(Department.id))]


def save_department(session: Session, actor: Actor, code: str, name: str) -> DepartmentView:
    """Create a department, or rename it when the code exists. The code is what processes
    name as a candidate group, so it never changes."""
    require_admin(actor)
    code, name = code.strip(), name.strip()
    errors = {}
    if not code or not code.replace("_", "").replace("-", "").isalnum() or not code.isascii():
        errors["code"] = "letters, digits, - and _ only"
    if not name:
        errors["name"] = "required"
    if errors:
        raise InvalidData(errors)
    dept = repo.department_by_code(session, code)
    if dept is None:
        dept = Department(code=code, name=name)
        session.add(dept)
    else:
        dept.name = name
    session.flush()
    audit(session, actor, "save_department", data={"code": code, "name": name})
    return DepartmentView(dept.code, dept.name, 0)
