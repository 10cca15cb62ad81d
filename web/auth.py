"""Who is signed in: Flask-Login sessions, and the engine Actor of the current user."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable

from flask import Flask, abort, g
from flask_login import LoginManager, current_user

from engine.usecases.context import Actor
from storage import repositories as repo
from storage.models import User

from . import database

login_manager = LoginManager()


@dataclass
class SignedInUser:
    """What Flask-Login keeps for a request: plain data, no ORM object across requests."""

    id: str
    display_name: str
    department: str | None
    actor: Actor
    timezone: str | None = None     # an IANA name; None: the default (Asia/Shanghai)
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return self.id

    @classmethod
    def of(cls, user: User) -> SignedInUser:
        return cls(id=user.username, display_name=user.display_name,
                   department=user.department.name if user.department else None,
                   actor=Actor.of(user),
                   timezone=user.timezone)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.user_loader(_load_user)


def _load_user(username: str) -> SignedInUser | None:
    # A short session of its own: the request's session stays free for the route, and no
    # read transaction is left open while the route writes in another one (on SQLite a
    # transaction takes the write lock up front, see storage.db).
    with database.session_factory()() as session:
        user = repo.user_by_name(session, username)
        return SignedInUser.of(user) if user is not None and user.active else None


def current_actor() -> Actor:
    """The acting person of this request (session or API token); 401 when nobody is."""
    actor = g.get("api_actor")
    if actor is not None:
        return actor
    if not current_user.is_authenticated:
        abort(401)
    return current_user.actor


def roles_required(*roles: str) -> Callable:
    """Allow the view to users who have at least one of ``roles``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_actor().has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
