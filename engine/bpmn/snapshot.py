"""What restoring a workflow from the JSON just written would give, kept without the JSON.

A workflow that was just dumped (``serialization.dump_workflow``) and the workflow
``load_workflow`` makes of that text share their task tree, but not always their data:

* SpiffWorkflow writes a task's data as its changes against its parent's (``!=``, so a
  ``1.0`` under a parent's ``1`` is no change), and reads it back as a shallow copy of the
  parent's restored data with those changes applied: the restored value is the parent's
  ``1``, and a list inside a dict is shared with the parent;
* JSON turns a tuple into a list and a number key into text; the top-level callables of
  the workflow's data are left out; a dict with a ``typename`` key is read as a typed value;
* objects shared between tasks in memory (a value passed on without a copy, a list an
  expression changed in place after the dump) are separate objects once restored.

A :class:`Snapshot`, taken right after the dump, holds the data exactly as restoring that
dump builds it (SpiffWorkflow's rules above applied to the values, ``_restored_data``),
and the shape of the tree (every task's id, state, parent, children, spec...). Restoring
is then not needed: :meth:`Snapshot.install` puts that data into the workflow, puts the
subprocesses and the waiting events in the order restoring registers them, and refuses
(False) when the tree changed since the dump. A workflow whose data holds anything but
JSON's own values (and UUIDs, which SpiffWorkflow restores exactly) gets no snapshot: it
is restored from its JSON, as before.

This mirrors SpiffWorkflow 3.2's converters (``TaskConverter``, ``WorkflowConverter``,
``subprocesses_from_dict``) and ``serialization._SpecFreeWorkflowConverter``: a change to
either is caught by tests/unit/test_workflow_snapshot.py, which compares a snapshot with a
restore at every step of processes with loops, rounds, subprocesses and timers (and
``pytest -p tests.workflow_views`` checks every workflow the cache hands out in any suite).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.subworkflow import BpmnBaseWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

# values a JSON round trip gives back unchanged, as themselves (immutable: never copied)
_LEAVES = frozenset({str, int, float, bool, type(None), UUID})
_TYPED = "typename"  # a dict with this key is restored as a registered type (a datetime...)


class NotPlain(Exception):
    """The workflow holds a value that restoring its JSON would not give back as it is."""


def _plain(value: Any) -> Any:
    """A new copy of ``value`` as restoring its JSON gives it (new dicts and lists)."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is dict:
        if not value:
            return {}
        if _TYPED in value:
            raise NotPlain(f"a dict with a {_TYPED!r} key")
        copied = {}
        for key, item in value.items():
            if type(key) is not str:
                raise NotPlain(f"the key {key!r}")
            copied[key] = _plain(item)
        return copied
    if kind is list:
        return [_plain(item) for item in value]
    raise NotPlain(f"a {kind.__name__}")


# a task's data as restored, and the keys of its dicts and lists (copied one level for a child)
_Restored = tuple[dict[str, Any], tuple[str, ...]]


