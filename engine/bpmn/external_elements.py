"""What Camunda runs as an external task besides a service task, made one (part of
engine.bpmn.normalise, so deploy and every later parse agree).

Camunda hands a send task, a business rule task, and a message intermediate throw or end
event to an external worker when it is marked ``camunda:type="external"`` with a
``camunda:topic`` (on the task, or on the event's ``messageEventDefinition``). This engine
runs external work only as a service task (engine.bpmn.waiting_tasks), so each becomes an
external service task with the same id: the diagram, the case page and the worker's answer
all name the element the designer drew. A message end event then ends its path after the
worker answers: a plain end event is added after it. Each rewrite is reported as a warning.
"""

from __future__ import annotations

from lxml import etree

from ..errors import Problem
from .camunda import BPMN_NS, CAMUNDA_NS, NSMAP
from .documents import process_id_of
from .flow_repair import end_after, ids_in

# what a worker's topic and priority are read from (engine.bpmn.waiting_tasks)
_EXTERNAL_ATTRIBUTES = ("type", "topic", "taskPriority")
_TASKS = {"sendTask": "send task", "businessRuleTask": "business rule task"}
_MESSAGE_THROWS = ("intermediateThrowEvent", "endEvent")  # an end event: its path ends after the worker


def _external(node: etree._Element) -> bool:
    return bool(node.get(f"{{{CAMUNDA_NS}}}type") == "external")


def _as_service_task(node: etree._Element) -> None:
    node.tag = f"{{{BPMN_NS}}}serviceTask"


def externals_as_service_tasks(root: etree._Element, file: str, warn: dict[str, list[Problem]]) -> None:
    taken = ids_in(root)
    for kind in _TASKS:
        for task in root.xpath(f".//bpmn:{kind}", namespaces=NSMAP):
            if not _external(task):
                continue
            _as_service_task(task)
            _warn(warn, task, file, f"the {_TASKS[kind]} {task.get('id')!r} is run as an external service task")
    for kind in _MESSAGE_THROWS:
        for event in root.xpath(f".//bpmn:{kind}[bpmn:messageEventDefinition]", namespaces=NSMAP):
            definition = event.find(f"{{{BPMN_NS}}}messageEventDefinition")
            if definition is None or not _external(definition):
                continue
            for name in _EXTERNAL_ATTRIBUTES:
                value = definition.get(f"{{{CAMUNDA_NS}}}{name}")
                if value is not None:
                    event.set(f"{{{CAMUNDA_NS}}}{name}", value)
            event.remove(definition)
            _as_service_task(event)
            what = "end" if kind == "endEvent" else "throw"
            how = f"the message {what} event {event.get('id')!r} is run as an external service task"
            if kind == "endEvent":
                end_after(event, taken)
                how += "; its path ends after the worker answers"
            _warn(warn, event, file, how)


def _warn(warn: dict[str, list[Problem]], node: etree._Element, file: str, message: str) -> None:
    warn.setdefault(process_id_of(node), []).append(Problem(message, file, node.sourceline, node.get("id")))
