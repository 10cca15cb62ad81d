"""A case's variables that hold a record per round (each inspected unit's result, each
deputy's report) read as tables, for the case page and the tasks after the rounds (the
office's 汇总, 通报): a column per key, called as the process calls it, each value as people
read it. Built from the variables a reader may read, another round's results already left
out (``RoundScope.variables``).

A run of the rounds that an interrupting event ended (退回改办 ends the assignment whose
co-handling rounds were running) returns nothing to its collection, and the next run fills
it afresh: what its finished rounds had returned (a unit's 协办意见, sent and recorded) is
read from the workflow, where it stays, as a table of its own marked with the event that
ended it (``ended_runs``, ``ended_tables``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from storage.models import ProcessInstance

from ..bpmn import record_labels
from ..bpmn.parsing import ParsedProcess
from ..bpmn.record_labels import RecordLabel
from .context import runtime_for
from .labels import element_names, people_names
from .visibility import RoundScope

# the run-time lists whose values are user names: a person is named even when no longer on it
_PEOPLE_SOURCES = frozenset({"deputies"})


@dataclass(frozen=True)
class RecordColumn:
    key: str
    label: str
    # a stored value → what people call it: an option's label, a person's name (empty: the
    # page's unit names serve, as for any value of the case)
    values: Mapping[str, str]


@dataclass(frozen=True)
class RecordTable:
    """A variable holding a list of records read as a table: a column per key, in the order the
    records have their keys."""

    name: str
    title: str  # the name of the multi-instance that fills it (逐单位监督检查), else the variable's
    columns: list[RecordColumn]
    rows: list[dict[str, Any]]
    # a run an interrupting event ended (``ended_runs``): the event's name (退回改办), and which
    # of the collection's runs so ended it was (1: the first); empty and 0 for the collection's own
    ended_by: str = ""
    ended_number: int = 0


@dataclass(frozen=True)
class EndedRun:
    """A run of a multi-instance that fills a collection, ended by an interrupting boundary
    event (on it, or on a subprocess around it) before its results reached the collection."""

    name: str  # the collection
    ended_by: str  # the name of the event that ended it
    number: int  # which of the collection's runs so ended it is, from 1, oldest first
    # (the task id of the round, the record it returned) of each round finished by then, in order
    rounds: tuple[tuple[str, Mapping[str, Any]], ...]


@dataclass(frozen=True)
class _Collection:
    title: str
    labels: dict[str, RecordLabel]  # its multi-instance's record_labels


@dataclass(frozen=True)
class _Naming:
    """What a process calls its fields and their values, for the columns of its tables."""

    session: Session
    form_labels: Mapping[str, str]  # field → its label
    value_labels: Mapping[str, Mapping[str, str]]  # field → {stored value: its label}
    sources: Mapping[str, str]  # field → the run-time list it offers (departments, deputies)


def record_tables(
    session: Session,
    process: ParsedProcess,
    variables: Mapping[str, Any],
    form_labels: Mapping[str, str],
    value_labels: Mapping[str, Mapping[str, str]],
) -> list[RecordTable]:
    """The tables of ``variables`` (as the reader may read them) that no form labels and that
    hold a list of records whose every key is called something: by the form field of that id,
    else by the ``record_labels`` of the multi-instance that fills the variable. A key with no
    label would read no better in a table than in the list it is. ``form_labels``: field → its
    label (labels.field_labels), ``value_labels``: field → {stored value: its label}
    (labels.value_labels), as the page has them already."""
    naming = _Naming(session, form_labels, value_labels, _field_sources(process))
    collections = _collections(process)
    tables = []
    for name, value in variables.items():
        if name in naming.form_labels or not _records(value):
            continue
        table = _table(naming, collections.get(name, _Collection(name, {})), name, value)
        if table is not None:
            tables.append(table)
    return tables


def _table(
    naming: _Naming, collection: _Collection, name: str, records: list[dict[str, Any]], ended: EndedRun | None = None
) -> RecordTable | None:
    """``records`` as a table, when every key of theirs is called something."""
    keys = list(dict.fromkeys(key for record in records for key in record))
    if not all(key in naming.form_labels or key in collection.labels for key in keys):
        return None
    columns = [_column(naming, key, collection.labels.get(key), records) for key in keys]
    rows = [dict(record) for record in records]
    if ended is None:
        return RecordTable(name, collection.title, columns, rows)
    return RecordTable(name, collection.title, columns, rows, ended.ended_by, ended.number)


def _records(value: Any) -> bool:
    """A non-empty list of records (a collection whose rounds are still running holds their items)."""
    return bool(value) and isinstance(value, list) and all(isinstance(record, dict) for record in value)


def _collections(process: ParsedProcess) -> dict[str, _Collection]:
    """Each collection a multi-instance fills, by variable: the activity's name and labels."""
    names = element_names(process)
    return {
        spec.data_output.bpmn_id: _Collection(names.get(spec.bpmn_id, spec.bpmn_id), record_labels.of(spec))
        for each in (process.spec, *process.subprocess_specs.values())
        for spec in each.task_specs.values()
        if isinstance(spec, MultiInstanceTask) and spec.data_output is not None
    }


def _field_sources(process: ParsedProcess) -> dict[str, str]:
    return {
        f.id: source
        for meta in process.tasks.values()
        for f in meta.form.fields
        if (source := f.options_source or f.multiple_source)
    }


