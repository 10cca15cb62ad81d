"""Incidents: a case's failures at run time that no person was waiting for. A timer whose
firing fails (a script or expression after it raises) rolls its transaction back and the
scheduler tries again with a back-off; a case that runs with no open user task and no armed
timer can never move on. Both would otherwise be visible only in a log: they are recorded
here, one open row per case, kind and element, shown on the case page and the incidents list
(``access.may_manage_incidents``), and resolved when the case gets past them (a later firing
succeeds, or a retry: engine/usecases/recovery.py).

A timer start event that cannot start a case (the script after it raises, its process cannot
be started) has no case yet: its incident belongs to the process version it fired for, one
open row per version, kind and element, listed with the others and resolved when a later
firing starts the case or a retry does (engine/usecases/start_timers.py). It holds no case's
data: whoever may see incidents sees it.

A failure while a person acts (completing a task, starting a case) is not an incident: that
person is told at once and nothing is stored."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import IncidentKind
from storage.models import Incident, ProcessDefinition, ProcessInstance, Timer

from .. import access, clock
from ..access import Actor
from ..errors import EngineError, FieldError, InvalidData, NotAllowed, NotFound
from .context import SYSTEM, audit, processes
from .labels import element_names, people_names
from .visibility import visible_case

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4000
# the incidents a transaction recorded or confirmed (what a retry must leave open)
_TOUCHED = "incidents_touched"


@dataclass(frozen=True)
class IncidentView:
    id: int
    instance_id: int | None  # None: a timer start event's, before any case
    case_title: str  # "" when there is no case
    process_key: str
    process_name: str
    bpmn_id: str
    kind: str
    message: str
    created_at: datetime
    last_seen_at: datetime
    occurrences: int
    resolved_at: datetime | None
    resolved_by: str | None
    element_name: str = ""  # what the process calls the element (its id when nameless)
    definition_id: int = 0  # the process version: the case's, or the one a timer start fired for
    process_version: int = 0

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    @property
    def of_start_timer(self) -> bool:
        """A timer start event's failure: no case, the process version is what it is of."""
        return self.instance_id is None


def record(session: Session, instance_id: int, kind: IncidentKind, bpmn_id: str, message: str) -> Incident:
    """Record a failure, or count a repeat of the open one for the same case, kind and
    element (the scheduler retries a failing timer every few minutes: one row, not hundreds)."""
    return _record(session, kind, bpmn_id, message, instance_id=instance_id)


def _record(
    session: Session,
    kind: IncidentKind,
    bpmn_id: str,
    message: str,
    *,
    instance_id: int | None = None,
    definition_id: int | None = None,
) -> Incident:
    """The open row of the case (or, with no case, of the process version), kind and element:
    created, or counting one more repeat."""
    now = clock.now()
    message = message[:MAX_MESSAGE_CHARS]
    owner = (
        Incident.instance_id == instance_id
        if instance_id is not None
        else (Incident.instance_id.is_(None) & (Incident.definition_id == definition_id))
    )
    row = session.scalar(
        select(Incident).where(
            owner, Incident.kind == kind, Incident.bpmn_id == bpmn_id, Incident.resolved_at.is_(None)
        )
    )
    if row is None:
        row = Incident(
            instance_id=instance_id,
            definition_id=definition_id,
            bpmn_id=bpmn_id,
            kind=kind,
            message=message,
            created_at=now,
            last_seen_at=now,
            occurrences=1,
        )
        session.add(row)
        owner_data = {} if instance_id is not None else {"definition_id": definition_id}
        audit(
            session,
            SYSTEM,
            "incident",
            instance_id=instance_id,
            bpmn_id=bpmn_id or None,
            data={"kind": kind.value, "message": message, **owner_data},
        )
    else:
        row.message, row.last_seen_at, row.occurrences = message, now, row.occurrences + 1
    session.flush()
    session.info.setdefault(_TOUCHED, set()).add(row.id)
    return row


def record_again(session: Session, instance_id: int, message: str) -> Incident | None:
    """A retry failed: the case's latest open incident (not a stuck one) counts the repeat,
    with the error as it is now; None when the case has none."""
    row = session.scalar(
        select(Incident)
        .where(
            Incident.instance_id == instance_id,
            Incident.resolved_at.is_(None),
            Incident.kind != IncidentKind.STUCK,
        )
        .order_by(Incident.id.desc())
        .limit(1)
    )
    if row is None:
        return None
    return record(session, instance_id, row.kind, row.bpmn_id, message)


def record_timer_failure(session: Session, timer_id: int, message: str) -> Incident | None:
    """A timer could not fire (its transaction was rolled back): recorded in a transaction of
    its own, on the timer's case, or for a timer start event (no case yet) on its process
    version."""
    timer = session.get(Timer, timer_id)
    if timer is None:
        return None
    if timer.instance_id is None:
        definition = session.get(ProcessDefinition, timer.definition_id) if timer.definition_id else None
        if definition is None:
            log.error("start timer %s of no deployed process could not fire: %s", timer_id, message)
            return None
        return record_start_failure(session, definition, timer.bpmn_id, message)
    return record(session, timer.instance_id, IncidentKind.TIMER, timer.bpmn_id, message)


