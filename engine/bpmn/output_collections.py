"""BPMN's own multi-instance output (``loopDataOutputRef``, ``outputDataItem``): each round
sets the output item, and the activity collects the rounds' items into the output collection,
which the case holds once the activity is done.

SpiffWorkflow's multi-instance runs it; its Camunda spec does not: that spec takes its one
collection as the input and the output alike (camunda:collection), and once a case reaches it
(``update_task_spec``) makes the input the output's collection, whatever was parsed. An
activity with an output collection is therefore built here as BPMN's own multi-instance, its
input read as Camunda reads it (the ``camunda:collection`` and ``camunda:elementVariable`` that
engine.bpmn.multi_instance made of ``loopDataInputRef`` and ``inputDataItem``), or its
``loopCardinality``. Two things differ from SpiffWorkflow's, as Camunda 8 (whose
``outputCollection`` this is) runs them:

* the collection is in the input's order: round i's item is at place i, whichever round ends
  first (SpiffWorkflow appends them as they end), so a place names its round, as the case
  page's hiding of the other readers' rounds reads it (engine.usecases.visibility); a round
  a completion condition cancelled has no item (None when a later round's comes after it);
* the collection is made afresh each time the activity starts: an activity run again (the
  case sent back to it) collects that run's items, where SpiffWorkflow refuses a collection
  already holding the last run's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.serializer.default.task_spec import MultiInstanceTaskConverter
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.defaults import ParallelMultiInstanceTask, SequentialMultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask

from ..errors import Problem
from .camunda import BPMN_NS, CAMUNDA_NS, NSMAP
from .documents import owner_of, problem_at


class _Collecting(MultiInstanceTask):
    """The output collection in the input's order, made afresh at each start (see above).
    Placed before SpiffWorkflow's MultiInstanceTask in the classes below, so that their own
    ``merge_child`` (which decides when the activity is done) runs this one's."""

    def _separate_output(self) -> bool:
        """Whether the output is a collection of its own (not the input, updated in place)."""
        return self.data_input is None or self.data_input.bpmn_id != self.data_output.bpmn_id

    def init_data_output_with_input_data(self, my_task: Any, input_data: Any) -> None:
        if self._separate_output():
            self.data_output.set(my_task, {} if isinstance(input_data, Mapping) else [])
        else:
            super().init_data_output_with_input_data(my_task, input_data)

    def init_data_output_with_cardinality(self, my_task: Any) -> None:
        self.data_output.set(my_task, [])

    def merge_child(self, workflow: Any, child: Any) -> None:
        my_task = child.parent
        place = child.internal_data.get("key_or_index")
        output = self.data_output.get(my_task)
        if not self.output_item.exists(child):
            self.raise_data_exception(
                f"the round set no {self.output_item.bpmn_id!r} (bpmn:outputDataItem), which the collection "
                f"{self.data_output.bpmn_id!r} takes from each round",
                child,
            )
        if isinstance(place, int) and isinstance(output, list) and self._separate_output():
            output.extend([None] * (place + 1 - len(output)))
            output[place] = self.output_item.get(child)
            my_task.internal_data["merged"].append(str(child.id))
            return
        super().merge_child(workflow, child)


class ParallelMultiInstanceWithOutput(ParallelMultiInstanceTask, _Collecting):
    """A parallel multi-instance activity that collects its rounds' output item."""


class SequentialMultiInstanceWithOutput(SequentialMultiInstanceTask, _Collecting):
    """A sequential multi-instance activity that collects its rounds' output item."""


# for engine/bpmn/serialization.py: written as SpiffWorkflow writes its multi-instances
OUTPUT_CONVERTERS: dict[type, type] = {
    ParallelMultiInstanceWithOutput: MultiInstanceTaskConverter,
    SequentialMultiInstanceWithOutput: MultiInstanceTaskConverter,
}


def _text(loop: etree._Element, tag: str) -> str | None:
    found = loop.find(f"{{{BPMN_NS}}}{tag}")
    return None if found is None else (found.text or "").strip()


class OutputCollectionParser:
    """A task parser's part (engine/bpmn/parsing.py puts it before each one's own): a
    multi-instance with ``loopDataOutputRef`` built as one that collects its rounds' items;
    every other as the parser builds it. What ``problems`` refuses never gets here."""

    spec: Any
    task: Any

    def _add_multiinstance_task(self, loop: etree._Element) -> None:
        output = _text(loop, "loopDataOutputRef")
        if output is None:
            super()._add_multiinstance_task(loop)  # type: ignore[misc]
            return
        item = loop.find(f"{{{BPMN_NS}}}outputDataItem")
        collection = (loop.get(f"{{{CAMUNDA_NS}}}collection") or "").strip()
        element = (loop.get(f"{{{CAMUNDA_NS}}}elementVariable") or "").strip()
        cardinality = _text(loop, "loopCardinality")
        if not collection and not cardinality:
            self.raise_validation_exception(  # type: ignore[attr-defined]
                "A multiinstance task must specify a cardinality or a collection"
            )
        params = {
            "task_spec": "",
            "cardinality": None if collection else cardinality,
            "data_input": TaskDataReference(collection) if collection else None,
            "input_item": TaskDataReference(element) if element else None,
            "data_output": TaskDataReference(output),
            "output_item": TaskDataReference((item.get("name") or "").strip() if item is not None else ""),
            "condition": _text(loop, "completionCondition"),
        }
        original = self.spec.task_specs.pop(self.task.name)
        kind = (
            SequentialMultiInstanceWithOutput if loop.get("isSequential") == "true" else ParallelMultiInstanceWithOutput
        )
        self.task = kind(self.spec, original.name, **params)
        self._copy_task_attrs(original, loop)  # type: ignore[attr-defined]


def problems(root: etree._Element, file: str) -> list[Problem]:
    """An output collection and its item come together, each named; its rounds come from a
    collection or a number of rounds, not both (which would it be?)."""
    found: list[Problem] = []
    for loop in root.xpath(".//bpmn:multiInstanceLoopCharacteristics", namespaces=NSMAP):
        output, item = _text(loop, "loopDataOutputRef"), loop.find(f"{{{BPMN_NS}}}outputDataItem")
        if output is None and item is None:
            continue
        owner = owner_of(loop)
        if item is not None and not (item.get("name") or "").strip():
            found.append(
                problem_at(file, owner, "bpmn:outputDataItem has no name (the variable each round's result is in)")
            )
        if item is None:
            found.append(
                problem_at(
                    file,
                    owner,
                    "bpmn:loopDataOutputRef has no bpmn:outputDataItem (the variable each round's result is in)",
                )
            )
        if output is None:
            found.append(
                problem_at(
                    file,
                    owner,
                    "bpmn:outputDataItem has no bpmn:loopDataOutputRef (the collection the rounds' results go into)",
                )
            )
        if (loop.get(f"{{{CAMUNDA_NS}}}collection") or "").strip() and _text(loop, "loopCardinality"):
            found.append(
                problem_at(
                    file,
                    owner,
                    "a multi-instance with bpmn:loopDataOutputRef takes its rounds from a collection "
                    "or from a loopCardinality, not both",
                )
            )
    return found
