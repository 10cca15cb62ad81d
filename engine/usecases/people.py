"""People and units: users, their roles, departments and time zones (the administrator's
pages), one's own profile, and the demo township. Passwords and sessions: ``sign_in``."""

from __future__ import annotations

import dataclasses
import logging
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage import principals
from storage import repositories as repo
from storage.enums import Role
from storage.models import Department, Notification, User, UserRole

from .. import access, clock
from ..deadlines import timezones
from ..errors import FieldError, InvalidData, NotAllowed, NotFound
from ..notifications import texts
from ..notifications.smtp import still_tried
from ..text import control_character
from .context import Actor, audit
from .labels import people_names
from .results import TaskSummary
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


DEMO_HEADS = {"office": "head", "finance": "finance", "civil_affairs": "civil"}  # unit code → its demo head
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


# -- the rules for a person's and a unit's fields -------------------------------------------
# One set, kept by every door that writes them: the admin's pages, the command line and the
# importer (onboarding checks each cell with these), so that what one accepts the others
# accept and an exported roster imports again. Each gives the value's FieldError, or None.
NAME_MAX = 64  # a user name, a unit's code: what processes, logs and sign-in name them by
TEXT_MAX = 200  # a person's name (姓名), a unit's name, an electoral district (选区)
EMAIL_MAX = 255
_MOBILE = re.compile(r"(\+?86)?1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def name_problem(value: str) -> FieldError | None:
    """A user name or a unit's code: required, at most 64 ASCII letters, digits, - and _."""
    if not value:
        return FieldError("required")
    if len(value) > NAME_MAX:
        return FieldError("max_length", {"max": NAME_MAX})
    if not value.isascii() or not value.replace("_", "").replace("-", "").isalnum():
        return FieldError("letters_digits_only")
    return None


def text_problem(value: str, *, required: bool = False) -> FieldError | None:
    """A name (a person's, a unit's) or a district: at most 200 characters; some required."""
    if not value.strip():
        return FieldError("required") if required else None
    return FieldError("max_length", {"max": TEXT_MAX}) if len(value) > TEXT_MAX else control_character(value)


def display_name_problem(value: str) -> FieldError | None:
    return text_problem(value, required=True)


def phone_of(value: str) -> str:
    """A phone as stored: without the spaces people type in it (138 0000 1111)."""
    return "".join(value.split())


def phone_problem(value: str) -> FieldError | None:
    """Empty, an 11-digit mobile (+86 allowed) or a landline such as 0571-87654321."""
    digits = phone_of(value)
    if not digits or _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return None
    return FieldError("bad_phone", {"value": value})


def email_problem(value: str) -> FieldError | None:
    if not value or (_EMAIL.fullmatch(value) and len(value) <= EMAIL_MAX):
        return None
    return FieldError("bad_email", {"value": value})


def roles_problem(roles: Iterable[str]) -> FieldError | None:
    """At least one role, each a known one (codes: storage.enums.Role)."""
    roles = list(roles)
    if not roles:
        return FieldError("required")
    unknown = [r for r in roles if r not in {r.value for r in Role}]
    if unknown:
        return FieldError("unknown_role", {"roles": ", ".join(unknown), "known": ", ".join(r.value for r in Role)})
    return None


# A person's candidate groups are their roles and their unit's code and name (User.groups), so a
# unit's name or code that is also a role's code, or another unit's code or name, would give the
# unit's people that role's or that unit's tasks: one value, one group.
ROLE_CODES = frozenset(r.value for r in Role)


def unit_name_problem(value: str, own_code: str, units: Mapping[str, str]) -> FieldError | None:
    """Why ``value`` may not be the name (or, for a unit being created, the code) of the unit
    ``own_code``: it is a role's code, or the code or name of another of ``units`` (code →
    name). The unit's own code and name are no clash (a unit renamed to its own name)."""
    if value in ROLE_CODES:
        return FieldError("role_code_taken", {"value": value})
    for code, name in units.items():
        if code != own_code and value in (code, name):
            return FieldError("unit_name_taken", {"value": value, "unit": name, "code": code})
    return None


def holder_problem(holder: User | None, username: str, unit_code: str, unit_name: str) -> FieldError | None:
    """Why ``username`` may not become a unit's head (负责人) or contact officer (联络员): no
    such user, deactivated, or not one of the unit's people (a deputy with no unit neither).
    One named before who left or was deactivated stays, marked, until replaced."""
    if holder is None:
        return FieldError("unknown_user", {"username": username})
    if not holder.active:
        return FieldError("inactive_user", {"username": username})
    if holder.department is None or holder.department.code != unit_code:
        return FieldError("not_in_unit", {"username": username, "unit": unit_name or unit_code})
    return None


def _person_problems(
    *,
    display_name: str,
    roles: Iterable[str],
    phone: str | None,
    email: str | None,
    district: str | None,
) -> dict[str, FieldError]:
    checks = {
        "display_name": display_name_problem(display_name),
        "roles": roles_problem(roles),
        "phone": phone_problem(phone or ""),
        "email": email_problem(email or ""),
        "district": text_problem(district or ""),
    }
    return {field: error for field, error in checks.items() if error is not None}


def _department_of(session: Session, code: str | None, errors: dict[str, FieldError]) -> Department | None:
    dept = repo.department_by_code(session, code) if code else None
    if code and dept is None:
        errors["department"] = FieldError("unknown_department", {"department": code})
    return dept


def create_user(
    session: Session,
    actor: Actor,
    username: str,
    password: str,
    *,
    display_name: str | None = None,
    roles: tuple[str, ...] = (),
    department: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    district: str | None = None,
    must_change_password: bool = True,
) -> User:
    """A new person, every field by the rules above (a user name taken already: a field
    error on ``username``). ``display_name`` None: the user name (tools seeding users); a
    name given must be a name, as the form's and the import's. ``must_change_password``:
    whoever creates the account chose its password and knows it, so by default the person
    changes it at the first sign-in, as imported people (``onboarding``) and a reset
    (``sign_in.set_password``) do; only tools seeding accounts that sign in at once say no."""
    require_admin(actor)
    username = username.strip()
    name = username if display_name is None else display_name.strip()
    email, district = (email or "").strip(), (district or "").strip()
    errors = _person_problems(display_name=name, roles=roles, phone=phone, email=email, district=district)
    if problem := name_problem(username):
        errors["username"] = problem
    elif repo.user_by_name(session, username) is not None:
        errors["username"] = FieldError("username_taken")
    if problem := password_problem(password, username, name):
        errors["password"] = problem
    dept = _department_of(session, department, errors)
    if errors:
        raise InvalidData(errors)
    user = User(
        username=username,
        display_name=name,
        password_hash=hash_password(password),
        email=email or None,
        phone=phone_of(phone or "") or None,
        district=district or None,
        department_id=dept.id if dept else None,
        active=True,
        created_at=clock.now(),
        must_change_password=must_change_password,
    )
    user.role_rows = [UserRole(role=Role(r)) for r in dict.fromkeys(roles)]
    session.add(user)
    session.flush()
    audit(
        session,
        actor,
        "create_user",
        data={
            "username": username,
            "roles": list(roles),
            "department": department,
            "must_change_password": must_change_password,
        },
    )
    return user


def set_timezone(session: Session, actor: Actor, username: str, zone: str | None) -> str:
    """Set the zone ``username`` reads dates in ("" or None: the default) and return the
    zone now in effect. Everyone sets their own; an administrator anyone's."""
    user = _own_or_admin(session, actor, username)
    zone = (zone or "").strip()
    error = timezones.problem(zone)
    if error:
        raise InvalidData({"timezone": error})
    user.timezone = zone or None
    audit(session, actor, "set_timezone", data={"username": username, "timezone": user.timezone})
    return timezones.effective(user.timezone)


@dataclass(frozen=True)
class NoticePreferences:
    """How a person hears of their notifications beyond 消息: the language they read (None:
    never chosen, Chinese) and whether notifications are e-mailed to them too."""

    language: str | None
    email_notices: bool


def notice_preferences(session: Session, actor: Actor) -> NoticePreferences:
    return _preferences(_principal(session, actor))


def _preferences(user: principals.Principal) -> NoticePreferences:
    return NoticePreferences(user.language, user.email_notices)


def set_language(session: Session, actor: Actor, username: str, language: str | None) -> str | None:
    """Set the language ``username`` reads the product and their notification e-mails in (""
    or None: none chosen, Chinese); return it. Everyone sets their own; an administrator
    anyone's. Audited when it changes (the header's language link sets it at each click)."""
    user = _own_or_admin(session, actor, username)
    language = (language or "").strip() or None
    if language is not None and language not in texts.LANGUAGES:
        raise InvalidData(
            {"language": FieldError("unknown_language", {"language": language, "known": ", ".join(texts.LANGUAGES)})}
        )
    _change(session, actor, user, "set_language", "language", language)
    return language


def set_email_notices(session: Session, actor: Actor, username: str, on: bool) -> bool:
    """Whether ``username``'s notifications are e-mailed to them too (off: only 消息 shows them,
    督办 included: off is off). Turned off, the e-mails of theirs still waiting in the outbox
    are taken out of it (never sent, even after it was turned on again). Audited when it
    changes."""
    user = _own_or_admin(session, actor, username)
    if not _change(session, actor, user, "set_email_notices", "email_notices", on):
        return on
    if not on:
        session.execute(
            update(Notification)
            .where(
                Notification.username == username,
                Notification.emailed_at.is_(None),
                Notification.email_to.is_not(None),
                *still_tried(Notification.email_attempts, Notification.created_at, clock.now()),
            )
            .values(email_to=None)
        )
    return on


def save_settings(
    session: Session,
    actor: Actor,
    *,
    timezone: str | None = None,
    language: str | None = None,
    email_notices: bool | None = None,
) -> str:
    """What one chooses for oneself on 我的设置 (or PATCH /api/v1/me), saved together: the time
    zone ("" the default), the language and whether notifications are e-mailed, each when the
    form or the request carried it (None: left as it is). Returns the zone now in effect.
    Every refused field is said at once."""
    errors: dict[str, FieldError] = {}
    zone = ""
    if timezone is not None:
        try:
            zone = set_timezone(session, actor, actor.username, timezone)
        except InvalidData as exc:
            errors.update(exc.codes)
    else:
        zone = timezones.effective(_own_or_admin(session, actor, actor.username).timezone)
    if language is not None:
        try:
            set_language(session, actor, actor.username, language)
        except InvalidData as exc:
            errors.update(exc.codes)
    if errors:
        raise InvalidData(errors)
    if email_notices is not None:
        set_email_notices(session, actor, actor.username, email_notices)
    return zone


def save_and_read_settings(
    session: Session,
    actor: Actor,
    *,
    timezone: str | None = None,
    language: str | None = None,
    email_notices: bool | None = None,
) -> tuple[Profile, NoticePreferences]:
    """``save_settings``, then the profile and the choices as they now stand (PATCH
    /api/v1/me's answer: read in the write's own transaction, after it)."""
    save_settings(session, actor, timezone=timezone, language=language, email_notices=email_notices)
    session.flush()
    return profile_and_choices(session, actor)


def _change(session: Session, actor: Actor, user: User, action: str, name: str, value: object) -> bool:
    """Set one of ``user``'s own choices (``name``) to ``value`` and audit it (``action``, with
    the value before), only when it changes; whether it did."""
    before = getattr(user, name)
    if before == value:
        return False
    audit(session, actor, action, data={"username": user.username, name: value, "before": {name: before}})
    setattr(user, name, value)
    return True


def _own_or_admin(session: Session, actor: Actor, username: str) -> User:
    if actor.username != username:
        require_admin(actor)
    user = repo.user_by_name(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


@dataclass(frozen=True)
class DemoUsers:
    """What ``init`` did about the demo users."""

    created: dict[str, str]  # user name → its password, shown once
    users_before: int  # the database's users before (0: a new installation)
    declined: bool = False  # none made: the database has users, and the demo was not asked for


def demo_users_for_init(session: Session, actor: Actor, *, asked: bool) -> DemoUsers:
    """``init``'s demo users (DEMO ONLY: an active ``admin`` among them). On a database with no
    users at all (a new installation, ``make run``'s first start) they are made. On one that has
    users (a real server, where ``init`` may run again at an upgrade) none is made unless
    ``asked`` (``--demo``), and then none becomes a unit's head (an escalated 督办 must not
    reach a demo account)."""
    users = session.scalar(select(func.count()).select_from(User)) or 0
    if users and not asked:
        return DemoUsers({}, users, declined=True)
    return DemoUsers(ensure_demo_users(session, actor, name_heads=not users), users)


def ensure_demo_users(session: Session, actor: Actor, *, name_heads: bool = True) -> dict[str, str]:
    """Create the demo users that do not exist yet; return their new passwords (shown once).
    ``name_heads``: make them the heads of the units that have none (a demo installation)."""
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
            # a demo to try at once; `init` prints these passwords as DEMO ONLY, to be changed before real use
            must_change_password=False,
        )
        created[demo.username] = password
    # the units' heads (负责人), whom an escalated 督办 reaches: a demo where escalation can be
    # tried; a head an administrator chose stays
    for code, head in DEMO_HEADS.items() if name_heads else ():
        unit = session.scalar(select(Department).where(Department.code == code))
        if unit is not None and unit.head is None and head in {*existing, *created}:
            unit.head = head
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


class Standing(StrEnum):
    """Why a unit's head or contact officer, named before, can no longer act as one."""

    INACTIVE = "inactive"  # deactivated since
    ELSEWHERE = "elsewhere"  # moved to another unit (or to none) since
    UNKNOWN = "unknown"  # no such user (a name stored before the rules were kept)


@dataclass(frozen=True)
class DepartmentView:
    code: str
    name: str
    users: int  # its active people
    head: str | None = None  # user names
    contact: str | None = None
    head_standing: Standing | None = None  # None: an active person of the unit
    contact_standing: Standing | None = None


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
    holder_confirmed: bool = True,
) -> UserView:
    """Change a user's name, e-mail, roles, department, whether they may sign in and the
    zone they read dates in (``timezone``: None leaves it as it is, "" means the default);
    phone and electoral district likewise (None: as they are, "": none). Every field by the
    rules the import keeps (``_person_problems``). A head or contact officer deactivated or
    moved to another unit stays named, marked on the units page, until replaced.
    ``holder_confirmed`` False (the users page, until its administrator confirms): deactivating
    someone who holds open tasks is refused (``HoldsTasks``, nothing changed), since nobody can
    do those tasks until they are handed on; the API and the command line deactivate as asked."""
    require_admin(actor)
    user = repo.user_by_name(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    name, email = display_name.strip(), (email or "").strip()
    district = district.strip() if district is not None else None
    errors = _person_problems(display_name=name, roles=roles, phone=phone, email=email, district=district)
    dept = _department_of(session, department, errors)
    if username == actor.username and (not active or Role.ADMIN.value not in roles):
        errors["roles"] = FieldError("own_admin_role")
    zone = timezone.strip() if timezone is not None else None
    if zone and (problem := timezones.problem(zone)):
        errors["timezone"] = problem
    if errors:
        raise InvalidData(errors)
    if user.active and not active and not holder_confirmed:
        held = _held(session, username)
        if held.count:
            raise HoldsTasks(username, held)
    before = {
        "display_name": user.display_name,
        "email": user.email,
        "roles": sorted(user.roles),
        "department": user.department.code if user.department else None,
        "active": user.active,
        "timezone": user.timezone,
    }
    user.display_name = name
    user.email = email or None
    user.department_id = dept.id if dept else None
    if phone is not None:
        user.phone = phone_of(phone) or None
    if district is not None:
        user.district = district or None
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
            "display_name": user.display_name,
            "email": user.email,
            "roles": wanted,
            "department": department,
            "active": active,
            "timezone": user.timezone,
            "before": before,  # what the change changed, for whoever reads the audit log
        },
    )
    return user_view(user)


