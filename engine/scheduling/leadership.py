"""Who may run the scheduler: exactly one process per database.

* PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held on a dedicated
  connection. The server releases it the moment that connection ends, so a process that
  dies (even ``kill -9``) hands over at once; standbys try again every ``poll`` seconds.
  TCP keepalives on the connection let the server notice a vanished machine in seconds.
* SQLite: one machine by nature, so an exclusive ``fcntl`` lock on a file next to the
  database. The kernel drops it when the process dies; nothing to expire or clean up.

Correctness never rests on this alone: firing a timer locks its row and re-checks its
state, so even two active schedulers could not fire one timer twice. The lock keeps one
process doing the work (and sending the e-mails).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from storage.backup import describe, first_line

from ..usecases.backups import BackupFailed, SchedulerRunning

log = logging.getLogger(__name__)

# pg_try_advisory_lock(bigint): a fixed key, "CFSCHED1" in ASCII.
ADVISORY_KEY = 0x4346534348454431


class AlreadyRunning(Exception):
    """Another scheduler holds the lock (SQLite: refuse to start)."""


class Leadership(Protocol):
    waits: bool  # True: a standby waits for the holder to go (PostgreSQL); False: refuse at once
    lost_because: str  # why still_held() last found the lock gone, in a line ("": not said)

    def try_acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...

    def dispose(self) -> None: ...


class PostgresLeadership:
    waits = True

    def __init__(self, url: str, key: int = ADVISORY_KEY):
        self.url, self.key = url, key
        self.lost_because = ""
        self._engine = create_engine(url, poolclass=NullPool)
        self._conn: Connection | None = None
        self._held = False
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        with self._lock:
            if self._held:
                return True
            if self._conn is None:
                self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                for name, value in (
                    ("tcp_keepalives_idle", 2),
                    ("tcp_keepalives_interval", 1),
                    ("tcp_keepalives_count", 3),
                ):
                    self._conn.execute(text(f"SET {name} = {value}"))
            try:
                got = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
            except Exception:
                self._drop()
                raise
            self._held = got
            return got

    def still_held(self) -> bool:
        with self._lock:
            if self._conn is None or not self._held:
                return False
            try:
                self._conn.execute(text("SELECT 1"))
                return True
            except Exception as exc:
                # the database restarted or failed over, or the connection was terminated: an
                # event to expect, said by the service in one line (the traceback only at DEBUG)
                driver_error = getattr(exc, "orig", None) or exc
                self.lost_because = f"its database connection ended ({type(driver_error).__name__}: {first_line(exc)})"
                log.debug("lost the scheduler lock connection", exc_info=exc)
                self._drop()
                return False

    def release(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                except Exception:
                    pass
                self._drop()

    def _drop(self) -> None:
        self._held = False
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
            self._conn = None

    def dispose(self) -> None:
        self.release()
        self._engine.dispose()


class FileLeadership:
    """An exclusive lock on ``<database>.scheduler.lock``."""

    waits = False
    lost_because = ""  # a file lock is held until released: never lost

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def holder(self) -> str:
        try:
            return self.path.read_text().strip() or "?"
        except OSError:
            return "?"

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def dispose(self) -> None:
        self.release()


class NoLeadership:
    """An in-memory SQLite database exists in one process only: nothing to share."""

    waits = False
    lost_because = ""

    def __init__(self) -> None:
        self._held = False

    def try_acquire(self) -> bool:
        self._held = True
        return True

    def still_held(self) -> bool:
        return self._held

    def release(self) -> None:
        self._held = False

    def dispose(self) -> None:
        self.release()


def leadership_for(url: str) -> Leadership:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return PostgresLeadership(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            return NoLeadership()
        return FileLeadership(Path(f"{parsed.database}.scheduler.lock"))
    raise ValueError(f"no scheduler lock for {parsed.get_backend_name()} databases")


def refusal_message(leadership: FileLeadership) -> str:
    return (
        f"another scheduler is already running for this database (pid {leadership.holder()}, "
        f"lock file {leadership.path}); only one may run. Stop it first, or start the web app "
        f"with --no-scheduler."
    )


def leader_present(url: str) -> bool | None:
    """Whether some process holds the scheduler's leadership for this database now, without
    taking it: PostgreSQL's lock table; on SQLite, the lock file naming a live process. None:
    an in-memory database, whose scheduler lives in the one process there is."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                # advisory locks are per database: another CongressFlow database on the same
                # server has a scheduler of its own, holding the same key there
                query = text(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND classid = :high AND objid = :low AND objsubid = 1"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))"
                )
                return bool(
                    conn.execute(query, {"high": ADVISORY_KEY >> 32, "low": ADVISORY_KEY & 0xFFFFFFFF}).scalar()
                )
        finally:
            engine.dispose()
    if parsed.database in (None, "", ":memory:"):
        return None
    holder = FileLeadership(Path(f"{parsed.database}.scheduler.lock")).holder()
    try:
        os.kill(int(holder), 0)  # a pid left by a scheduler that died is no leader
    except (ValueError, ProcessLookupError, PermissionError):
        return False
    return True


@contextmanager
def held_off(url: str) -> Iterator[None]:
    """Hold the scheduler's leadership of the database at ``url`` for a while (a restore
    replacing the database): no scheduler starts meanwhile, and when one holds it now (a
    ``congressflow scheduler``, or a ``serve`` running its own) refused with
    SchedulerRunning, naming it."""
    try:
        leadership = leadership_for(url)
    except (ArgumentError, ValueError):  # no database a scheduler runs on: the restore says so
        yield
        return
    # SQLite: a lock file the hold-off makes (no scheduler ever ran beside the database: a
    # restore into a new one) is its own, removed while still held, so that no scheduler can
    # have taken it meanwhile: a refused restore leaves nothing behind
    made = leadership.path if isinstance(leadership, FileLeadership) and not leadership.path.exists() else None
    try:
        if not _acquired(leadership, url):
            raise SchedulerRunning(_running_message(leadership))
        try:
            yield
        finally:
            if made is not None:
                made.unlink(missing_ok=True)
    finally:
        leadership.dispose()


def _acquired(leadership: Leadership, url: str) -> bool:
    try:
        return leadership.try_acquire()
    except FileNotFoundError:  # SQLite: no folder for the database, so no scheduler's lock beside it
        return True
    except SQLAlchemyError as exc:
        raise BackupFailed(f"cannot reach the database {describe(url)}: {first_line(exc)}") from exc


def _running_message(leadership: Leadership) -> str:
    if isinstance(leadership, FileLeadership):
        holder = f"process {leadership.holder()} holds its lock file {leadership.path}"
    else:
        holder = "a process holds its PostgreSQL advisory lock"
    return (
        f"a scheduler is running on this database ({holder}): `congressflow scheduler`, or "
        "`congressflow serve`, which runs one unless --no-scheduler. Stop the web servers and the scheduler "
        "first (e.g. systemctl stop congressflow-web congressflow-scheduler), then restore: replaced under "
        "them, the database would lose what they write while they went on serving. --force does not "
        "override this."
    )
