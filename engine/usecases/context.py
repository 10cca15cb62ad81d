"""What every use case needs: who is acting, the parsed process of a definition (cached
once per version), and a runtime whose helpers read this session's settings and calendar."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage import writes
from storage.models import ProcessDefinition

from .. import clock
from ..access import SYSTEM, Actor
from ..bpmn.parsing import ParsedProcess, parse_bpmn
from ..bpmn.runtime import Runtime
from ..bpmn.sandbox import ScriptLimits
from ..bpmn.serialization import StaleSpec, load_process
from ..deadlines.calendar import WorkingCalendar
from ..deadlines.date_functions import make_helpers
from ..deadlines.legal import Deadline
from ..deadlines.settings import resolve
from ..errors import NotFound

log = logging.getLogger(__name__)

__all__ = ["SYSTEM", "Actor", "actor_for", "audit", "processes", "runtime_for"]


def actor_for(session: Session, username: str) -> Actor:
    user = repo.user_by_name(session, username)
    if user is None or not user.active:
        raise NotFound(f"no active user {username!r}")
    return Actor.of(user)


class _ProcessCache:
    """Parsed processes by (database, definition id). A definition version never changes,
    so entries never go stale; the database is part of the key because ids restart at 1 in
    every database one process may talk to (tests, tools, several tenants)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[tuple[str, int], ParsedProcess] = {}

    @staticmethod
    def _key(session: Session, definition_id: int) -> tuple[str, int]:
        return str(session.get_bind().engine.url), definition_id

    def get(self, definition: ProcessDefinition) -> ParsedProcess:
        session = inspect(definition).session
        if session is None:
            raise ValueError("the definition must belong to a session")
        key = self._key(session, definition.id)
        process = self._by_id.get(key)
        if process is None:
            process = _parsed(definition)
            with self._lock:
                process = self._by_id.setdefault(key, process)
        return process

    def clear(self) -> None:
        """Forget every parsed process: for tests and tools that empty a database, whose
        definition ids then start again at 1 (a live database never reuses an id)."""
        with self._lock:
            self._by_id.clear()

    def get_by_id(self, session: Session, definition_id: int) -> ParsedProcess:
        process = self._by_id.get(self._key(session, definition_id))
        if process is not None:
            return process
        definition = session.get(ProcessDefinition, definition_id)
        if definition is None:
            raise NotFound(f"no process definition {definition_id}")
        return self.get(definition)


def _parsed(definition: ProcessDefinition) -> ParsedProcess:
    """The stored spec of a version; written by another serializer version (the engine was
    upgraded since it was deployed), its stored BPMN XML parsed again."""
    try:
        return load_process(definition.spec_json)
    except StaleSpec as stale:
        log.info("process %s v%s: %s; parsing its BPMN again", definition.key, definition.version, stale)
    found = [p for p in parse_bpmn(definition.bpmn_xml, definition.source_file, check=False) if p.key == definition.key]
    if not found:
        raise NotFound(
            f"process definition {definition.id} ({definition.key} v{definition.version}) "
            f"cannot be read by this engine version: its BPMN has no process {definition.key!r}"
        )
    return found[0]


processes = _ProcessCache()


def runtime_for(session: Session) -> Runtime:
    """A runtime whose ``setting()`` and working-day helpers, and whose script budget, load
    from ``session`` on first use."""
    loaded: list[tuple[dict[str, int], WorkingCalendar]] = []

    def configuration() -> tuple[dict[str, int], WorkingCalendar]:
        # both at the first use of either: a deadline needs its period and the working days
        if not loaded:
            overrides, days, notice_years = repo.deadline_configuration(session)
            loaded.append((resolve(overrides), WorkingCalendar(days, notice_years=notice_years)))
        return loaded[0]

    def settings() -> dict[str, int]:
        return configuration()[0]

    def calendar() -> WorkingCalendar:
        return configuration()[1]

    def counted(key: str) -> Deadline | None:
        return runtime.counted(key)  # the runtime below, once its scripts run

    deadline_log: dict[str, Deadline] = {}

    def returned(text: str, rule: Deadline) -> None:
        runtime.note_counted(text, rule)  # likewise

    runtime = Runtime(
        make_helpers(calendar, settings, deadline_log, counted, returned),
        lambda: ScriptLimits.from_settings(settings()),
        deadline_log,
    )
    return runtime


# A step replayed from a ledger's row (engine/usecases/ledger.py) carries the row under this key
# of its entry's data: bookkeeping, said by the history entry's ``ledger``, never as a value
FROM_LEDGER = "_ledger"
_recorded_from: ContextVar[Mapping[str, Any] | None] = ContextVar("recorded_from", default=None)


@contextmanager
def recorded_from(source: Mapping[str, Any]) -> Iterator[None]:
    """Every audit entry written meanwhile is marked as recorded from ``source`` (a ledger's file
    and row, ``FROM_LEDGER``): the administrator importing wrote it, the step was the unit's or
    the deputy's, back then."""
    token = _recorded_from.set(source)
    try:
        yield
    finally:
        _recorded_from.reset(token)


def audit(
    session: Session,
    actor: Actor,
    action: str,
    *,
    instance_id: int | None = None,
    task_id: str | None = None,
    bpmn_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append an entry to the audit log (written at once, not at the next flush); within
    ``recorded_from``, marked with where it was recorded from."""
    source = _recorded_from.get()
    if source is not None:
        data = {**(data or {}), FROM_LEDGER: dict(source)}
    writes.insert_audit(
        session,
        {
            "at": clock.now(),
            "actor": actor.username,
            "action": action,
            "instance_id": instance_id,
            "task_id": task_id,
            "bpmn_id": bpmn_id,
            "data": data,
        },
    )
