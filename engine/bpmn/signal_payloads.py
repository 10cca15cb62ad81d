"""A signal a case throws, and what it carries to the other cases.

SpiffWorkflow delivers a thrown signal inside its own workflow only. In Camunda a signal
is a broadcast: every process instance waiting for it catches it, and every process with a
signal start event for it starts. So the runtime notes each signal a throw event (an
intermediate throw or end event with a ``signalEventDefinition``) throws while it moves a
case, and the use case that saves the case broadcasts it to the other cases
(engine/usecases/thrown_signals.py).

What it carries is written as Camunda writes it, ``camunda:in`` inside the signal's
``extensionElements``: ``source``/``sourceExpression`` to ``target``, ``variables="all"``,
and ``businessKey`` (the throwing case's business key goes to the cases the signal starts).
The mappings are kept in the throw event's spec extensions, so a stored spec keeps them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import ThrowingEvent
from SpiffWorkflow.task import Task

from .camunda import NSMAP
from .waiting_tasks import Mapping, mapped

EXTENSION = "signal_in"  # the key of a throw event spec's extensions

# what a thrown signal carries, under its event (deploy checks them: engine.bpmn.waiting_checks)
MAPPINGS = "bpmn:signalEventDefinition/bpmn:extensionElements/camunda:in"
_THROWS = ".//bpmn:intermediateThrowEvent[bpmn:signalEventDefinition] | .//bpmn:endEvent[bpmn:signalEventDefinition]"


@dataclass(frozen=True)
class ThrownSignal:
    """A signal thrown by the element ``bpmn_id``, with the variables it carries."""

    name: str
    bpmn_id: str
    variables: dict[str, Any] = field(default_factory=dict)
    passes_business_key: bool = False


def payloads_of(process: etree._Element) -> dict[str, list[dict[str, Any]]]:
    """The ``camunda:in`` of each signal throw event of a normalised process, by element id."""
    found = {}
    for event in process.xpath(_THROWS, namespaces=NSMAP):
        mappings = event.xpath(f"./{MAPPINGS}", namespaces=NSMAP)
        if mappings:
            found[event.get("id")] = [asdict(Mapping.from_node(m)) for m in mappings]
    return found


def store(spec: BpmnProcessSpec, payloads: dict[str, list[dict[str, Any]]]) -> None:
    for task_spec in spec.task_specs.values():
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        if bpmn_id in payloads:
            task_spec.extensions = {**(getattr(task_spec, "extensions", None) or {}), EXTENSION: payloads[bpmn_id]}


def thrown_by(task: Task, evaluate: Callable[[str], Any]) -> ThrownSignal | None:
    """The signal ``task`` throws when it runs (none: it throws no signal), its variables
    read from the task's data; ``evaluate`` reads a ``sourceExpression`` there."""
    spec = task.task_spec
    if not isinstance(spec, ThrowingEvent) or not isinstance(spec.event_definition, SignalEventDefinition):
        return None
    mappings = tuple(Mapping(**m) for m in (getattr(spec, "extensions", None) or {}).get(EXTENSION, ()))
    return ThrownSignal(
        name=spec.event_definition.name,
        bpmn_id=spec.bpmn_id or "",
        variables=mapped(mappings, dict(task.data), evaluate),
        passes_business_key=any(m.business_key for m in mappings),
    )
