"""The one configured serializer.

Instances are written WITHOUT their spec: the parsed spec is stored once per definition
version (``spec_json``) and restored against a cached spec object, which the running
instances never mutate. JSON is UTF-8 text (Chinese stays readable, ~10 % smaller).
SpiffWorkflow's serializer keeps mutable state, so each thread gets its own.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import VERSION, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimeDateEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from . import actions, io_mappings, task_texts
from .camunda import TaskMeta
from .compensation_throw import CompensationThrow, CompensationThrowConverter
from .cron_timers import CronCycleTimerEventDefinition, CronDateTimerEventDefinition
from .mail_tasks import MAIL_CONVERTERS
from .output_collections import OUTPUT_CONVERTERS
from .parsing import ParsedProcess, StartTimer
from .triggers import TRIGGER_CONVERTERS
from .waiting_tasks import SPEC_CONVERTERS

SERIALIZER_VERSION = VERSION


class StaleSpec(Exception):
    """A stored spec written by another SpiffWorkflow serializer version: parse the stored
    BPMN XML again instead (specs, unlike instances, have no migrations)."""


class _Dumping:
    """A dump in progress on this thread: each workflow's (and subprocess's) tasks are put in
    the dict as a placeholder string, and their text (engine.bpmn.task_texts: only changed
    tasks converted) replaces it in the encoded JSON."""

    def __init__(self, texts: task_texts.TaskTexts, encode: Any, convert: Any):
        self.texts = texts
        self._task_text = lambda task: encode(convert(task))
        self._token = secrets.token_hex(16)  # 128 random bits: no value in the data can be it
        self._pieces: dict[str, str] = {}
        self.present: set[int] = set()  # the ids' numbers of the tasks written

    def placeholder(self, tasks: Mapping[Any, Task]) -> str:
        marker = f"{self._token}:{len(self._pieces)}"
        self._pieces[marker] = self.texts.mapping_text(tasks, self._task_text)
        self.present.update(task_id.int for task_id in tasks)
        return marker

    def splice(self, text: str) -> str | None:
        """``text`` with every placeholder replaced by its tasks' text; None if one is not
        found exactly once (then the caller converts the whole workflow instead)."""
        for marker, tasks_text in self._pieces.items():
            head, quoted, tail = text.partition(f'"{marker}"')
            if not quoted or marker in tail:
                return None
            text = head + tasks_text + tail
        return text


class _TasksAsText:
    """A workflow converter whose tasks, while ``dump_workflow`` runs on this thread, go in
    as a placeholder (``_Dumping``) instead of being converted here. A mapping of tasks is
    told by its values: no other mapping a workflow converter writes holds tasks."""

    def mapping_to_dict(self, mapping: Any, **kwargs: Any) -> Any:
        dumping: _Dumping | None = getattr(_local, "dumping", None)
        if dumping is not None and isinstance(next(iter(mapping.values()), None), Task):
            return dumping.placeholder(mapping)
        return super().mapping_to_dict(mapping, **kwargs)  # type: ignore[misc]


def _task_id(text: str) -> UUID:
    """The task id ``text`` names, parsed once per restore (``load_workflow``): each id is
    written as its task's key, its task's id, its children's parent and one of its parent's
    children, and parsing a UUID took a quarter of restoring a workflow."""
    parsed: dict[str, UUID] | None = getattr(_local, "task_ids", None)
    if parsed is None:
        return UUID(text)
    found = parsed.get(text)
    if found is None:
        found = parsed[text] = UUID(text)
    return found


class _TaskConverter(TaskConverter):
    """SpiffWorkflow 3.2's ``TaskConverter.from_dict``, its ids read by ``_task_id``
    (tests/unit/test_workflow_restore.py restores with both at every step of its walks)."""

    def from_dict(self, dct: dict[str, Any], workflow: Any) -> Task:
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=_task_id(dct["id"]))
        task._parent = _task_id(dct["parent"]) if dct["parent"] is not None else None
        task._children = [_task_id(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self.registry.restore(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        if delta and task.parent is not None:
            data = DeepMerge.merge({}, task.parent.data)
            data.update(self.registry.restore(delta.get("updates", {})))
            for key in delta.get("deletions", {}):
                if key in data:
                    del data[key]
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


class _SpecFreeWorkflowConverter(_TasksAsText, BpmnWorkflowConverter):
    """Writes a workflow without its specs; restores it against the ones passed in."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(
        self,
        dct: dict[str, Any],
        spec: BpmnProcessSpec | None = None,
        subprocess_specs: dict[str, BpmnProcessSpec] | None = None,
    ) -> BpmnWorkflow:
        if spec is None:
            raise ValueError("a spec-free workflow needs its spec to be restored")
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _task_id, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_task_id(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow

    def subprocesses_from_dict(self, dct: dict[str, Any], workflow: Any, top_workflow: Any = None) -> None:
        """SpiffWorkflow's, and the compensation handlers running under their throw event
        (engine.bpmn.compensation), which SpiffWorkflow's restores only under a subprocess task."""
        super().subprocesses_from_dict(dct, workflow, top_workflow)
        top = top_workflow or workflow
        for task in list(workflow.tasks.values()):
            if isinstance(task.task_spec, CompensationThrow) and str(task.id) in dct:
                handler = self.registry.restore(dct.pop(str(task.id)), task=task, top_workflow=top)
                top.subprocesses[task.id] = handler
                handler.completed_event.connect(task.task_spec.on_handler_completed, task)
                self.subprocesses_from_dict(dct, handler, top)


class _SubWorkflowConverter(_TasksAsText, BpmnSubWorkflowConverter):
    """SpiffWorkflow's, reading the subworkflow's spec by the name it was written with: a
    compensation throw event runs a different handler each time (engine.bpmn.compensation)."""

    def from_dict(self, dct: dict[str, Any], task: Any, top_workflow: Any) -> Any:
        if not isinstance(task.task_spec, CompensationThrow):
            return super().from_dict(dct, task, top_workflow)
        spec = top_workflow.subprocess_specs.get(dct["spec"])
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        subprocess.tasks = self.mapping_from_dict(dct["tasks"], _task_id, workflow=subprocess)
        subprocess.task_tree = subprocess.tasks.get(_task_id(dct["root"]))
        self.set_default_attributes(subprocess, dct)
        return subprocess


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(CAMUNDA_CONFIG)
    config[BpmnWorkflow] = _SpecFreeWorkflowConverter
    config.update(SPEC_CONVERTERS)
    config.update(MAIL_CONVERTERS)
    config.update(OUTPUT_CONVERTERS)
    # the cron timers (engine.bpmn.cron_timers) are written as SpiffWorkflow's timers are
    config[CronCycleTimerEventDefinition] = config[CycleTimerEventDefinition]
    config[CronDateTimerEventDefinition] = config[TimeDateEventDefinition]
    config.update(TRIGGER_CONVERTERS)
    config[CompensationThrow] = CompensationThrowConverter
    config[BpmnSubWorkflow] = _SubWorkflowConverter
    config[Task] = _TaskConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_local = threading.local()


def _serializer() -> BpmnWorkflowSerializer:
    serializer = getattr(_local, "serializer", None)
    if serializer is None:
        serializer = _local.serializer = _make_serializer()
    return serializer


def _encoder(serializer: BpmnWorkflowSerializer) -> json.JSONEncoder:
    """SpiffWorkflow's encoder, as ``json.dumps`` would make it for every call (it keeps no
    state between calls: one per thread, beside the thread's serializer)."""
    encoder: json.JSONEncoder | None = getattr(_local, "encoder", None)
    if encoder is None:
        encoder = _local.encoder = serializer._encoder_cls(ensure_ascii=False, separators=(",", ":"))
    return encoder


def dump_workflow(workflow: BpmnWorkflow, *, reuse_texts: bool = True) -> str:
    """The workflow's JSON. ``reuse_texts``: the tasks unchanged since this workflow object
    was last dumped keep the text they were written as (engine.bpmn.task_texts); the
    result is the same, byte for byte, as converting every task (``reuse_texts=False``)."""
    serializer = _serializer()
    registry = serializer.registry
    encode = _encoder(serializer).encode
    registry._encoder_mode = True  # lazy conversion inside the JSON encoder, as serialize_json does
    try:
        if reuse_texts:
            texts = task_texts.texts_of(workflow)
            texts.start_dump()
            _local.dumping = dumping = _Dumping(texts, encode, registry.convert)
            try:
                text = _encoded(serializer, workflow, encode)
            finally:
                _local.dumping = None
            spliced = dumping.splice(text)
            if spliced is not None:
                texts.forget_others(dumping.present)
                return spliced
        return _encoded(serializer, workflow, encode)
    finally:
        registry._encoder_mode = False


def _encoded(serializer: BpmnWorkflowSerializer, workflow: BpmnWorkflow, encode: Any) -> str:
    dct = serializer.registry.convert(workflow)
    dct[serializer.VERSION_KEY] = serializer.VERSION
    result: str = encode(dct)
    return result


def load_workflow(text: str, spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]) -> BpmnWorkflow:
    serializer = _serializer()
    dct, read = task_texts.read_json(text)
    # JSON this serializer version wrote is what converting the restored tasks writes again
    # (the texts kept for the next dump); an older one's is migrated and converted anew
    if dct.get(serializer.VERSION_KEY) != serializer.VERSION:
        read = None
    serializer.migrate(dct)
    _local.task_ids = {}
    try:
        workflow: BpmnWorkflow = serializer.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
    finally:
        _local.task_ids = None
    if read is not None:
        texts = task_texts.texts_of(workflow)
        texts.remember_read(workflow.tasks, read.tasks)
        for sub_id, subprocess in workflow.subprocesses.items():
            texts.remember_read(subprocess.tasks, read.subprocesses.get(str(sub_id), {}))
    return workflow