def record_start_failure(session: Session, definition: ProcessDefinition, bpmn_id: str, error: str) -> Incident:
    """A timer start event of ``definition`` could not start a case: the version's incident at
    that event, its message naming the event and the process (the log says it too: the
    scheduler tries again with a back-off)."""
    try:
        element = element_names(processes.get(definition)).get(bpmn_id, bpmn_id)
    except EngineError:  # the process itself may be what fails
        element = bpmn_id
    message = (
        f"timer start event {element} ({bpmn_id}) of process {definition.name} "
        f"({definition.key} v{definition.version}) could not start a case: {error}"
    )
    log.error("%s (tried again later)", message)
    return _record(session, IncidentKind.TIMER, bpmn_id, message, definition_id=definition.id)


def resolve_start_failure(session: Session, definition_id: int, bpmn_id: str, by: Actor) -> int:
    """The timer start event ``bpmn_id`` of the version started its case after all (a later
    firing, a retry): its incident is over. Returns how many were open (0 or 1)."""
    rows = session.scalars(
        select(Incident).where(
            Incident.instance_id.is_(None),
            Incident.definition_id == definition_id,
            Incident.bpmn_id == bpmn_id,
            Incident.resolved_at.is_(None),
        )
    ).all()
    for row in rows:
        row.resolved_at, row.resolved_by = clock.now(), by.username
    if rows:
        audit(
            session,
            by,
            "incident_resolved",
            bpmn_id=bpmn_id,
            data={"count": len(rows), "definition_id": definition_id, "incidents": [r.id for r in rows]},
        )
        session.flush()
    return len(rows)


