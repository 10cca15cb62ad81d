"""Who is signed in: Flask-Login sessions, and the engine Actor of the current user.

A session holds the session version of the account it began with; the account's version
is bumped when its user signs out, changes or is given a new password, or is deactivated,
and a session whose version differs is nobody's. The session is a signed cookie kept by
the browser, so this is what ends a copy of it too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask, Response, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user

from engine.access import Actor, Permission, may_sign_in_to_pages
from engine.errors import NotAllowed
from storage import principals
from storage.models import User
from storage.principals import Principal

from . import database
from .errors import json_error, wants_json

login_manager = LoginManager()

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # what never writes (the rest may)
SESSION_VERSION = "session_version"  # the key in the session: the account's version at sign-in

# What a user who must change their password may still reach: the page to change it,
# signing out, the language and what pages are made of.
OPEN_WHILE_PASSWORD_CHANGE_DUE = frozenset(
    {
        "settings.index",
        "settings.change_password",
        "auth.login",
        "auth.logout",
        "auth.set_language",
        "auth.switch_language",
        "static",
    }
)


@dataclass
class SignedInUser:
    """What Flask-Login keeps for a request: plain data, no ORM object across requests."""

    id: str
    display_name: str
    department: str | None
    actor: Actor
    timezone: str | None = None  # an IANA name; None: the default (Asia/Shanghai)
    session_version: int = 0
    must_change_password: bool = False
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return self.id

    @classmethod
    def of(cls, user: User | Principal) -> SignedInUser:
        return cls(
            id=user.username,
            display_name=user.display_name,
            department=user.department.name if user.department else None,
            actor=Actor.of(user),
            timezone=user.timezone,
            session_version=user.session_version,
            must_change_password=user.must_change_password,
        )


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.user_loader(_load_user)
    app.before_request(_require_password_change)


def _load_user(username: str) -> SignedInUser | None:
    # One indexed read in the request's read-only session (never SQLite's write lock), the
    # same transaction a page or an API read then goes on in; a write ends it first.
    user = principals.user_by_name(database.session(), username)
    if request.method not in SAFE_METHODS:
        database.end_read()
    if user is not None and not user.active and SESSION_VERSION in session:
        _say_deactivated()
        return None
    if user is None or not user.active or user.session_version != session.get(SESSION_VERSION):
        return None
    signed_in = SignedInUser.of(user)
    # a session begun before the account became one that signs in to no page (its roles
    # changed, or it was begun before this rule): it is nobody's either
    return signed_in if may_sign_in_to_pages(signed_in.actor) else None


def _say_deactivated() -> None:
    """A session of an account deactivated since it began is over: its user, sent to the
    sign-in page, is told why there, once (the session forgets it was theirs), rather than
    left to try a password that no longer opens anything."""
    session.pop(SESSION_VERSION, None)
    flash(_("您的账号已被停用，已退出登录。如需恢复使用，请联系系统管理员。"), "warning")


def _require_password_change() -> Response | None:
    """Until a user told to change their password has done so, every page sends them to
    the change form and the API (with the session) answers 403 password_change_required.
    A personal API token is not a password session: it goes on working (a bearer token on the
    API opens no session, so its request has nobody signed in here). Any other Authorization
    header (a proxy's basic authentication) leaves the session cookie in charge: it is asked."""
    if request.endpoint in OPEN_WHILE_PASSWORD_CHANGE_DUE or request.blueprint == "assets":
        return None
    if not current_user.is_authenticated:
        return None
    if not current_user.must_change_password:
        return None
    if wants_json():
        return json_error(
            403,
            "password_change_required",
            "an administrator asked you to change your password: do it on /settings first",
        )
    return redirect(url_for("settings.index", _anchor="password"))


def current_actor() -> Actor:
    """The acting person of this request (session or API token); 401 when nobody is."""
    actor = g.get("api_actor")
    if actor is not None:
        return actor
    if not current_user.is_authenticated:
        abort(401)
    return current_user.actor


def permission_required(permission: Permission, *others: Permission) -> Callable:
    """Close a whole area (a blueprint's before_request) to those without ``permission``
    (or one of ``others``); the use cases behind it check again, the access policy
    answering both."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if not any(actor.can(p) for p in (permission, *others)):
                # the access policy's refusal, so that the page names what is missing
                raise NotAllowed(
                    f"{actor.username} may not open {request.path} (needs the permission {permission.value})",
                    "needs_permission",
                    permission=permission.value,
                )
            return view(*args, **kwargs)

        return wrapper

    return decorator
