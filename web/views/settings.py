"""My settings: what the signed-in person chooses for themselves (the time zone their
dates are shown in) and their password."""

from __future__ import annotations

from functools import lru_cache

from babel.dates import get_timezone_location
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.deadlines import timezones
from engine.errors import FieldError, InvalidData
from engine.usecases import people, sign_in

from .. import database
from ..auth import SESSION_VERSION, current_actor
from ..security import checks_password, password_slot, wrong_password
from .formdata import field_messages

bp = Blueprint("settings", __name__)

# What the common zones are called here; the others by the place babel's CLDR data names in
# the reader's language (美国（纽约）时间), beside their IANA name.
ZONE_NAMES = {
    timezones.DEFAULT_TIMEZONE: _l("北京时间"),
    "Asia/Hong_Kong": _l("香港"),
    "Asia/Macau": _l("澳门"),
    "Asia/Taipei": _l("台北"),
    "Asia/Urumqi": _l("乌鲁木齐"),
}


def zone_options() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(the common zones, every other zone) for a time zone select, each with its name."""
    every = timezones.choices()
    common = [
        (z, ZONE_NAMES[z] + _("（%(text)s）", text=z) if z in ZONE_NAMES else z)
        for z in every
        if z in timezones.COMMON_TIMEZONES
    ]
    places = _places(str(get_locale() or "zh_CN"))
    return common, [(z, places[z] + _("（%(text)s）", text=z)) for z in every if z not in timezones.COMMON_TIMEZONES]


@lru_cache(maxsize=4)
def _places(locale: str) -> dict[str, str]:
    """Every zone's place in ``locale`` (about 600 names: worked out once per language)."""
    return {z: get_timezone_location(z, locale=locale) for z in timezones.choices()}


def form_errors(errors: dict[str, str]) -> dict[str, str]:
    """The engine's field messages in the user's language."""
    return field_messages(errors)


def _page(zone: str, errors: dict[str, str] | None = None, status: int = 200):
    return render_template(
        "settings/index.html", zone=zone, zones=zone_options(), errors=form_errors(errors or {})
    ), status


def _zone() -> str:
    return people.profile(database.session(), current_actor()).timezone


@bp.get("/settings")
def index():
    return _page(_zone())


@bp.post("/settings/password")
@checks_password
def change_password():
    """Change one's own password (the current one, the new one twice). The other sessions
    of the account end; this one goes on with the new session version."""
    form = request.form
    new = form.get("password", "")
    try:
        if new != form.get("password_repeat", ""):
            raise InvalidData({"password_repeat": FieldError("passwords_differ")})
        with password_slot(), database.session_factory().begin() as s:
            version = sign_in.change_password(s, current_actor(), form.get("current_password", ""), new)
    except InvalidData as exc:
        if "current_password" in exc.field_errors:
            wrong_password()
        return _page(_zone(), exc.field_errors, 422)
    session[SESSION_VERSION] = version
    flash(_("密码已修改。在其他地方的登录已失效。"), "success")
    return redirect(url_for("settings.index"))


@bp.post("/settings")
def save():
    zone = request.form.get("timezone", "")
    try:
        with database.session_factory().begin() as s:
            now_in = people.set_timezone(s, current_actor(), current_actor().username, zone)
    except InvalidData as exc:
        return _page(zone, exc.field_errors, 422)
    flash(_("已保存。日期将按 %(zone)s 时间显示。", zone=now_in), "success")
    return redirect(url_for("settings.index"))