# The held tasks a page lists by name; the count says how many there are in all.
HELD_LISTED = 20


@dataclass(frozen=True)
class HeldTasks:
    """The open tasks a person holds (签收, or handed to them): how many, and the first
    ``HELD_LISTED`` of them, the soonest due first (the inbox's order)."""

    count: int
    tasks: list[TaskSummary]


class HoldsTasks(Exception):
    """Deactivating a person who holds open tasks, not confirmed (``update_user``'s
    ``holder_confirmed``): nothing was changed. Those tasks stay theirs when they are
    deactivated, and nobody else may do them until they are handed on (``held``: which)."""

    def __init__(self, username: str, held: HeldTasks):
        super().__init__(f"{username} holds {held.count} open tasks: deactivating them is to be confirmed")
        self.username, self.held = username, held


def held_tasks(session: Session, actor: Actor, username: str) -> HeldTasks:
    """The open tasks ``username`` holds, for the administrator deciding whether to deactivate
    them (or who finds them deactivated and holding some: to hand those on)."""
    require_admin(actor)
    if repo.user_by_name(session, username) is None:
        raise NotFound(f"no user {username!r}")
    return _held(session, username)


def _held(session: Session, username: str, *, every: bool = False) -> HeldTasks:
    """``every``: all of them listed (the command line, which has no page to keep short)."""
    mine = repo.InboxFilter(scope="mine", limit=HELD_LISTED)
    count = repo.inbox_count(session, username, (), mine)
    if every:
        if not count:
            return HeldTasks(0, [])
        mine = dataclasses.replace(mine, limit=count)
    rows = repo.inbox(session, username, (), mine)
    return HeldTasks(count, [TaskSummary.of(item, title, key, name) for item, title, key, name in rows])


