"""Administration: users (roles, department, active, password) and departments; the
working-day calendar and the deadline settings are web/views/calendar.py's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import access, clock
from engine.access import Permission
from engine.deadlines import timezones
from engine.errors import InvalidData
from engine.notifications.outbox import MAX_AGE, RECENT, OutboxStatus, outbox_status
from engine.usecases import people, sign_in
from storage.enums import Role

from .. import database
from ..auth import current_actor
from ..roles import role_names
from . import calendar
from .formdata import field_messages
from .settings import form_errors, zone_options

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only() -> None:
    """Each page refused to whoever lacks the permission it needs, and the refusal names that
    one: the calendar and the deadline settings admin.settings (web/views/calendar.py), users
    and departments admin.users. (Asked for either, the 403 named admin.users for the
    calendar too.) The area's index sends either administrator on to a page he may open."""
    if request.endpoint == "admin.index":
        return None
    needed = Permission.ADMIN_SETTINGS if calendar.is_its_page(request.endpoint) else Permission.ADMIN_USERS
    access.require(current_actor(), needed, f"open {request.path}")
    return None


# -- the e-mail outbox's line, atop every page of the area (admin/_mail_outbox.html) ---------
SLOW = timedelta(minutes=15)  # mail waiting longer than this is said even without an error


@dataclass(frozen=True)
class MailLine:
    status: OutboxStatus
    waited: str  # how long the oldest waiting e-mail has waited, in words ("" : none waits)
    stuck: bool  # some wait and the server refused to answer, or they waited past SLOW
    max_age_days: int = MAX_AGE.days  # given up past it
    recent_days: int = RECENT.days  # the given-up ones listed are of these last days


def mail_outbox() -> MailLine | None:
    """The outboxes as the admin area says them: None where SMTP is not configured (nothing is
    e-mailed, and nothing waits to be) or where there is nothing to say."""
    if not current_app.config.get("SMTP_HOST"):
        return None
    status = outbox_status(database.session())
    age = status.age(clock.now())
    stuck = status.waiting_total > 0 and (
        (status.trouble is not None and status.trouble.kind == "unreachable") or (age is not None and age > SLOW)
    )
    if not stuck and not status.given_up_recently:
        return None
    return MailLine(status, _waited(age) if age is not None else "", stuck)


