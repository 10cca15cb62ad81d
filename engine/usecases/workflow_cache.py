"""Hot workflows kept in this process between use cases, so that moving a case does not parse
and rebuild its workflow from JSON each time (restoring is a third of what SpiffWorkflow itself
spends on a completion at 50 tasks of history, and grows with the history).

Every use case that moves a case reads its row under lock (``repositories.instance_for_update``
and friends), gets the workflow from :func:`restore_case`, moves it, and saves it with
``persist.save_instance``, which writes the new JSON with the revision check
(``UPDATE … WHERE revision = <read>``) and then calls :func:`hold`. Once the transaction
commits, the workflow is kept here under its case, with the revision and the exact JSON
text it was written as, and a :class:`~engine.bpmn.snapshot.Snapshot` of its data as
restoring that text would give it. The next use case of the case in this process takes it
instead of restoring.

Why a stale workflow is never used:

* An entry is used only when the row the use case has just read, under lock, in its own
  transaction, has exactly the entry's revision **and** the entry's JSON text, and the
  parsed process is the same object. Another process's (or thread's) write bumps the
  revision and changes the text, so this process's entry for the older one is ignored and
  dropped; the workflow is restored from the row. Comparing the text too (a ``memcmp``:
  microseconds) keeps that true where a revision number comes back with other content: a
  database emptied or restored from a backup under the same URL, ids restarting at 1.
* The object handed out is what restoring that very text gives: its data is replaced by
  the snapshot taken right after the dump (so nothing done to the object after the dump,
  an expression that changed a list in place, counts), and its task tree is checked
  against the tree dumped (``Snapshot.install``; a moved tree is restored from JSON).
* An entry is owned by one use case: taking it removes it, so a concurrent use case of the
  same case (another thread) restores from JSON, and the row lock and revision check decide
  which of the two writes. Only a workflow this process has just written comes back, and
  only once its transaction committed (``after_commit`` of the outermost transaction; a
  rollback, a rolled-back savepoint or a session closed without committing drops what the
  transaction held). A use case that fails, or moves a workflow without saving it, never
  puts it back: the next one restores from JSON.

The same holds for the case's facts rows (engine/usecases/case_facts.py), written with the
workflow in the same transaction: an entry also keeps the facts it was written with, and a
use case served from it knows what those rows hold (``facts_stored``), so that a save that
would write them unchanged does not. Every write of a case's facts comes with a new revision
(the backfill only adds rows that are missing; a schema upgrade that rewrites them runs before
the servers start, as every upgrade does), so the entry's revision vouches for them too.

Read-only callers (the task page, the case page) keep restoring from JSON: they never take
an entry, so reading cannot lose one. Size: ``WORKFLOW_CACHE_SIZE`` (web/config.py), the
most recently used workflows first; 0 turns the cache off.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy.orm import Session, SessionTransaction

from storage.models import ProcessInstance

from ..bpmn.parsing import ParsedProcess
from ..bpmn.runtime import Runtime
from ..bpmn.snapshot import Snapshot
from .session_events import on_every_session

DEFAULT_SIZE = 500
_HELD = "workflow_cache_held"  # session.info: what this transaction wrote, by key, until it commits
_FACTS = "workflow_cache_facts"  # session.info: what the facts rows of a case hold, by key, in this transaction

Key = tuple[Any, int]  # (the database's URL, the case's id)


@dataclass
class _Entry:
    revision: int
    text: str
    process: ParsedProcess
    workflow: BpmnWorkflow
    snapshot: Snapshot
    facts: Any = None  # what the case's facts rows hold at this revision (case_facts), once written


@dataclass
class CacheCounts:
    """What ``restore_case`` did since the last ``clear``: for tests and the benchmark."""

    hits: int = 0  # served from the cache
    misses: int = 0  # nothing kept for the case
    stale: int = 0  # something kept for another revision, text or process (dropped)
    kept: int = 0  # workflows put in after a commit


class WorkflowCache:
    """A bounded, thread-safe map case → the workflow this process last wrote for it."""

    def __init__(self, size: int = DEFAULT_SIZE):
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        self._size = size
        self.counts = CacheCounts()

    @property
    def size(self) -> int:
        return self._size

    def resize(self, size: int) -> None:
        if size < 0:
            raise ValueError(f"the workflow cache size must be 0 or more, not {size}")
        with self._lock:
            self._size = size
            while len(self._entries) > size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.counts = CacheCounts()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Key) -> bool:
        return key in self._entries

    def note(self, outcome: str) -> None:
        """Count one ``restore_case`` outcome (``hits``, ``misses`` or ``stale``)."""
        with self._lock:
            setattr(self.counts, outcome, getattr(self.counts, outcome) + 1)

    def take(self, key: Key) -> _Entry | None:
        """The entry of ``key``, removed: from now on it is the caller's alone."""
        with self._lock:
            return self._entries.pop(key, None)

    def put(self, key: Key, entry: _Entry) -> None:
        """Keep ``entry`` as the most recently used one; never over one of a later revision
        (two commits of one case finishing in the other order)."""
        with self._lock:
            if self._size == 0:
                return
            kept = self._entries.get(key)
            if kept is not None and kept.revision > entry.revision:
                return
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
            self.counts.kept += 1


