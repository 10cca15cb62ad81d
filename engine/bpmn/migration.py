"""Moving a running workflow onto another version of its process, in place, with
SpiffWorkflow's own helper (``SpiffWorkflow.bpmn.util.diff.migrate_workflow``): the plan's
alignment (alignment.py) in a ``WorkflowDiff``, applied by ``migrate_workflow``, which resets
the ready and waiting tasks so that what follows them is predicted from the new version.
Check first (migration_checks.py): a workflow with a blocking obstacle is refused here too.

What migrate_workflow does not keep is put back: a reset task gets its parent's data and no
internal data, so a multi-instance round would lose its item and its index, a waiting timer
its due time. Both are restored (a timer the new version defines otherwise keeps what the
reset counted, from the move). The tasks after a started activity (a multi-instance, a
subprocess, a call), which it does not reset, are predicted again from the new version; a
running Camunda multi-instance's spec is made to know what a case reaching it teaches it."""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import WorkflowDiff, migrate_workflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from ..errors import EngineError
from . import multi_instance
from .alignment import NOT_REACHED, all_tasks, owner, pairs, target
from .migration_checks import STRUCTURAL, is_timer, obstacles, same_event
from .parsing import ParsedProcess


class CannotMigrate(EngineError):
    """A task of the workflow has no element of its kind in the new version."""

    code = "cannot_migrate"


@dataclass(frozen=True)
class Relabel:
    """An open task whose element or name the move changed (its work item follows)."""

    task_id: str
    old_bpmn_id: str
    bpmn_id: str
    old_name: str
    name: str


def migrate(
    workflow: BpmnWorkflow, old: ParsedProcess, new: ParsedProcess, mapping: Mapping[str, str]
) -> list[Relabel]:
    """Move ``workflow`` (of ``old``) onto ``new`` in place; the open tasks whose element or
    name changed. CannotMigrate, with nothing changed, when a task has no element of its kind
    there."""
    missing = sorted({o.bpmn_id for o in obstacles(workflow, old, new, mapping) if o.code in STRUCTURAL})
    if missing:
        raise CannotMigrate(f"{', '.join(missing)}: no element of the same kind in the new version")
    open_before = {
        t.id: _label(t)
        for t in all_tasks(workflow)
        if t.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED)
    }
    for sub, new_spec in list(pairs(workflow, new, mapping)):
        kept = {
            t.id: (deepcopy(t.data), deepcopy(t.internal_data), t.task_spec)
            for t in sub.tasks.values()
            if t.state in (TaskState.READY, TaskState.WAITING)
        }
        migrate_workflow(_plan_diff(sub, new_spec.task_specs, mapping), sub, new_spec)
        _restore(sub, kept)
        _predict_after_started(sub)
        _drop_stale_predictions(sub)
    workflow.subprocess_specs = new.subprocess_specs
    for task in all_tasks(workflow):
        if task.state == TaskState.STARTED:
            multi_instance.as_reached(task)
    return _relabels(workflow, open_before)


def _plan_diff(sub: Any, new_specs: Mapping[str, Any], mapping: Mapping[str, str]) -> WorkflowDiff:
    """A ``WorkflowDiff`` aligned by the plan rather than by SpecDiff's own guesses: what
    the designer saw in the dry run is what moves (the guesses are offered in the default
    plan instead, alignment.suggestions)."""
    diff = WorkflowDiff.__new__(WorkflowDiff)
    diff.alignment = {task: target(task.task_spec, new_specs, mapping) for task in sub.tasks.values()}
    diff.removed = [task for task, spec in diff.alignment.items() if spec is None]
    diff.changed = []
    return diff


def _restore(sub: Any, kept: Mapping[UUID, tuple[dict[str, Any], dict[str, Any], Any]]) -> None:
    """The data (a round's item, values already entered) and the internal data (a round's
    index, a timer's due time) of the reset tasks, as they were; a waiting timer the new
    version defines otherwise keeps what the reset counted, from now."""
    for task_id, (data, internal, old_spec) in kept.items():
        task = sub.tasks.get(task_id)
        if task is None:
            continue
        task.data = data
        if not (is_timer(old_spec) and not same_event(old_spec, task.task_spec)):
            task.internal_data = internal


def _predict_after_started(sub: Any) -> None:
    """What follows a started activity (a multi-instance's rounds, a subprocess, a call)
    predicted again from the new version: migrate_workflow resets only ready and waiting
    tasks, and a started one's successors would still be the old version's."""
    for task in list(sub.tasks.values()):
        if task.state != TaskState.STARTED or task.id not in sub.tasks:
            continue
        for child in list(task.children):
            if child.has_state(NOT_REACHED):
                sub._remove_task(child.id)
        have = {child.task_spec for child in task.children}
        for spec in task.task_spec.outputs:
            if spec not in have:
                spec._predict(task._add_child(spec, TaskState.FUTURE), mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)


def _drop_stale_predictions(sub: Any) -> None:
    """A prediction still of an old element (under a task neither reset nor started) is
    dropped: SpiffWorkflow predicts again when it gets there, and none may name an element
    the new version lacks."""
    specs = sub.spec.task_specs
    for task in list(sub.tasks.values()):
        stale = specs.get(task.task_spec.name) is not task.task_spec
        if task.id in sub.tasks and task.has_state(NOT_REACHED) and stale:
            sub._remove_task(task.id)


def _label(task: Task) -> tuple[str, str]:
    return owner(task.task_spec), str(task.task_spec.bpmn_name or "")


def _relabels(workflow: BpmnWorkflow, before: Mapping[UUID, tuple[str, str]]) -> list[Relabel]:
    found = []
    for task in all_tasks(workflow):
        was = before.get(task.id)
        now = _label(task)
        if was is not None and was != now:
            found.append(Relabel(str(task.id), was[0], now[0], was[1], now[1]))
    return found