def _column(naming: _Naming, key: str, declared: RecordLabel | None, records: list[dict[str, Any]]) -> RecordColumn:
    """A key a form asks is called by the form's label, else as the process declares. Its
    values are named by the field the process names for it, else by its own field's; a person
    by name, whoever is no longer on the list the field offers (a deactivated deputy) too."""
    label = naming.form_labels.get(key) or (declared.label if declared else key)
    field = declared.field if declared and declared.field else key
    values = dict(naming.value_labels.get(field, {}))
    if naming.sources.get(field) in _PEOPLE_SOURCES:
        values = {**people_names(naming.session, [str(r[key]) for r in records if r.get(key)]), **values}
    return RecordColumn(key, label, values)


# -- runs an interrupting event ended ------------------------------------------------------------
def ended_runs(workflow: BpmnWorkflow, process: ParsedProcess) -> list[EndedRun]:
    """Each run of the case's multi-instances that fill a collection which an interrupting
    boundary event ended and which had finished rounds, oldest first: the rounds' records are
    still in the workflow's tasks (each finished round's element variable), though the run
    returned nothing to the case. A case cancelled as a whole ended its runs by no event: none
    is one of these (its collection says what it had)."""
    names = element_names(process)
    tasks = [*workflow.tasks.values(), *(t for sub in workflow.subprocesses.values() for t in sub.tasks.values())]
    found: list[tuple[float, str, str, tuple[tuple[str, Mapping[str, Any]], ...]]] = []
    for run in tasks:
        spec = run.task_spec
        if not isinstance(spec, MultiInstanceTask) or spec.data_output is None or spec.output_item is None:
            continue
        event = _ended_by(workflow, run)
        if event is None:
            continue
        rounds = sorted(
            (c for c in run.children if c.task_spec.name == spec.task_spec and c.has_state(TaskState.COMPLETED)),
            key=lambda c: c.internal_data.get("key_or_index", 0),
        )
        records = tuple(
            (str(c.id), record) for c in rounds if isinstance(record := c.data.get(spec.output_item.bpmn_id), Mapping)
        )
        if records:
            ended = names.get(event.task_spec.bpmn_id, event.task_spec.bpmn_id)
            found.append((event.last_state_change, spec.data_output.bpmn_id, ended, records))
    runs: list[EndedRun] = []
    for _at, name, ended, records in sorted(found, key=lambda f: f[0]):
        runs.append(EndedRun(name, ended, sum(r.name == name for r in runs) + 1, records))
    return runs


def _ended_by(workflow: BpmnWorkflow, run: Task) -> Task | None:
    """The interrupting boundary event that ended ``run`` (attached to it, or to a subprocess
    it ran in, nested ones too), or None."""
    current: Task | None = run
    while current is not None:
        parent = current.parent
        if (
            current.has_state(TaskState.CANCELLED)
            and parent is not None
            and isinstance(parent.task_spec, BoundaryEventSplit)
        ):
            for event in parent.children:
                if getattr(event.task_spec, "cancel_activity", False) and event.has_state(TaskState.COMPLETED):
                    return event
        # leave the subprocess for the task that runs it
        current = (
            workflow.get_task_from_id(current.workflow.parent_task_id) if current.workflow is not workflow else None
        )
    return None


def ended_tables(
    session: Session,
    process: ParsedProcess,
    runs: list[EndedRun],
    readable: Collection[str],
    hides: Callable[[str], bool],
    form_labels: Mapping[str, str],
    value_labels: Mapping[str, Mapping[str, str]],
) -> list[RecordTable]:
    """The tables of ``runs`` as a reader reads them: those of the collections they read
    (``readable``: as their case's, or their task's, variables have them), each without the
    rounds not theirs (``hides``: ``RoundScope.hides``, by the round's task id), labelled as
    the collection's own table is (``record_tables``)."""
    naming = _Naming(session, form_labels, value_labels, _field_sources(process))
    collections = _collections(process)
    tables = []
    for run in runs:
        rows = [dict(record) for round_id, record in run.rounds if not hides(round_id)]
        if run.name not in readable or run.name in naming.form_labels or not rows:
            continue
        table = _table(naming, collections.get(run.name, _Collection(run.name, {})), run.name, rows, run)
        if table is not None:
            tables.append(table)
    return tables


def task_records(
    session: Session,
    process: ParsedProcess,
    instance: ProcessInstance,
    workflow: BpmnWorkflow | None,
    scope: RoundScope,
    data: Mapping[str, Any],
    form_labels: Mapping[str, str],
    value_labels: Mapping[str, Mapping[str, str]],
) -> list[RecordTable]:
    """The tables a task page shows: those of the task's ``data`` (as the reader may read it),
    and after them the runs of their collections an interrupting event ended (the deputy's 回执
    lists the 协办意见 a unit sent before 改办 too). ``workflow``: the case's, when the caller
    has it restored; else it is, only for a task that shows a table."""
    tables = record_tables(session, process, scope.variables(data), form_labels, value_labels)
    if not tables:
        return tables
    if workflow is None:
        workflow = runtime_for(session).restore(process, instance.workflow_json)
    shown = frozenset(t.name for t in tables)
    ended = ended_tables(session, process, ended_runs(workflow, process), shown, scope.hides, form_labels, value_labels)
    return [*tables, *ended]
