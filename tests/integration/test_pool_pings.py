"""PostgreSQL connections are checked before use only after being idle a while
(storage/pool_pings.py): one the pool got back a moment ago goes out unchecked; an idle one is
pinged and, when the server has closed it, replaced before anyone uses it; one closed within
the window fails its next statement once, and the pool then connects afresh."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from storage import pool_pings
from storage.db import make_engine
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = make_engine(PG_URL, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(engine: Engine, monkeypatch) -> list[object]:
    sent: list[object] = []
    own = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: sent.append(connection) or own(connection))
    return sent


def backend_of(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def terminate(pid: int) -> None:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    finally:
        admin.dispose()


def test_a_connection_back_a_moment_ago_goes_out_unchecked_an_idle_one_is_pinged(engine, pings, monkeypatch):
    first = backend_of(engine)
    assert backend_of(engine) == first and pings == []  # the same connection, used a moment ago
    monkeypatch.setattr(pool_pings, "PING_AFTER_IDLE_S", 0.0)  # every connection counts as idle
    assert backend_of(engine) == first and len(pings) == 1


def test_an_idle_connection_the_server_closed_is_replaced_before_use(engine, pings, monkeypatch):
    first = backend_of(engine)
    terminate(first)
    monkeypatch.setattr(pool_pings, "PING_AFTER_IDLE_S", 0.0)
    assert backend_of(engine) not in (first, None)  # no error: the ping found it closed
    assert len(pings) == 1


def test_one_closed_within_the_window_fails_once_then_the_pool_connects_afresh(engine, pings):
    first = backend_of(engine)
    terminate(first)
    with pytest.raises(DBAPIError) as failed:
        backend_of(engine)
    assert failed.value.connection_invalidated  # a disconnect: the request answers 503
    assert backend_of(engine) != first and pings == []


def test_the_connections_of_a_server_full_of_requests_stay_open_between_them():
    """Waitress's 8 request threads each hold a connection at once: all 8 come back to the
    pool and are given out again, none closed and opened anew (SQLAlchemy's own default of
    5 closed 3 of them each time, and the server forked a backend for each again)."""
    engine = make_engine(PG_URL)
    try:
        held = [engine.connect() for _ in range(8)]
        backends = {c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in held}
        for connection in held:
            connection.close()
        assert engine.pool.checkedin() == 8
        again = [engine.connect() for _ in range(8)]
        assert {c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in again} == backends
        for connection in again:
            connection.close()
    finally:
        engine.dispose()
