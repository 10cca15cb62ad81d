"""Letting a workflow that was started for one occurrence of its timer start event run
past that event at once (engine.deadlines.recurrence says when the occurrences are)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState


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
