"""Which element of another version of a process each task of a running workflow continues
as: the plan's map (old bpmn id → new bpmn id; the same id by default), applied to every task
spec, what SpiffWorkflow makes of an element internally (a boundary event's split and join,
a multi-instance's rounds, a subprocess's end join) following its element. SpiffWorkflow's
``SpecDiff`` suggests a target for an element whose id is gone (``suggestions``). Used by
the migration's checks (migration_checks.py) and the move (migration.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .parsing import ParsedProcess
from .serialization import _serializer  # the one configured registry: it knows this product's task specs

PAST = TaskState.COMPLETED | TaskState.CANCELLED | TaskState.ERROR
# Not reached yet: what SpiffWorkflow predicts after the open tasks (FUTURE is definite, but
# nothing has happened to it: it is predicted again from the new version like the rest)
NOT_REACHED = TaskState.FUTURE | TaskState.LIKELY | TaskState.MAYBE


@dataclass(frozen=True)
class Element:
    """A flow element of a version: its id, name and kind (SpiffWorkflow's spec class,
    e.g. ``UserTask``; a multi-instance has the kind of what it repeats, and ``multi``)."""

    bpmn_id: str
    name: str
    kind: str
    multi: bool = False


def elements(process: ParsedProcess) -> dict[str, Element]:
    """The version's flow elements by id (those of its subprocesses too)."""
    found: dict[str, Element] = {}
    for owner, spec in _all_specs(process):
        bpmn_id = spec.bpmn_id
        if not bpmn_id or (bpmn_id in found and spec.name != bpmn_id):
            continue  # a multi-instance's round: its element is the multi-instance
        repeated = owner.task_specs.get(spec.task_spec) if isinstance(spec, LoopTask) else None
        meta = process.tasks.get(bpmn_id)
        found[bpmn_id] = Element(
            bpmn_id,
            spec.bpmn_name or (meta.name if meta else "") or "",
            type(repeated if repeated is not None else spec).__name__,
            repeated is not None,
        )
    return found


def same_ids(old: ParsedProcess, new: ParsedProcess) -> dict[str, str]:
    """The default plan: each old element to the new element of the same id."""
    new_elements = elements(new)
    return {bpmn_id: bpmn_id for bpmn_id in elements(old) if bpmn_id in new_elements}


def suggestions(old: ParsedProcess, new: ParsedProcess) -> dict[str, str]:
    """For each old element whose id is gone, the new element SpiffWorkflow's diff aligns it
    with by its place in the flow (the same neighbours before and after), when that is one of
    the same kind: offered to the designer, never applied unasked (an element removed and
    another put in its place is not the same step)."""
    registry = _serializer().registry
    new_elements = elements(new)
    found: dict[str, str] = {}
    subprocesses = new.subprocess_specs
    pairs = [(old.spec, new.spec)] + [
        (spec, subprocesses[name]) for name, spec in old.subprocess_specs.items() if name in subprocesses
    ]
    for old_spec, new_spec in pairs:
        for before, after in SpecDiff(registry, old_spec, new_spec).alignment.items():
            if before is None or after is None or not before.bpmn_id or not after.bpmn_id:
                continue
            if before.bpmn_id in new_elements or type(before) is not type(after):
                continue
            found.setdefault(before.bpmn_id, after.bpmn_id)
    return found


def owner(spec: Any) -> str:
    """The element a task spec stands for: its bpmn id, or for what SpiffWorkflow adds to an
    element (``reply.BoundaryEventSplit``, ``Sub_1.EndJoin``), the element it was added for."""
    if spec.bpmn_id:
        return str(spec.bpmn_id)
    head, dot, _tail = str(spec.name).rpartition(".")
    return head if dot else str(spec.name)


def target(spec: Any, new_specs: Mapping[str, Any], mapping: Mapping[str, str]) -> Any:
    """The new version's task spec ``spec`` continues as (None: there is none)."""
    element = owner(spec)
    mapped = mapping.get(element, element)
    name = str(spec.name)
    if mapped != element and name.startswith(element):
        name = mapped + name[len(element) :]
    return new_specs.get(name)


def pairs(workflow: BpmnWorkflow, new: ParsedProcess, mapping: Mapping[str, str]) -> Iterator[tuple[Any, Any]]:
    """The workflow and each of its subprocesses, with the new version's spec for it (None:
    the new version has none)."""
    yield workflow, new.spec
    for sub in workflow.subprocesses.values():
        name = sub.spec.name
        yield sub, new.subprocess_specs.get(mapping.get(name, name))


def all_tasks(workflow: BpmnWorkflow) -> list[Task]:
    return [*workflow.tasks.values(), *(t for sub in workflow.subprocesses.values() for t in sub.tasks.values())]


def is_container(task: Task) -> bool:
    """A multi-instance or a subprocess: started, with its own open tasks inside."""
    return task.id in task.workflow.top_workflow.subprocesses or isinstance(task.task_spec, LoopTask)


def open_elements(workflow: BpmnWorkflow) -> list[str]:
    """Where the workflow stands, as element ids: its open user tasks, the events it waits
    for (not those attached to an open task) and the calls it waits on, in creation order."""
    found: dict[str, None] = {}
    for task in all_tasks(workflow):
        spec = task.task_spec
        if task.state == TaskState.READY and spec.manual:
            found[owner(spec)] = None
        elif task.state == TaskState.WAITING and getattr(spec, "event_definition", None) is not None:
            if not isinstance(spec, BoundaryEvent):
                found[owner(spec)] = None
        elif task.state == TaskState.STARTED and spec.bpmn_id and not is_container(task):
            found[owner(spec)] = None
    return list(found)


def unreadable(workflow: BpmnWorkflow) -> list[str]:
    """The tasks of a workflow restored against a version that lacks their element (none
    after a move the checks allowed)."""
    return [str(task.id) for task in all_tasks(workflow) if task.task_spec is None]


def _all_specs(process: ParsedProcess) -> Iterator[tuple[Any, Any]]:
    """Every task spec of the version with the process spec (top or subprocess) it is in."""
    for process_spec in (process.spec, *process.subprocess_specs.values()):
        for spec in process_spec.task_specs.values():
            yield process_spec, spec