def _waited(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return _("%(n)s 分钟", n=minutes)
    if minutes < 48 * 60:
        return _("%(n)s 小时", n=minutes // 60)
    return _("%(n)s 天", n=minutes // (24 * 60))


bp.add_app_template_global(mail_outbox, "mail_outbox")


def _roles() -> tuple[str, ...]:
    known = {r.value for r in Role}
    return tuple(r for r in request.form.getlist("roles") if r in known) or ()


@bp.get("/")
def index():
    """Users, or for an administrator of the calendar alone the calendar; whoever may open
    neither is refused there."""
    if current_actor().can(Permission.ADMIN_USERS):
        return redirect(url_for("admin.users"))
    return redirect(url_for("admin.calendar_page"))


# What the person forms' inputs say of the rules the server keeps (engine.usecases.people,
# sign_in): the browser's hints, derived from the same constants.
LIMITS = {
    "name": people.NAME_MAX,
    "text": people.TEXT_MAX,
    "email": people.EMAIL_MAX,
    "password": sign_in.PASSWORD_MIN_LENGTH,
}


def _typed() -> dict:
    """The person form as typed, to show it again with its errors (the password aside)."""
    values = {k: v for k, v in request.form.items() if k not in ("password", "csrf_token")}
    return values | {"roles": request.form.getlist("roles")}


def _users_page(errors: dict | None = None, values: dict | None = None, status: int = 200):
    s = database.session()
    return render_template(
        "admin/users.html",
        users=people.list_users(s, current_actor()),
        departments=people.list_departments(s, current_actor()),
        roles=[r.value for r in Role],
        errors=field_messages(errors or {}),
        values=values or {},
        limits=LIMITS,
    ), status


@bp.get("/users")
def users():
    return _users_page()


@bp.post("/users")
def create_user():
    form = request.form
    try:
        with database.session_factory().begin() as s:
            people.create_user(
                s,
                current_actor(),
                form.get("username", "").strip(),
                form.get("password", ""),
                display_name=form.get("display_name", ""),
                roles=_roles(),
                department=form.get("department") or None,
                email=form.get("email") or None,
                phone=form.get("phone") or None,
                district=form.get("district") or None,
                must_change_password=form.get("must_change") == "true",
            )
    except InvalidData as exc:
        return _users_page(exc.field_errors, _typed(), 422)
    flash(_("已创建用户 %(name)s。", name=form.get("username")), "success")
    return redirect(url_for("admin.users"))


def _user_page(
    username: str,
    errors: dict | None = None,
    values: dict | None = None,
    status: int = 200,
    refused: str | None = None,
):
    """A user's page; ``values``: the form as typed, shown again with its ``errors``;
    ``refused``: which of its forms they are about (``user`` or ``password``; ``deactivate``:
    the user form, its deactivation of someone holding tasks to confirm), the one that opens on
    the error summary. The tasks the person holds are listed, each a link, whoever holds some."""
    s = database.session()
    user = people.get_user(s, current_actor(), username)
    held = people.held_tasks(s, current_actor(), username)
    stored = {
        "display_name": user.display_name,
        "email": user.email or "",
        "phone": user.phone or "",
        "district": user.district or "",
        "department": user.department,
        "roles": list(user.roles),
        "timezone": user.timezone,
        "active": "true" if user.active else "",
    }
    return render_template(
        "admin/user.html",
        user=user,
        values=values if values is not None else stored,
        departments=people.list_departments(s, current_actor()),
        roles=[r.value for r in Role],
        zones=zone_options(),
        default_zone=timezones.DEFAULT_TIMEZONE,
        errors=form_errors(errors or {}),
        limits=LIMITS,
        refused=refused,
        held=held,
    ), status


@bp.get("/users/<username>")
def user(username: str):
    return _user_page(username)


@bp.post("/users/<username>")
def update_user(username: str):
    form = request.form
    try:
        with database.session_factory().begin() as s:
            people.update_user(
                s,
                current_actor(),
                username,
                display_name=form.get("display_name", ""),
                email=form.get("email"),
                roles=_roles(),
                department=form.get("department") or None,
                active=form.get("active") == "true",
                timezone=form.get("timezone"),
                phone=form.get("phone"),
                district=form.get("district"),
                # the page asks first when the person holds tasks (its box: confirm_deactivate)
                holder_confirmed=form.get("confirm_deactivate") == "true",
            )
    except InvalidData as exc:
        return _user_page(username, exc.field_errors, _typed(), 422, refused="user")
    except people.HoldsTasks:
        return _user_page(username, None, _typed(), 422, refused="deactivate")
    flash(_("已保存用户 %(name)s。", name=username), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<username>/password")
def set_password(username: str):
    try:
        with database.session_factory().begin() as s:
            sign_in.set_password(
                s,
                current_actor(),
                username,
                request.form.get("password", ""),
                must_change=request.form.get("must_change") == "true",
            )
    except InvalidData as exc:
        return _user_page(username, exc.field_errors, status=422, refused="password")
    flash(_("已重设 %(name)s 的密码。", name=username), "success")
    return redirect(url_for("admin.user", username=username))


# The address the password form posts to: a refused password is said on the page at that
# address, which a reload or a reopened tab asks for again: the user's page, not 405.
@bp.get("/users/<username>/password")
def password_form_address(username: str):
    return redirect(url_for("admin.user", username=username), 303)


def clash_text(clash: people.UnitClash) -> str:
    """A stored unit's name that is another unit's code or name, or a role's code (kept from
    before the units page refused it), said with what it does and what to do."""
    if clash.other_code is None:
        return _(
            "单位“%(name)s”（%(code)s）的名称是角色“%(role)s”的代码：流程交给该角色的任务，"
            "这个单位的人也会收到。请为这个单位改名。",
            name=clash.name,
            code=clash.code,
            role=role_names().get(clash.name, clash.name),
        )
    return _(
        "单位“%(name)s”（%(code)s）的名称与单位“%(other)s”（%(other_code)s）的代码或名称相同："
        "流程交给“%(name)s”的任务，两个单位的人都会收到。请为其中一个改名。",
        name=clash.name,
        code=clash.code,
        other=clash.other_name,
        other_code=clash.other_code,
    )


def _departments_page(errors: dict | None = None, values: dict | None = None, status: int = 200):
    overview = people.units_overview(database.session(), current_actor())
    return render_template(
        "admin/departments.html",
        departments=overview.units,
        clashes=[clash_text(c) for c in overview.clashes],
        people=overview.names,  # heads and contact officers by name, their user names on hover
        errors=field_messages(errors or {}),
        values=values or {},
        limits=LIMITS,
    ), status


@bp.get("/departments")
def departments():
    return _departments_page()


@bp.post("/departments")
def save_department():
    form = request.form
    try:
        with database.session_factory().begin() as s:
            people.save_department(
                s,
                current_actor(),
                form.get("code", ""),
                form.get("name", ""),
                # left empty: as it is (the page says so), as an empty cell of the units file
                head=form.get("head", "").strip() or None,
                contact=form.get("contact", "").strip() or None,
            )
    except InvalidData as exc:
        return _departments_page(exc.field_errors, form.to_dict(), 422)
    flash(_("已保存单位。"), "success")
    return redirect(url_for("admin.departments"))


calendar.register(bp)  # 工作日历 and 期限设置 (web/views/calendar.py)
