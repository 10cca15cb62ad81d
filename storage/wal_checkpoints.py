"""SQLite's WAL checkpoints, moved out of the requests that commit.

In WAL mode a commit appends its pages to the log; a *checkpoint* copies them back into the
database file (and is the only step that waits for the disk: ``synchronous=NORMAL``). Left to
SQLite, the commit that takes the log past 1,000 pages runs it, inside whichever request made
that commit: measured on a task completion, the commit took 0.18 ms at the median but 0.62 ms
on average, with spikes to 28 ms. Here the writers' connections never checkpoint
(``wal_autocheckpoint=0``) and a thread of the process does, on a connection of its own, once
enough commits have piled up or a moment after the last one: the same work, on the other core
(the driver lets go of the interpreter lock while SQLite works) and never in a request.

Every process that writes runs one (web workers, the scheduler, a command), started by its
first commit, so the log is copied back as long as anything writes. A checkpoint waits for no
one (``PASSIVE``: it copies what no reader still needs, and the next round the rest); two
processes checkpointing at once take turns inside SQLite. Nothing is lost if one stops half
way, as with SQLite's own; the last connection to close checkpoints what is left.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from urllib.parse import quote
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

COMMITS_PER_CHECKPOINT = 100  # a completion writes ~30 pages: about SQLite's own 1,000
QUIET_SECONDS = 0.5  # after the last commit, what is left is copied back this soon


class Checkpointer:
    """Checkpoints one SQLite database file for the writers' engine it is attached to."""

    def __init__(self, path: str, busy_timeout_ms: int):
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._commits = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def committed(self) -> None:
        """A writer committed: count it; the first commit of this process starts the thread
        (a forked worker starts its own: threads do not survive a fork)."""
        self._commits += 1
        if self._pid != os.getpid():
            self._start()
        if self._commits >= COMMITS_PER_CHECKPOINT:
            self._wake.set()

    def stop(self) -> None:
        """Stop the thread (its last round copies what is left). A disposed engine may be used
        again: its next commit starts a new one."""
        with self._lock:
            thread, self._thread, self._pid = self._thread, None, 0
            self._stop.set()
            self._wake.set()
            if thread is not None and thread.is_alive() and thread is not threading.current_thread():
                thread.join(timeout=10)
            self._stop.clear()

    @property
    def thread(self) -> threading.Thread | None:
        """This process's checkpointing thread, once a commit started it."""
        return self._thread if self._pid == os.getpid() else None

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name=f"wal-checkpoint {self.path}", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:  # never creates the file (mode=rw): a database deleted meanwhile is not made again
            uri = f"file:{quote(os.path.abspath(self.path))}?mode=rw"
            connection = sqlite3.connect(uri, uri=True, timeout=self.busy_timeout_ms / 1000)
        except sqlite3.Error as error:
            log.warning("WAL checkpoints of %s: %s", self.path, error)
            return
        try:
            connection.isolation_level = None
            stopping = False
            while not stopping:
                self._wake.wait(QUIET_SECONDS)
                self._wake.clear()
                stopping = self._stop.is_set()
                if self._commits:
                    self._commits = 0
                    self._checkpoint(connection)
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as error:  # busy, or the file went away: the next round
            log.warning("WAL checkpoint of %s: %s", self.path, error)


_of_engine: WeakKeyDictionary[Engine, Checkpointer] = WeakKeyDictionary()


def checkpointer_of(engine: Engine) -> Checkpointer | None:
    return _of_engine.get(engine)


def checkpoint_in_background(engine: Engine, path: str, busy_timeout_ms: int) -> Checkpointer:
    """Take checkpoints off ``engine``'s committing connections (``engine`` writes ``path``);
    stopped when the engine is disposed."""
    checkpointer = _of_engine[engine] = Checkpointer(path, busy_timeout_ms)

    @event.listens_for(engine, "connect")
    def _no_checkpoint_on_commit(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    @event.listens_for(engine, "commit")
    def _count(_connection: object) -> None:
        checkpointer.committed()

    event.listen(engine, "engine_disposed", lambda _engine: checkpointer.stop())
    return checkpointer