cache = WorkflowCache()


def configure(size: int) -> None:
    """How many workflows this process keeps (0: none), from the app's configuration."""
    cache.resize(size)


def key_of(session: Session, case_id: int) -> Key:
    return session.get_bind().engine.url, case_id


def restore_case(session: Session, runtime: Runtime, process: ParsedProcess, instance: ProcessInstance) -> BpmnWorkflow:
    """The workflow of ``instance``, whose row the caller has just read under lock in this
    transaction, made ``runtime``'s: the one this process wrote as exactly that row, if it
    kept it, else restored from the row's JSON. For use cases that move the case and save
    it (or fail): the workflow is theirs, and is kept again only by their save."""
    entry = cache.take(key_of(session, instance.id)) if cache.size else None
    if entry is None:
        cache.note("misses")
    elif (
        entry.revision == instance.revision
        and entry.process is process
        and entry.text == instance.workflow_json
        and entry.snapshot.install(entry.workflow)
    ):
        cache.note("hits")
        if entry.facts is not None:
            session.info.setdefault(_FACTS, {})[key_of(session, instance.id)] = entry.facts
        return runtime.adopt(process, entry.workflow)
    else:
        cache.note("stale")
    return runtime.restore(process, instance.workflow_json)


def hold(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, process: ParsedProcess) -> None:
    """``workflow`` was just written as ``instance``'s new revision (``persist.save_instance``,
    right after the write, before anything else reads it): keep it once the transaction
    commits. A later save of the same case in the transaction replaces it."""
    if not cache.size:
        return
    _watch_sessions()
    held: dict[Key, _Entry] = session.info.setdefault(_HELD, {})
    key = key_of(session, instance.id)
    snapshot = Snapshot.of(workflow)
    if snapshot is None:
        held.pop(key, None)  # an earlier save's workflow is not what the row will say
        return
    held[key] = _Entry(instance.revision, instance.workflow_json, process, workflow, snapshot)


def facts_stored(session: Session, case_id: int) -> Any:
    """What the case's facts rows hold, as this transaction knows it: what it wrote last, or
    what the entry it was served from was written with; None when it does not know."""
    known: dict[Key, Any] = session.info.get(_FACTS, {})
    return known.get(key_of(session, case_id)) if known else None


def facts_written(session: Session, case_id: int, facts: Any) -> None:
    """The case's facts rows now hold ``facts`` (``case_facts.write``, after ``hold``): known
    to this transaction, and kept with the workflow it holds for the case."""
    if not cache.size:
        return
    _watch_sessions()
    key = key_of(session, case_id)
    session.info.setdefault(_FACTS, {})[key] = facts
    held = session.info.get(_HELD, {}).get(key)
    if held is not None:
        held.facts = facts


def _watch_sessions() -> None:
    on_every_session("after_commit", _committed)
    on_every_session("after_soft_rollback", _rolled_back)
    on_every_session("after_transaction_end", _ended)


def _committed(session: Session) -> None:
    if _HELD not in session.info or session.in_nested_transaction():
        return  # nothing held, or a savepoint released: what it wrote is not committed yet
    for key, entry in session.info.pop(_HELD, {}).items():
        # the runtime's script engine reads settings through the finished session: let go of it
        entry.workflow.script_engine = None
        cache.put(key, entry)


def _rolled_back(session: Session, _transaction: SessionTransaction) -> None:
    # a rolled-back savepoint may have held or written some of it: drop all (it only costs a
    # restore, and writing facts that may be unchanged)
    session.info.pop(_HELD, None)
    session.info.pop(_FACTS, None)


def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed (kept already), rolled back or closed
        session.info.pop(_HELD, None)
        session.info.pop(_FACTS, None)
