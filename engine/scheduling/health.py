"""Whether this process can serve (for load balancers and monitoring): ``/readyz`` asks
``readiness``. Ready means the database answers and its schema is the one this code expects
(a process started before ``congressflow db upgrade`` ran must not take traffic). Whether a
scheduler holds the leadership is reported, not required: the scheduler may run as a service of
its own, and a web process serves officers whether or not deadlines are being fired right now.

``/readyz`` is public: its answer says what is not ready in a few words (``problem``), never
the database's host, port, name or the driver's error; those go to the server's log, once each
time the state changes (not at every probe). ``schema_state`` is the same check for whoever
must tell the operator (the command line, the scheduler)."""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass

from sqlalchemy import Engine

from storage import migrate
from storage.backup import first_line

from .leadership import leader_present

log = logging.getLogger(__name__)

UNREACHABLE = "database unreachable"
NO_SCHEMA = "database has no schema: run congressflow db upgrade"
OLD_SCHEMA = "schema not current: run congressflow db upgrade"
NEWER_SCHEMA = "schema of a newer CongressFlow: install that version (db upgrade cannot take it back)"


@dataclass(frozen=True)
class SchemaState:
    """The database as this code finds it: reachable or not, at which migration."""

    reachable: bool
    revision: str | None  # None: never migrated, or unknown (not reachable)
    head: str  # the migration this code expects
    error: str = ""  # why it could not be reached: the database named, the driver's first line

    @property
    def current(self) -> bool:
        return self.reachable and self.revision == self.head

    @property
    def problem(self) -> str:
        """What is wrong, in a few words anyone may read ("" when nothing is)."""
        if not self.reachable:
            return UNREACHABLE
        if self.revision is None:
            return NO_SCHEMA
        if self.current:
            return ""
        return OLD_SCHEMA if migrate.knows(self.revision) else NEWER_SCHEMA

    @property
    def detail(self) -> str:
        """What is wrong, for the operator: which database, what the driver said."""
        if not self.reachable:
            return self.error
        if self.revision != self.head:
            return f"schema at {self.revision or 'none'}, this code expects {self.head}"
        return ""


def schema_state(engine: Engine) -> SchemaState:
    head = migrate.head_revision()
    try:
        with engine.connect() as connection:
            revision = migrate.current_revision(connection)
    except Exception as exc:  # any failure to reach the database is "unreachable", said so
        database = engine.url.render_as_string(hide_password=True)
        error = f"{database}: {type(exc).__name__}: {first_line(exc)}"
        return SchemaState(False, None, head, error[:500])
    return SchemaState(True, revision, head)


@dataclass(frozen=True)
class Readiness:
    database: bool
    revision: str | None  # the schema's migration; None when unknown or never migrated
    head: str  # the migration this code expects
    scheduler_leader: bool | None  # None: not knowable (an in-memory database)
    problem: str = ""  # what is not ready, in a few words (the details are in the log)

    @property
    def ready(self) -> bool:
        return self.database and self.revision == self.head


def readiness(engine: Engine) -> Readiness:
    state = schema_state(engine)
    _said.note(engine, state)
    if not state.reachable:
        return Readiness(False, None, state.head, None, state.problem)
    try:
        leader = leader_present(engine.url.render_as_string(hide_password=False))
    except Exception:  # the lock table cannot be read: unknown, which does not make us unready
        leader = None
    return Readiness(True, state.revision, state.head, leader, state.problem)


class _StateChanges:
    """The readiness problem last logged for each engine (each app's database): a load
    balancer probing every few seconds must not fill the log, yet the operator reads each
    change, with its detail."""

    def __init__(self) -> None:
        self._problems: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def note(self, engine: Engine, state: SchemaState) -> None:
        with self._lock:
            if state.problem == self._problems.get(engine, ""):
                return
            self._problems[engine] = state.problem
        if state.problem:
            log.warning("not ready: %s (%s)", state.problem, state.detail)
        else:
            database = engine.url.render_as_string(hide_password=True)
            log.info("ready again: the database %s answers with the current schema", database)


_said = _StateChanges()
