"""The database for the app: one engine and two session factories per app (writers, and
readers that never take SQLite's write lock), one read-only session per request."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, make_session_factory

EXTENSION = "congressflow.db"
READ_ONLY_EXTENSION = "congressflow.db.read_only"


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[EXTENSION] = make_session_factory(engine)
    app.extensions[READ_ONLY_EXTENSION] = make_session_factory(engine, read_only=True)
    app.teardown_appcontext(_close_session)


def session_factory(app: Flask | None = None, *, read_only: bool = False) -> sessionmaker:
    """Sessions for writers (``BEGIN IMMEDIATE`` on SQLite), or with ``read_only`` for code
    known never to write (storage.db.make_session_factory)."""
    return (app or current_app).extensions[READ_ONLY_EXTENSION if read_only else EXTENSION]


def engine(app: Flask | None = None) -> Engine:
    bind = session_factory(app).kw["bind"]
    assert isinstance(bind, Engine)
    return bind


def session() -> Session:
    """This request's session, read-only (opened on first use, closed at teardown): who is
    signed in or holds the token, and what a page or an API read shows, in one
    transaction that never writes. Writes go through ``session_factory().begin()``."""
    if "db_session" not in g:
        g.db_session = session_factory(read_only=True)()
    return g.db_session


def end_read() -> None:
    """End this request's read transaction, if one is open (its connection goes back to the
    pool): before a write, so that a request never holds two connections, nor an old
    snapshot, while it writes."""
    db_session = g.get("db_session")
    if db_session is not None and db_session.in_transaction():  # authentication reads before any
        db_session.commit()


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
