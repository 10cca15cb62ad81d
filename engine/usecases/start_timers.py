"""Timer start events (voter reception days, the June inspection notice, monthly reports):
one START timer row per timer start event of the latest version of each process, due at
its next occurrence. Firing it starts an instance and arms the next occurrence.

When the start fails (the script after the event raises, the process cannot be started) the
firing is rolled back, the scheduler tries again with a back-off, and the failure is an
incident of the process version (engine/usecases/incidents.py): a later firing that starts
the case resolves it, and so does a retry (``retry_start``), which starts the occurrence's
case at once from the latest version, a new version deployed to fix it included."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import TimerKind, TimerState
from storage.models import ProcessDefinition, Timer

from .. import clock
from ..access import Actor
from ..bpmn.parsing import ParsedProcess, StartTimer
from ..bpmn.start_events import release_timer_start
from ..deadlines.recurrence import next_occurrence
from ..errors import EngineError, InvalidBpmn, InvalidData, NotFound, Problem, ScriptError
from . import cases, incidents
from .context import SYSTEM, audit, processes, runtime_for
from .labels import people_names
from .offering import stopped_keys
from .persist import save_instance

log = logging.getLogger(__name__)


def _next_due(session: Session, timer: StartTimer, base: datetime, after: datetime) -> datetime | None:
    value = runtime_for(session).environment.evaluate(timer.expression, {})
    return next_occurrence(timer.kind, str(value), after, base)


def schedule_start_timers(session: Session, definition: ProcessDefinition, process: ParsedProcess) -> list[Timer]:
    """Arm the start timers of a newly deployed (hence latest) version; the previous
    versions' pending start timers are cancelled. Raises InvalidBpmn if an expression
    does not give a date, a duration or a cycle."""
    older = select(ProcessDefinition.id).where(
        ProcessDefinition.key == definition.key, ProcessDefinition.id != definition.id
    )
    for row in session.scalars(
        select(Timer).where(Timer.kind == TimerKind.START, Timer.state == repo.PENDING, Timer.definition_id.in_(older))
    ):
        row.state = TimerState.CANCELLED
    created = []
    for start in process.start_timers:
        try:
            due = _next_due(session, start, definition.deployed_at, clock.now())
        except (ScriptError, ValueError, TypeError) as exc:
            raise InvalidBpmn(
                [
                    Problem(
                        f"timer start event: {start.expression!r} gives no date, duration or cycle: {exc}",
                        definition.source_file,
                        None,
                        start.bpmn_id,
                    )
                ]
            ) from None
        if due is not None:
            created.append(_arm(session, definition.id, start, due))
    return created


def _arm(session: Session, definition_id: int, start: StartTimer, due: datetime) -> Timer:
    timer = Timer(
        kind=TimerKind.START,
        instance_id=None,
        definition_id=definition_id,
        task_id=start.bpmn_id[:36],
        bpmn_id=start.bpmn_id,
        due_at=due,
        state=TimerState.PENDING,
    )
    session.add(timer)
    return timer


def _start_data(process: ParsedProcess) -> dict[str, Any]:
    """Nobody fills the start form of a timer start: its default values, when it has any."""
    try:
        return process.start_form.validate({})
    except InvalidData:
        return {f.id: f.initial for f in process.start_form.fields if f.initial is not None}


def start_from_timer(session: Session, timer: Timer) -> None:
    """A START timer fired: start an instance of its definition (as the system, without
    start-form validation), run it past its timer start event, arm the next occurrence."""
    definition = session.get(ProcessDefinition, timer.definition_id)
    if definition is None:
        return
    latest = repo.latest_definition(session, definition.key)
    if latest is None or latest.id != definition.id:
        log.warning("start timer %s belongs to a superseded version of %s; not starting", timer.id, definition.key)
        return
    process = processes.get(definition)
    if definition.key in stopped_keys(session):
        # a designer stopped offering it: this occurrence starts nothing and is no failure (the
        # scheduler would retry it for ever); the next one is armed, to start a case if the
        # process is offered again by then
        log.info(
            "start timer %s: %s is not offered for new cases; this occurrence is skipped", timer.id, definition.key
        )
        _arm_next(session, definition, process, timer)
        return
    _start_case(session, definition, process, timer.bpmn_id, timer.id, timer.due_at)
    incidents.resolve_start_failure(session, definition.id, timer.bpmn_id, SYSTEM)  # a back-off's try got through
    _arm_next(session, definition, process, timer)


def _start_case(
    session: Session,
    definition: ProcessDefinition,
    process: ParsedProcess,
    bpmn_id: str,
    timer_id: int,
    due_at: datetime,
) -> int:
    """Start the case of an occurrence of the timer start event ``bpmn_id`` (its timer
    ``timer_id``, due at ``due_at``) from ``definition`` (the latest version) and run it past
    the event; returns its id."""
    detail = cases.start_instance(session, SYSTEM, definition.key, _start_data(process), validate=False)
    instance = repo.instance_for_update(session, detail.id)
    assert instance is not None
    runtime = runtime_for(session)
    workflow = runtime.restore(process, instance.workflow_json)
    if release_timer_start(workflow, runtime.fire_timers):
        save_instance(session, instance, workflow, runtime, process)
    audit(
        session,
        SYSTEM,
        "timer_started",
        instance_id=instance.id,
        bpmn_id=bpmn_id,
        data={"timer_id": timer_id, "due_at": due_at.isoformat()},
    )
    return instance.id


def _arm_next(session: Session, definition: ProcessDefinition, process: ParsedProcess, timer: Timer) -> None:
    """Arm the occurrence of ``timer``'s start event after this one (if it has one)."""
    start = next((s for s in process.start_timers if s.bpmn_id == timer.bpmn_id), None)
    if start is not None:
        due = _next_due(session, start, definition.deployed_at, max(clock.now(), timer.due_at))
        if due is not None:
            _arm(session, definition.id, start, due)