def dump_process(process: ParsedProcess) -> str:
    """The parsed process of one definition version, as stored in ``spec_json``."""
    registry = _serializer().registry
    return json.dumps(
        {
            "serializer_version": SERIALIZER_VERSION,
            "key": process.key,
            "name": process.name,
            "spec": registry.convert(process.spec),
            "subprocess_specs": {k: registry.convert(v) for k, v in process.subprocess_specs.items()},
            "tasks": {k: v.to_dict() for k, v in process.tasks.items()},
            "start_event_id": process.start_event_id,
            "start_timers": [t.__dict__ for t in process.start_timers],
            "starter_groups": list(process.starter_groups),
            "title_fields": list(process.title_fields),
            "default_group": process.default_group,
            "interrupting_starts": sorted(process.interrupting_starts),
            "window_timers": sorted(process.window_timers),
        },
        ensure_ascii=False,
    )


def load_process(text: str) -> ParsedProcess:
    """The parsed process stored by ``dump_process``; StaleSpec when another serializer
    version wrote it (an engine upgrade since it was deployed)."""
    registry = _serializer().registry
    dct: dict[str, Any] = json.loads(text)
    if dct.get("serializer_version") != SERIALIZER_VERSION:
        raise StaleSpec(
            f"stored by serializer version {dct.get('serializer_version') or 'unknown'}, "
            f"this engine writes {SERIALIZER_VERSION}"
        )
    spec = registry.restore(dct["spec"])
    subprocess_specs = {k: registry.restore(v) for k, v in dct["subprocess_specs"].items()}
    for each in (spec, *subprocess_specs.values()):
        io_mappings.attach(each)  # SpiffWorkflow keeps the mappings, not the hooks that run them
        actions.attach(each)  # after them: a listener sees the inputs, and what the outputs set
    return ParsedProcess(
        key=dct["key"],
        name=dct["name"],
        spec=spec,
        subprocess_specs=subprocess_specs,
        tasks={k: TaskMeta.from_dict(v) for k, v in dct["tasks"].items()},
        start_event_id=dct["start_event_id"],
        start_timers=[StartTimer(**t) for t in dct["start_timers"]],
        starter_groups=tuple(dct["starter_groups"]),
        title_fields=tuple(dct.get("title_fields") or ()),  # absent in specs stored before
        default_group=dct.get("default_group") or "",  # absent in specs stored before
        interrupting_starts=frozenset(dct.get("interrupting_starts") or ()),  # absent in specs stored before
        window_timers=frozenset(dct.get("window_timers") or ()),  # absent before the marker existed
    )
