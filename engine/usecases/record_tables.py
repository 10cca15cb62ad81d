"""A case's variables that hold a record per round (each inspected unit's result, each
deputy's report) read as tables, for the case page and the tasks after the rounds (the
office's 汇总, 通报): a column per key, called as the process calls it, each value as people
read it. Built from the variables a reader may read, another round's results already left
out (``RoundScope.variables``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from sqlalchemy.orm import Session

from ..bpmn import record_labels
from ..bpmn.parsing import ParsedProcess
from ..bpmn.record_labels import RecordLabel
from .labels import element_names, people_names

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
        collection = collections.get(name, _Collection(name, {}))
        keys = list(dict.fromkeys(key for record in value for key in record))
        if all(key in naming.form_labels or key in collection.labels for key in keys):
            columns = [_column(naming, key, collection.labels.get(key), value) for key in keys]
            tables.append(RecordTable(name, collection.title, columns, [dict(record) for record in value]))
    return tables


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
