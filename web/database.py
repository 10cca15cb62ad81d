"""The database for the app: one engine and session factory per app, one session per request."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, make_session_factory

EXTENSION = "congressflow.db"


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[EXTENSION] = make_session_factory(engine)
    app.teardown_appcontext(_close_session)


def session_factory(app: Flask | None = None) -> sessionmaker:
    return (app or current_app).extensions[EXTENSION]


def engine(app: Flask | None = None) -> Engine:
    bind = session_factory(app).kw["bind"]
    assert isinstance(bind, Engine)
    return bind


def session() -> Session:
    """This request's session (opened on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = session_factory()()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
