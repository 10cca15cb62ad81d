"""What a process runs for its effect besides script tasks, as Camunda models write it:

* a service task's ``camunda:expression`` (the JUEL subset of :mod:`engine.bpmn.juel`,
  ``execution.setVariable('x', …)`` included), its value kept in ``camunda:resultVariable``
  when one is named: run as a script task running the translation;
* an execution listener (``start`` / ``end`` of an activity, gateway or event) or a task
  listener (``create`` / ``complete`` of a user task) written as such an expression or as an
  inline Python ``camunda:script``: run through SpiffWorkflow's assignment hooks, ``start``
  when the element becomes ready (after its input mappings), ``end`` once it ran (after its
  output mappings), in document order. A catch event becomes ready when its event arrives,
  so its ``start`` listener runs then, not while it waits.

Both are translated by :func:`translate_actions` while the document is normalised (at deploy
and whenever a stored version is parsed again), which leaves the Python on the element in
attributes of its own and removes what it read; listeners that name a Java class or a
delegate expression are left in place and refused by :mod:`engine.bpmn.elements` with the
advice. What is not run (a listener on a sequence flow, the process, a sub-process or call
activity, other events) is refused naming the element and the event.
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.task import Task

from ..errors import Problem, ScriptError
from .camunda import CAMUNDA_NS, NSMAP, PYTHON_FORMATS, camunda_value
from .documents import problem_at
from .juel import Unsupported, translate_action
from .sandbox import compile_script

_OURS = "urn:congressflow:actions"
SERVICE_SCRIPT = f"{{{_OURS}}}script"  # on a service task: the Python its expression became
LISTENERS = f"{{{_OURS}}}listeners"  # on an element: {"start": [python…], "end": [python…]}
EXTENSION = "listeners"  # the key of a task spec's extensions (kept by SpiffWorkflow's serializer)

_TASK_EVENTS = {"create": "start", "complete": "end"}
# elements whose start or end is not one moment of their own spec here: a sub-process is
# ready only once it ended, a call activity and an external task start and then wait
_NOT_LISTENED = {"process", "subProcess", "transaction", "adHocSubProcess", "callActivity", "sequenceFlow"}


def translate_actions(root: etree._Element, file: str) -> list[Problem]:
    """Rewrite ``root``'s service task expressions and listeners in place (see the module's
    doc); what cannot be run, as problems."""
    problems: list[Problem] = []
    for task in root.xpath(".//bpmn:serviceTask[@camunda:expression]", namespaces=NSMAP):
        text, result = camunda_value(task, "expression"), camunda_value(task, "resultVariable")
        try:
            task.set(SERVICE_SCRIPT, translate_action(text, result))
        except Unsupported as exc:
            task.set(SERVICE_SCRIPT, "")  # refused here: not also "names no implementation"
            problems.append(
                problem_at(file, task, f"camunda:expression {text!r}: not in the supported JUEL subset: {exc}")
            )
        for name in ("expression", "resultVariable"):
            task.attrib.pop(f"{{{CAMUNDA_NS}}}{name}", None)
    for listener in root.xpath(".//camunda:executionListener | .//camunda:taskListener", namespaces=NSMAP):
        if listener.get("class") or listener.get("delegateExpression"):
            continue  # a Java listener: refused by engine.bpmn.elements, with the advice
        owner = listener.getparent().getparent()
        what = f"camunda:{etree.QName(listener).localname}"
        event, why = _event(listener, owner)
        code, code_why = _code(listener)
        listener.getparent().remove(listener)
        if why or code_why:
            problems.append(problem_at(file, owner, f"{what}: {why or code_why}"))
            continue
        stored: dict[str, list[str]] = json.loads(owner.get(LISTENERS) or "{}")
        stored.setdefault(event, []).append(code)
        owner.set(LISTENERS, json.dumps(stored, ensure_ascii=False))
    return problems


def _event(listener: etree._Element, owner: etree._Element) -> tuple[str, str]:
    """The moment (start or end) a listener runs at, or why it is not run."""
    kind = etree.QName(owner).localname
    event = (listener.get("event") or "").strip()
    if etree.QName(listener).localname == "taskListener":
        if kind != "userTask":
            return "", f"a task listener belongs on a user task, not a {kind}"
        if event not in _TASK_EVENTS:
            return "", f"event {event!r} is not run (only create and complete)"
        return _TASK_EVENTS[event], ""
    if kind in _NOT_LISTENED:
        return "", f"a listener on a {kind} is not run; put it on a task or an event"
    if kind == "serviceTask" and camunda_value(owner, "type") == "external":
        return "", "a listener on an external task is not run; put it on the task before or after"
    if event not in ("start", "end"):
        return "", f"event {event!r} is not run (only start and end)"
    return event, ""


def _code(listener: etree._Element) -> tuple[str, str]:
    """A listener's Python, or why it has none this engine runs."""
    expression = (listener.get("expression") or "").strip()
    if expression:
        try:
            return translate_action(expression), ""
        except Unsupported as exc:
            return "", f"expression {expression!r}: not in the supported JUEL subset: {exc}"
    scripts = listener.xpath("./camunda:script", namespaces=NSMAP)
    if not scripts:
        return "", "it names no expression or script"
    script = scripts[0]
    script_format = (script.get("scriptFormat") or "").strip()
    if script_format.lower() not in PYTHON_FORMATS | {""}:
        return "", f"scriptFormat {script_format!r} is not run by this engine: scripts are Python"
    if script.get("resource"):
        return "", f"its script is an external resource ({script.get('resource')!r}); write the Python inline"
    source = (script.text or "").strip()
    try:
        compile_script(source)
    except ScriptError as exc:
        return "", f"script: {exc}"
    return source, ""


# -- running them -----------------------------------------------------------------------------
def listeners_of(process: etree._Element) -> dict[str, dict[str, list[str]]]:
    """The translated listeners of a normalised process's elements, by element id."""
    return {
        node.get("id"): json.loads(node.get(LISTENERS))
        for node in process.iter()
        if isinstance(node.tag, str) and node.get(LISTENERS)
    }


def store(spec: BpmnProcessSpec, listeners: dict[str, dict[str, list[str]]]) -> None:
    """Keep each element's listeners with its spec (a multi-instance's rounds, as its input
    and output mappings), then attach them."""
    for task_spec in spec.task_specs.values():
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        if bpmn_id in listeners and not isinstance(task_spec, MultiInstanceTask):
            task_spec.extensions = {**(getattr(task_spec, "extensions", None) or {}), EXTENSION: listeners[bpmn_id]}
    attach(spec)


def attach(spec: BpmnProcessSpec) -> None:
    """Hook the stored listeners into SpiffWorkflow's assignments, after whatever the input
    and output mappings put there (engine.bpmn.io_mappings attaches first); attaching again
    replaces them."""
    for task_spec in spec.task_specs.values():
        listeners = (getattr(task_spec, "extensions", None) or {}).get(EXTENSION)
        if not listeners:
            continue
        task_spec.pre_assign = [a for a in task_spec.pre_assign if not isinstance(a, _Listener)]
        task_spec.pre_assign += [_Listener(code) for code in listeners.get("start", ())]
        task_spec.post_assign = [a for a in task_spec.post_assign if not isinstance(a, _Listener)]
        task_spec.post_assign += [_Listener(code) for code in listeners.get("end", ())]


class _Listener:
    """One listener's Python, run on the task's data by the case's sandboxed script engine."""

    def __init__(self, code: str) -> None:
        self.code = code

    def assign(self, from_task: Task, to_task: Task) -> Any:
        return to_task.workflow.script_engine.execute(to_task, self.code)