def set_active(session: Session, actor: Actor, username: str, active: bool) -> UserView:
    """Let a user sign in again, or no longer (the command line's ``users activate`` /
    ``deactivate``): the users page's change (``update_user``) with everything else as it
    is, so its rules hold (administrators only; not one's own account; a deactivated user's
    sessions end) and it is audited alike."""
    current = get_user(session, actor, username)
    return update_user(
        session,
        actor,
        username,
        display_name=current.display_name,
        email=current.email,
        roles=current.roles,
        department=current.department,
        active=active,
    )


@dataclass(frozen=True)
class ActiveSet:
    """``change_active``'s answer: the user as now, and, when they were deactivated, every
    open task they still hold (none said when activated)."""

    user: UserView
    held: HeldTasks


def change_active(session: Session, actor: Actor, username: str, active: bool) -> ActiveSet:
    """``set_active``, saying what a deactivation leaves behind (the command line's ``users
    deactivate``): the command line deactivates as asked, unlike the users page, which asks
    first, so it names each task nobody else may do until it is handed on."""
    view = set_active(session, actor, username, active)
    return ActiveSet(view, HeldTasks(0, []) if active else _held(session, username, every=True))


def _standing(holder: User | None, dept: Department) -> Standing | None:
    if holder is None:
        return Standing.UNKNOWN
    if not holder.active:
        return Standing.INACTIVE
    return Standing.ELSEWHERE if holder.department_id != dept.id else None