def start_failure_for_update(session: Session, actor: Actor, incident_id: int) -> Incident:
    """A timer start event's incident, to retry: for those who may; locked (two retries at
    once: the second sees what the first did). Resolved ones are returned as they are."""
    _require(actor)
    row = session.scalar(
        select(Incident)
        .where(Incident.id == incident_id, Incident.instance_id.is_(None))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None or row.definition_id is None:
        raise NotFound(f"no incident #{incident_id} of a timer start event")
    return row


def resolve_open(session: Session, instance_id: int, by: Actor, *, keep_touched: bool = False) -> int:
    """Resolve the case's open incidents (``keep_touched``: but those this transaction just
    recorded or saw again: the case is still stuck). Returns how many."""
    touched = session.info.get(_TOUCHED, set()) if keep_touched else set()
    rows = session.scalars(
        select(Incident).where(Incident.instance_id == instance_id, Incident.resolved_at.is_(None))
    ).all()
    now = clock.now()
    resolved = 0
    for row in rows:
        if row.id in touched:
            continue
        row.resolved_at, row.resolved_by = now, by.username
        resolved += 1
    if resolved:
        audit(session, by, "incident_resolved", instance_id=instance_id, data={"count": resolved})
        session.flush()
    return resolved


def resolve(session: Session, instance_id: int, kind: IncidentKind, by: Actor, bpmn_id: str | None = None) -> int:
    """Resolve the case's open incidents of ``kind`` (at ``bpmn_id``, if given): what caused
    them is over. Returns how many."""
    query = select(Incident).where(
        Incident.instance_id == instance_id, Incident.kind == kind, Incident.resolved_at.is_(None)
    )
    if bpmn_id is not None:
        query = query.where(Incident.bpmn_id == bpmn_id)
    rows = session.scalars(query).all()
    for row in rows:
        row.resolved_at, row.resolved_by = clock.now(), by.username
    if rows:
        audit(session, by, "incident_resolved", instance_id=instance_id, bpmn_id=bpmn_id, data={"count": len(rows)})
        session.flush()
    return len(rows)


def is_open(session: Session, instance_id: int, kind: IncidentKind, bpmn_id: str) -> bool:
    query = select(Incident.id).where(
        Incident.instance_id == instance_id,
        Incident.kind == kind,
        Incident.bpmn_id == bpmn_id,
        Incident.resolved_at.is_(None),
    )
    return session.scalar(query.limit(1)) is not None


def resolve_timer(session: Session, instance_id: int, bpmn_id: str) -> None:
    """A timer fired after all (a back-off retry once the cause was fixed): its incident is over."""
    resolve(session, instance_id, IncidentKind.TIMER, SYSTEM, bpmn_id)


def resolve_stuck(session: Session, instance_id: int, by: Actor) -> None:
    """A case found stuck waiting for a message or signal got it and moved on: its stuck
    incident is over (unless the save just now found it stuck again)."""
    touched = session.info.get(_TOUCHED, set())
    rows = session.scalars(
        select(Incident).where(
            Incident.instance_id == instance_id,
            Incident.kind == IncidentKind.STUCK,
            Incident.resolved_at.is_(None),
        )
    ).all()
    rows = [row for row in rows if row.id not in touched]
    for row in rows:
        row.resolved_at, row.resolved_by = clock.now(), by.username
    if rows:
        audit(session, by, "incident_resolved", instance_id=instance_id, data={"count": len(rows)})


def has_open(session: Session, instance_id: int) -> bool:
    return (
        session.scalar(
            select(Incident.id).where(Incident.instance_id == instance_id, Incident.resolved_at.is_(None)).limit(1)
        )
        is not None
    )


def _require(actor: Actor) -> None:
    if not access.may_manage_incidents(actor):
        raise NotAllowed(
            f"{actor.username} may not see or retry incidents (needs the permission "
            f"{access.Permission.INCIDENT_MANAGE.value})"
        )


_Row = tuple[Incident, str | None, str, str, int, int]


def _query() -> Select[Incident, str | None, str, str, int, int]:
    """Each incident with its case's title (None: a timer start event's, no case) and the
    process version it is of: its case's, or the one it names itself."""
    return (
        select(
            Incident,
            ProcessInstance.title,
            ProcessDefinition.key,
            ProcessDefinition.name,
            ProcessDefinition.id,
            ProcessDefinition.version,
        )
        .outerjoin(ProcessInstance, ProcessInstance.id == Incident.instance_id)
        .join(
            ProcessDefinition,
            ProcessDefinition.id == func.coalesce(ProcessInstance.definition_id, Incident.definition_id),
        )
    )


def _views(session: Session, rows: Iterable[_Row]) -> list[IncidentView]:
    names: dict[int, dict[str, str]] = {}  # definition id → its elements' names
    views = []
    for row, title, key, name, definition_id, version in rows:
        if definition_id not in names:
            names[definition_id] = _element_names(session, definition_id)
        element = names[definition_id].get(row.bpmn_id, row.bpmn_id)
        views.append(_view(row, title or "", key, name, element, definition_id, version))
    return views


def _element_names(session: Session, definition_id: int) -> dict[str, str]:
    try:
        return element_names(processes.get_by_id(session, definition_id))
    except EngineError:  # a version that no longer parses (what a start incident may be about): ids
        return {}


def _view(
    row: Incident, title: str, key: str, name: str, element_name: str, definition_id: int, version: int
) -> IncidentView:
    return IncidentView(
        row.id,
        row.instance_id,
        title,
        key,
        name,
        row.bpmn_id,
        row.kind.value,
        row.message,
        row.created_at,
        row.last_seen_at,
        row.occurrences,
        row.resolved_at,
        row.resolved_by,
        element_name,
        definition_id,
        version,
    )


def list_incidents(
    session: Session, actor: Actor, *, state: str = "open", process_key: str = "", limit: int = 500
) -> list[IncidentView]:
    """The incidents list (系统管理 → 故障): ``state`` open | resolved | all, newest first.
    ``process_key`` no process was ever deployed under is refused (InvalidData, field
    ``process``), not answered with an empty list that would read as "no incidents"."""
    _require(actor)
    if process_key:
        _require_deployed(session, process_key)
    query = _query()
    if state == "open":
        query = query.where(Incident.resolved_at.is_(None))
    elif state == "resolved":
        query = query.where(Incident.resolved_at.is_not(None))
    if process_key:
        query = query.where(ProcessDefinition.key == process_key)
    rows = session.execute(query.order_by(Incident.last_seen_at.desc(), Incident.id.desc()).limit(limit))
    return _views(session, rows)


def _require_deployed(session: Session, process_key: str) -> None:
    keys = [d.key for d in repo.latest_definitions(session)]
    if process_key not in keys:
        raise InvalidData({"process": FieldError("not_one_of", {"value": process_key, "choices": "、".join(keys)})})


def of_case(session: Session, actor: Actor, instance_id: int) -> list[IncidentView]:
    """A case's incidents, open ones first, for those who may see them (others: none)."""
    if not access.may_manage_incidents(actor):
        return []
    visible_case(session, actor, instance_id)
    rows = session.execute(_query().where(Incident.instance_id == instance_id).order_by(Incident.id.desc()))
    views = _views(session, rows)
    return sorted(views, key=lambda v: not v.open)


@dataclass(frozen=True)
class IncidentsPage:
    incidents: list[IncidentView]
    state: str  # open | resolved | all
    process_key: str
    processes: list[tuple[str, str]]  # (key, name) of every deployed process, for the filter
    people: dict[str, str]  # who resolved them → their names


def incidents_page(session: Session, actor: Actor, state: str = "open", process_key: str = "") -> IncidentsPage:
    state = state if state in ("open", "resolved", "all") else "open"
    found = list_incidents(session, actor, state=state, process_key=process_key)
    deployed = [(d.key, d.name) for d in repo.latest_definitions(session)]
    people = people_names(session, {i.resolved_by for i in found if i.resolved_by})
    return IncidentsPage(found, state, process_key, deployed, people)
