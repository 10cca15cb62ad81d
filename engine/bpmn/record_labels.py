"""What a multi-instance calls the keys of the records its rounds write into its collection
(bpmn/README.md §4.1): ``camunda:property name="record_labels"`` on the activity, its value
``key=标签`` pairs separated by commas, a key whose values are the options (or the run-time
list) of a form field of another name written ``key(field)=标签``::

    unit=单位, category(issue_category)=类别, replied_on_time=按期答复

The case page and the tasks after the rounds read the collection as a table by these labels
(engine/usecases/record_tables.py); a key a form asks needs none: it keeps the form's label.

Read at deploy into the multi-instance's spec as ``extensions["record_labels"]``, which
SpiffWorkflow's serializer keeps with the stored spec (as engine/bpmn/io_mappings.py keeps the
input/output mappings); a value that does not read is refused at deploy naming the element
(``problems_of``, run by engine/bpmn/checks.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask

from ..errors import Problem
from .camunda import NSMAP, read_task_meta
from .documents import problem_at

NAME = "record_labels"  # the camunda:property, and the key of the spec's extensions

# key=标签 or key(field)=标签; a key and a field are names (ASCII, as form field ids are)
_ENTRY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\))?\s*=\s*(\S.*)", re.DOTALL)
# an element's own record_labels (not one of the elements inside it), and a multi-instance's
# loop that fills a collection: the XPath steps below an element
_OWN = "bpmn:extensionElements/camunda:properties/camunda:property[@name='record_labels']"
_FILLS_A_COLLECTION = "bpmn:multiInstanceLoopCharacteristics[@camunda:collection != '']"


@dataclass(frozen=True)
class RecordLabel:
    label: str
    field: str = ""  # the form field whose options name the key's values (none: the key's own field's)


@dataclass(frozen=True)
class Reading:
    """A ``record_labels`` value read: the labels of the entries that read, by key (``written``:
    each as written), and the entries that did not (unreadable, or a key labelled before)."""

    labels: dict[str, RecordLabel] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)
    unreadable: tuple[str, ...] = ()
    repeated: tuple[str, ...] = ()


def read(text: str) -> Reading:
    labels: dict[str, RecordLabel] = {}
    written: dict[str, str] = {}
    unreadable: list[str] = []
    repeated: list[str] = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue  # a trailing comma
        found = _ENTRY.fullmatch(entry)
        if found is None:
            unreadable.append(entry)
        elif found[1] in labels:
            repeated.append(entry)
        else:
            labels[found[1]] = RecordLabel(found[3].strip(), found[2] or "")
            written[found[1]] = entry
    return Reading(labels, written, tuple(unreadable), tuple(repeated))


def _own_value(node: etree._Element) -> str | None:
    found = node.xpath(f"./{_OWN}/@value", namespaces=NSMAP)
    return str(found[0]) if found else None


# -- deploy --------------------------------------------------------------------------------------
def problems_of(process: etree._Element, file: str) -> list[Problem]:
    """Every ``record_labels`` of ``process`` (its own, its elements') that does not read, names
    a field no form of the process has, or labels nothing: only a multi-instance that fills a
    collection writes records."""
    fields = {f.id for meta in read_task_meta(process).values() for f in meta.form.fields}
    return [
        problem_at(file, node, f"record_labels of {node.get('id')!r}: {fault}")
        for node in process.xpath(f"descendant-or-self::*[{_OWN}]", namespaces=NSMAP)
        for fault in _faults(node, _own_value(node) or "", fields)
    ]


def _faults(node: etree._Element, text: str, fields: set[str]) -> list[str]:
    if not node.xpath(f"./{_FILLS_A_COLLECTION}", namespaces=NSMAP):
        return [
            f"{text!r} labels nothing: only a multi-instance activity that fills a collection "
            "(camunda:collection) writes records"
        ]
    reading = read(text)
    if not (reading.labels or reading.unreadable or reading.repeated):
        return [f"{text!r} is empty: write key=label pairs, separated by commas"]
    return [
        *(
            f"{entry!r} is not key=label or key(field)=label (pairs separated by commas)"
            for entry in reading.unreadable
        ),
        *(f"{entry!r} labels a key labelled before" for entry in reading.repeated),
        *(
            f"{reading.written[key]!r} names {label.field!r}, which is no form field of this process"
            for key, label in reading.labels.items()
            if label.field and label.field not in fields
        ),
    ]


def store(specs: dict[str, BpmnProcessSpec], scopes: list[etree._Element]) -> None:
    """Keep each multi-instance's labels with its spec: the activity around the rounds, whose
    ``data_output`` is the collection. A value that does not read wholly (a file deployed before
    this check, parsed again) keeps the entries that do."""
    found = {
        node.get("id"): read(_own_value(node) or "").labels
        for scope in scopes
        for node in scope.xpath(f".//*[{_FILLS_A_COLLECTION}][{_OWN}]", namespaces=NSMAP)
    }
    for spec in specs.values():
        for task_spec in spec.task_specs.values():
            labels = found.get(getattr(task_spec, "bpmn_id", None))
            if labels and isinstance(task_spec, MultiInstanceTask):
                stored = {key: [label.label, label.field] for key, label in labels.items()}
                task_spec.extensions = {**(getattr(task_spec, "extensions", None) or {}), NAME: stored}


# -- a stored spec -------------------------------------------------------------------------------
def of(task_spec: Any) -> dict[str, RecordLabel]:
    """The labels a multi-instance's spec keeps for its collection's records (none: {})."""
    stored = (getattr(task_spec, "extensions", None) or {}).get(NAME) or {}
    return {key: RecordLabel(label, source) for key, (label, source) in stored.items()}
