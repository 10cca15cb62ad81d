"""Multi-instance activities as Camunda models them, where SpiffWorkflow needs help:

* Camunda's built-in variables, for a completion condition
  (``${nrOfCompletedInstances / nrOfInstances >= 0.5}``) and whatever else its rounds
  evaluate: ``nrOfInstances``, ``nrOfCompletedInstances``, ``nrOfActiveInstances``, counted
  from SpiffWorkflow's own bookkeeping of the activity's rounds. A case variable of the same
  name wins (the task's data comes after them);
* a running activity's spec as a case reaching it leaves it (``as_reached``): the spec is
  shared by every case of the version and read afresh from the database after a restart;
* BPMN's own input of a multi-instance (``loopDataInputRef``, ``inputDataItem``) read as
  Camunda 7 reads it (``standard_loop_data_as_camunda``).
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask, SequentialMultiInstanceTask
from SpiffWorkflow.camunda.specs.multiinstance_task import ParallelMultiInstanceTask
from SpiffWorkflow.camunda.specs.multiinstance_task import SequentialMultiInstanceTask as CamundaSequential
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from ..errors import Problem
from .camunda import BPMN_NS, CAMUNDA_NS, NSMAP
from .documents import owner_of, problem_at


def counters(task: Task) -> dict[str, int]:
    """The counters of the multi-instance activity ``task`` is (or is a round of); none else."""
    activity = task if isinstance(task.task_spec, MultiInstanceTask) else task.parent
    if activity is None or not isinstance(activity.task_spec, MultiInstanceTask):
        return {}
    spec: Any = activity.task_spec
    rounds = [c for c in activity.children if c.task_spec.name == spec.task_spec]
    completed = len(activity.internal_data.get("merged", []))
    if isinstance(spec, SequentialMultiInstanceTask):
        cardinality = activity.internal_data.get("cardinality")
        remaining = activity.internal_data.get("remaining", [])
        active = sum(1 for c in rounds if not c.has_state(TaskState.FINISHED_MASK))
        instances = int(cardinality) if cardinality is not None else completed + active + len(remaining)
    else:
        instances = len(rounds)
        active = instances - completed
    return {"nrOfInstances": instances, "nrOfCompletedInstances": completed, "nrOfActiveInstances": active}


CAMUNDA_MULTI_INSTANCE = (ParallelMultiInstanceTask, CamundaSequential)
_REACHED = "_congressflow_reached"  # on a shared spec object: corrected already (never serialized)


def has_camunda_multi_instance(specs: Any) -> bool:
    """Whether any of these process specs has a Camunda multi-instance not yet corrected."""
    return any(
        isinstance(t, CAMUNDA_MULTI_INSTANCE) and not getattr(t, _REACHED, False)
        for spec in specs
        for t in spec.task_specs.values()
    )


def as_reached(task: Task) -> None:
    """A running Camunda multi-instance's spec as SpiffWorkflow leaves it once a case reached
    it: its camunda spec learns at that moment (``update_task_spec``, run from ``_update_hook``,
    which a started task never runs again) that the collection is its input as well as its
    output. A spec read afresh from the database (after a restart, or a new version a case is
    moved to) does not know it, and each round's result would be appended to the collection
    instead of put in its round's place."""
    spec: Any = task.task_spec
    if not isinstance(spec, CAMUNDA_MULTI_INSTANCE) or getattr(spec, _REACHED, False):
        return
    if spec.data_input is None:
        if spec.cardinality is None:
            if spec.data_output is not None:
                spec.data_input = TaskDataReference(spec.data_output.bpmn_id)
        else:
            try:
                cardinality = task.workflow.script_engine.evaluate(task, spec.cardinality)
            except Exception:  # the case's next step reports what fails in it; restoring does not
                return
            if not isinstance(cardinality, int):  # the collection given as the cardinality
                spec.data_input, spec.cardinality = TaskDataReference(spec.cardinality), None
    if spec.output_item is not None and spec.input_item is None:
        spec.input_item = TaskDataReference(spec.output_item.bpmn_id)
    setattr(spec, _REACHED, True)


def standard_loop_data_as_camunda(root: etree._Element, file: str) -> list[Problem]:
    """BPMN's own multi-instance input, as Camunda 7's BpmnParse reads it: ``loopDataInputRef``
    is the collection (a variable, or ``${…}``) and ``inputDataItem``'s name the variable each
    round's item goes into, exactly what ``camunda:collection`` and ``camunda:elementVariable``
    say. They are made those attributes and removed, before the engine's other readings
    (engine.bpmn.normalise) and checks: SpiffWorkflow's Camunda parser reads only the
    attributes, and every rule of a collection (its JUEL, the rounds' records and who sees
    them) then applies alike. Both ways naming different things is refused: which is meant?"""
    problems: list[Problem] = []
    for loop in root.xpath(".//bpmn:multiInstanceLoopCharacteristics", namespaces=NSMAP):
        for tag, attribute in (("loopDataInputRef", "collection"), ("inputDataItem", "elementVariable")):
            for element in loop.findall(f"{{{BPMN_NS}}}{tag}"):
                problem = _as_camunda_attribute(loop, element, attribute, file)
                if problem is not None:
                    problems.append(problem)
                loop.remove(element)  # read (or refused, saying why): not an unsupported element
    return problems


def _as_camunda_attribute(loop: etree._Element, element: etree._Element, attribute: str, file: str) -> Problem | None:
    """``element``'s value set as the loop's ``camunda:{attribute}``, or why it cannot be."""
    tag = etree.QName(element).localname
    value = ((element.text if tag == "loopDataInputRef" else element.get("name")) or "").strip()
    if not value:
        what = (
            "names no collection"
            if tag == "loopDataInputRef"
            else "has no name (the variable each round's item goes into)"
        )
        return problem_at(file, owner_of(loop), f"bpmn:{tag} {what}")
    qualified = f"{{{CAMUNDA_NS}}}{attribute}"
    given = (loop.get(qualified) or "").strip()
    if given and given != value:
        return problem_at(
            file, owner_of(loop), f"bpmn:{tag} says {value!r}, camunda:{attribute} {given!r}: keep one of them"
        )
    loop.set(qualified, value)
    return None
