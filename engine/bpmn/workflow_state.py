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
from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.specs.Join import Join
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
    """The case's variables: each one's latest value (not what the product keeps in the
    workflow for itself, ``_``-names).

    SpiffWorkflow gives each task its own copy of the data, taken from the task before it
    when it is reached: the last completed task's copy, and over it what the ready and
    waiting tasks hold. Tasks on parallel branches (a non-interrupting timer's 督办 beside
    the task it watches, a gateway's branches, the rounds of a multi-instance) each hold the
    copy taken where the branches parted, and a branch's copy of a value it has not changed
    since is older than what another branch wrote: ``_merged`` takes from each branch only
    what it changed."""
    data: dict[str, Any] = {k: v for k, v in workflow.data.items() if not k.startswith("_")}
    if workflow.last_task is not None:
        data.update(workflow.last_task.data)
    if workflow.completed and len(ends := _path_ends(workflow)) > 1:
        # Paths that ended apart (a non-interrupting boundary event's path beside its task's,
        # a parallel gateway's branches to end events of their own): SpiffWorkflow leaves the
        # case with the copy of the path that ended last, whose values a path that ended
        # earlier changed since they parted (the amount a message delivered and 核实 corrected)
        # would be its stale ones. Merged like open branches: each path gives what it changed.
        data.update(_merged(workflow, ends))
    carrying = tasks_in_state(workflow, TaskState.READY) + tasks_in_state(workflow, TaskState.WAITING)
    if len(carrying) > 1:
        data.update(_merged(workflow, carrying))
    elif carrying:
        data.update(_held_by(carrying[0]).data)
    data.pop(MESSAGE_RESULT_KEY, None)
    return data


def _path_ends(workflow: BpmnWorkflow) -> list[Task]:
    """The completed tasks at which the case's paths ended (its end events, or an activity
    with no outgoing flow), each one's copy of the data as its path left it."""
    return [
        t
        for t in workflow.tasks.values()
        if t.state == TaskState.COMPLETED and any(isinstance(o, _EndJoin) for o in t.task_spec.outputs)
    ]


def _held_by(task: Task) -> Task:
    """The task whose copy of the data ``task`` stands for: a join waiting for its other
    branches takes none until it goes on (then from the task before it on each branch, which
    holds its branch's copy until then)."""
    if task.state == TaskState.WAITING and isinstance(task.task_spec, Join) and task.parent is not None:
        return task.parent
    return task


_MISSING = object()  # a key a task does not carry: unlike any value, None included


def round_local(workflow: BpmnWorkflow) -> frozenset[str]:
    """The variables the rounds of a running multi-instance each hold for themselves (the
    unit a round evaluates, its self-report, its tally, the issue it handles): a key the
    tasks of two or more rounds that the case's data is read from (the ready and waiting
    ones, and the one that moved last) do not all carry alike. Of the case as a whole they
    say nothing: which round's value ``variables`` gives is the one written last
    (``_merge``); with one round open and another just done, the case would show the one's
    issue beside the other's reply. Each is its round's tasks'."""
    carrying = tasks_in_state(workflow, TaskState.READY) + tasks_in_state(workflow, TaskState.WAITING)
    if workflow.last_task is not None and workflow.last_task not in carrying:
        carrying.append(workflow.last_task)
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


# Where a value of a merge is held: the path the merge walks (``_paths``) and the place on it
# of the task holding the value, from where to find when it was written (``_written_at``).
_Holder = tuple[list[Task], int]


@dataclass(slots=True)
class _Merged:
    """The data of tasks on parallel branches merged (``_merge``), and where its values are held."""

    data: dict[str, Any]
    changed: dict[str, _Holder]  # the values a branch changed, by who holds them
    others: _Holder  # who holds the rest

    def holder(self, key: str) -> _Holder:
        return self.changed.get(key, self.others)


def _merged(workflow: BpmnWorkflow, sources: list[Task]) -> dict[str, Any]:
    """The data of ``sources`` (tasks of the workflow and its subprocesses, on different
    branches) merged: what their last common task held, and what each branch changed since."""
    return _merge(_paths(workflow, sources), 1).data


