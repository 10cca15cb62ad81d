"""Security for every page: CSRF tokens on every form, response headers, sessions that
expire (idle: PERMANENT_SESSION_LIFETIME; absolute: SESSION_MAX_HOURS after sign-in), and
password checks that guessers cannot use to take the server down.

Password checks (sign-in, changing one's password) are throttled with Flask-Limiter: per
account (the name submitted, or the signed-in user) and per client address, in growing
windows, counting only wrong passwords, and checked before the view runs, so that a
throttled request costs no hash. The counts are kept in memory, or in Redis when
RATELIMIT_STORAGE_URI names one (needed when several server processes share the work); while
that Redis cannot be reached, each process counts in its own memory and sign-in goes on.
Apart from that, at most SIGNIN_CONCURRENT_HASHES verifications run at once: a request
beyond them is answered 503 at once, so that guessers from many addresses still cannot
take every server thread and both cores."""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial, wraps
from typing import Any, cast

from flask import Flask, Request, Response, current_app, g, has_app_context, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFProtect
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import ServiceUnavailable

from .errors import handle_http_error

csrf = CSRFProtect()
log = logging.getLogger(__name__)

SLOTS = "congressflow.password_slots"
THROTTLED = "too many wrong passwords: wait, then try again"


def client_address() -> str:
    """The address a request comes from: behind reverse proxies, the client's as they pass
    it on once ``PROXY_HOPS`` says how many there are (web/__init__.py)."""
    return f"address:{request.remote_addr or 'unknown'}"


def account_key() -> str:
    """The account a password check is about: the name a sign-in submits (stripped and
    lower-cased, so that "Admin " counts with "admin"), else the signed-in user."""
    if "username" in request.form:
        return "account:" + request.form["username"].strip().lower()
    return "account:" + (current_user.get_id() if current_user.is_authenticated else "")


LIMITER = "congressflow.limiter"


def limiter_of(app: Flask) -> Limiter:
    """The app's own limiter: its counts are this app's (or its Redis's), never those of
    another app in the same process."""
    return cast(Limiter, app.extensions[LIMITER])


def wrong_password() -> None:
    """Count this request against the password-check limits."""
    g.wrong_password = True


def _was_wrong(_response: Response) -> bool:
    return bool(g.get("wrong_password"))


