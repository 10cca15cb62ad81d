"""People and units: users, their roles, departments and time zones (the administrator's
pages), one's own profile, and the demo township. Passwords and sessions: ``sign_in``."""

from __future__ import annotations

import dataclasses
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import principals
from storage import repositories as repo
from storage.enums import Role
from storage.models import Department, User, UserRole

from .. import access, clock
from ..deadlines import timezones
from ..errors import Conflict, FieldError, InvalidData, NotAllowed, NotFound
from .context import Actor, audit
from .sign_in import end_sessions, hash_password, password_problem

log = logging.getLogger(__name__)


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


def ensure_departments(session: Session) -> int:
    existing = repo.department_codes(session)
    added = 0
    for code, name in DEPARTMENTS.items():
        if code not in existing:
            session.add(Department(code=code, name=name))
            added += 1
    session.flush()
    return added


def create_user(
    session: Session,
    actor: Actor,
    username: str,
    password: str,
    *,
    display_name: str = "",
    roles: tuple[str, ...] = (),
    department: str | None = None,
    email: str | None = None,
) -> User:
    require_admin(actor)
    errors: dict[str, FieldError] = {}
    if not username or not username.replace("_", "").replace("-", "").isalnum():
        errors["username"] = FieldError("letters_digits_only")
    if problem := password_problem(password, username, display_name):
        errors["password"] = problem
    unknown = [r for r in roles if r not in {r.value for r in Role}]
    if unknown:
        errors["roles"] = FieldError(
            "unknown_role", {"roles": ", ".join(unknown), "known": ", ".join(r.value for r in Role)}
        )
    dept = repo.department_by_code(session, department) if department else None
    if department and dept is None:
        errors["department"] = FieldError("unknown_department", {"department": department})
    if errors:
        raise InvalidData(errors)
    if repo.user_by_name(session, username) is not None:
        raise Conflict(f"user {username!r} already exists")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        email=email,
        department_id=dept.id if dept else None,
        active=True,
        created_at=clock.now(),
    )
    user.role_rows = [UserRole(role=Role(r)) for r in dict.fromkeys(roles)]
    session.add(user)
    session.flush()
    audit(session, actor, "create_user", data={"username": username, "roles": list(roles), "department": department})
    return user


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
        create_user(
            session,
            actor,
            demo.username,
            password,
            display_name=demo.display_name,
            roles=demo.roles,
            department=demo.department,
        )
        created[demo.username] = password
    return created


# -- administration (admin page, API) ---------------------------------------------
@dataclass(frozen=True)
class UserView:
    username: str
    display_name: str
    email: str | None
    department: str | None  # code
    department_name: str | None
    roles: tuple[str, ...]
    active: bool
    timezone: str | None = None  # None: the default zone
    phone: str | None = None
    district: str | None = None  # a deputy's electoral district (选区)


@dataclass(frozen=True)
class DepartmentView:
    code: str
    name: str
    users: int
    head: str | None = None  # user names
    contact: str | None = None


def require_admin(actor: Actor) -> None:
    access.require(actor, access.Permission.ADMIN_USERS, "administer users and departments")


def user_view(u: User) -> UserView:
    return UserView(
        u.username,
        u.display_name,
        u.email,
        u.department.code if u.department else None,
        u.department.name if u.department else None,
        tuple(sorted(u.roles)),
        u.active,
        u.timezone,
        u.phone,
        u.district,
    )


def list_users(session: Session, actor: Actor) -> list[UserView]:
    require_admin(actor)
    return [user_view(u) for u in session.scalars(select(User).order_by(User.username))]


