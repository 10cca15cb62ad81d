"""Sign in, sign out, switch language."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import SQLAlchemyError

from engine.usecases import sign_in

from .. import database
from ..auth import SESSION_VERSION, SignedInUser
from ..i18n import LANG_COOKIE, LANGUAGES
from ..security import checks_password, password_slot, start_session, wrong_password

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site (no scheme, no host, not protocol-relative)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


@bp.route("/login", methods=["GET", "POST"])
@checks_password
def login():
    error = None
    username = request.form.get("username", "")
    if request.method == "POST":
        with password_slot(), database.session_factory()() as s:
            user = sign_in.authenticate(s, username, request.form.get("password", ""))
            signed_in = SignedInUser.of(user) if user is not None else None
        if signed_in is not None:
            start_session()
            session[SESSION_VERSION] = signed_in.session_version
            login_user(signed_in)
            return redirect(safe_next(request.args.get("next"), url_for("inbox.index")))
        wrong_password()
        error = _("用户名或密码不正确。")
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, username=username), status


@bp.post("/logout")
def logout():
    """Sign out: this session, and every other session of the account (a copied cookie
    included). Signing out works even when the database refuses the write."""
    if current_user.is_authenticated:
        try:
            with database.session_factory().begin() as s:
                sign_in.sign_out(s, current_user.actor)
        except SQLAlchemyError:
            log.warning(
                "%s signed out, but the other sessions could not be ended", current_user.get_id(), exc_info=True
            )
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in LANGUAGES:
        code = "zh_CN"
    session["lang"] = code
    response = redirect(safe_next(request.args.get("next"), url_for("inbox.index")))
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, httponly=True, samesite="Lax")
    return response
