"""A select run straight on a pooled DBAPI connection (storage/driver_reads.py), on SQLite and
PostgreSQL: it gives the values a session's Core read gives (aware datetimes, booleans, enum
members), leaves the pooled connection as the pool's next user expects it, and fails as a
``Connection`` would (a database out of reach; a lost connection invalidated, the pool
connecting afresh)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import psycopg
import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from engine.access import OPERATOR
from engine.usecases import people, tokens
from storage.db import make_engine, make_session_factory
from storage.driver_reads import DriverRead
from storage.enums import Role
from storage.models import ApiToken, User, UserRole
from tests.integration.test_pool_pings import terminate
from tests.web.test_database_unavailable import closed_port
from tests.world import PASSWORD

_users, _roles, _tokens = User.__table__, UserRole.__table__, ApiToken.__table__
PERSON_WITH_TOKEN = (
    select(_users.c.username, _users.c.active, _roles.c.role, _tokens.c.last_used_at, _tokens.c.revoked_at)
    .select_from(_users.join(_roles, _roles.c.user_id == _users.c.id).join(_tokens, _tokens.c.user_id == _users.c.id))
    .where(_users.c.username == bindparam("username"))
    .order_by(_roles.c.role)
)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """One pooled connection at most: whatever a read leaves on it, the next use meets."""
    engine = make_engine(db_url, pool_size=1, max_overflow=0)
    with make_session_factory(engine).begin() as session:
        people.ensure_departments(session)
        people.create_user(session, OPERATOR, "clerk", PASSWORD, roles=("supervisor", "officer"), department="finance")
        tokens.create_token(session, OPERATOR, "clerk", "tests")
    with engine.begin() as connection:
        connection.execute(_tokens.update().values(last_used_at=datetime(2026, 12, 4, 9, 30, tzinfo=UTC)))
    yield engine
    engine.dispose()


def test_the_values_are_those_a_session_reads(engine):
    rows = DriverRead(PERSON_WITH_TOKEN).rows(engine, {"username": "clerk"})
    assert rows == [
        ("clerk", True, "officer", datetime(2026, 12, 4, 9, 30, tzinfo=UTC), None),
        ("clerk", True, "supervisor", datetime(2026, 12, 4, 9, 30, tzinfo=UTC), None),
    ]
    assert isinstance(rows[0][2], Role) and rows[0][3].tzinfo is UTC  # converted, not the stored text
    with make_session_factory(engine, read_only=True)() as session:
        assert [tuple(r) for r in session.execute(PERSON_WITH_TOKEN, {"username": "clerk"})] == rows
    assert DriverRead(PERSON_WITH_TOKEN).rows(engine, {"username": "nobody"}) == []


def test_parameters_go_through_their_types(engine):
    """An aware datetime is bound as its column's type binds it (on SQLite: UTC, naive), so a
    time given in Beijing compares with the stored UTC one."""
    used_before = DriverRead(
        select(_tokens.c.name).where(_tokens.c.last_used_at < bindparam("before", type_=_tokens.c.last_used_at.type))
    )
    beijing = timezone(timedelta(hours=8))
    assert used_before.rows(engine, {"before": datetime(2026, 12, 4, 17, 31, tzinfo=beijing)}) == [("tests",)]
    assert used_before.rows(engine, {"before": datetime(2026, 12, 4, 17, 29, tzinfo=beijing)}) == []


def in_a_transaction(engine: Engine) -> bool:
    """Whether the pool's one connection, as the next user gets it, is in a transaction, and
    (PostgreSQL) whether it would begin one at its next statement."""
    pooled = engine.raw_connection()
    try:
        driver = pooled.driver_connection
        if engine.dialect.name == "sqlite":
            return driver.in_transaction
        assert driver.autocommit is False  # as a writer's transaction expects it
        return driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
    finally:
        pooled.close()


def test_the_pooled_connection_goes_back_as_it_came(engine):
    DriverRead(PERSON_WITH_TOKEN).rows(engine, {"username": "clerk"})
    assert not in_a_transaction(engine)
    with make_session_factory(engine).begin() as session:  # a writer on the same connection
        session.execute(text("UPDATE users SET display_name = 'x' WHERE username = 'clerk'"))
    assert DriverRead(select(_users.c.display_name)).rows(engine, {}) == [("x",)]
    assert not in_a_transaction(engine)


def test_a_failing_statement_fails_as_sqlalchemys_and_leaves_the_connection_usable(engine):
    broken = DriverRead(select(text("no_such_column")).select_from(_users))
    with pytest.raises(DBAPIError) as failed:
        broken.rows(engine, {})
    assert not failed.value.connection_invalidated
    if engine.dialect.name == "postgresql":
        assert isinstance(failed.value, ProgrammingError)
    assert not in_a_transaction(engine)  # PostgreSQL: autocommit switched back although it failed
    assert len(DriverRead(PERSON_WITH_TOKEN).rows(engine, {"username": "clerk"})) == 2


def test_a_lost_connection_recycles_the_others_the_server_closed_with_it(db_url):
    """The server gone and back (every connection closed): the read that meets it fails once,
    and the pool's other connections from before are made afresh at their next checkout
    instead of each failing a request of its own."""
    if not db_url.startswith("postgresql"):
        pytest.skip("a SQLite file has no server to close a connection")
    engine = make_engine(db_url, pool_size=2, max_overflow=0)
    try:
        with engine.connect() as one, engine.connect() as two:
            before = {c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in (one, two)}
        for pid in before:
            terminate(pid)  # both back in the pool a moment ago: handed out unchecked
        read = DriverRead(select(text("pg_backend_pid()")))
        with pytest.raises(DBAPIError) as failed:
            read.rows(engine, {})
        assert failed.value.connection_invalidated
        after = {read.rows(engine, {})[0][0] for _ in range(3)}
        assert not after & before
    finally:
        engine.dispose()


def test_a_connection_made_afresh_is_read_on_a_cursor_of_its_own(db_url):
    """The pool keeps a cursor for each connection (storage.prepared.kept_cursor): when the
    connection is lost and the pool makes a new one in its place, reads run on a cursor of
    the new connection, not on the closed one's."""
    if not db_url.startswith("postgresql"):
        pytest.skip("a SQLite file has no server to close a connection")
    engine = make_engine(db_url, pool_size=1, max_overflow=0)  # one connection, always the same record
    try:
        read = DriverRead(select(text("pg_backend_pid()")))
        first = read.rows(engine, {})[0][0]  # its cursor kept
        terminate(first)
        with pytest.raises(DBAPIError) as failed:
            read.rows(engine, {})
        assert failed.value.connection_invalidated
        assert {read.rows(engine, {})[0][0] for _ in range(2)} - {first}
    finally:
        engine.dispose()


def test_a_database_out_of_reach_fails_as_sqlalchemys(db_url):
    """No connection to be had (a SQLite file in no folder, a port nobody listens on): the
    error SQLAlchemy gives for it, which the app answers 503 to, not the driver's own."""
    if db_url.startswith("sqlite"):
        nowhere = "sqlite:////nonexistent-directory/congressflow.db"
    else:
        nowhere = make_url(db_url).set(host="127.0.0.1", port=closed_port()).render_as_string(False)
    engine = make_engine(nowhere)
    try:
        with pytest.raises(OperationalError):
            DriverRead(PERSON_WITH_TOKEN).rows(engine, {"username": "clerk"})
    finally:
        engine.dispose()
