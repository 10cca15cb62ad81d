"""Camunda's input/output mappings (``camunda:inputOutput`` on an activity or event):

* an input parameter is a variable of the activity alone, set when it becomes ready from a
  text, an expression (``${…}``, the JUEL subset, read as Python), a ``camunda:list`` or a
  ``camunda:map`` of those; once the activity is over, the case's variable of that name is
  what it was before (Camunda's local variable, which shadows the case's and then goes);
* an output parameter is evaluated when the activity completes, with the activity's
  variables (its inputs and what its form or script set), and set on the case.

Read at deploy into the element's spec as ``extensions["io"]`` (which SpiffWorkflow's
serializer keeps with the stored spec) and run through SpiffWorkflow's own assignment hooks
(``pre_assign`` when the task becomes ready, ``post_assign`` after it ran, before what follows
sees its data), attached again whenever a stored spec is read (``attach``). A
``camunda:script`` parameter is refused at deploy (``problems_of``, run by engine/bpmn/checks.py).
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.task import Task

from .camunda import CAMUNDA_NS, NSMAP
from .juel import Unsupported, translate_template

IO = "io"
_SHADOWED = "io_shadowed"  # a task's internal data: the case's values its inputs hid


# -- reading the XML (on the normalised tree) -------------------------------------------------
def _value(node: etree._Element) -> dict[str, Any]:
    """A parameter's (or a list item's, a map entry's) value as stored in the spec."""
    children = [c for c in node if isinstance(c.tag, str) and etree.QName(c).namespace == CAMUNDA_NS]
    if not children:
        text = (node.text or "").strip()
        if "${" in text or "#{" in text:  # an expression, or a text with expressions in it
            return {"expression": translate_template(text)}
        return {"text": node.text or ""}
    child = children[0]
    kind = etree.QName(child).localname
    if kind == "list":
        return {"list": [_value(item) for item in child if isinstance(item.tag, str)]}
    if kind == "map":
        return {"map": [[entry.get("key") or "", _value(entry)] for entry in child if isinstance(entry.tag, str)]}
    raise Unsupported(f"a camunda:{kind} value (only text, ${{…}}, camunda:list and camunda:map)")


def problems_of(node: etree._Element) -> list[str]:
    """Why the element's mappings cannot be run (none: they can)."""
    try:
        io = read(node)
    except Unsupported as exc:
        return [f"camunda:inputOutput: {exc}"]
    if io is None:
        return []
    return [
        f"camunda:{kind}Parameter {name!r}: the name must be a variable name"
        for kind, parameters in (("input", io["inputs"]), ("output", io["outputs"]))
        for name, _ in parameters
        if not name.isidentifier()
    ]


def read(node: etree._Element) -> dict[str, list[list[Any]]] | None:
    """The element's input and output parameters ([name, value] pairs), or None."""
    found = node.xpath("./bpmn:extensionElements/camunda:inputOutput", namespaces=NSMAP)
    if not found:
        return None
    io = found[0]
    return {
        "inputs": [[p.get("name") or "", _value(p)] for p in io.xpath("./camunda:inputParameter", namespaces=NSMAP)],
        "outputs": [[p.get("name") or "", _value(p)] for p in io.xpath("./camunda:outputParameter", namespaces=NSMAP)],
    }


def store(spec: BpmnProcessSpec, mappings: dict[str, dict[str, list[list[Any]]]]) -> None:
    """Keep each element's mappings with its spec (the one a case runs: a multi-instance's
    rounds, not the activity around them), then attach them."""
    for task_spec in spec.task_specs.values():
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        if bpmn_id in mappings and not isinstance(task_spec, MultiInstanceTask):
            task_spec.extensions = {**(getattr(task_spec, "extensions", None) or {}), IO: mappings[bpmn_id]}
    attach(spec)


# -- running them -----------------------------------------------------------------------------
def attach(spec: BpmnProcessSpec) -> None:
    """Hook the stored mappings of a spec's tasks into SpiffWorkflow's assignments."""
    for task_spec in spec.task_specs.values():
        io = (getattr(task_spec, "extensions", None) or {}).get(IO)
        if io:
            task_spec.pre_assign = [_Inputs(io["inputs"])]
            task_spec.post_assign = [_Outputs(io["outputs"], [name for name, _ in io["inputs"]])]


def _evaluate(task: Task, value: dict[str, Any]) -> Any:
    if "expression" in value:
        return task.workflow.script_engine.evaluate(task, value["expression"])
    if "list" in value:
        return [_evaluate(task, item) for item in value["list"]]
    if "map" in value:
        return {key: _evaluate(task, item) for key, item in value["map"]}
    return value.get("text", "")


class _Inputs:
    def __init__(self, parameters: list[list[Any]]) -> None:
        self.parameters = parameters

    def assign(self, from_task: Task, to_task: Task) -> None:
        shadowed = {name: to_task.data[name] for name, _ in self.parameters if name in to_task.data}
        values = {name: _evaluate(from_task, value) for name, value in self.parameters}
        to_task.internal_data[_SHADOWED] = shadowed
        to_task.data.update(values)


class _Outputs:
    def __init__(self, parameters: list[list[Any]], inputs: list[str]) -> None:
        self.parameters = parameters
        self.inputs = inputs

    def assign(self, from_task: Task, to_task: Task) -> None:
        values = {name: _evaluate(from_task, value) for name, value in self.parameters}
        shadowed = to_task.internal_data.pop(_SHADOWED, {})
        for name in self.inputs:  # the activity's own variables go; what they hid comes back
            if name in shadowed:
                to_task.data[name] = shadowed[name]
            else:
                to_task.data.pop(name, None)
        to_task.data.update(values)