def _merge(paths: list[list[Task]], shared: int) -> _Merged:
    """The merged data of the tasks at the ends of ``paths``, which begin with the same
    ``shared`` tasks. Below the last task they all pass (where they part), each branch gives
    the values it changed, merged the same way if it holds several; a value two branches both
    changed is the one written last (on a tie, the one later in the tree's order, as
    SpiffWorkflow's walk meets the branches)."""
    if len(paths) == 1:
        [path] = paths
        return _Merged(path[-1].data, {}, (path, len(path) - 1))
    shortest = min(len(path) for path in paths)
    while shared < shortest and all(path[shared] is paths[0][shared] for path in paths):
        shared += 1
    parting = paths[0][shared - 1]
    given = parting.data
    merged = _Merged(dict(given), {}, (paths[0], shared - 1))
    for branch in _branches(parting, paths, shared):
        inner = _merge(branch, shared + 1)
        for key, value in inner.data.items():
            if given.get(key, _MISSING) == value:
                continue  # the branch's copy of what it was given
            holder = inner.holder(key)
            earlier = merged.changed.get(key)
            if earlier is not None and _written_at(earlier, key, shared) > _written_at(holder, key, shared):
                continue
            merged.data[key] = value
            merged.changed[key] = holder
    return merged


def _branches(parting: Task, paths: list[list[Task]], shared: int) -> list[list[list[Task]]]:
    """The paths that go on below ``parting`` (the ``shared``-th task of each), grouped by the
    task they go on to, in the tree's order: the subprocess ``parting`` runs first, then its
    children in their order. A path that ends at ``parting`` holds what it holds."""
    groups: dict[UUID, list[list[Task]]] = {}
    for path in paths:
        if len(path) > shared:
            groups.setdefault(path[shared].id, []).append(path)
    order = {child: place for place, child in enumerate(parting._children)}
    return [groups[task_id] for task_id in sorted(groups, key=lambda task_id: order.get(task_id, -1))]


def _written_at(holder: _Holder, key: str, floor: int) -> float:
    """When the branch of ``holder`` wrote its value of ``key``: when the first task of its
    path, no higher than ``floor``, from which on every task holds that value, was done (or
    reached, if it is not done yet)."""
    path, at = holder
    value = path[at].data.get(key, _MISSING)
    while at > floor and path[at - 1].data.get(key, _MISSING) == value:
        at -= 1
    return float(path[at].last_state_change)


def _paths(workflow: BpmnWorkflow, sources: list[Task]) -> list[list[Task]]:
    """For each source, the tasks from the last task all of them pass to the one holding its
    copy of the data (``_held_by``). Mostly they all follow one task (a user task and its
    boundary timers, the rounds of a multi-instance task); else the first is walked up to the
    root, the others up to a task already met (the tree grows with the history, and branches
    part near its leaves). A subprocess's first task goes on from the task that runs it."""
    held = [_held_by(source) for source in sources]
    first = held[0]
    if first._parent is not None and all(t.workflow is first.workflow and t._parent == first._parent for t in held):
        parting = first.workflow.tasks[first._parent]
        return [[parting, task] for task in held]
    paths: list[list[Task]] = []
    met: dict[int, tuple[int, int]] = {}  # id() of a task walked: which path it is on, and where
    top = -1  # where the paths meet highest up
    for task in held:
        below: list[Task] = []  # the task and the tasks above it, up to one met
        current: Task | None = task
        while current is not None and id(current) not in met:
            below.append(current)
            if current._parent is not None:
                current = current.workflow.tasks[current._parent]
            elif current.workflow is not workflow:
                current = workflow.get_task_from_id(current.workflow.parent_task_id)
            else:
                current = None
        below.reverse()
        if current is None:  # walked up to the root
            path, start = below, 0
        else:
            on, at = met[id(current)]
            path, start = paths[on][: at + 1] + below, at + 1
            top = at if top < 0 else min(top, at)
        met.update({id(task): (len(paths), start + place) for place, task in enumerate(below)})
        paths.append(path)
    return [path[max(top, 0) :] for path in paths]


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
            timers.append(WaitingTimer(str(task.id), task.task_spec.bpmn_id, _moment(value)))
    return timers


def fired_moment(task: Task) -> datetime | None:
    """When the timer event ``task`` fell due, as its value says (a date, a duration's end); None
    for a cycle, whose value moved on to its next occurrence as it fired."""
    value = task._get_internal_data("event_value")
    if not value or isinstance(value, dict):
        return None
    try:
        return _moment(value)
    except (TypeError, ValueError):  # not a moment (SpiffWorkflow fired it all the same)
        return None


def _moment(value: Any) -> datetime:
    """A timer's moment as its value holds it (ISO text, or a datetime), as a plain datetime in UTC."""
    due = TimerEventDefinition.get_datetime(value) if isinstance(value, str) else value
    return datetime.fromtimestamp(due.timestamp(), UTC)


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