def _containers(data: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(key for key, value in data.items() if type(value) in (dict, list))


def _shape(task: Task) -> tuple[Any, ...]:
    return (
        task.id,
        task._state,
        task.last_state_change,
        task.triggered,
        task._parent,
        tuple(task._children),
        task.task_spec,
    )


@dataclass
class _Part:
    """The top workflow or one subprocess: its tree as dumped, its data as restored."""

    workflow: BpmnBaseWorkflow
    tasks: tuple[Task, ...]
    shapes: list[tuple[Any, ...]]
    data: list[dict[str, Any]]
    internal_data: list[dict[str, Any]]
    workflow_data: dict[str, Any]
    correlations: dict[str, Any]
    head: tuple[Any, ...]  # what else the dump wrote of it, as the objects it was read from
    last_task: Task | None  # as restoring finds it

    @classmethod
    def of(cls, workflow: BpmnBaseWorkflow) -> _Part:
        tasks = tuple(workflow.tasks.values())
        if workflow.tasks.get(workflow.task_tree.id) is not workflow.task_tree:
            raise NotPlain("a task tree whose root is not among its tasks")
        specs = workflow.spec.task_specs
        # by the ids' numbers: a UUID hashes in Python, an int in C (this runs on every save)
        by_number = {task_id.int: task for task_id, task in workflow.tasks.items()}
        data: list[dict[str, Any]] = []
        restored: dict[int, _Restored] = {}
        for task in tasks:
            if specs.get(task.task_spec.name) is not task.task_spec:
                raise NotPlain(f"task {task.id} runs a spec its workflow's spec does not name")
            found = restored[task.id.int] = _restored_data(task, by_number, restored)
            data.append(found[0])
        last = workflow.last_task
        return cls(
            workflow=workflow,
            tasks=tasks,
            shapes=[_shape(t) for t in tasks],
            data=data,
            internal_data=[_plain(t.internal_data) for t in tasks],
            workflow_data=_plain(workflow.data),
            correlations=_plain(workflow.correlations),
            head=_head(workflow),
            last_task=workflow.tasks.get(last.id) if last is not None else None,
        )

    def unchanged(self) -> bool:
        """The tree is still the one dumped (nothing moved it since)."""
        workflow = self.workflow
        return (
            _head(workflow) == self.head
            and tuple(workflow.tasks.values()) == self.tasks
            and [_shape(t) for t in self.tasks] == self.shapes
        )

    def install(self) -> None:
        for task, data, internal in zip(self.tasks, self.data, self.internal_data, strict=True):
            task.data = data
            task.internal_data = internal
        self.workflow.data = self.workflow_data
        self.workflow.correlations = self.correlations
        self.workflow.last_task = self.last_task


def _head(workflow: BpmnBaseWorkflow) -> tuple[Any, ...]:
    return (
        workflow.spec,
        workflow.task_tree,
        workflow.last_task,
        workflow.success,
        workflow.completed,
        getattr(workflow, "parent_task_id", None),
    )


def _restored_data(task: Task, by_number: Mapping[int, Task], restored: Mapping[int, _Restored]) -> _Restored:
    """The task's data as SpiffWorkflow's TaskConverter restores it: the root's as written;
    any other's as its changes against its parent's data (``DeepMerge.get_updated_keys`` and
    ``get_deleted_keys``, on the data in memory, as the dump computed them) applied to a
    one-level copy of its parent's restored data (``DeepMerge.merge({}, …)``); none at all
    when restoring meets the task before its parent (``restored``: the tasks met so far)."""
    parent = by_number.get(task._parent.int) if task._parent is not None else None
    if parent is None:
        data = _plain(task.data)
        return data, _containers(data)
    base = restored.get(task._parent.int)
    if base is None:
        return {}, ()
    data, containers = base[0].copy(), base[1]
    for key in containers:
        data[key] = data[key].copy()
    theirs, mine = parent.data, task.data
    if mine != theirs:  # else nothing changed and nothing was deleted
        data.update(_plain({k: v for k, v in mine.items() if k not in theirs or v != theirs[k]}))
        for key in theirs:
            if key not in mine:
                data.pop(key, None)
        containers = _containers(data)
    return data, containers


def _restore_order(workflow: BpmnWorkflow) -> list[tuple[UUID, BpmnBaseWorkflow]]:
    """The subprocesses in the order restoring creates them (each after the workflow whose
    task starts it, in task order); NotPlain when restoring would leave one out."""
    left = dict(workflow.subprocesses)
    order: list[tuple[UUID, BpmnBaseWorkflow]] = []

    def visit(parent: BpmnBaseWorkflow) -> None:
        for task in parent.tasks.values():
            if isinstance(task.task_spec, SubWorkflowTask) and task.id in left:
                sub = left.pop(task.id)
                if sub.parent_task_id != task.id or sub.spec is not workflow.subprocess_specs.get(task.task_spec.spec):
                    raise NotPlain(f"subprocess {task.id} is not the one its task starts")
                order.append((task.id, sub))
                visit(sub)

    visit(workflow)
    if left:
        raise NotPlain(f"{len(left)} subprocess(es) no task starts")
    return order


class Snapshot:
    """The data of one workflow as restoring its dump gives it (see the module's doc); used
    once (``install`` hands its dicts over to the workflow)."""

    def __init__(self, workflow: BpmnWorkflow):
        if workflow.bpmn_events:  # events for outside the workflow: restored as new objects
            raise NotPlain("events waiting to be read")
        self._workflow = workflow
        self._order = _restore_order(workflow)
        self._parts = [_Part.of(workflow), *(_Part.of(sub) for _, sub in self._order)]
        self._used = False

    @classmethod
    def of(cls, workflow: BpmnWorkflow) -> Snapshot | None:
        """Taken right after ``workflow`` was dumped; None when its JSON would not give its
        data back as it is (it is then restored from the JSON)."""
        try:
            return cls(workflow)
        except NotPlain:
            return None

    def install(self, workflow: BpmnWorkflow) -> bool:
        """Make ``workflow`` (the one this was taken of) what restoring its dump gives; False
        (``workflow`` untouched) when it changed since, or this snapshot was used already."""
        if self._used or workflow is not self._workflow or workflow.bpmn_events:
            return False
        subprocesses = workflow.subprocesses
        if len(subprocesses) != len(self._order) or any(subprocesses.get(k) is not sub for k, sub in self._order):
            return False
        if not all(part.unchanged() for part in self._parts):
            return False
        self._used = True
        for part in self._parts:
            part.install()
        subprocesses.clear()
        subprocesses.update(self._order)
        # the waiting events as restoring registers them: its catching tasks that wait, in
        # task order, the top workflow's first (the engine's own list may still name tasks
        # of a subprocess the runtime dropped)
        waiting = workflow.event_manager.tasks
        waiting.clear()
        for part in self._parts:
            for task in part.tasks:
                if isinstance(task.task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
                    waiting[task.id] = task
        return True
