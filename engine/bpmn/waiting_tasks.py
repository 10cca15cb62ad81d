"""Tasks the engine starts and then leaves waiting for an answer from outside the workflow:
a call activity waits for the case it called, an external service task for a worker.

SpiffWorkflow would run a call activity inside the calling workflow, with the called
process's spec frozen into the caller's at deploy time. Here, as in Camunda, the called
process is a case of its own (its own version, people, deadlines and statistics), linked to
the caller: so the task only starts (state STARTED) and waits. The use case that hears the
answer (engine/usecases/calls.py, external_tasks.py) puts the returned variables into its
data and completes it (``Runtime.finish_waiting``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.defaults import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser
from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.util.task import TaskState

from .actions import SERVICE_SCRIPT
from .camunda import BPMN_NS, CAMUNDA_NS, camunda_value


@dataclass(frozen=True)
class Mapping:
    """One ``camunda:in`` / ``camunda:out`` of a call activity: a variable (``source``) or an
    expression (``source_expression``) copied to ``target``; ``all_variables`` copies
    every variable; ``business_key`` passes the caller's business key (``in`` only)."""

    target: str = ""
    source: str = ""
    source_expression: str = ""
    all_variables: bool = False
    business_key: str = ""

    @classmethod
    def from_node(cls, node: etree._Element) -> Mapping:
        return cls(
            target=node.get("target") or "",
            source=node.get("source") or "",
            source_expression=node.get("sourceExpression") or "",
            all_variables=node.get("variables") == "all",
            business_key=node.get("businessKey") or "",
        )


class _Waiting(TaskSpec):
    """Runs, then waits (STARTED) until the use case that hears the answer completes it."""

    def _run_hook(self, my_task: Any) -> None:
        return None  # None: started, not finished (SpiffWorkflow's Task.run)