@dataclass(frozen=True)
class StartRetryResult:
    incident_id: int
    instance_id: int | None = None  # the case the retry started
    error: str | None = None  # the retry failed again: why (nothing of it was stored)
    # the incident was over before this retry (another retry or a firing got there first):
    # nothing was started; by whom (the system: a firing) and when
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    people: dict[str, str] = field(default_factory=dict)  # resolved_by → their name
    # the latest version has no such timer start event any more: nothing can fire it, the
    # incident is closed and nothing started
    event_gone: bool = False

    @property
    def ok(self) -> bool:
        return self.instance_id is not None


def retry_start(session: Session, actor: Actor, incident_id: int) -> StartRetryResult:
    """Fire the timer start event of an incident again, now (its cause fixed: a setting, a
    new version): the occurrence's case is started from the latest version, the timer that
    kept failing is marked fired and its next occurrence armed, and the incident is resolved.
    A retry that fails again stores nothing of the start; the incident counts the repeat."""
    incident = incidents.start_failure_for_update(session, actor, incident_id)
    if incident.resolved_at is not None:
        by = incident.resolved_by
        return StartRetryResult(
            incident_id,
            resolved_by=by,
            resolved_at=incident.resolved_at,
            people=people_names(session, {by} if by else set()),
        )
    assert incident.definition_id is not None  # start_failure_for_update returns only a version's
    failed = session.get(ProcessDefinition, incident.definition_id)
    assert failed is not None  # the incident's row goes with its version (ON DELETE CASCADE)
    audit(session, actor, "retry", bpmn_id=incident.bpmn_id, data={"incident": incident_id, "definition_id": failed.id})
    latest = repo.latest_definition(session, failed.key)
    assert latest is not None
    timer = _occurrence(session, failed.id, incident.bpmn_id)
    if timer is None:
        raise NotFound(f"the timer start event {incident.bpmn_id} of {failed.key} v{failed.version} has no timer")
    try:
        with session.begin_nested():
            process = processes.get(latest)
            if not any(s.bpmn_id == incident.bpmn_id for s in process.start_timers):
                incidents.resolve_start_failure(session, failed.id, incident.bpmn_id, actor)
                return StartRetryResult(incident_id, event_gone=True)
            if timer.state != TimerState.PENDING:
                # cancelled by the deploy of a newer version (which armed its own next occurrence):
                # the case of the occurrence that failed is started, nothing is armed
                instance_id = _start_case(session, latest, process, timer.bpmn_id, timer.id, timer.due_at)
            else:
                timer.state, timer.fired_at = TimerState.FIRED, clock.now()
                audit(
                    session,
                    actor,
                    "start_timer",
                    task_id=timer.task_id,
                    bpmn_id=timer.bpmn_id,
                    data={"timer_id": timer.id, "due_at": timer.due_at.isoformat()},
                )
                instance_id = _start_case(session, latest, process, timer.bpmn_id, timer.id, timer.due_at)
                _arm_next(session, latest, process, timer)
    except EngineError as exc:
        again = incidents.record_start_failure(session, failed, incident.bpmn_id, exc.message)
        return StartRetryResult(incident_id, error=again.message)
    incidents.resolve_start_failure(session, failed.id, incident.bpmn_id, actor)
    return StartRetryResult(incident_id, instance_id)


def _occurrence(session: Session, definition_id: int, bpmn_id: str) -> Timer | None:
    """The version's latest START timer of the event: the occurrence that kept failing (it
    stays pending, the next one is armed only once a case started), or cancelled since by
    a newer version's deploy. Locked: the scheduler firing it meanwhile waits, then finds it
    fired."""
    return session.scalar(
        select(Timer)
        .where(Timer.kind == TimerKind.START, Timer.definition_id == definition_id, Timer.bpmn_id == bpmn_id)
        .order_by(Timer.due_at.desc(), Timer.id.desc())
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
