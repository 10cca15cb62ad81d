"""Timer start events (voter reception days, the June inspection notice, monthly reports):
one START timer row per timer start event of the latest version of each process, due at
its next occurrence. Firing it starts an instance and arms the next occurrence."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import TimerKind, TimerState
from storage.models import ProcessDefinition, Timer

from .. import clock
from ..bpmn.parsing import ParsedProcess, StartTimer
from ..bpmn.start_events import release_timer_start
from ..deadlines.recurrence import next_occurrence
from ..errors import InvalidBpmn, InvalidData, Problem, ScriptError
from . import cases
from .context import SYSTEM, audit, processes, runtime_for
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
        bpmn_id=timer.bpmn_id,
        data={"timer_id": timer.id, "due_at": timer.due_at.isoformat()},
    )
    _arm_next(session, definition, process, timer)


def _arm_next(session: Session, definition: ProcessDefinition, process: ParsedProcess, timer: Timer) -> None:
    """Arm the occurrence of ``timer``'s start event after this one (if it has one)."""
    start = next((s for s in process.start_timers if s.bpmn_id == timer.bpmn_id), None)
    if start is not None:
        due = _next_due(session, start, definition.deployed_at, max(clock.now(), timer.due_at))
        if due is not None:
            _arm(session, definition.id, start, due)