def checks_password(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that checks a password (it calls ``wrong_password`` on a wrong one):
    ``throttle_password_checks`` puts the app's limits in front of it."""
    view.checks_password = True  # type: ignore[attr-defined]
    return view


def throttle_password_checks(app: Flask) -> None:
    """Once the views are registered: limit the POSTs of every view marked
    ``checks_password`` per account and per client address, with this app's limiter."""
    limiter = limiter_of(app)
    per_account = limiter.limit(
        lambda: current_app.config["SIGNIN_LIMITS_PER_ACCOUNT"],
        key_func=account_key,
        methods=["POST"],
        deduct_when=_was_wrong,
        error_message=THROTTLED,
    )
    per_address = limiter.limit(
        lambda: current_app.config["SIGNIN_LIMITS_PER_ADDRESS"],
        key_func=client_address,
        methods=["POST"],
        deduct_when=_was_wrong,
        error_message=THROTTLED,
    )
    for endpoint, view in list(app.view_functions.items()):
        if getattr(view, "checks_password", False):
            app.view_functions[endpoint] = per_address(per_account(view))


@contextmanager
def password_slot() -> Iterator[None]:
    """Hold one of the SIGNIN_CONCURRENT_HASHES slots while verifying or making a password
    hash; none free: 503 at once, without hashing (the client tries again a moment later)."""
    slots: threading.BoundedSemaphore = current_app.extensions[SLOTS]
    if not slots.acquire(blocking=False):
        raise ServiceUnavailable("too many password checks at once; try again in a moment", retry_after=1)
    try:
        yield
    finally:
        slots.release()


def _throttled(exc: RateLimitExceeded) -> Any:
    """429 as the app's error page (or JSON), with Retry-After: when the last limit this
    request broke lets the next attempt through."""
    now = time.time()
    waits = [limit.reset_at - now for limit in limiter_of(current_app).current_limits if limit.breached]
    exc.retry_after = max(1, math.ceil(max(waits, default=1)))
    return handle_http_error(exc)


CONTENT_SECURITY_POLICY = "; ".join(
    (
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
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


_HEADERS_BY_KEY = [(name.lower(), name, value) for name, value in HEADERS.items()]


def _add_headers(response: Response) -> Response:
    """The headers a route has not set itself (the attachment view sets its own policy):
    one pass over the response's (``setdefault`` would scan them once per header)."""
    headers = response.headers
    present = {key.lower() for key, _value in headers}
    for key, name, value in _HEADERS_BY_KEY:
        if key not in present:
            headers.add(name, value)
    return response


def _expire_old_sessions() -> None:
    """Sign out a session older than SESSION_MAX_HOURS, however active it was."""
    from flask import current_app

    signed_in_at = session.get("signed_in_at")
    if not signed_in_at or not current_user.is_authenticated:
        return
    limit = timedelta(hours=current_app.config["SESSION_MAX_HOURS"])
    if datetime.now(UTC) - datetime.fromisoformat(signed_in_at) > limit:
        logout_user()
        session.clear()


_SAID_COOKIE_NOT_SECURE = threading.Event()  # once per process


def _warn_of_a_cookie_sent_in_clear() -> None:
    """Registered while SESSION_COOKIE_SECURE is false: the first request of this process that
    came over HTTPS (as the connection, or a trusted proxy's X-Forwarded-Proto, says) shows
    that the site is served over HTTPS, and its session cookie may then be sent in clear too
    (to the same site over HTTP): said once, as the setting to change."""
    if _SAID_COOKIE_NOT_SECURE.is_set() or not request.is_secure:
        return
    _SAID_COOKIE_NOT_SECURE.set()
    log.warning(
        "a request came over HTTPS, but the session cookie is set without Secure and a browser"
        " would send it over plain HTTP too: set CONGRESSFLOW_SESSION_COOKIE_SECURE=true"
    )


def start_session() -> None:
    """Call at sign-in: a fresh, permanent (expiring) session."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = True
    session["signed_in_at"] = datetime.now(UTC).isoformat()


class Defaults:
    """Loaded before the environment and the test config, which may override any of them."""

    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)  # idle expiry
    SESSION_MAX_HOURS = 12  # absolute expiry after sign-in
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "congressflow_session"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024  # uploads: attachments are limited to 10 MB
    SESSION_COOKIE_SECURE = False  # true when the site is served over HTTPS (it should be)
    # Failed password checks allowed, per account and per client address (one office
    # behind one address shares its limits), in growing windows: limits-library notation.
    SIGNIN_LIMITS_PER_ACCOUNT = "5 per minute; 10 per 15 minutes; 20 per hour; 50 per day"
    SIGNIN_LIMITS_PER_ADDRESS = "20 per minute; 50 per 15 minutes; 100 per hour; 300 per day"
    SIGNIN_CONCURRENT_HASHES = 2
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"  # or redis://host:6379/0 (pip install congressflow[redis])
    # The store unreachable (Redis stopped, restarting, never installed): each process counts
    # in its own memory until the store answers again, rather than refuse every sign-in with a
    # 500. Open, not closed: a guesser then gets the limits once per process instead of once in
    # all, each guess still an Argon2 hash, SIGNIN_CONCURRENT_HASHES at a time, on an intranet;
    # closed, a counter's outage would lock every officer out. The switch is logged once per
    # outage (``_ReportStoreOutage``); Flask-Limiter asks the store again at growing intervals
    # and goes back to it when it answers. An error still met (the store failing between a
    # request's check and its count) is swallowed: the request goes on, uncounted.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True


FELL_BACK = "Rate limit storage unreachable"  # how Flask-Limiter says it counts in memory now


class _ReportStoreOutage(logging.Filter):
    """Flask-Limiter says that its store went away (once, until it answers again) on a logger
    of its own that has only a NullHandler: unless the process set up logging, no server log
    would show it. Said again on this module's logger, which reaches the server's log like the
    app's other warnings, with the store named (its password left out)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith(FELL_BACK):
            log.warning(
                "the sign-in limits' store %s is unreachable: each process counts wrong passwords"
                " in its own memory until it answers again",
                _store_named(),
            )
        return True


def _store_named() -> str:
    uri = str(current_app.config.get("RATELIMIT_STORAGE_URI")) if has_app_context() else "(unknown)"
    return re.sub(r"//[^/@]*@", "//", uri)


def _report_store_outages() -> None:
    """Once per process: the filter is on Flask-Limiter's logger, which every app shares."""
    limiter_log = logging.getLogger("flask-limiter")
    if not any(isinstance(f, _ReportStoreOutage) for f in limiter_log.filters):
        limiter_log.addFilter(_ReportStoreOutage())


def _limiter_hooks_for_password_checks_only(app: Flask, limiter: Limiter) -> None:
    """Every limit is on the POSTs of the views that check a password
    (``throttle_password_checks``), yet Flask-Limiter runs its three request hooks on every
    request, each time only to find no limit that applies (a tenth of an authenticated read's
    time, a tenth of a millisecond of an API write's): they run for those POSTs alone."""

    def owned(hook: Any) -> bool:
        bound = getattr(hook, "__self__", None)
        return bound is limiter or (isinstance(hook, partial) and limiter in hook.args)

    def limited() -> bool:
        if request.method != "POST":
            return False
        view = current_app.view_functions.get(request.endpoint or "")
        return bool(getattr(view, "checks_password", False))

    def before(hook: Callable[[], Any]) -> Callable[[], Any]:
        return wraps(hook)(lambda: hook() if limited() else None)

    def after(hook: Callable[[Response], Response]) -> Callable[[Response], Response]:
        return lambda response: hook(response) if limited() else response

    def teardown(hook: Callable[[BaseException | None], None]) -> Callable[[BaseException | None], None]:
        return lambda error: hook(error) if limited() else None

    for hooks, guard in (
        (app.before_request_funcs, before),
        (app.after_request_funcs, after),
        (app.teardown_request_funcs, teardown),
    ):
        chain: list[Any] = hooks.get(None, [])
        hooks[None] = [guard(h) if owned(h) else h for h in chain]  # type: ignore[arg-type]


class _Session(SecureCookieSession):
    """``signed_at``: when the cookie it was read from was signed (seconds since the epoch);
    None for a session with no cookie yet."""

    signed_at: float | None = None


# A session that did not change has its cookie signed again (its idle expiry pushed back) at
# most this often: signing it at every request was a tenth of a signed-in API read. The idle
# expiry (PERMANENT_SESSION_LIFETIME, hours) moves by this much at the most.
REFRESH_AFTER_S = 60


class _SessionInterface(SecureCookieSessionInterface):
    """An API request with a bearer token is a program's, not a browser's: no session cookie
    is read or written for it (verifying and signing one is a tenth of such a request). Any
    other request (a page, the API with the session cookie, a proxy's basic authentication)
    has its session as always, its cookie signed again when it changed or REFRESH_AFTER_S
    after it was last signed."""

    session_class = _Session

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's, made once per key (it made one for reading and one for writing at every
        request); it keeps no state between uses."""
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        found = self._serializers.get(keys)
        if found is None:
            found = super().get_signing_serializer(app)
            if found is None:
                return None
            self._serializers[keys] = found
        return found

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith("/api/") and request.headers.get("Authorization", "")[:7].lower() == "bearer ":
            return self.make_null_session(app)
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        try:  # as Flask reads it, and when it was signed
            data, signed = serializer.loads(
                cookie, max_age=int(app.permanent_session_lifetime.total_seconds()), return_timestamp=True
            )
        except BadSignature:
            return self.session_class()
        opened = self.session_class(data)
        opened.signed_at = signed.timestamp()
        return opened

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or time.time() - signed_at >= REFRESH_AFTER_S


def init_app(app: Flask) -> None:
    app.session_interface = _SessionInterface()
    # SESSION_COOKIE_SECURE is a boolean by now: "True", "yes", "off" read, anything else
    # refused at start (web/configuration.py)
    # a whole number, 1 or more, as the sign-in limits are valid ones (web/configuration.py)
    app.extensions[SLOTS] = threading.BoundedSemaphore(int(app.config["SIGNIN_CONCURRENT_HASHES"]))
    # one limiter per app; every limit is evaluated (not only up to the first breached) for
    # the Retry-After; the counts are in memory unless RATELIMIT_STORAGE_URI names a Redis
    limiter = Limiter(key_func=client_address, fail_on_first_breach=False)
    # every limit is on the POSTs that check a password (throttle_password_checks): other
    # requests skip its checks
    limiter.request_filter(lambda: request.method != "POST")
    limiter.init_app(app)
    _limiter_hooks_for_password_checks_only(app, limiter)
    _report_store_outages()
    app.extensions[LIMITER] = limiter
    app.register_error_handler(RateLimitExceeded, _throttled)
    csrf.init_app(app)
    app.before_request(_expire_old_sessions)
    if not app.config["SESSION_COOKIE_SECURE"]:
        app.before_request(_warn_of_a_cookie_sent_in_clear)
    app.after_request(_add_headers)
