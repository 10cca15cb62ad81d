"""Parse and validate BPMN: XML, XSD, the semantic checks the raw parser skips, and every
expression compiled in the sandbox — so a bad file is refused at deploy time with the
file, line and element id, not discovered when an instance reaches the bad element."""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator, full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import ReceiveTaskParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.defaults import ReceiveTask, ServiceTask
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import CamundaEventDefinitionParser
from SpiffWorkflow.exceptions import SpiffWorkflowException

from ..deadlines.date_functions import LEGACY
from ..errors import InvalidBpmn, Problem, ScriptError
from . import io_mappings
from .camunda import (
    BPMN_NS,
    CAMUNDA_NS,
    NSMAP,
    TaskMeta,
    expression_body,
    is_expression,
    read_task_meta,
)
from .forms import FIELD_TYPES, OPTION_SOURCES, FormSpec, constraint_problems
from .normalise import iso_literal, normalise, prefix_of
from .sandbox import compile_expression, compile_script
from .visibility import visibility_problems
from .waiting_checks import waiting_task_problems
from .waiting_tasks import CaseCall, CaseCallParser, ServiceTaskParser

# The elements a process is made of (what a diff of two versions lists, with lanes).
RUNNABLE_ELEMENTS = frozenset(
    {
        "process",
        "startEvent",
        "endEvent",
        "intermediateCatchEvent",
        "intermediateThrowEvent",
        "boundaryEvent",
        "userTask",
        "manualTask",
        "scriptTask",
        "task",
        "serviceTask",
        "businessRuleTask",
        "sendTask",
        "receiveTask",
        "subProcess",
        "callActivity",
        "transaction",
        "exclusiveGateway",
        "parallelGateway",
        "inclusiveGateway",
        "eventBasedGateway",
        "sequenceFlow",
    }
)
# Flow elements the engine runs, and their parts. Anything else inside a process is refused by name.
SUPPORTED_FLOW_ELEMENTS = {
    *RUNNABLE_ELEMENTS,
    "laneSet",
    "lane",
    "flowNodeRef",
    "childLaneSet",
    "documentation",
    "extensionElements",
    "incoming",
    "outgoing",
    "conditionExpression",
    "multiInstanceLoopCharacteristics",
    "standardLoopCharacteristics",
    "loopCardinality",
    "completionCondition",
    "loopCondition",
    "script",
    "timerEventDefinition",
    "timeDate",
    "timeDuration",
    "timeCycle",
    "messageEventDefinition",
    "signalEventDefinition",
    "errorEventDefinition",
    "escalationEventDefinition",
    "terminateEventDefinition",
    "cancelEventDefinition",
    "conditionalEventDefinition",
    "condition",
    "compensateEventDefinition",
    "dataObject",
    "dataObjectReference",
    "dataInputAssociation",
    "dataOutputAssociation",
    "sourceRef",
    "targetRef",
    "ioSpecification",
    "dataInput",
    "dataOutput",
    "inputSet",
    "outputSet",
    "dataInputRefs",
    "dataOutputRefs",
    "property",
    "textAnnotation",
    "text",
    "association",
    "group",
    "category",
    "categoryValue",
    "assignment",
    "from",
    "to",
    "transformation",
    # potentialOwner: its formal expression names candidate users and groups (engine.bpmn.camunda)
    "potentialOwner",
    "resourceAssignmentExpression",
    "formalExpression",
}

# A case's title comes from the first of these start form fields that is filled in
# (engine.usecases.cases): none of them may be confidential.
TITLE_FIELDS = ("title", "subject")

_MODEL_NAMESPACES = {
    BPMN_NS,
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
}
_ISO_KINDS = {"timeDuration": "duration", "timeDate": "date and time", "timeCycle": "repeating interval (R…)"}
_UNQUOTED_ISO = re.compile(r"^(R\d*/)?(P(?=\d|T)[0-9YMWDTHS.,]*|\d{4}-\d{2}-\d{2}(T[0-9:.+\-Z]*)?)(/.*)?$")


@dataclass(frozen=True)
class StartTimer:
    bpmn_id: str
    kind: str  # timeDate | timeCycle | timeDuration
    expression: str


