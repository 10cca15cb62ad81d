"""Boundary timers that close a window: ``<camunda:property name="closes_window" value="true"/>``
on an interrupting boundary timer says that the task it ends was open for a period and its
ending is the process's normal path (a petitioner who asks for no review within the period, a
deputy who gives no evaluation in time), not a failure to act. Such a timer raises no 督办: its
holders are told the period ended (engine/usecases/persist.py). Unmarked boundary timers are
督办 to the task's holders and the supervisors, as before.

SpiffWorkflow keeps no properties of an event, so the marker is read from the file when it is
parsed (``ParsedProcess.window_timers``)."""

from __future__ import annotations

from lxml import etree

from ..errors import Problem
from .camunda import NSMAP
from .documents import local_name, problem_at

CLOSES_WINDOW = "closes_window"
_VALUES = ("true", "false")
_MARKED = f".//*[bpmn:extensionElements/camunda:properties/camunda:property[@name='{CLOSES_WINDOW}']]"


def _marker(node: etree._Element) -> str:
    found = node.xpath(
        "./bpmn:extensionElements/camunda:properties/camunda:property[@name=$name]/@value",
        namespaces=NSMAP,
        name=CLOSES_WINDOW,
    )
    return str(found[0]).strip().lower() if found else ""


def window_timers(root: etree._Element) -> frozenset[str]:
    """The ids of the boundary timers below ``root`` marked ``closes_window=true``."""
    return frozenset(str(node.get("id")) for node in root.xpath(_MARKED, namespaces=NSMAP) if _marker(node) == "true")


def problems(process: etree._Element, file: str) -> list[Problem]:
    """``closes_window`` belongs on an interrupting boundary timer (a non-interrupting one leaves
    its task open: nothing closes), and says ``true`` or ``false``."""
    found = []
    for node in process.xpath(_MARKED, namespaces=NSMAP):
        value = _marker(node)
        timer = node.xpath("./bpmn:timerEventDefinition", namespaces=NSMAP)
        if local_name(node.tag) != "boundaryEvent" or not timer:
            found.append(
                problem_at(
                    file, node, f"'{CLOSES_WINDOW}' belongs on a boundary timer event (the period a task is open for)"
                )
            )
        elif node.get("cancelActivity", "true") == "false":
            found.append(
                problem_at(
                    file,
                    node,
                    f"'{CLOSES_WINDOW}' on a non-interrupting timer: the task stays open, so no window closes "
                    f'(set cancelActivity="true", or remove the property)',
                )
            )
        if value not in _VALUES:
            found.append(problem_at(file, node, f"'{CLOSES_WINDOW}' is true or false, got {value!r}"))
    return found