def get_user(session: Session, actor: Actor, username: str) -> UserView:
    require_admin(actor)
    user = repo.user_by_name(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user_view(user)


def update_user(
    session: Session,
    actor: Actor,
    username: str,
    *,
    display_name: str,
    email: str | None,
    roles: tuple[str, ...],
    department: str | None,
    active: bool,
    timezone: str | None = None,
    phone: str | None = None,
    district: str | None = None,
) -> UserView:
    """Change a user's name, e-mail, roles, department, whether they may sign in and the
    zone they read dates in (``timezone``: None leaves it as it is, "" means the default);
    phone and electoral district likewise (None: as they are, "": none)."""
    require_admin(actor)
    user = repo.user_by_name(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    errors: dict[str, FieldError] = {}
    unknown = [r for r in roles if r not in {r.value for r in Role}]
    if unknown:
        errors["roles"] = FieldError(
            "unknown_role", {"roles": ", ".join(unknown), "known": ", ".join(r.value for r in Role)}
        )
    dept = repo.department_by_code(session, department) if department else None
    if department and dept is None:
        errors["department"] = FieldError("unknown_department", {"department": department})
    if username == actor.username and (not active or Role.ADMIN.value not in roles):
        errors["roles"] = FieldError("own_admin_role")
    zone = timezone.strip() if timezone is not None else None
    if zone and (problem := timezones.problem(zone)):
        errors["timezone"] = problem
    if errors:
        raise InvalidData(errors)
    user.display_name = display_name.strip() or user.username
    user.email = (email or "").strip() or None
    user.department_id = dept.id if dept else None
    if phone is not None:
        user.phone = phone.strip()[:32] or None
    if district is not None:
        user.district = district.strip()[:200] or None
    if user.active and not active:
        end_sessions(session, user)
    user.active = active
    if zone is not None:
        user.timezone = zone or None
    wanted = list(dict.fromkeys(roles))
    user.role_rows = [r for r in user.role_rows if r.role.value in wanted]
    have = {r.role.value for r in user.role_rows}
    user.role_rows += [UserRole(role=Role(r)) for r in wanted if r not in have]
    session.flush()
    session.refresh(user)
    audit(
        session,
        actor,
        "update_user",
        data={
            "username": username,
            "roles": wanted,
            "department": department,
            "active": active,
            "timezone": user.timezone,
        },
    )
    return user_view(user)


def list_departments(session: Session, actor: Actor) -> list[DepartmentView]:
    require_admin(actor)
    counts = dict(session.execute(select(User.department_id, func.count()).group_by(User.department_id)).all())
    return [
        DepartmentView(d.code, d.name, counts.get(d.id, 0), d.head, d.contact)
        for d in session.scalars(select(Department).order_by(Department.id))
    ]


def save_department(
    session: Session, actor: Actor, code: str, name: str, *, head: str | None = None, contact: str | None = None
) -> DepartmentView:
    """Create a department, or rename it when the code exists. The code is what processes
    name as a candidate group, so it never changes. ``head`` / ``contact``: user names
    (None: as they are, "": nobody)."""
    require_admin(actor)
    code, name = code.strip(), name.strip()
    errors: dict[str, FieldError] = {}
    if not code or not code.replace("_", "").replace("-", "").isalnum() or not code.isascii():
        errors["code"] = FieldError("letters_digits_only")
    if not name:
        errors["name"] = FieldError("required")
    named = {"head": (head or "").strip() if head is not None else None}
    named["contact"] = (contact or "").strip() if contact is not None else None
    for field, who in named.items():
        if who and repo.user_by_name(session, who) is None:
            errors[field] = FieldError("unknown_user", {"username": who})
    if errors:
        raise InvalidData(errors)
    dept = repo.department_by_code(session, code)
    if dept is None:
        dept = Department(code=code, name=name)
        session.add(dept)
    else:
        dept.name = name
    if named["head"] is not None:
        dept.head = named["head"] or None
    if named["contact"] is not None:
        dept.contact = named["contact"] or None
    session.flush()
    audit(
        session, actor, "save_department", data={"code": code, "name": name, "head": dept.head, "contact": dept.contact}
    )
    return DepartmentView(dept.code, dept.name, 0, dept.head, dept.contact)


@dataclass(frozen=True)
class Profile:
    username: str
    display_name: str
    email: str | None
    department_code: str | None
    department_name: str | None
    roles: list[str]
    groups: list[str]
    supervises: bool  # sees every open task
    timezone: str  # the zone the web pages show this person's dates in
    permissions: list[str] = dataclasses.field(default_factory=list)  # what the roles grant (engine.access)


def profile(session: Session, actor: Actor) -> Profile:
    user = principals.user_by_name(session, actor.username)  # one indexed read (GET /api/v1/me)
    if user is None:
        raise NotAllowed(f"{actor.username} is not a user")
    dept = user.department
    return Profile(
        user.username,
        user.display_name,
        user.email,
        dept.code if dept else None,
        dept.name if dept else None,
        sorted(actor.roles),
        sorted(actor.groups),
        access.may_list_all_tasks(actor),
        timezones.effective(user.timezone),
        sorted(p.value for p in actor.permissions),
    )


def update_profile(session: Session, actor: Actor, *, timezone: str) -> Profile:
    """Change what one chooses for oneself (the time zone dates are shown in); the profile after."""
    set_timezone(session, actor, actor.username, timezone)
    session.flush()
    return profile(session, actor)
