"""Where a workflow stands, read without moving it: its tasks by state, its variables, the
timers, messages, signals, triggers, called cases and workers it waits for, the rounds of its
multi-instance activities. Pure functions of a SpiffWorkflow workflow (engine/bpmn/runtime.py
moves it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .. import clock
from ..errors import NotFound
from .triggers import TRIGGER, TriggerEventDefinition
from .waiting_tasks import WAITING_SPECS, CaseCall, ExternalServiceTask


@dataclass(frozen=True)
class WaitingTimer:
    task_id: str
    bpmn_id: str
    due_at: datetime


@dataclass(frozen=True)
class WaitingWork:
    """A call activity or external task of the workflow waiting for its answer."""

    task_id: str
    bpmn_id: str
    spec: CaseCall | ExternalServiceTask


@dataclass(frozen=True)
class WaitingEvent:
    """What a task of the workflow waits for from outside (``kind``: "message" or "signal", by
    name; "trigger": a receive task without a message, named by its element id)."""

    task_id: str
    bpmn_id: str
    kind: str
    name: str


# Where a delivered message's variables are put by SpiffWorkflow's Camunda message event (it
# keeps them under a "result variable"); the product merges them into the case's data itself
# and leaves this ``_``-name out of the case's variables.
MESSAGE_RESULT_KEY = "_message"


def tasks_in_state(workflow: BpmnWorkflow, state: int) -> list[Task]:
    """The tasks of the workflow and its subprocesses in ``state``, in creation order.

    One pass over the task maps: ``get_tasks`` walks the whole tree with an iterator, which
    cost more than anything else the use cases do between the engine and the database."""
    found = [t for t in workflow.tasks.values() if t.state == state]
    for subprocess in workflow.subprocesses.values():
        found.extend(t for t in subprocess.tasks.values() if t.state == state)
    return found


def all_tasks(workflow: BpmnWorkflow) -> list[Task]:
    return [*workflow.tasks.values(), *(t for sub in workflow.subprocesses.values() for t in sub.tasks.values())]


def ready_within(workflow: BpmnWorkflow, task: Task) -> set[str]:
    """The ready user tasks that are ``task`` or inside its subprocess (and theirs)."""
    if task.state == TaskState.READY and task.task_spec.manual:
        return {str(task.id)}
    subprocess = workflow.subprocesses.get(task.id)
    if subprocess is None:
        return set()
    return {ready for inner in subprocess.tasks.values() for ready in ready_within(workflow, inner)}


@dataclass(frozen=True)
class Rounds:
    """The rounds of one run of a multi-instance activity (see ``Runtime.rounds``)."""

    bpmn_id: str
    finished: int
    open: tuple[frozenset[str], ...]  # per open round, the ids of its ready user tasks


def timer_definition(spec: Any) -> TimerEventDefinition | None:
    """The timer a task waits for: its own event's, or, for an event-based gateway (which
    SpiffWorkflow makes wait for all its events itself, as one multiple event), the timer
    among them (its time is kept on the gateway's task)."""
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        return definition
    if isinstance(definition, MultipleEventDefinition):
        return next((d for d in definition.event_definitions if isinstance(d, TimerEventDefinition)), None)
    return None


_waits_for_timer: WeakKeyDictionary[Any, dict[Any, bool]] = WeakKeyDictionary()


def waits_for_timer(workflow: BpmnWorkflow) -> dict[Any, bool]:
    """For each task spec of ``workflow``'s process (its subprocesses' included), whether it
    waits for a timer (``timer_definition``), found once per parsed process: the firing
    marks are taken at every step, over every task of a history."""
    found = _waits_for_timer.get(workflow.spec)
    if found is None:
        specs = (workflow.spec, *workflow.subprocess_specs.values())
        found = {t: timer_definition(t) is not None for spec in specs for t in spec.task_specs.values()}
        _waits_for_timer[workflow.spec] = found
    return found


_may_wait_for_events: WeakKeyDictionary[Any, bool] = WeakKeyDictionary()


def may_wait_for_events(spec: Any, subprocess_specs: dict[str, Any]) -> bool:
    """Whether a workflow of this process can ever wait for a message, signal or trigger:
    some task spec of it or of its subprocesses has such an event definition (a throwing
    one counts too: the answer may say yes for nothing, never no for something). Found once
    per parsed process: if not, none of its cases has a subscription to keep in line."""
    found = _may_wait_for_events.get(spec)
    if found is None:
        found = any(
            kind_of(part) is not None
            for each in (spec, *subprocess_specs.values())
            for task_spec in each.task_specs.values()
            for part in _event_parts(getattr(task_spec, "event_definition", None))
        )
        _may_wait_for_events[spec] = found
    return found


def _event_parts(definition: Any) -> list[Any]:
    if definition is None:
        return []
    return definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [definition]


def kind_of(definition: Any) -> str | None:
    if isinstance(definition, MessageEventDefinition):
        return "message"
    if isinstance(definition, SignalEventDefinition):
        return "signal"
    if isinstance(definition, TriggerEventDefinition):
        return TRIGGER
    return None


def definition_for(definition: Any, kind: str, name: str) -> Any:
    """The part of a task's event definition that is the ``kind`` named ``name``, or None."""
    return next((p for p in _event_parts(definition) if kind_of(p) == kind and p.name == name), None)


def waiting_catchers(workflow: BpmnWorkflow) -> list[Task]:
    """The tasks waiting for an event, in creation order (SpiffWorkflow's event manager
    knows them; a boundary event catches only while it waits)."""
    return [
        t
        for t in tasks_in_state(workflow, TaskState.WAITING)
        if getattr(t.task_spec, "event_definition", None) is not None
    ]


def past_due(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return bool(TimerEventDefinition.get_datetime(value) <= clock.now())
    except (TypeError, ValueError):
        return False


def task(workflow: BpmnWorkflow, task_id: str) -> Task:
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except (ValueError, KeyError, TaskNotFoundException):
        task = None
    if task is None:
        raise NotFound(f"no task {task_id} in this instance")
    return task


def ready_task_ids(workflow: BpmnWorkflow) -> list[str]:
    return [str(t.id) for t in tasks_in_state(workflow, TaskState.READY) if t.task_spec.manual]


def variables(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The case's variables: the last completed task's data and what ready tasks carry
    (not what the product keeps in the workflow for itself, ``_``-names)."""
    data: dict[str, Any] = {k: v for k, v in workflow.data.items() if not k.startswith("_")}
    if workflow.last_task is not None:
        data.update(workflow.last_task.data)
    carrying = tasks_in_state(workflow, TaskState.READY) + tasks_in_state(workflow, TaskState.WAITING)
    if len(carrying) > 1:
        # which one's value wins is the tree's order; one task has no order to keep
        carrying = _in_tree_order(workflow, carrying)
    for task in carrying:
        data.update(task.data)
    data.pop(MESSAGE_RESULT_KEY, None)
    return data


_MISSING = object()  # a key a task does not carry: unlike any value, None included


def round_local(workflow: BpmnWorkflow) -> frozenset[str]:
    """The variables the open rounds of multi-instances each hold for themselves: a key the
    ready and waiting tasks of two or more rounds do not all carry alike (the unit a round
    evaluates, its self-report, its tally). Of the case as a whole they say nothing: which
    round's value ``variables`` gives is the tree's order; each is its round's tasks'."""
    carrying = tasks_in_state(workflow, TaskState.READY) + tasks_in_state(workflow, TaskState.WAITING)
    in_rounds = {task: round_ for task in carrying if (round_ := _round_of(workflow, task)) is not None}
    if len(set(in_rounds.values())) < 2:
        return frozenset()
    first, *others = in_rounds
    keys = {key for task in in_rounds for key in task.data}
    return frozenset(
        key for key in keys if any(task.data.get(key, _MISSING) != first.data.get(key, _MISSING) for task in others)
    )


def round_item(workflow: BpmnWorkflow, task: Task) -> Any:
    """The input item of the nearest multi-instance the task is in (an instance of a
    multi-instance task, or a task inside a subprocess round), read from the task's data;
    None outside one."""
    round_ = _round_of(workflow, task)
    if round_ is None:
        return None
    return task.data.get(round_.parent.task_spec.input_item.bpmn_id)


def _round_of(workflow: BpmnWorkflow, task: Task) -> Task | None:
    """The instance of the nearest multi-instance that contains the task (itself, or the task
    running the subprocess it is in); None outside one. Only what contains the task counts: a
    task's parent in the tree is also the task before it, and a multi-instance that finished
    before it in the same round (its scorers, before the round's result) is not its round."""
    current: Task | None = task
    while current is not None:
        spec = getattr(current.parent, "task_spec", None)
        if getattr(spec, "input_item", None) is not None and getattr(spec, "task_spec", None) == current.task_spec.name:
            return current  # one of that multi-instance's instances
        # leave the subprocess for the task that runs it
        current = (
            workflow.get_task_from_id(current.workflow.parent_task_id) if current.workflow is not workflow else None
        )
    return None


_WALK_DEPTH = 1000  # SpiffWorkflow's TaskIterator goes no deeper into the tree (max_depth)


def _in_tree_order(workflow: BpmnWorkflow, tasks: list[Task]) -> list[Task]:
    """The ready and waiting ``tasks`` in the order ``get_tasks`` meets them (its walk of the
    task tree: depth first, each task's children in their order), found from each task's path
    up to the root instead of walking the whole tree, which grows with the history (a user
    task and its boundary timer: 0.25 ms at 50 tasks of history). A task of a subprocess
    (the walk enters a subprocess before the children of the task that started it) or one
    deeper than the walk goes: the walk itself."""
    positions = []
    for task in tasks:
        if task.workflow is not workflow:
            return _walk(workflow)
        path: list[int] = []
        current = task
        while current._parent is not None and len(path) < _WALK_DEPTH:
            parent = workflow.tasks[current._parent]
            path.append(parent._children.index(current.id))
            current = parent
        if current._parent is not None:
            return _walk(workflow)
        path.reverse()
        positions.append((path, task))
    positions.sort(key=lambda position: position[0])
    return [task for _path, task in positions]


def _walk(workflow: BpmnWorkflow) -> list[Task]:
    found: list[Task] = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
    return found


def bpmn_ids_in_state(workflow: BpmnWorkflow, state: int) -> list[str]:
    ids = {t.task_spec.bpmn_id for t in workflow.get_tasks(state=state)}
    ids.discard(None)
    return sorted(ids)


def rounds(workflow: BpmnWorkflow) -> list[Rounds]:
    """Each multi-instance activity's rounds (one per unit, per deputy): how many finished
    and, for each open one, the ready user tasks in it (inside its subprocess, nested
    ones included). An activity run more than once (in a loop, in an outer round) is
    listed once per run."""
    found = []
    for task in all_tasks(workflow):
        spec = task.task_spec
        if not isinstance(spec, MultiInstanceTask):
            continue
        children = [c for c in task.children if c.task_spec is not spec and c.task_spec.bpmn_id == spec.bpmn_id]
        finished = sum(1 for c in children if c.state == TaskState.COMPLETED)
        open_rounds = tuple(
            frozenset(ready_within(workflow, c))
            for c in children
            if c.state not in (TaskState.COMPLETED, TaskState.CANCELLED)
        )
        if children:
            found.append(Rounds(spec.bpmn_id, finished, open_rounds))
    return found


def waiting_timers(workflow: BpmnWorkflow) -> list[WaitingTimer]:
    timers = []
    for task in tasks_in_state(workflow, TaskState.WAITING):
        if timer_definition(task.task_spec) is None:
            continue
        value = task._get_internal_data("event_value")
        if isinstance(value, dict):  # a cycle: the next occurrence
            value = value.get("next") if value.get("cycles") != 0 else None
        if value:
            due = TimerEventDefinition.get_datetime(value) if isinstance(value, str) else value
            due_at = datetime.fromtimestamp(due.timestamp(), UTC)  # a plain datetime, in UTC
            timers.append(WaitingTimer(str(task.id), task.task_spec.bpmn_id, due_at))
    return timers


def waiting_events(workflow: BpmnWorkflow) -> list[WaitingEvent]:
    """The messages, signals and triggers the workflow waits for, by task (an event-based
    gateway waits for each of its events on its own task)."""
    found = []
    for task in waiting_catchers(workflow):
        for part in _event_parts(task.task_spec.event_definition):
            kind = kind_of(part)
            if kind is not None and part.name:
                found.append(WaitingEvent(str(task.id), task.task_spec.bpmn_id or "", kind, part.name))
    return found


def waiting_work(workflow: BpmnWorkflow) -> list[WaitingWork]:
    """The call activities and external tasks that wait for their answer."""
    return [
        WaitingWork(str(t.id), t.task_spec.bpmn_id or "", t.task_spec)
        for t in tasks_in_state(workflow, TaskState.STARTED)
        if isinstance(t.task_spec, WAITING_SPECS)
    ]


def waiting_elements(workflow: BpmnWorkflow) -> list[str]:
    """The elements a running workflow waits at (a receive task, a message or signal
    catch, a timer): where a stuck case stands."""
    found = {
        t.task_spec.bpmn_id
        for t in tasks_in_state(workflow, TaskState.WAITING)
        if t.task_spec.bpmn_id and not workflow.subprocesses.get(t.id)
    }
    return sorted(found)
