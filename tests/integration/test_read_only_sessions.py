"""Read-only sessions (storage.db): they never take SQLite's write lock and refuse to write,
on SQLite and PostgreSQL; writers still take the lock at their start; the best-effort write
gives up instead of waiting. Each test runs on both databases (``db_url``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from storage import db as storage_db
from storage.db import Busy, make_engine, make_session_factory, write_unless_busy
from storage.models import Department

SHORT_BUSY_TIMEOUT = 0.3  # seconds: a test that waited for a lock fails fast instead of hanging


@pytest.fixture
def engine(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setattr(storage_db, "SQLITE_BUSY_TIMEOUT_SECONDS", SHORT_BUSY_TIMEOUT)
    # one pooled connection (on SQLite one for the readers, one for the writers)
    made = make_engine(db_url, pool_size=1, max_overflow=0)
    with make_session_factory(made).begin() as session:
        session.add(Department(code="finance", name="财政所"))
    yield made
    made.dispose()


@pytest.fixture
def holder(db_url: str) -> Iterator[Session]:
    """Another process's writer in the middle of its transaction: on SQLite it holds the
    write lock (BEGIN IMMEDIATE), on PostgreSQL the finance row, locked by an update."""
    other = make_engine(db_url)
    session = make_session_factory(other)()
    session.execute(update(Department).where(Department.code == "finance").values(name="财政所（改）"))
    yield session
    session.rollback()
    session.close()
    other.dispose()


def names(factory: sessionmaker) -> list[str]:
    with factory() as session:
        return list(session.scalars(select(Department.name)))


def test_a_reader_reads_while_another_writer_holds_its_locks(engine, holder):
    # the last committed state, at once (waiting would fail after the short busy timeout)
    assert names(make_session_factory(engine, read_only=True)) == ["财政所"]


def test_a_writer_waits_for_the_write_lock_from_its_start_on_sqlite(engine, holder, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL has no database-wide write lock")
    writers = make_session_factory(engine)
    with pytest.raises(DBAPIError, match="locked"):  # even one that begins by reading
        names(writers)


def test_a_read_only_session_refuses_to_write_and_a_writer_after_it_writes(engine, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite refuses (PRAGMA query_only); PostgreSQL's readers run in autocommit")
    readers, writers = make_session_factory(engine, read_only=True), make_session_factory(engine)
    with readers() as session, pytest.raises(DBAPIError, match="readonly"):
        session.execute(update(Department).values(name="x"))
    with writers.begin() as session:  # a writer still writes
        session.execute(update(Department).values(name="财政所 2"))
    assert names(readers) == ["财政所 2"]
    with readers() as session, pytest.raises(DBAPIError, match="readonly"):
        session.execute(update(Department).values(name="x"))


def test_readers_hold_no_transaction_between_statements_on_postgresql(engine, db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's autocommit readers")
    first_of_its_transaction = text("SELECT statement_timestamp() = transaction_timestamp()")
    with make_session_factory(engine, read_only=True)() as session:
        session.execute(select(Department.code)).all()
        assert session.execute(first_of_its_transaction).scalar() is True
    with make_session_factory(engine)() as session:  # the same pooled connection: a writer's transaction again
        session.execute(select(Department.code)).all()
        assert session.execute(first_of_its_transaction).scalar() is False


def test_a_write_unless_busy_gives_up_at_once_and_leaves_the_connection_usable(engine, holder, db_url):
    writers = make_session_factory(engine)
    with pytest.raises(Busy), write_unless_busy(writers) as session:
        session.execute(update(Department).where(Department.code == "finance").values(name="不等"))
    holder.rollback()
    with write_unless_busy(writers) as session:
        session.execute(update(Department).where(Department.code == "finance").values(name="后来写上"))
    assert names(writers) == ["后来写上"]
    if db_url.startswith("sqlite"):  # the pooled connection waits for the lock as before
        with engine.connect() as connection:
            timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        assert timeout == SHORT_BUSY_TIMEOUT * 1000


def test_sqlite_readers_have_a_pool_of_their_own_disposed_with_the_writers(db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's readers share the writers' pool (autocommit)")
    writers = make_engine(db_url)
    readers_engine = storage_db.engines_of(writers)[1]
    names(make_session_factory(writers, read_only=True))
    names(make_session_factory(writers))
    assert (readers_engine.pool.checkedin(), writers.pool.checkedin()) == (1, 1)  # one connection each
    writers.dispose()
    assert readers_engine.pool.checkedin() == 0
