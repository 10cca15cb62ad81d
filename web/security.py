"""Security for every page: CSRF tokens on every form, response headers, sessions that
expire (idle: PERMANENT_SESSION_LIFETIME; absolute: SESSION_MAX_HOURS after sign-in)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Flask, Response, session
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    # bpmn-js writes style attributes on the SVG it draws
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _expire_old_sessions() -> None:
    """Sign out a session older than SESSION_MAX_HOURS, however active it was."""
    from flask import current_app

    signed_in_at = session.get("signed_in_at")
    if not signed_in_at or not current_user.is_authenticated:
        return
    limit = timedelta(hours=current_app.config["SESSION_MAX_HOURS"])
    if datetime.now(timezone.utc) - datetime.fromisoformat(signed_in_at) > limit:
        logout_user()
        session.clear()


def start_session() -> None:
    """Call at sign-in: a fresh, permanent (expiring) session."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = True
    session["signed_in_at"] = datetime.now(timezone.utc).isoformat()


class Defaults:
    """Loaded before the environment and the test config, which may override any of them."""

    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)   # idle expiry
    SESSION_MAX_HOURS = 12                            # absolute expiry after sign-in
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "congressflow_session"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024  # uploads: attachments are limited to 10 MB


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.before_request(_expire_old_sessions)
    app.after_request(_add_headers)
