"""Sign in, sign out, switch language. Each sign-in attempt is audited with the client's
address and browser (engine.usecases.sign_in), the attempts the password-check limits refuse
(web.security) included, at most once a minute per name and address."""

from __future__ import annotations

import logging
import threading
import time
from typing import cast
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import SQLAlchemyError

from engine.usecases import people, sign_in

from .. import database
from ..auth import SESSION_VERSION, SignedInUser
from ..i18n import LANGUAGES, remember_language
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
        try:
            with password_slot(), database.session_factory()() as s:
                user = sign_in.authenticate(s, username, request.form.get("password", ""), _client())
                signed_in = SignedInUser.of(user) if user is not None else None
                language = user.language if user is not None else None  # chosen on another browser
        # (the password was right: neither counts against the password-check limits)
        except sign_in.Deactivated:
            error = _("此账号已停用，不能登录。如需恢复使用，请联系系统管理员。")
            return render_template("auth/login.html", error=error, username=username), 403
        except sign_in.TokenOnly:
            error = _("此账号供监控系统凭 API 令牌读取运行指标，不能登录网页。")
            return render_template("auth/login.html", error=error, username=username), 403
        if signed_in is not None:
            start_session()
            session[SESSION_VERSION] = signed_in.session_version
            login_user(signed_in)
            response = redirect(safe_next(request.args.get("next"), url_for("inbox.index")))
            if language in LANGUAGES:  # the account's language, wherever it was chosen
                remember_language(response, language)
            return response
        wrong_password()
        error = _("用户名或密码不正确。")
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, username=username), status


def _client() -> sign_in.Client:
    """The client of this request: its address as the proxies in front pass it on
    (``PROXY_HOPS``), and its user agent."""
    return sign_in.Client(request.remote_addr or "", request.headers.get("User-Agent", ""))


THROTTLE_NOTES = "congressflow.sign_in_throttle_notes"


class ThrottleNotes:
    """When each (name, address) last had a throttled sign-in audited in this process: a
    guesser refused many times a second must not cost a database write each time (the
    limits answer without a hash for that very reason), so a refusal is recorded again only
    ``every`` seconds later. Holds at most ``most`` pairs: beyond, it starts over (a flood of
    names then costs one write per pair and minute, as the limits allow)."""

    def __init__(self, every: float = 60.0, most: int = 10_000):
        self.every, self.most = every, most
        self._last: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def due(self, name: str, address: str) -> bool:
        """Whether a refusal of ``name`` from ``address`` is to be recorded now (and noted so)."""
        key, now = (name.strip().lower(), address), time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.every:
                return False
            if len(self._last) >= self.most:
                self._last.clear()
            self._last[key] = now
            return True


def _throttle_notes() -> ThrottleNotes:
    return cast(ThrottleNotes, current_app.extensions.setdefault(THROTTLE_NOTES, ThrottleNotes()))


@bp.after_request
def _audit_throttled_sign_in(response: Response) -> Response:
    """A sign-in the password-check limits refused (429, answered before the view ran) goes
    into the audit log under the name tried, with the client and how long it must wait."""
    if request.endpoint != "auth.login" or request.method != "POST" or response.status_code != 429:
        return response
    username, client = request.form.get("username", ""), _client()
    if _throttle_notes().due(username, client.address):
        retry_after = response.headers.get("Retry-After", "")
        with database.session_factory()() as s:
            sign_in.record_throttled(s, username, client, int(retry_after) if retry_after.isdigit() else None)
    return response


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
def switch_language(code: str):
    """A link to the pages in ``code`` (a bookmark, the sign-in page's language link): this
    browser reads them so from now on, and nothing else changes. A GET changes no account: a
    page of another site could send anyone's browser here."""
    response = redirect(safe_next(request.args.get("next"), url_for("inbox.index")))
    remember_language(response, _known_language(code))
    return response


@bp.post("/lang/<code>")
def set_language(code: str):
    """The header's language button (a form, so the CSRF check guards it): this browser reads
    the pages in ``code``; a signed-in person's account remembers it too, so that their
    notification e-mails are written in it and their next sign-in, anywhere, opens in it (as
    我的设置's language does). A database refusing the write leaves the pages switched all the same."""
    code = _known_language(code)
    response = redirect(safe_next(request.form.get("next"), url_for("inbox.index")))
    remember_language(response, code)
    if current_user.is_authenticated:
        try:
            with database.session_factory().begin() as s:
                people.set_language(s, current_user.actor, current_user.get_id(), code)
        except SQLAlchemyError:
            log.warning("%s's language could not be remembered", current_user.get_id(), exc_info=True)
    return response


def _known_language(code: str) -> str:
    return code if code in LANGUAGES else "zh_CN"