class CaseCall(_Waiting, BpmnSpecMixin):
    """A call activity: starts a case of ``called_element`` and waits for it to end."""

    def __init__(
        self,
        wf_spec: Any,
        bpmn_id: str,
        called_element: str = "",
        binding: str = "latest",
        version: str = "",
        version_tag: str = "",
        in_mappings: tuple[Mapping, ...] | list[dict[str, Any]] = (),
        out_mappings: tuple[Mapping, ...] | list[dict[str, Any]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.called_element = called_element
        self.binding = binding
        self.version = version
        self.version_tag = version_tag
        self.in_mappings = tuple(m if isinstance(m, Mapping) else Mapping(**m) for m in in_mappings)
        self.out_mappings = tuple(m if isinstance(m, Mapping) else Mapping(**m) for m in out_mappings)


class ExternalServiceTask(_Waiting, BpmnSpecMixin):
    """``serviceTask camunda:type="external" camunda:topic="…"``: waits for a worker who
    fetches it by topic (engine/usecases/external_tasks.py)."""

    def __init__(self, wf_spec: Any, bpmn_id: str, topic: str = "", priority: str = "", **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.topic = topic
        self.priority = priority


class CaseCallParser(CamundaTaskParser):
    def create_task(self) -> CaseCall:
        node = self.node
        mappings = [
            n
            for n in node.xpath("./bpmn:extensionElements/*", namespaces={"bpmn": BPMN_NS})
            if etree.QName(n).namespace == CAMUNDA_NS
        ]
        return CaseCall(
            self.spec,
            self.bpmn_id,
            called_element=(node.get("calledElement") or "").strip(),
            binding=camunda_value(node, "calledElementBinding") or "latest",
            version=camunda_value(node, "calledElementVersion"),
            version_tag=camunda_value(node, "calledElementVersionTag"),
            in_mappings=tuple(Mapping.from_node(n) for n in mappings if etree.QName(n).localname == "in"),
            out_mappings=tuple(Mapping.from_node(n) for n in mappings if etree.QName(n).localname == "out"),
            **self.bpmn_attributes,
        )


class ServiceTaskParser(CamundaTaskParser):
    """External service tasks wait for a worker; one whose ``camunda:expression`` was
    translated (engine.bpmn.actions) runs it as a script task; any other implementation was
    refused at deploy (engine/bpmn/waiting_checks.py)."""

    def create_task(self) -> Any:
        script = self.node.get(SERVICE_SCRIPT)
        if script is not None:
            return ScriptTask(self.spec, self.bpmn_id, script=script, **self.bpmn_attributes)
        if camunda_value(self.node, "type") == "external":
            return ExternalServiceTask(
                self.spec,
                self.bpmn_id,
                topic=camunda_value(self.node, "topic"),
                priority=camunda_value(self.node, "taskPriority"),
                **self.bpmn_attributes,
            )
        return super().create_task()


class CaseCallConverter(BpmnTaskSpecConverter):
    def to_dict(self, spec: CaseCall) -> dict[str, Any]:
        dct: dict[str, Any] = super().to_dict(spec)
        dct.update(
            called_element=spec.called_element,
            binding=spec.binding,
            version=spec.version,
            version_tag=spec.version_tag,
            in_mappings=[asdict(m) for m in spec.in_mappings],
            out_mappings=[asdict(m) for m in spec.out_mappings],
        )
        return dct


class ExternalServiceTaskConverter(BpmnTaskSpecConverter):
    def to_dict(self, spec: ExternalServiceTask) -> dict[str, Any]:
        dct: dict[str, Any] = super().to_dict(spec)
        dct.update(topic=spec.topic, priority=spec.priority)
        return dct


WAITING_SPECS = (CaseCall, ExternalServiceTask)


def mapped_inputs(spec: CaseCall, data: dict[str, Any], evaluate: Callable[[str], Any]) -> dict[str, Any]:
    """The called case's start data, as Camunda maps it: only what ``camunda:in`` names
    (a variable, an expression read in the calling task, or every variable)."""
    return mapped(spec.in_mappings, data, evaluate)


def mapped_outputs(spec: CaseCall, child_variables: dict[str, Any]) -> dict[str, Any]:
    """What the calling task receives from the called case when it ends (``camunda:out``)."""
    return mapped(spec.out_mappings, child_variables, None)


def mapped(
    mappings: tuple[Mapping, ...], variables: dict[str, Any], evaluate: Callable[[str], Any] | None
) -> dict[str, Any]:
    """What ``camunda:in``/``out`` mappings copy out of ``variables`` (a call activity's, or a
    thrown signal's: engine.bpmn.signal_payloads); ``evaluate`` reads a sourceExpression."""
    result: dict[str, Any] = {}
    for mapping in mappings:
        if mapping.all_variables:
            result.update({k: v for k, v in variables.items() if not k.startswith("_")})
        elif mapping.source:
            result[mapping.target] = variables.get(mapping.source)
        elif mapping.source_expression and evaluate is not None:  # deploy allows them on camunda:in only
            result[mapping.target] = evaluate(mapping.source_expression)
    return result


def carried_names(spec: CaseCall, names: Collection[str]) -> frozenset[str]:
    """The variables a call activity gives the case it calls that carry one of its caller's
    ``names``: under the same name (``variables="all"``), or mapped from it (``source``, or a
    ``sourceExpression`` reading it: "来信人：${petitioner}")."""
    carried: set[str] = set()
    for mapping in spec.in_mappings:
        if mapping.all_variables:
            carried.update(names)
        elif mapping.source in names or (
            mapping.source_expression and any(_reads(mapping.source_expression, name) for name in names)
        ):
            carried.add(mapping.target)
    return frozenset(carried)


def _reads(expression: str, name: str) -> bool:
    """Whether ``expression`` names the variable ``name`` (not a longer name holding it, nor
    an attribute of another's)."""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", expression) is not None


def passes_business_key(spec: CaseCall) -> bool:
    return any(m.business_key for m in spec.in_mappings)


def waiting_boundary_events(task: Any) -> list[Any]:
    """The boundary events waiting on ``task`` (SpiffWorkflow makes an activity with
    boundary events the child of a hidden parent task, beside its events)."""
    node = task
    while node is not None and not isinstance(node.task_spec, BoundaryEventSplit):
        node = node.parent
    if node is None:
        return []
    return [c for c in node.children if c.state == TaskState.WAITING and c.task_spec is not task.task_spec]


SPEC_CONVERTERS = {CaseCall: CaseCallConverter, ExternalServiceTask: ExternalServiceTaskConverter}
