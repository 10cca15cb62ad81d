"""Where a fired boundary timer's own path led: the user task it opened (a deadline's 督办 task
for the office, 督办 on 办理期满), read from the workflow right after the engine's steps, so
that the automatic 督办 the timer raised on the late task can say, once that task is done,
what the office did about it.

The path is the timer's descendants in the task tree, but not its activity's continuation
(the boundary join, a child of every boundary event, is where the activity's own path goes on
once it is done). A path that ends in an escalation (the proposal's 答复期满 inside the
handling subprocess, caught on its border by 答复期满 at the process level) goes on from the
boundary event that caught it, on the activity that runs the part of the process it was
thrown in, or the next one outwards."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import EscalationEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from ..errors import NotFound
from . import workflow_state as state


def opened_on_its_path(workflow: BpmnWorkflow, timer_task_id: str, opened: Collection[str]) -> str | None:
    """The first of the user tasks ``opened`` (task ids: those the engine's last steps made
    ready) that the fired timer ``timer_task_id``'s path reached; None when its path opened
    none of them (it ended, or only ran scripts)."""
    start = _task(workflow, timer_task_id)
    if start is None or not opened:
        return None
    paths, seen = [start], set()
    while paths:
        for task in _along(paths.pop(0)):
            if task.id in seen:
                continue
            seen.add(task.id)
            if str(task.id) in opened and task.task_spec.manual:
                return str(task.id)
            definition = getattr(task.task_spec, "event_definition", None)
            if task.state == TaskState.COMPLETED and isinstance(definition, EscalationEventDefinition):
                paths.extend(_catchers(workflow, task, definition))
    return None


def _along(task: Task) -> Iterator[Task]:
    """``task`` and its descendants, breadth first, leaving out each boundary join's (the
    continuation of the activity a boundary event is on, not the event's own path)."""
    level = [task]
    while level:
        yield from level
        level = [c for t in level for c in t.children if not isinstance(c.task_spec, BoundaryEventJoin)]


def _catchers(workflow: BpmnWorkflow, thrown: Task, definition: EscalationEventDefinition) -> list[Task]:
    """The boundary events that caught the escalation ``thrown`` threw: on the nearest
    activity, outwards, running the part of the process it was thrown in, with one that fired
    catching it (SpiffWorkflow's match: the catcher's code, or any when it names none)."""
    current = thrown
    while (parent_id := current.workflow.parent_task_id) is not None:
        activity = _task(workflow, str(parent_id))
        if activity is None:
            return []
        split = activity.parent
        caught = [
            t
            for t in (split.children if split is not None else ())
            if t is not activity
            and isinstance(t.task_spec, BoundaryEvent)
            and t.state == TaskState.COMPLETED
            and getattr(t.task_spec, "event_definition", None) == definition
        ]
        if caught:
            return caught
        current = activity
    return []


def _task(workflow: BpmnWorkflow, task_id: str) -> Task | None:
    try:
        return state.task(workflow, task_id)
    except NotFound:  # gone with its subprocess
        return None
