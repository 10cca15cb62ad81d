"""Deploy checks of the tasks that wait for an answer from outside the workflow
(engine/bpmn/waiting_tasks.py): call activities and service tasks, and the ``camunda:in``
mappings a thrown signal carries, written like a call activity's (engine/bpmn/signal_payloads.py).
Whether the called process is deployed is the deploy use case's check (it needs the database)."""

from __future__ import annotations

from lxml import etree

from ..errors import Problem, ScriptError
from . import signal_payloads
from .actions import SERVICE_SCRIPT
from .camunda import NSMAP, camunda_value
from .documents import owner_of, problem_at
from .sandbox import compile_expression

CALL_BINDINGS = frozenset({"latest", "deployment", "version", "versionTag"})
_MAPPING_ATTRIBUTES = frozenset({"source", "sourceExpression", "target", "variables", "businessKey", "local"})
_SERVICE_IMPLEMENTATIONS = ("class", "delegateExpression", "expression")
MAX_TOPIC = 200  # what the external_tasks table's topic column holds
PRIORITY_LIMIT = 2**31 - 1  # and its priority column


def waiting_task_problems(process: etree._Element, file: str) -> list[Problem]:
    problems: list[Problem] = []
    for call in process.xpath(".//bpmn:callActivity", namespaces=NSMAP):
        problems += _call_problems(call, file)
    for task in process.xpath(".//bpmn:serviceTask", namespaces=NSMAP):
        problems += _service_problems(task, file)
    for mapping in process.xpath(f".//{signal_payloads.MAPPINGS}", namespaces=NSMAP):
        problems += _mapping_problems(owner_of(mapping), mapping, file)
    return problems


def _call_problems(call: etree._Element, file: str) -> list[Problem]:
    problems = []
    called = (call.get("calledElement") or "").strip()
    if camunda_value(call, "caseRef"):
        return [problem_at(file, call, "calls a CMMN case (camunda:caseRef): CMMN is not run by this engine")]
    if not called:
        problems.append(problem_at(file, call, "a call activity must name the process it calls (calledElement)"))
    elif "${" in called or "#{" in called:
        problems.append(
            problem_at(file, call, f"calledElement {called!r}: an expression is not supported; name the process's id")
        )
    binding = camunda_value(call, "calledElementBinding") or "latest"
    if binding not in CALL_BINDINGS:
        problems.append(
            problem_at(file, call, f"calledElementBinding {binding!r}: one of {', '.join(sorted(CALL_BINDINGS))}")
        )
    elif binding == "version" and not camunda_value(call, "calledElementVersion").isdigit():
        problems.append(problem_at(file, call, "calledElementBinding 'version' needs calledElementVersion (a number)"))
    elif binding == "versionTag" and not camunda_value(call, "calledElementVersionTag"):
        problems.append(problem_at(file, call, "calledElementBinding 'versionTag' needs calledElementVersionTag"))
    for mapping in call.xpath(
        "./bpmn:extensionElements/camunda:in | ./bpmn:extensionElements/camunda:out", namespaces=NSMAP
    ):
        problems += _mapping_problems(call, mapping, file)
    return problems


def _mapping_problems(call: etree._Element, mapping: etree._Element, file: str) -> list[Problem]:
    what = f"camunda:{etree.QName(mapping).localname}"
    unknown = sorted(set(mapping.attrib) - _MAPPING_ATTRIBUTES)
    if unknown:
        return [problem_at(file, call, f"{what}: attribute {unknown[0]!r} is not supported")]
    if mapping.get("variables") not in (None, "all"):
        return [problem_at(file, call, f"{what} variables={mapping.get('variables')!r}: only 'all' is supported")]
    if mapping.get("businessKey") is not None:
        if etree.QName(mapping).localname != "in":
            return [problem_at(file, call, f"{what}: businessKey is passed to the called case (camunda:in) only")]
        return []
    if mapping.get("variables") == "all":
        return []
    source, expression, target = mapping.get("source"), mapping.get("sourceExpression"), mapping.get("target")
    if not target or not target.isidentifier():
        return [problem_at(file, call, f"{what}: target {target!r} must be a variable name")]
    if bool(source) == bool(expression):
        return [problem_at(file, call, f"{what} {target!r}: give either source or sourceExpression")]
    if source and not source.isidentifier():
        return [problem_at(file, call, f"{what} {target!r}: source {source!r} must be a variable name")]
    if expression:
        if etree.QName(mapping).localname == "out":
            return [
                problem_at(
                    file, call, f"{what} {target!r}: sourceExpression is read in the calling case only (camunda:in)"
                )
            ]
        try:
            compile_expression(expression)
        except ScriptError as exc:
            return [problem_at(file, call, f"{what} {target!r}: sourceExpression {expression!r}: {exc}")]
    return []


def _service_problems(task: etree._Element, file: str) -> list[Problem]:
    implementation = [name for name in _SERVICE_IMPLEMENTATIONS if camunda_value(task, name)]
    if task.get(SERVICE_SCRIPT) is not None:
        return []  # its camunda:expression, translated (engine.bpmn.actions)
    if implementation:
        return []  # refused as an unsupported Camunda attribute, with the advice (elements.py)
    kind = camunda_value(task, "type")
    topic = camunda_value(task, "topic")
    if kind == "mail":
        return []  # its fields were read and checked as it was normalised (engine.bpmn.mail_tasks)
    if kind != "external":
        why = f"camunda:type {kind!r} is not run by this engine" if kind else "it names no implementation"
        return [
            problem_at(
                file,
                task,
                f'service task: {why}; make it an external task (camunda:type="external" and a camunda:topic '
                f"that a worker fetches) or a script task (Python)",
            )
        ]
    if not topic:
        return [problem_at(file, task, "an external service task must name its topic (camunda:topic)")]
    if "${" in topic or "#{" in topic:
        return [problem_at(file, task, f"camunda:topic {topic!r}: an expression is not supported; name the topic")]
    if len(topic) > MAX_TOPIC:
        return [problem_at(file, task, f"camunda:topic {topic[:40]!r}…: at most {MAX_TOPIC} characters")]
    priority = camunda_value(task, "taskPriority")
    if priority and task_priority(priority) is None:
        return [
            problem_at(
                file,
                task,
                f"camunda:taskPriority {priority!r}: a whole number from {-PRIORITY_LIMIT} to {PRIORITY_LIMIT} "
                "(an expression is not supported)",
            )
        ]
    return []


def task_priority(text: str) -> int | None:
    """An external task's ``camunda:taskPriority``: the whole number it writes (none: 0), or
    None when it is not one the engine stores."""
    if not text.strip():
        return 0
    try:
        value = int(text.strip())
    except ValueError:
        return None
    return value if -PRIORITY_LIMIT <= value <= PRIORITY_LIMIT else None
