"""Declarative base, aware UTC timestamps and the engine/session factories."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from weakref import WeakKeyDictionary

from sqlalchemy import (
    JSON,
    DateTime,
    MetaData,
    Text,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import Connection, CursorResult, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.expression import Executable

from .pool_pings import ping_when_idle
from .wal_checkpoints import checkpoint_in_background

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always gives them back aware.

    SQLite has no time zone type; PostgreSQL's ``timestamptz`` would do it alone,
    but one type for both keeps the models honest on either database.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: every timestamp must be time-zone aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class JSONText(TypeDecorator[Any]):
    """JSON stored as UTF-8 text (no ``\\uXXXX`` escapes for Chinese)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        return None if value is None else json.loads(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONText(),
        JSON: JSONText(),
    }


def default_sqlite_url(instance_path: str | Path) -> str:
    path = Path(instance_path) / "congressflow.db"
    return f"sqlite:///{path}"


# Execution options (on an engine, a connection or a session's connection) saying what a
# transaction will do; read when it begins (see ``_configure_sqlite``).
READ_ONLY = "congressflow_read_only"  # never writes: a reader that never waits for nor holds a lock
NO_WAIT = "congressflow_no_wait"  # a write that gives up at once when SQLite's write lock is taken
SQLITE_BUSY_TIMEOUT_SECONDS = 30


class Busy(Exception):
    """A ``write_unless_busy`` write found the lock it needs taken: nothing was written."""


# Connections a process keeps to a database server between requests: the pool opens them only
# as requests ask, and closes any beyond this number when they come back (the overflow). A
# request holds one at a time; waitress's 8 threads and the scheduler's beside them stay
# within 10, where SQLAlchemy's 5 closed and opened a server process's backend again and
# again under load (3 to 10 times in 15 s at 16 clients, a fork on the server each time);
# a gunicorn worker's 2 threads (or 4) never reach it.
SERVER_POOL_SIZE = 10


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and
    ``BEGIN IMMEDIATE`` so that writers queue instead of failing mid-transaction
    (readers, see ``make_session_factory(read_only=True)``, begin deferred). Elsewhere the
    pool pings a connection only when it has been idle a while (``storage/pool_pings.py``)."""
    if url.startswith("sqlite"):
        timeout = kwargs.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_TIMEOUT_SECONDS)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, round(float(timeout) * 1000))
        if engine.url.database not in (None, "", ":memory:"):  # a memory database is one connection's
            _readers[engine] = _reader_pool(url, kwargs, round(float(timeout) * 1000), engine)
            checkpoint_in_background(engine, engine.url.database, round(float(timeout) * 1000))
        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", SERVER_POOL_SIZE)
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and "options" not in parsed.query:
        # PostgreSQL compiles a statement it estimates costly to machine code (JIT) before running
        # it: on a list of 100,000 cases that cost 1.25 s of a 1.5 s page for someone who does not
        # see every case, where running it took 50-170 ms (bench/desk.py). Every statement here
        # is short, so the compile never pays: off for this application's connections only.
        kwargs.setdefault("connect_args", {}).setdefault("options", "-c jit=off")
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        ping_when_idle(engine)  # instead of a ping at every checkout (storage/pool_pings.py)
    return engine


def missing_file(url: str) -> Path | None:
    """The SQLite database file ``url`` names, when it does not exist (None: it does, or the
    database is no file of ours: a server's, in memory, or a ``file:`` URI's): a command that
    only uses a database tells the operator rather than leave an empty file behind."""
    parsed = make_url(url)
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or path in (None, "", ":memory:") or parsed.query.get("uri"):
        return None
    return None if Path(path).exists() else Path(path)


def create_private_file(path: Path) -> None:
    """Make ``path`` an empty file only its owner may read and write (0600), unless it exists:
    a SQLite database, and a backup of one, hold petitioners' identities. SQLite then opens it
    as an empty database, and gives the -wal and -shm files it makes beside it the same mode."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:  # it exists; or SQLite says what is wrong (no such folder) when it opens it
        pass


