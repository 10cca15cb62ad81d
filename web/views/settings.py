"""My settings: what the signed-in person chooses for themselves (the time zone their
dates are shown in, the language they read the pages and their notification e-mails in, and
whether notifications are e-mailed to them), their password and their personal API tokens
(接口令牌); and, to read only, the e-mail address notifications are sent to (the administrator
sets it)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import lru_cache

from babel.dates import get_timezone_location
from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.deadlines import timezones
from engine.errors import Conflict, FieldError, InvalidData
from engine.usecases import people, sign_in, tokens

from .. import database
from ..auth import SESSION_VERSION, current_actor
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES, remember_language
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


@dataclass(frozen=True)
class Choices:
    """The language and the e-mail switch as the page shows them: as stored, or as typed in a
    refused form. A language never chosen shows as Chinese, which it is."""

    language: str
    email_notices: bool

    @classmethod
    def stored(cls) -> Choices:
        found = people.notice_preferences(database.session(), current_actor())
        return cls(found.language or DEFAULT_LANGUAGE, found.email_notices)


def _email_notices(sent: list[str]) -> bool | None:
    """The e-mail switch: a hidden "0" before the checkbox's "1", so that a form carrying it
    says off as well as on; a form without it (a script's, an older page) leaves it alone."""
    return ("1" in sent) if sent else None


@dataclass(frozen=True)
class TokenForm:
    """The new-token form as typed (kept when it is refused): the expiry prefilled."""

    name: str = ""
    expires_in_days: str = str(tokens.DEFAULT_EXPIRY_DAYS)


def _page(
    zone: str,
    errors: dict[str, str] | None = None,
    status: int = 200,
    *,
    token_form: TokenForm | None = None,
    created: tokens.CreatedToken | None = None,
    choices: Choices | None = None,
):
    me = current_actor()
    return render_template(
        "settings/index.html",
        email=people.profile(database.session(), me).email,
        emails_sent=bool(current_app.config.get("SMTP_HOST")),  # without SMTP nothing is e-mailed
        zone=zone,
        choices=choices or Choices.stored(),
        languages=LANGUAGES,
        zones=zone_options(),
        errors=form_errors(errors or {}),
        my_tokens=tokens.list_tokens(database.session(), me, me.username),
        token_form=token_form or TokenForm(),
        created=created,
        max_expiry_days=tokens.MAX_EXPIRY_DAYS,
        token_form_id=secrets.token_urlsafe(12),
    ), status


def _zone() -> str:
    return people.profile(database.session(), current_actor()).timezone


@bp.get("/settings")
def index():
    return _page(_zone())


# The addresses the page's forms post to: a refused password or token, and a new token's
# secret, are said on the page at that address, which a reload or a reopened tab then asks for
# (GET): the page at that form, not 405. Nothing is made or changed, and a secret shown once
# is not shown again.
@bp.get("/settings/password")
def password_form_address():
    return redirect(url_for("settings.index", _anchor="password"), 303)


@bp.get("/settings/tokens")
@bp.get("/settings/tokens/<int(max=2147483647):token_id>/revoke")
def tokens_form_address(token_id: int | None = None):
    return redirect(url_for("settings.index", _anchor="tokens"), 303)


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
    """The time zone, the language (the pages then follow it too) and the e-mail switch."""
    form = request.form
    zone, language = form.get("timezone", ""), form.get("language")
    notices = _email_notices(form.getlist("email_notices"))
    try:
        with database.session_factory().begin() as s:
            now_in = people.save_settings(s, current_actor(), timezone=zone, language=language, email_notices=notices)
    except InvalidData as exc:
        stored = Choices.stored()
        typed = Choices(
            language if language is not None else stored.language,
            notices if notices is not None else stored.email_notices,
        )
        return _page(zone, exc.field_errors, 422, choices=typed)
    response = redirect(url_for("settings.index"))
    if language:
        remember_language(response, language)
        refresh()  # the message below in the language just chosen
    flash(_("已保存。日期将按 %(zone)s 时间显示。", zone=now_in), "success")
    return response


# a whole number as typed: a sign, then ASCII digits (a negative one is a number too few, not none)
_WHOLE_NUMBER = re.compile(r"([+-]?)([0-9]+)")


def _expiry_days(text: str) -> int | None:
    """The expiry field: empty for never, else a whole number of days (the use case checks
    its bounds)."""
    text = text.strip()
    if not text:
        return None
    found = _WHOLE_NUMBER.fullmatch(text)
    if found is None:
        raise InvalidData({"expires_in_days": FieldError("not_a_number")})
    sign, digits = found.groups()
    digits = digits.lstrip("0") or "0"  # leading zeros too are digits int() refuses by the thousand
    # more digits than int() reads (thousands) are as far past a bound as any number beyond it
    if len(digits) > 12:
        return 0 if sign == "-" else tokens.MAX_EXPIRY_DAYS + 1
    return int(sign + digits)


# The ids of the last new-token forms this browser sent that made a token (in its session):
# the page that shows the secret answers a POST, and reloading it would send the form again.
TOKEN_FORMS_SENT = "token_forms_sent"
TOKEN_FORMS_KEPT = 8


@bp.post("/settings/tokens")
def create_token():
    """Make one of my tokens: the page again, with the secret shown this once. The same form
    sent again (the page reloaded) makes none: the secret was shown, and a second token
    nobody asked for would stay valid unseen."""
    form = request.form
    form_id = form.get("form_id", "")
    sent = list(session.get(TOKEN_FORMS_SENT, []))
    if form_id and form_id in sent:
        flash(_("这张表单已提交过，令牌已经创建，密钥只显示那一次。如需另一个令牌，请重新填写表单。"), "warning")
        return redirect(url_for("settings.index", _anchor="tokens"))
    typed = TokenForm(form.get("name", ""), form.get("expires_in_days", ""))
    try:
        days = _expiry_days(typed.expires_in_days)
        with database.session_factory().begin() as s:
            created = tokens.create_token(s, current_actor(), current_actor().username, typed.name, days)
    except InvalidData as exc:
        return _page(_zone(), exc.field_errors, 422, token_form=typed)
    if form_id:
        session[TOKEN_FORMS_SENT] = [*sent, form_id][-TOKEN_FORMS_KEPT:]
    response = make_response(_page(_zone(), created=created))
    response.headers["Cache-Control"] = "no-store"  # the secret: not kept by the browser's cache
    return response


@bp.post("/settings/tokens/<int(max=2147483647):token_id>/revoke")
def revoke_token(token_id: int):
    """Revoke one of my tokens (someone else's does not exist here: 404)."""
    try:
        with database.session_factory().begin() as s:
            revoked = tokens.revoke_token(s, current_actor(), token_id)
    except Conflict:  # revoked meanwhile (another tab, the API): what was asked holds
        flash(_("此令牌已撤销过了。"), "warning")
    else:
        flash(_("已撤销令牌「%(name)s」：它已不能再使用。", name=revoked.name), "success")
    return redirect(url_for("settings.index", _anchor="tokens"))