@dataclass
class ParsedProcess:
    """One executable process of a file: the SpiffWorkflow spec plus what the product reads."""

    key: str
    name: str
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    tasks: dict[str, TaskMeta]
    start_event_id: str
    start_timers: list[StartTimer] = field(default_factory=list)
    starter_groups: tuple[str, ...] = ()  # camunda:candidateStarterGroups; empty: officers
    # the start-form fields a case's title is made of (camunda:property title_fields on the
    # process); empty: the first of TITLE_FIELDS the form has
    title_fields: tuple[str, ...] = ()
    # who holds a user task that names nobody (no assignee, candidates or lane): the
    # process's camunda:property default_group; empty: such a task is refused at deploy
    default_group: str = ""
    # the start events of event subprocesses that interrupt the rest of the case when they fire
    interrupting_starts: frozenset[str] = frozenset()
    # what deploy read in a way the designer should know (a generated sequence flow id): not
    # refused, not stored with the spec (engine.bpmn.normalise)
    warnings: tuple[Problem, ...] = ()

    @property
    def start_form(self) -> FormSpec:
        return self.tasks[self.start_event_id].form


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _problem(file: str, node: etree._Element | None, message: str) -> Problem:
    if node is None:
        return Problem(message, file)
    return Problem(message, file, node.sourceline, node.get("id"))


@lru_cache(maxsize=1)
def _validator() -> BpmnValidator:
    return BpmnValidator()


ENTITIES_REFUSED = "entity declarations and references are not allowed in BPMN files"