def list_departments(session: Session, actor: Actor) -> list[DepartmentView]:
    """Every unit with its active people counted, and its head and contact officer marked
    when they can no longer act as one (deactivated, moved elsewhere)."""
    require_admin(actor)
    counts = dict(
        session.execute(
            select(User.department_id, func.count()).where(User.active.is_(True)).group_by(User.department_id)
        ).all()
    )
    depts = list(session.scalars(select(Department).order_by(Department.id)))
    named = {n for d in depts for n in (d.head, d.contact) if n}
    holders = {u.username: u for u in session.scalars(select(User).where(User.username.in_(named)))} if named else {}
    return [
        DepartmentView(
            d.code,
            d.name,
            counts.get(d.id, 0),
            d.head,
            d.contact,
            _standing(holders.get(d.head), d) if d.head else None,
            _standing(holders.get(d.contact), d) if d.contact else None,
        )
        for d in depts
    ]


def save_department(
    session: Session, actor: Actor, code: str, name: str, *, head: str | None = None, contact: str | None = None
) -> DepartmentView:
    """Create a department, or rename it when the code exists. The code is what processes
    name as a candidate group, so it never changes. ``head`` / ``contact``: user names
    (None: as they are, "": nobody), each an active person of this unit (holder_problem)
    unless it is who holds it already. The name, and a new unit's code, neither a role's code
    nor another unit's code or name (``unit_name_problem``)."""
    require_admin(actor)
    code, name = code.strip(), name.strip()
    errors: dict[str, FieldError] = {}
    if problem := name_problem(code):
        errors["code"] = problem
    if problem := text_problem(name, required=True):
        errors["name"] = problem
    dept = repo.department_by_code(session, code) if "code" not in errors else None
    units = repo.department_choices(session)
    if "name" not in errors and (problem := unit_name_problem(name, code, units)):
        errors["name"] = problem
    # a new code too; a unit's code, once made, never changes (processes name it)
    if "code" not in errors and dept is None and (problem := unit_name_problem(code, code, units)):
        errors["code"] = problem
    named = {"head": (head or "").strip() if head is not None else None}
    named["contact"] = (contact or "").strip() if contact is not None else None
    for field, who in named.items():
        held = getattr(dept, field) if dept is not None else None
        if who and who != held and (problem := holder_problem(repo.user_by_name(session, who), who, code, name)):
            errors[field] = problem
    if errors:
        raise InvalidData(errors)
    before = {"name": dept.name, "head": dept.head, "contact": dept.contact} if dept is not None else None
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
    data: dict[str, object] = {"code": code, "name": name, "head": dept.head, "contact": dept.contact}
    if before is not None:  # a unit there was: what it was (none for a new one)
        data["before"] = before
    audit(session, actor, "save_department", data=data)
    return DepartmentView(dept.code, dept.name, 0, dept.head, dept.contact)


