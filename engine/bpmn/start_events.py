"""Start events that wait for something: letting a workflow that was started for one
occurrence of its timer start event run past that event at once (engine.deadlines.recurrence
says when the occurrences are), and the messages and signals that start a process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState


def started_by_events(spec: BpmnProcessSpec) -> list[tuple[str, str]]:
    """The (kind, name) of each message or signal that starts a case of the process: its
    start events' ("message" or "signal"; an event subprocess's starts are not the process's)."""
    found = []
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None) if isinstance(task_spec, StartEvent) else None
        parts = definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [definition]
        for part in parts:
            if isinstance(part, MessageEventDefinition) and part.name:
                found.append(("message", part.name))
            elif isinstance(part, SignalEventDefinition) and part.name:
                found.append(("signal", part.name))
    return found


def only_started_by_events(spec: BpmnProcessSpec) -> bool:
    """Every start event of the process waits for a message or signal: nobody starts it by hand."""
    starts = [t for t in spec.task_specs.values() if isinstance(t, StartEvent)]
    kinds = [_kind(getattr(t, "event_definition", None)) for t in starts]
    return bool(starts) and all(kinds)


def _kind(definition: object) -> str | None:
    parts = definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [definition]
    if any(isinstance(p, MessageEventDefinition) for p in parts):
        return "message"
    if any(isinstance(p, SignalEventDefinition) for p in parts):
        return "signal"
    return None


def _waiting_timer_starts(workflow: BpmnWorkflow) -> list[Task]:
    return [
        t
        for t in workflow.get_tasks(state=TaskState.WAITING)
        if isinstance(t.task_spec, StartEvent) and isinstance(t.task_spec.event_definition, TimerEventDefinition)
    ]


def release_timer_start(workflow: BpmnWorkflow, refresh: object) -> bool:
    """Let a workflow started for one occurrence of its timer start event run past that
    event now, once. ``refresh`` is ``Runtime.fire_timers``. True if something changed.

    SpiffWorkflow keeps a timer start event waiting for its own date, and a cycle start
    event spawns the flow again at every occurrence inside the same instance. Here each
    occurrence is its own instance: the event is marked fired (a cycle is told to run the
    flow once if it has not yet, then stop), using SpiffWorkflow's own event state."""
    waiting = _waiting_timer_starts(workflow)
    if not waiting:
        return False
    past = (datetime.now(UTC) - timedelta(days=3650)).isoformat()
    for task in waiting:
        definition = task.task_spec.event_definition
        if isinstance(definition, CycleTimerEventDefinition):
            value = dict(task._get_internal_data("event_value") or {"duration": 1.0})
            if task.children:  # its flow already started: stop cycling
                value["cycles"] = 0
            else:  # start the flow once, then stop
                value.update(cycles=1, next=past)
            task._set_internal_data(event_value=value)
        else:
            task._set_internal_data(event_fired=True)
    for _ in range(3):  # a cycle needs up to three rounds: spawn, mark fired, complete
        refresh(workflow)  # type: ignore[operator]
        if not _waiting_timer_starts(workflow):
            break
    return True


def start_by_hand(workflow: BpmnWorkflow, refresh: object) -> None:
    """A case a person (or a message) started: its process's timer start events do not wait
    in it for their dates (each date starts a case of its own, from the scheduler). Beside a
    plain start event, which started this case, they are cancelled; a process only timers
    start runs from its first timer start event at once, as Camunda starts one by hand.
    ``refresh`` is ``Runtime.fire_timers``."""
    waiting = [t for t in _waiting_timer_starts(workflow) if t.workflow is workflow]
    if not waiting:
        return
    plain = any(
        isinstance(s, StartEvent) and not isinstance(s.event_definition, TimerEventDefinition)
        for s in workflow.spec.start.outputs
    )
    for task in waiting if plain else waiting[1:]:
        task.cancel()
    if not plain:
        release_timer_start(workflow, refresh)