def load_xml(source: bytes | str, file: str) -> etree._Element:
    """Parse without loading or resolving anything (no DTD, no entities, no network), then
    refuse a DOCTYPE and any entity reference: a BPMN file never needs them, they are how
    XXE and entity-expansion attacks come in, and an entity left in the tree makes the XSD
    validator fail with an internal error instead of a message."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidBpmn([Problem(f"not well-formed XML: {exc.msg}", file, exc.lineno)]) from None
    problems = _entity_problems(root, data, file)
    if problems:
        raise InvalidBpmn(problems)
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise InvalidBpmn(
            [
                Problem(
                    f"not a BPMN 2.0 file: the root element is <{_local(root.tag)}> in namespace "
                    f"{etree.QName(root).namespace or '(none)'}, expected <definitions> in {BPMN_NS}",
                    file,
                    root.sourceline,
                )
            ]
        )
    return root


def _entity_problems(root: etree._Element, data: bytes, file: str) -> list[Problem]:
    problems = []
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        at = data.find(b"<!DOCTYPE")
        problems.append(
            Problem(
                f"{ENTITIES_REFUSED}: remove the <!DOCTYPE ...> declaration",
                file,
                data.count(b"\n", 0, at) + 1 if at >= 0 else None,
            )
        )
    for entity in root.iter(etree.Entity):
        owner = entity.getparent()
        problems.append(
            Problem(
                f"{ENTITIES_REFUSED}: &{entity.name};",
                file,
                entity.sourceline,
                _owner(owner).get("id") if owner is not None else None,
            )
        )
    return problems


def xsd_problems(root: etree._Element, file: str) -> list[Problem]:
    schema = _validator().validator
    if schema.validate(etree.ElementTree(root)):
        return []
    problems = []
    for error in list(schema.error_log)[:20]:
        node = _node_at_line(root, error.line)
        problems.append(
            Problem(f"XSD: {error.message}", file, error.line, node.get("id") if node is not None else None)
        )
    return problems


def _node_at_line(root: etree._Element, line: int) -> etree._Element | None:
    for node in root.iter():
        if node.sourceline == line and isinstance(node.tag, str):
            return node
    return None


def duplicate_id_problems(root: etree._Element, file: str) -> list[Problem]:
    """Checked before the XSD, whose own message for this ("not a valid value of the
    atomic type 'xs:ID'") does not say what is wrong."""
    problems: list[Problem] = []
    # Vendor extensions may repeat ids in their own namespaces; only BPMN's must be unique.
    model = [n for n in root.iter() if isinstance(n.tag, str) and etree.QName(n).namespace in _MODEL_NAMESPACES]
    ids = Counter(n.get("id") for n in model if n.get("id"))
    for node in model:
        if ids.get(node.get("id"), 0) > 1:
            problems.append(_problem(file, node, f"duplicate id {node.get('id')!r}"))
    return problems


def semantic_problems(root: etree._Element, file: str) -> list[Problem]:
    problems: list[Problem] = []
    processes = root.xpath("./bpmn:process", namespaces=NSMAP)
    executable = [p for p in processes if p.get("isExecutable", "false") == "true"]
    if not executable:
        problems.append(
            _problem(file, processes[0] if processes else root, 'no executable process (isExecutable="true")')
        )
    for process in executable:
        problems += _process_problems(process, file)
    return problems


# Camunda 7 features this engine does not run (Java classes, JUEL listeners, connectors,
# variable mappings): a designer who sets them in the modeler's properties panel must hear
# so at deploy time, not find out when a case silently skips them.
UNSUPPORTED_CAMUNDA_ELEMENTS = {
    "taskListener": "task listeners",
    "executionListener": "execution listeners",
    "connector": "connectors",
    "in": "call activity variable mappings",
    "out": "call activity variable mappings",
}
UNSUPPORTED_CAMUNDA_ATTRIBUTES = {
    "class": "Java classes",
    "delegateExpression": "delegate expressions",
    "expression": "JUEL expressions",
    "topic": "external tasks",
    "type": "external tasks",
}
_ADVICE = "this engine does not run them; use a script task (Python) instead"
# camunda:type / topic on a send task, a business rule task or a message event: Camunda runs
# those as external tasks too, this engine only a service task
_EXTERNAL_ADVICE = "only a service task (bpmn:serviceTask) is run as an external task here; make it one"


def _owner(node: etree._Element) -> etree._Element:
    """The nearest element with an id: where a problem inside extension elements is reported."""
    while node.get("id") is None and node.getparent() is not None:
        node = node.getparent()
    return node


def _camunda_problems(node: etree._Element, file: str) -> list[Problem]:
    """``activiti:`` names were made ``camunda:`` ones (engine.bpmn.normalise): the same
    checks, the message naming the prefix the file wrote."""
    problems: list[Problem] = []
    if _checked_elsewhere(node):
        return problems
    if etree.QName(node).namespace == CAMUNDA_NS and _local(node.tag) in UNSUPPORTED_CAMUNDA_ELEMENTS:
        what = UNSUPPORTED_CAMUNDA_ELEMENTS[_local(node.tag)]
        prefix = prefix_of(node, ".")
        problems.append(_problem(file, _owner(node), f"{prefix}:{_local(node.tag)} ({what}): {_ADVICE}"))
    for attribute in node.attrib:
        name = etree.QName(attribute)
        if name.namespace == CAMUNDA_NS and name.localname in UNSUPPORTED_CAMUNDA_ATTRIBUTES:
            what = UNSUPPORTED_CAMUNDA_ATTRIBUTES[name.localname]
            prefix = prefix_of(node, name.localname)
            advice = _EXTERNAL_ADVICE if what == "external tasks" else _ADVICE
            problems.append(_problem(file, _owner(node), f"{prefix}:{name.localname} ({what}): {advice}"))
    return problems


def _checked_elsewhere(node: etree._Element) -> bool:
    """A call activity's variable mappings and an external service task's attributes: what
    engine.bpmn.waiting_checks reads (the same names elsewhere are still refused here)."""
    parent = node.getparent()
    if _local(node.tag) in ("in", "out") and parent is not None and parent.getparent() is not None:
        return _local(parent.getparent().tag) == "callActivity"
    return _local(node.tag) == "serviceTask" and not any(
        node.get(f"{{{CAMUNDA_NS}}}{name}") for name in ("class", "delegateExpression", "expression")
    )


def _process_problems(process: etree._Element, file: str) -> list[Problem]:
    problems: list[Problem] = []
    by_id = {n.get("id"): n for n in process.iter() if isinstance(n.tag, str) and n.get("id")}
    for node in process.iter():
        if not isinstance(node.tag, str):
            continue
        ns, name = etree.QName(node).namespace, _local(node.tag)
        if ns == BPMN_NS and name not in SUPPORTED_FLOW_ELEMENTS:
            where = "" if node.get("id") else f" (in {_owner(node).get('id')!r})"
            problems.append(
                _problem(file, _owner(node), f"unsupported element bpmn:{name}{where}: the engine cannot run it")
            )
        problems += _camunda_problems(node, file)
    if not process.xpath("./bpmn:startEvent", namespaces=NSMAP):
        problems.append(_problem(file, process, f"process {process.get('id')!r} has no start event"))
    problems += _unstartable_problems(process, file)
    for flow in process.xpath(".//bpmn:sequenceFlow", namespaces=NSMAP):
        if not flow.get("id"):
            problems.append(_problem(file, flow, "sequence flow without an id (it would be silently dropped)"))
        for end in ("sourceRef", "targetRef"):
            if flow.get(end) not in by_id:
                problems.append(_problem(file, flow, f"{end} {flow.get(end)!r} names no element of this process"))
    problems += _gateway_problems(process, file)
    problems += _message_problems(process, file)
    problems += _expression_problems(process, file)
    problems += _task_problems(process, file)
    problems += _title_problems(process, file)
    problems += waiting_task_problems(process, file)
    for node in process.xpath(".//*[bpmn:extensionElements/camunda:inputOutput]", namespaces=NSMAP):
        problems += [_problem(file, node, why) for why in io_mappings.problems_of(node)]
    return problems


# What a case can be started by: a plain start event (发起), a timer (the scheduler), a
# message or a signal (delivered from outside: engine/usecases/messages.py).
_STARTING_DEFINITIONS = {"", "timerEventDefinition", "messageEventDefinition", "signalEventDefinition"}


def _unstartable_problems(process: etree._Element, file: str) -> list[Problem]:
    """A process that no case could ever get past the start of: an empty one (nothing after
    its start event), or one whose start events all wait for what never comes (a condition,
    an escalation). Deployed, it would be offered in 发起 and its
    cases would stay 办理中 for ever."""
    starts = process.xpath("./bpmn:startEvent", namespaces=NSMAP)
    if not starts:
        return []  # said above: no start event
    startable = [
        s
        for s in starts
        if {_local(d.tag) for d in s if _local(d.tag).endswith("EventDefinition")} <= _STARTING_DEFINITIONS
    ]
    if not startable:
        return [
            _problem(
                file,
                process,
                f"process {process.get('id')!r} cannot be started: each start event waits for an event "
                f"that nothing delivers; use a plain, timer, message or signal start event",
            )
        ]
    leaving = {f.get("sourceRef") for f in process.xpath("./bpmn:sequenceFlow", namespaces=NSMAP)}
    if not any(s.get("id") in leaving for s in startable):
        return [
            _problem(
                file,
                startable[0],
                f"process {process.get('id')!r} is empty: nothing follows its start event "
                f"(no sequence flow leaves it), so a case would never go anywhere",
            )
        ]
    return []


def _message_problems(process: etree._Element, file: str) -> list[Problem]:
    """What waits for a message or signal is delivered from outside (engine/usecases/messages.py:
    the API's /messages and /signals, ``congressflow message`` / ``signal``); what the engine
    itself would have to send, or a receive with nothing to receive, is refused by element."""
    problems: list[Problem] = []
    for task in process.xpath(".//bpmn:receiveTask", namespaces=NSMAP):
        if not task.get("messageRef"):
            problems.append(_problem(file, task, "a receive task must name the message it waits for (messageRef)"))
        if task.xpath("./bpmn:multiInstanceLoopCharacteristics", namespaces=NSMAP):
            problems.append(_problem(file, task, "a multi-instance receive task is not supported"))
    for ref in process.xpath(".//bpmn:messageEventDefinition[@messageRef]", namespaces=NSMAP):
        message = (
            ref.getroottree()
            .getroot()
            .xpath(f"./bpmn:message[@id={_xpath_literal(ref.get('messageRef'))}]", namespaces=NSMAP)
        )
        if not message or not message[0].get("name"):
            problems.append(
                _problem(file, _owner(ref), f"message {ref.get('messageRef')!r} is not declared with a name")
            )
    for task in process.xpath(".//bpmn:sendTask", namespaces=NSMAP):
        problems.append(
            _problem(
                file, task, "a send task is not supported: messages are delivered from outside (POST /api/v1/messages)"
            )
        )
    for throw in process.xpath(
        ".//bpmn:intermediateThrowEvent[bpmn:messageEventDefinition] | .//bpmn:endEvent[bpmn:messageEventDefinition]",
        namespaces=NSMAP,
    ):
        problems.append(
            _problem(
                file,
                throw,
                "throwing a message is not supported: messages are delivered from outside (POST /api/v1/messages)",
            )
        )
    return problems


def _xpath_literal(text: str | None) -> str:
    text = text or ""
    return f'"{text}"' if '"' not in text else f"'{text}'"


def _gateway_problems(process: etree._Element, file: str) -> list[Problem]:
    problems = []
    for gateway in process.xpath(".//bpmn:exclusiveGateway | .//bpmn:inclusiveGateway", namespaces=NSMAP):
        outgoing = process.xpath(f".//bpmn:sequenceFlow[@sourceRef='{gateway.get('id')}']", namespaces=NSMAP)
        if len(outgoing) < 2:
            continue
        for flow in outgoing:
            has_condition = bool(flow.xpath("./bpmn:conditionExpression", namespaces=NSMAP))
            if not has_condition and flow.get("id") != gateway.get("default"):
                problems.append(
                    _problem(
                        file, flow, f"branch of gateway {gateway.get('id')!r} has no condition and is not its default"
                    )
                )
    return problems


def _check(source: str, compile_fn: Any, file: str, node: etree._Element, what: str) -> list[Problem]:
    text = (source or "").strip()
    if not text:
        return [_problem(file, node, f"empty {what}")]
    if text.startswith("${") or text.startswith("#{"):
        if what != "script":
            return []  # engine.bpmn.normalise translated it, or refused it and said why
        return [_problem(file, node, f"{what} {text!r} is JUEL; write it as a Python expression")]
    try:
        compile_fn(text)
    except ScriptError as exc:
        return [_problem(file, node, f"{what}: {exc}")]
    return [
        _problem(
            file,
            node,
            f"{what} calls {old}(), the old date arithmetic (the start's time of day, no holiday rule): "
            f"use {LEGACY[old]}(), counted as the law counts (start day not counted, ends at 24:00 of the "
            f"last day, a holiday moves it to the next working day; bpmn/README.md)",
        )
        for old in sorted(_called_names(text) & LEGACY.keys())
    ]


def _called_names(source: str) -> set[str]:
    """The names a (compilable) expression or script calls."""
    tree: ast.AST
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = ast.parse(source, mode="eval")
    return {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def _expression_problems(process: etree._Element, file: str) -> list[Problem]:
    problems = []
    for cond in process.xpath(".//bpmn:conditionExpression | .//bpmn:completionCondition", namespaces=NSMAP):
        problems += _check(cond.text, compile_expression, file, cond.getparent(), "condition")
    for card in process.xpath(".//bpmn:loopCardinality", namespaces=NSMAP):
        problems += _check(card.text, compile_expression, file, card.getparent().getparent(), "loopCardinality")
    for timer in process.xpath(".//bpmn:timeDate | .//bpmn:timeDuration | .//bpmn:timeCycle", namespaces=NSMAP):
        owner = timer.getparent().getparent()
        text = (timer.text or "").strip()
        # literals SpiffWorkflow reads were quoted by normalise; what is left only looks like one
        if _UNQUOTED_ISO.match(text) and not iso_literal(_local(timer.tag), text):
            problems.append(
                _problem(
                    file,
                    owner,
                    f"timer {_local(timer.tag)} {text!r} is not an ISO 8601 {_ISO_KINDS[_local(timer.tag)]} "
                    f"this engine reads, nor an expression",
                )
            )
            continue
        problems += _check(text, compile_expression, file, owner, "timer expression")
    for script in process.xpath(".//bpmn:scriptTask/bpmn:script", namespaces=NSMAP):
        problems += _check(script.text, compile_script, file, script.getparent(), "script")
    return problems


def _process_property(process: etree._Element, name: str) -> str:
    found = process.xpath(
        "./bpmn:extensionElements/camunda:properties/camunda:property[@name=$name]/@value", namespaces=NSMAP, name=name
    )
    return str(found[0]).strip() if found else ""


def _title_fields(process: etree._Element) -> tuple[str, ...]:
    return tuple(f.strip() for f in _process_property(process, "title_fields").split(",") if f.strip())


def _holder_problems(process: etree._Element, metas: dict[str, TaskMeta], file: str) -> list[Problem]:
    """A user task that names nobody would be offered to no one: not even an administrator
    could take it, and the case would wait for ever. Refused, unless the process names the
    group that holds such tasks (``default_group``)."""
    if _process_property(process, "default_group"):
        return []
    problems = []
    for node in process.xpath(".//bpmn:userTask", namespaces=NSMAP):
        meta = metas.get(node.get("id") or "")
        if meta is None or meta.assignee or meta.candidate_groups or meta.candidate_users or meta.lane:
            continue
        problems.append(
            _problem(
                file,
                node,
                f"user task {meta.name!r} names nobody who may do it (no assignee, candidate users or groups, "
                f"and no lane): nobody could ever hold it; add camunda:candidateGroups, or name the "
                f"process's default group (camunda:property default_group)",
            )
        )
    return problems


def _title_problems(process: etree._Element, file: str) -> list[Problem]:
    """``title_fields`` must name start-form fields that are not confidential: the title goes
    into lists, search, notifications and e-mail."""
    wanted = _title_fields(process)
    if not wanted:
        return []
    metas = read_task_meta(process)
    starts = [m for m in metas.values() if process.xpath(f".//bpmn:startEvent[@id='{m.bpmn_id}']", namespaces=NSMAP)]
    fields = {f.id: f for m in starts for f in m.form.fields}
    problems = []
    for name in wanted:
        f = fields.get(name)
        if f is None:
            problems.append(_problem(file, process, f"title_fields names {name!r}, which is not a start-form field"))
        elif f.confidential:
            problems.append(
                _problem(file, process, f"title_fields names {name!r}, a confidential field: the title is shown to all")
            )
    return problems


def _task_problems(process: etree._Element, file: str) -> list[Problem]:
    metas = read_task_meta(process)
    problems = _holder_problems(process, metas, file)
    for meta in metas.values():
        node = process.xpath(f".//*[@id='{meta.bpmn_id}']")[0]
        entries = [*meta.candidate_groups, *meta.candidate_users, meta.assignee or "", meta.due_date or ""]
        for entry in filter(None, entries):
            if is_expression(entry):
                problems += _check(expression_body(entry), compile_expression, file, node, f"expression {entry!r}")
        problems += [_problem(file, node, message) for message in visibility_problems(meta.form.fields)]
        seen = set()
        for f in meta.form.fields:
            if not f.id.isidentifier():
                problems.append(_problem(file, node, f"form field id {f.id!r} is not an identifier"))
            if f.id in seen:
                problems.append(_problem(file, node, f"form field {f.id!r} declared twice"))
            seen.add(f.id)
            if f.type not in FIELD_TYPES:
                problems.append(
                    _problem(
                        file,
                        node,
                        f"form field {f.id!r} has unsupported type {f.type!r} (use one of {', '.join(FIELD_TYPES)})",
                    )
                )
            problems += [_problem(file, node, message) for message in constraint_problems(f)]
            for name, expression in f.bound_expressions.items():
                if _local(node.tag) == "startEvent":
                    problems.append(
                        _problem(
                            file,
                            node,
                            f"form field {f.id!r}: constraint {name!r} is an expression, which only a user "
                            f"task's form can evaluate (against the case's data); give a number",
                        )
                    )
                else:
                    problems += _check(expression, compile_expression, file, node, f"{name} of form field {f.id!r}")
            if f.type == "enum" and not f.options and not f.options_source:
                problems.append(_problem(file, node, f"enum field {f.id!r} has no values"))
            for source in filter(None, (f.options_source, f.multiple_source)):
                if source not in OPTION_SOURCES:
                    problems.append(
                        _problem(
                            file,
                            node,
                            f"form field {f.id!r} takes its values from {source!r}, "
                            f"which is not one of {', '.join(OPTION_SOURCES)}",
                        )
                    )
            if f.confidential and f.id in TITLE_FIELDS and _local(node.tag) == "startEvent":
                problems.append(
                    _problem(
                        file,
                        node,
                        f"form field {f.id!r} is confidential, but a case takes its "
                        f"title from it, and titles are shown in every list, search "
                        f"and notification: rename the field or drop 'confidential'",
                    )
                )
    return problems


def _start_timers(process: etree._Element) -> list[StartTimer]:
    timers = []
    for start in process.xpath("./bpmn:startEvent", namespaces=NSMAP):
        for expr in start.xpath("./bpmn:timerEventDefinition/*", namespaces=NSMAP):
            timers.append(StartTimer(start.get("id"), _local(expr.tag), (expr.text or "").strip()))
    return timers


def _with_io(specs: dict[str, BpmnProcessSpec], mappings: dict[str, Any]) -> dict[str, BpmnProcessSpec]:
    """The specs with the elements' input/output mappings kept and hooked in."""
    for spec in specs.values():
        io_mappings.store(spec, {k: v for k, v in mappings.items() if v})
    return specs


class _ReceiveTaskParser(CamundaEventDefinitionParser, ReceiveTaskParser):
    """A receive task's message read as Camunda's (SpiffWorkflow's Camunda parser leaves receive
    tasks to the plain BPMN one, whose message the Camunda serializer cannot write)."""

    def create_task(self) -> Any:
        return ReceiveTaskParser.create_task(self)


class _Parser(CamundaParser):
    OVERRIDE_PARSER_CLASSES: ClassVar[dict[str, Any]] = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("receiveTask"): (_ReceiveTaskParser, ReceiveTask),
        full_tag("callActivity"): (CaseCallParser, CaseCall),
        full_tag("serviceTask"): (ServiceTaskParser, ServiceTask),
    }


def parse_bpmn(source: bytes | str, file: str = "<bpmn>", *, check: bool = True) -> list[ParsedProcess]:
    """Validate a BPMN document and return its executable processes, or raise InvalidBpmn
    listing every problem found. ``check=False``: a document that was checked when it was
    deployed, parsed again (a new engine version cannot read its stored spec): today's
    checks must not strand the cases already running on it."""
    root = load_xml(source, file)
    if check:
        problems = duplicate_id_problems(root, file) or xsd_problems(root, file)
        if problems:
            raise InvalidBpmn(problems)
    normalised = normalise(root, file)
    if check:
        problems = normalised.problems + semantic_problems(root, file)
        if problems:
            raise InvalidBpmn(problems)
    parser = _Parser()
    try:
        parser.add_bpmn_xml(root, file)
        result = []
        for process in root.xpath("./bpmn:process[@isExecutable='true']", namespaces=NSMAP):
            key = process.get("id")
            spec = parser.get_spec(key)
            mappings = {
                node.get("id"): io_mappings.read(node)
                for node in process.xpath(".//*[bpmn:extensionElements/camunda:inputOutput]", namespaces=NSMAP)
            }
            starts = process.xpath("./bpmn:startEvent", namespaces=NSMAP)
            result.append(
                ParsedProcess(
                    key=key,
                    name=process.get("name") or key,
                    spec=_with_io({key: spec}, mappings)[key],
                    subprocess_specs=_with_io(parser.get_subprocess_specs(key), mappings),
                    tasks=read_task_meta(process),
                    start_event_id=starts[0].get("id"),
                    start_timers=_start_timers(process),
                    starter_groups=tuple(
                        g.strip()
                        for g in (process.get(f"{{{CAMUNDA_NS}}}candidateStarterGroups") or "").split(",")
                        if g.strip()
                    ),
                    title_fields=_title_fields(process),
                    default_group=_process_property(process, "default_group"),
                    interrupting_starts=frozenset(
                        start.get("id")
                        for start in process.xpath(
                            ".//bpmn:subProcess[@triggeredByEvent='true']/bpmn:startEvent", namespaces=NSMAP
                        )
                        if start.get("isInterrupting", "true") != "false"
                    ),
                    warnings=tuple(normalised.warnings.get(key, ())),
                )
            )
        return result
    except ValidationException as exc:
        raise InvalidBpmn(
            [Problem(str(exc.args[0]) if exc.args else str(exc), file, exc.line_number or None, exc.id or None)]
        ) from None
    except (SpiffWorkflowException, TypeError, KeyError, AttributeError, ValueError) as exc:
        raise InvalidBpmn(
            [Problem(f"the engine cannot read this process: {type(exc).__name__}: {exc}", file)]
        ) from None
