"""What stops a running workflow from moving to another version of its process, element by
element, and what moving it does that one should know (engine/bpmn/migration.py moves it).

A workflow moves only when every task it has reached has an element of the same kind in the
new version: instances are stored without their spec and restored against the version they
name, so a task whose element the new version lacks could never be read again. An open user
task's form must also still fit the case: no field the case has a value for removed, no field
newly required that the case has no value for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .alignment import NOT_REACHED, PAST, Element, elements, is_container, owner, pairs, target
from .forms import FormSpec
from .parsing import ParsedProcess
from .serialization import _serializer  # the one configured registry: it knows this product's task specs

TASK_REMOVED = "task_removed"  # an open user task's element is gone and not mapped
WAITING_REMOVED = "waiting_removed"  # a waiting timer, message or signal (or a call) is gone
ACTIVE_REMOVED = "active_removed"  # a running multi-instance or subprocess is gone
PASSED_REMOVED = "passed_removed"  # an element the case went through is gone: its history could not be read
TYPE_CHANGED = "type_changed"  # mapped to an element of another kind
FIELD_REMOVED = "field_removed"  # the open task's form lost fields the case has values for
FIELD_REQUIRED = "field_required"  # the open task's form requires fields the case has no value for
TIMER_RECOUNTED = "timer_recounted"  # not blocking: a waiting timer defined otherwise, counted again from the move
STRUCTURAL = frozenset({TASK_REMOVED, WAITING_REMOVED, ACTIVE_REMOVED, PASSED_REMOVED, TYPE_CHANGED})
BLOCKING = STRUCTURAL | {FIELD_REMOVED, FIELD_REQUIRED}


@dataclass(frozen=True)
class Obstacle:
    code: str
    bpmn_id: str  # the old version's element
    name: str
    target: str = ""  # the new version's element it is mapped to, when it is
    target_name: str = ""
    kind: str = ""  # TYPE_CHANGED: the two kinds
    target_kind: str = ""
    fields: tuple[str, ...] = ()  # FIELD_REMOVED / FIELD_REQUIRED: the form fields' ids
    field_labels: tuple[str, ...] = ()  # and their labels

    @property
    def blocking(self) -> bool:
        return self.code in BLOCKING


def obstacles(
    workflow: BpmnWorkflow,
    old: ParsedProcess,
    new: ParsedProcess,
    mapping: Mapping[str, str],
    drafts: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Obstacle]:
    """What stops ``workflow`` (of ``old``) from moving to ``new`` under ``mapping``, and
    what moving it would do (not blocking), once per code and element. ``drafts``: the
    values saved on open tasks' forms, by task id."""
    drafts = drafts or {}
    old_elements, new_elements = elements(old), elements(new)
    found: dict[tuple[str, str], Obstacle] = {}
    for sub, new_spec in pairs(workflow, new, mapping):
        specs = new_spec.task_specs if new_spec is not None else {}
        for task in list(sub.tasks.values()):
            if task.has_state(NOT_REACHED):
                continue  # predicted again from the new version
            for obstacle in _task_obstacles(task, target(task.task_spec, specs, mapping), old, new, drafts):
                found.setdefault((obstacle.code, obstacle.bpmn_id), obstacle)
    named = [_named(o, old_elements, new_elements) for o in found.values()]
    # an open task gone is said as such, not also as history gone (the split before it)
    still_open = {o.bpmn_id for o in named if o.code in (TASK_REMOVED, WAITING_REMOVED, ACTIVE_REMOVED)}
    return [o for o in named if not (o.code == PASSED_REMOVED and o.bpmn_id in still_open)]


def _task_obstacles(
    task: Task, new_spec: Any, old: ParsedProcess, new: ParsedProcess, drafts: Mapping[str, Mapping[str, Any]]
) -> list[Obstacle]:
    element = owner(task.task_spec)
    if new_spec is None:
        return [Obstacle(_removed_code(task), element, "")]
    mapped = owner(new_spec)
    if type(new_spec) is not type(task.task_spec):
        return [Obstacle(TYPE_CHANGED, element, "", mapped, "", type(task.task_spec).__name__, type(new_spec).__name__)]
    if task.state == TaskState.READY and task.task_spec.manual:
        return _form_obstacles(old, new, element, mapped, {**task.data, **drafts.get(str(task.id), {})})
    if task.state == TaskState.WAITING and is_timer(task.task_spec) and not same_event(task.task_spec, new_spec):
        return [Obstacle(TIMER_RECOUNTED, element, "", mapped)]
    return []


def _removed_code(task: Task) -> str:
    if task.has_state(PAST):
        return PASSED_REMOVED
    if task.state == TaskState.READY:
        return TASK_REMOVED
    if task.state == TaskState.STARTED and is_container(task):
        return ACTIVE_REMOVED
    return WAITING_REMOVED


def _named(obstacle: Obstacle, old: Mapping[str, Element], new: Mapping[str, Element]) -> Obstacle:
    before, after = old.get(obstacle.bpmn_id), new.get(obstacle.target)
    return Obstacle(
        obstacle.code,
        obstacle.bpmn_id,
        before.name if before else "",
        obstacle.target,
        after.name if after else "",
        obstacle.kind,
        obstacle.target_kind,
        obstacle.fields,
        obstacle.field_labels,
    )


def _form_obstacles(
    old: ParsedProcess, new: ParsedProcess, bpmn_id: str, target_id: str, values: Mapping[str, Any]
) -> list[Obstacle]:
    """An open user task's form in the new version: fields it lost that the case has values
    for (shown on the form until now, gone after the move), fields it now requires that the
    case has no value for (and no default gives)."""
    old_form = old.tasks[bpmn_id].form if bpmn_id in old.tasks else FormSpec()
    new_form = new.tasks[target_id].form if target_id in new.tasks else FormSpec()
    present = {key for key, value in values.items() if value not in (None, "", [], {})}
    kept = {f.id for f in new_form.fields}
    required_before = {f.id for f in old_form.fields if f.required}
    shown = new_form.shown(dict(values))
    removed = [f for f in old_form.fields if f.id not in kept and f.id in present]
    required = [
        f
        for f in new_form.fields
        if f.required and f.id not in required_before and f.id in shown and f.id not in present and f.default is None
    ]
    found = []
    for code, fields in ((FIELD_REMOVED, removed), (FIELD_REQUIRED, required)):
        if fields:
            ids, labels = tuple(f.id for f in fields), tuple(f.label for f in fields)
            found.append(Obstacle(code, bpmn_id, "", target_id, fields=ids, field_labels=labels))
    return found


def is_timer(spec: Any) -> bool:
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return any(isinstance(d, TimerEventDefinition) for d in definition.event_definitions)
    return isinstance(definition, TimerEventDefinition)


def same_event(old_spec: Any, new_spec: Any) -> bool:
    """The two specs wait for the same event (compared as the serializer writes them)."""
    registry = _serializer().registry
    before, after = getattr(old_spec, "event_definition", None), getattr(new_spec, "event_definition", None)
    return bool(registry.convert(before) == registry.convert(after))
