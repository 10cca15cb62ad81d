"""What ended an open user task the engine closed without its being completed: the element
whose firing withdrew it (an interrupting boundary event on the task or on an activity around
it, a terminate end event, an interrupting event subprocess), read from the workflow after the
engine's steps, so that the people who held the task can be told why it left their inbox.

A task withdrawn with the subprocess around it is gone from the workflow with that subprocess
(``runtime._drop_orphans``): then the latest run of the activity that ran its part of the
process stands for it (the one it ran in: a later run starts only after that one ended).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ItemAwareEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.simple import TerminateEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .workflow_state import all_tasks, tasks_in_state


def withdrawn_by(workflow: BpmnWorkflow, task_id: str, bpmn_id: str) -> str | None:
    """The name of the element that ended the open user task ``task_id`` (of element
    ``bpmn_id``) in the engine's last steps: its BPMN name, or else the name of the error,
    escalation, message or signal it caught (never an id: its readers are officers). None
    when nothing that ends tasks is found to have fired around it, or what fired has no name."""
    task = _task(workflow, task_id)
    part = bpmn_id
    while task is None:  # gone with its subprocess: the activity that ran that part of the process
        runner = _runner_of(workflow, part)
        if runner is None:
            return None
        task, part = _latest(workflow, runner), runner
    for level in _outward(workflow, task):
        for activity in _activities(level):
            boundary = _interrupting_boundary(activity)
            if boundary is not None:
                return _name(boundary)
        ended = _scope_ender(level.workflow)
        if ended is not None:
            return _name(ended)
    return None


def runs_around_open_tasks(workflow: BpmnWorkflow) -> dict[str, frozenset[str]]:
    """Each ready user task that runs in a round of a multi-instance activity (by task id),
    with the runs of the multi-instance activities whose rounds it is in (their task ids, the
    nested ones' too). Read before the engine moves the workflow (``Runtime.runs_around``): a
    boundary event on such an activity ends the rounds still open with it (``_activities``),
    and SpiffWorkflow drops them from the workflow then, their subprocesses with them, so that
    afterwards nothing there tells which run a gone round was of."""
    if not _has_multi_instance(workflow):  # (most processes: no pass over their tasks)
        return {}
    found = {}
    for task in tasks_in_state(workflow, TaskState.READY):
        if not task.task_spec.manual:
            continue
        runs = frozenset(str(level.parent.id) for level in _outward(workflow, task) if _is_round(level))
        if runs:
            found[str(task.id)] = runs
    return found


def rounds_of_tasks(workflow: BpmnWorkflow, tasks: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...] | None]:
    """Each of ``tasks`` (task id, element id), with the rounds of multi-instance activities it
    is in, innermost first (each round's own task id: the task itself, a round of a
    multi-instance task, or the task running the round's subprocess; the nested ones' too); ()
    outside every round. Rounds side by side share their elements, so that only this tells one
    unit's step from another's. None: a task of an element inside rounds that is gone from the
    workflow (dropped with its round when a boundary event closed the multi-instance around
    it), which nothing tells the round of."""
    inside = round_elements(workflow.spec, workflow.subprocess_specs)  # (none in most processes)
    found: dict[str, tuple[str, ...] | None] = {}
    for task_id, bpmn_id in tasks:
        task = _task(workflow, task_id) if bpmn_id in inside else None
        if task is not None:
            found[task_id] = tuple(str(level.id) for level in _outward(workflow, task) if _is_round(level))
        else:  # no element of a round: outside every round, gone or not
            found[task_id] = None if bpmn_id in inside else ()
    return found


_round_elements_of: WeakKeyDictionary[Any, frozenset[str]] = WeakKeyDictionary()


def round_elements(spec: Any, subprocess_specs: Mapping[str, Any]) -> frozenset[str]:
    """The ids of the elements of a process (``spec``, its ``subprocess_specs``) that run inside
    a round (a multi-instance task, or whatever the subprocess a multi-instance runs holds,
    nested ones too), found once per process: a task of any other element is no round's."""
    found = _round_elements_of.get(spec)
    if found is None:
        inside: set[str] = set()

        def enter(name: Any) -> None:  # a subprocess's spec, by the name its task gives it
            sub = subprocess_specs.get(name) if isinstance(name, str) else None
            if sub is None:
                return
            for task_spec in sub.task_specs.values():
                if task_spec.bpmn_id:
                    inside.add(task_spec.bpmn_id)
                enter(getattr(task_spec, "spec", None))

        for each in (spec, *subprocess_specs.values()):
            for task_spec in each.task_specs.values():
                if isinstance(task_spec, MultiInstanceTask):
                    child = each.task_specs[task_spec.task_spec]
                    inside.add(child.bpmn_id)
                    enter(getattr(child, "spec", None))
        found = _round_elements_of[spec] = frozenset(inside)
    return found


_with_multi_instance: WeakKeyDictionary[Any, bool] = WeakKeyDictionary()


def _has_multi_instance(workflow: BpmnWorkflow) -> bool:
    """Whether the workflow's process has a multi-instance activity anywhere (found once per spec)."""
    found = _with_multi_instance.get(workflow.spec)
    if found is None:
        specs = (workflow.spec, *workflow.subprocess_specs.values())
        found = any(isinstance(t, MultiInstanceTask) for spec in specs for t in spec.task_specs.values())
        _with_multi_instance[workflow.spec] = found
    return found


def _is_round(task: Task) -> bool:
    """Whether ``task`` is one round of a multi-instance (the task it runs each time, not the
    one after it, which is a child of the multi-instance in the tree too)."""
    spec = getattr(task.parent, "task_spec", None)
    return isinstance(spec, MultiInstanceTask) and spec.task_spec == task.task_spec.name


def _task(workflow: BpmnWorkflow, task_id: str) -> Task | None:
    try:
        return workflow.get_task_from_id(UUID(task_id))
    except (ValueError, KeyError, TaskNotFoundException):
        return None


def _outward(workflow: BpmnWorkflow, task: Task) -> Iterator[Task]:
    """``task``, then each activity that runs the part of the process it is in, outwards."""
    current: Task | None = task
    while current is not None:
        yield current
        parent_id = current.workflow.parent_task_id
        current = _task(workflow, str(parent_id)) if parent_id is not None else None


def _activities(task: Task) -> Iterator[Task]:
    """``task`` and, for one round of a multi-instance activity, that activity (where its
    boundary events are attached)."""
    yield task
    if task.parent is not None and isinstance(task.parent.task_spec, MultiInstanceTask):
        yield task.parent


def _interrupting_boundary(activity: Task) -> Task | None:
    """The interrupting boundary event of ``activity`` that fired (and so ended it), if one did."""
    if activity.state != TaskState.CANCELLED or activity.parent is None:
        return None
    if not isinstance(activity.parent.task_spec, BoundaryEventSplit):
        return None
    return next(
        (
            t
            for t in activity.parent.children
            if t is not activity
            and isinstance(t.task_spec, BoundaryEvent)
            and getattr(t.task_spec, "cancel_activity", False)
            and t.state == TaskState.COMPLETED
        ),
        None,
    )


def _scope_ender(scope: Any) -> Task | None:
    """What ended every open task of ``scope`` (a workflow or a subprocess's): a terminate end
    event reached in it, or an interrupting event subprocess of it that started
    (engine/bpmn/event_subprocesses.py marks its task ``interrupted``)."""
    for t in scope.tasks.values():
        if t.state != TaskState.COMPLETED:
            continue
        if isinstance(getattr(t.task_spec, "event_definition", None), TerminateEventDefinition):
            return t
    for t in scope.tasks.values():
        if t.internal_data.get("interrupted"):
            subprocess = scope.top_workflow.subprocesses.get(t.id)
            started = [
                s
                for s in (subprocess.tasks.values() if subprocess is not None else ())
                if isinstance(s.task_spec, StartEvent) and s.state == TaskState.COMPLETED
            ]
            # its start event names what happened (收到撤回申请); else the event subprocess itself
            return started[0] if started and _name(started[0]) else t
    return None


def _runner_of(workflow: BpmnWorkflow, bpmn_id: str) -> str | None:
    """The BPMN id of the activity (an embedded subprocess, an event subprocess) that runs the
    part of the process ``bpmn_id`` is in; None for an element of the process itself."""
    for name, spec in workflow.subprocess_specs.items():
        if any(getattr(s, "bpmn_id", None) == bpmn_id for s in spec.task_specs.values()):
            for outer in (workflow.spec, *workflow.subprocess_specs.values()):
                for s in outer.task_specs.values():
                    if isinstance(s, SubWorkflowTask) and s.spec == name and s.bpmn_id:
                        return str(s.bpmn_id)
    return None


def _latest(workflow: BpmnWorkflow, bpmn_id: str) -> Task | None:
    """The run of element ``bpmn_id`` whose state changed last."""
    runs = [t for t in all_tasks(workflow) if t.task_spec.bpmn_id == bpmn_id]
    return max(runs, key=lambda t: t.last_state_change, default=None)


def _name(task: Task) -> str | None:
    spec = task.task_spec
    name = " ".join((getattr(spec, "bpmn_name", None) or "").split())
    if name:
        return name
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, ItemAwareEventDefinition | MessageEventDefinition):
        said = " ".join(str(definition.name or "").split())
        # an error or escalation names its code when it has no name of its own: not for officers
        code = getattr(definition, "code", None)
        return said if said and said != code else None
    return None