_QUERY_ONLY = "congressflow_query_only"  # in a pooled connection's info: PRAGMA query_only is on


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    path = engine.url.database
    if path not in (None, "", ":memory:") and not engine.url.query.get("uri"):  # a file: URI opens a file made

        @event.listens_for(engine, "do_connect")
        def _private_file(*_args: Any) -> None:
            # made at the first connection, not with the engine: an app (the command line's,
            # a web worker's) made on a database file that is not there yet leaves none behind
            # unless it uses it (a command refuses first: web/cli)
            create_private_file(Path(path))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below start transactions, not pysqlite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        read_only = bool(options.get(READ_ONLY))
        # A reader's statement that would write fails ("attempt to write a readonly
        # database"): a path wrongly marked read-only shows in the tests, not as a writer
        # that takes the lock late and fails under load. Switched only when a pooled
        # connection changes role: SQLite prepares every statement again after a switch.
        record = connection.connection.info
        if record.get(_QUERY_ONLY, False) != read_only:
            connection.exec_driver_sql(f"PRAGMA query_only={'ON' if read_only else 'OFF'}")
            record[_QUERY_ONLY] = read_only
        if read_only:
            # Deferred: it neither waits for the write lock nor keeps writers waiting (WAL:
            # it reads the last committed state while a writer works). It takes no lock, so
            # it cannot be refused: sent to the driver directly (SQLAlchemy's statement
            # machinery costs ~20 µs, a tenth of an authenticated request's database work).
            connection.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]
        elif options.get(NO_WAIT):
            connection.exec_driver_sql("PRAGMA busy_timeout=0")
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            finally:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={busy_timeout_ms}")
        else:
            # A deferred transaction that reads, then writes after another writer
            # committed fails at once with SQLITE_BUSY; taking the write lock up front
            # makes concurrent use cases wait their turn (busy timeout) instead.
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def read_only_engine(engine: Engine) -> Engine:
    """The same engine and pool for transactions that only read. SQLite: deferred, refusing
    writes (see ``_on_begin``). PostgreSQL: autocommit, each statement its own transaction:
    under READ COMMITTED every statement reads a snapshot of its own anyway, so the reads
    see what they would in one transaction, without its BEGIN and ROLLBACK round trips (two
    of the four an authenticated read costs) and without holding a transaction between
    statements. A write there would not be refused but committed at once: SQLite, on which
    every test runs, is where a path wrongly marked read-only fails."""
    options: dict[str, Any] = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "AUTOCOMMIT"
    return _readers.get(engine, engine).execution_options(**options)


# SQLite file databases: the writers' engine → the readers' (same file, a pool of its own).
_readers: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def engines_of(engine: Engine) -> list[Engine]:
    """``engine`` and, on a SQLite file, its readers' engine: where every statement of a
    session factory made of it runs (to watch them all)."""
    return [engine, *([_readers[engine]] if engine in _readers else [])]


def _reader_pool(url: str, kwargs: dict[str, Any], busy_timeout_ms: int, writers: Engine) -> Engine:
    """The pool SQLite's readers take their connections from, apart from the writers': a
    connection is read-only for life, so ``PRAGMA query_only`` is set once, not switched
    whenever a pooled connection changes role (each switch makes SQLite prepare every
    statement again: an API write, authenticated by a read, paid it twice). Disposed with
    the writers' engine."""
    readers = create_engine(url, **kwargs)
    _configure_sqlite(readers, busy_timeout_ms)
    event.listen(writers, "engine_disposed", lambda _engine: readers.dispose())
    return readers


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions on ``engine``. ``read_only``: for code paths known never to write (the
    pages and API reads, authentication): on SQLite they never take the write lock, which
    writers take at the start of their transaction (``BEGIN IMMEDIATE``), so a reader never
    queues behind a writer nor a writer behind a reader; a write in one is refused."""
    return sessionmaker(read_only_engine(engine) if read_only else engine, expire_on_commit=False)


def readers_of(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Readers on the database ``factory``'s sessions write to, for a sweep that is handed
    the writers' factory and reads before it writes. Its read then takes no write lock on
    SQLite, and on PostgreSQL ends without the ROLLBACK at which psycopg forgets every
    statement it prepared on the connection."""
    return make_session_factory(factory.kw["bind"], read_only=True)


@contextmanager
def write_unless_busy(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A write transaction, committed at the end of the block, that gives up at once with
    ``Busy`` (nothing written) rather than wait for a lock: on SQLite when another writer
    holds the write lock, on PostgreSQL when a row it writes is locked. For bookkeeping that
    a request which only reads may do, and a later request may do instead."""
    with factory() as session:
        try:
            connection = session.connection(execution_options={NO_WAIT: True})  # SQLite: may give up here
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL lock_timeout = 1")  # ms; 0 would mean none
            yield session
            session.commit()
        except OperationalError as error:
            if _is_busy(error):
                raise Busy("another transaction holds the lock this write needs") from error
            raise


def core_execute(session: Session, statement: Executable, params: Any = None) -> CursorResult[*tuple[Any, ...]]:
    """``statement`` (built once, with bound parameters) run on the session's connection:
    SQLAlchemy's Core path, without the ORM's work around every statement (here ~80-500 µs
    a statement against ~5 µs SQLite takes to answer the small ones a completion sends).
    What the session holds unwritten is flushed first, as its autoflush would."""
    session.flush()
    return session.connection().execute(statement, params)


# SQLITE_BUSY and its extended codes (_RECOVERY, _SNAPSHOT, _TIMEOUT); PostgreSQL's lock_not_available
_SQLITE_BUSY = frozenset({5, 261, 517, 773})
_PG_LOCK_NOT_AVAILABLE = "55P03"


def _is_busy(error: OperationalError) -> bool:
    cause = error.orig
    return (
        getattr(cause, "sqlite_errorcode", None) in _SQLITE_BUSY
        or getattr(cause, "sqlstate", None) == _PG_LOCK_NOT_AVAILABLE
    )