@dataclass(frozen=True)
class UnitClash:
    """A stored unit whose name is a candidate group of another unit or of a role, as
    ``unit_name_problem`` now refuses but an older database may hold: processes' tasks for
    ``name`` go to the people of both, until an administrator renames one."""

    code: str
    name: str
    other_code: str | None = None  # the other unit's (None: the name is a role's code)
    other_name: str | None = None


def unit_name_clashes(session: Session, actor: Actor) -> list[UnitClash]:
    """The stored units whose names clash (``unit_name_problem``), one per clash: two units of
    one name are one clash, said of the later one. Administrators only."""
    require_admin(actor)
    units = repo.department_choices(session)  # in the order they were created
    clashes: list[UnitClash] = []
    said: set[tuple[frozenset[str], str]] = set()  # the two units and the name they share
    for code, name in reversed(units.items()):
        problem = unit_name_problem(name, code, units)
        if problem is None:
            continue
        if problem.code == "role_code_taken":
            clashes.append(UnitClash(code, name))
        elif (shared := (frozenset((code, problem.params["code"])), name)) not in said:
            said.add(shared)
            clashes.append(UnitClash(code, name, problem.params["code"], problem.params["unit"]))
    return clashes[::-1]


@dataclass(frozen=True)
class UnitsOverview:
    """What the units page and ``congressflow units list`` show: every unit, the clashes of
    their names, and the names of their heads and contact officers (user name → display name)."""

    units: list[DepartmentView]
    clashes: list[UnitClash]
    names: dict[str, str]


def units_overview(session: Session, actor: Actor) -> UnitsOverview:
    """The units with their name clashes and their heads' and contacts' names. Administrators only."""
    units = list_departments(session, actor)
    holders = {n for d in units for n in (d.head, d.contact) if n}
    return UnitsOverview(units, unit_name_clashes(session, actor), people_names(session, holders))


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
    return _profile(_principal(session, actor), actor)


def profile_and_choices(session: Session, actor: Actor) -> tuple[Profile, NoticePreferences]:
    """The profile and what one chooses beside the time zone (the language, the e-mail
    switch), from one read: GET /api/v1/me answers them as PATCH does."""
    user = _principal(session, actor)
    return _profile(user, actor), _preferences(user)


def _principal(session: Session, actor: Actor) -> principals.Principal:
    # one indexed read, none at all in the read-only session of the request that authenticated
    # ``actor`` (storage.principals keeps what it read there): GET /api/v1/me
    user = principals.user_by_name(session, actor.username)
    if user is None:
        raise NotAllowed(f"{actor.username} is not a user")
    return user


def _profile(user: principals.Principal, actor: Actor) -> Profile:
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
