"""What other modelers write, read the way the engine runs it.

Run on a parsed document before the semantic checks and before SpiffWorkflow reads it, at
deploy and whenever a stored version is parsed again (so both give the same process):

* a whole ``#{…}`` is read as ``${…}``, as Camunda evaluates both;
* ``activiti:`` attributes and elements (the legacy namespace Camunda 7 also reads) become
  ``camunda:`` ones, so every check and every reading of ``camunda:`` applies to them; each
  such element remembers which of its names were ``activiti:``, for the messages;
* a sequence flow without an id gets a stable one, from its source, its target and, when
  that is taken, its position among the flows without ids (a warning, not a refusal); so does
  an activity, event or gateway (from its kind and line: nothing can refer to it);
* an element id SpiffWorkflow keeps for itself is renamed, and a path without an end event
  gets one (engine.bpmn.flow_repair; warnings);
* a send task, business rule task or message throw event Camunda would hand to an external
  worker becomes an external service task (engine.bpmn.external_elements; a warning), a mail
  task (``camunda:type="mail"``) a service task with its fields read (engine.bpmn.mail_tasks),
  and link events become the sequence flow they stand for (engine.bpmn.link_events);
* an unquoted ISO 8601 literal in a timer (``PT5M``, ``P3D``, ``R3/PT10M``,
  ``2027-01-01T09:00:00+08:00``) is quoted, when SpiffWorkflow's own ISO reader reads it as
  that kind of timer; any other text stays an expression;
* ``${…}`` (the JUEL subset of :mod:`engine.bpmn.juel`) in a condition, a timer,
  ``loopCardinality``, ``camunda:collection``, an assignee, candidate users or groups, a due
  date or a ``potentialOwner`` is replaced by its Python translation (a ``humanPerformer``
  becomes the task's assignee first). An entry of a user task
  (assignee, candidates, due date) that is not JUEL but compiles as Python stays Python, as
  such entries always were; a method call there is refused;
* a service task's ``camunda:expression`` and listeners written as expressions or Python
  scripts are translated for the runtime (engine.bpmn.actions).

What cannot be read is returned as problems; the caller refuses the file with them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from ..errors import Problem, ScriptError
from . import signal_payloads
from .actions import translate_actions
from .camunda import (
    BPMN_NS,
    CAMUNDA_NS,
    NSMAP,
    PYTHON_FORMATS,
    expression_body,
    is_expression,
    potential_owners,
    split_entries,
)
from .compensation import separate_handlers
from .cron_timers import cron_literal
from .documents import owner_of
from .external_elements import externals_as_service_tasks
from .flow_repair import add_implicit_ends, add_implicit_splits, fresh_id, ids_in, rename_reserved_ids
from .juel import Unsupported, translate, translate_entry, translate_template
from .link_events import link_events
from .mail_tasks import mail_tasks_as_service_tasks
from .references import add_errors_named_by_ref, resolve_qualified_refs
from .sandbox import compile_expression

ACTIVITI_NS = "http://activiti.org/bpmn"
# on an element that had ``activiti:`` names: which (its own tag as ".", else attribute names)
ORIGIN = "{urn:congressflow:normalise}activiti"
ENTRY_ATTRIBUTES = ("assignee", "candidateGroups", "candidateUsers", "dueDate")


@dataclass
class Normalised:
    problems: list[Problem] = field(default_factory=list)
    # by process id: what was read in a way the designer should know (generated flow ids)
    warnings: dict[str, list[Problem]] = field(default_factory=dict)


def _problem(file: str, node: etree._Element, message: str) -> Problem:
    """At ``node``'s line, named by the element it belongs to."""
    return Problem(message, file, node.sourceline, owner_of(node).get("id"))


def prefix_of(node: etree._Element, name: str) -> str:
    """``activiti`` when ``name`` (an attribute's local name, or "." for the element itself)
    came from the activiti namespace, else ``camunda``."""
    return "activiti" if name in (node.get(ORIGIN) or "").split() else "camunda"


def _rename_activiti(root: etree._Element) -> None:
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        renamed = []
        qname = etree.QName(node)
        if qname.namespace == ACTIVITI_NS:
            node.tag = f"{{{CAMUNDA_NS}}}{qname.localname}"
            renamed.append(".")
        for attribute in list(node.attrib):
            name = etree.QName(attribute)
            if name.namespace == ACTIVITI_NS:
                value = node.attrib.pop(attribute)
                node.set(f"{{{CAMUNDA_NS}}}{name.localname}", value)
                renamed.append(name.localname)
        if renamed:
            node.set(ORIGIN, " ".join(renamed))


_NOT_EXPRESSIONS = {"script", "documentation", "text"}  # free text and Python, never an expression


def _deferred_as_immediate(root: etree._Element) -> None:
    """A whole ``#{…}`` (JUEL's deferred form) is evaluated by Camunda exactly as ``${…}``
    (deferral only means something to JSF): read it as that."""

    def immediate(text: str) -> str | None:
        stripped = text.strip()
        if stripped.startswith("#{") and stripped.endswith("}") and stripped.count("{") == 1 and "${" not in stripped:
            return "$" + stripped[1:]
        return None

    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        if node.text and etree.QName(node).localname not in _NOT_EXPRESSIONS:
            node.text = immediate(node.text) or node.text
        for attribute, value in node.attrib.items():
            rewritten = immediate(value)
            if rewritten is not None:
                node.set(attribute, rewritten)


def _flow_ids(root: etree._Element, file: str, result: Normalised) -> None:
    taken = ids_in(root)
    for process in root.xpath("./bpmn:process", namespaces=NSMAP):
        position = 0
        for flow in process.xpath(".//bpmn:sequenceFlow", namespaces=NSMAP):
            if flow.get("id"):
                continue
            position += 1
            source, target = flow.get("sourceRef") or "", flow.get("targetRef") or ""
            new = f"Flow_{source}_to_{target}"
            if new in taken:
                new = f"{new}_{position}"
            while new in taken:
                new += "_"
            taken.add(new)
            flow.set("id", new)
            result.warnings.setdefault(process.get("id") or "", []).append(
                Problem(
                    f"sequence flow from {source!r} to {target!r} has no id: given the id {new!r}",
                    file,
                    flow.sourceline,
                    new,
                )
            )


# flow nodes SpiffWorkflow names by their id (an event subprocess without one is run as the
# subprocess 'None', which it then cannot find); nothing can refer to one that has none
_NAMED_NODES = frozenset(
    {
        "subProcess",
        "transaction",
        "task",
        "userTask",
        "manualTask",
        "scriptTask",
        "serviceTask",
        "sendTask",
        "receiveTask",
        "businessRuleTask",
        "callActivity",
        "startEvent",
        "endEvent",
        "intermediateCatchEvent",
        "intermediateThrowEvent",
        "boundaryEvent",
        "exclusiveGateway",
        "parallelGateway",
        "inclusiveGateway",
        "eventBasedGateway",
    }
)


def _node_ids(root: etree._Element, file: str, result: Normalised) -> None:
    taken = ids_in(root)
    for process in root.xpath("./bpmn:process", namespaces=NSMAP):
        for node in process.iter():
            if not isinstance(node.tag, str) or node.get("id") or etree.QName(node).namespace != BPMN_NS:
                continue
            kind = etree.QName(node).localname
            if kind not in _NAMED_NODES:
                continue
            new = fresh_id(f"{kind}_{node.sourceline or 0}", taken)
            node.set("id", new)
            result.warnings.setdefault(process.get("id") or "", []).append(
                Problem(f"{kind} without an id: given the id {new!r}", file, node.sourceline, new)
            )


def iso_literal(kind: str, text: str) -> bool:
    """Whether ``text`` is an ISO 8601 literal SpiffWorkflow reads for a ``kind`` timer
    (timeDate, timeDuration, timeCycle)."""
    if not text or not (text[0] in "PR" or text[0].isdigit()) or any(c.isspace() for c in text):
        return False
    try:
        if kind == "timeDuration" and text.startswith("P"):
            TimerEventDefinition.parse_iso_duration(text)
            return True
        if kind == "timeDate":
            TimerEventDefinition.get_datetime(text)
            return True
        if kind == "timeCycle" and text.startswith("R"):
            TimerEventDefinition.parse_iso_recurring_interval(text)
            return True
    except Exception:  # SpiffWorkflow's readers raise bare Exceptions
        return False
    return False


def _expressions(root: etree._Element, file: str, result: Normalised) -> None:
    def refuse(node: etree._Element, what: str, text: str, why: str) -> None:
        result.problems.append(_problem(file, node, f"{what} {text.strip()!r}: {why}"))

    def juel_text(node: etree._Element, what: str) -> None:
        """An element whose text is a whole expression: ``${…}`` translated in place."""
        text = node.text or ""
        if "#{" in text and not text.strip().startswith("${"):
            refuse(node, what, text, "a deferred expression (#{…}) is not supported; write ${…}")
        elif "${" in text:
            try:
                node.text = translate_entry(text)
            except Unsupported as exc:
                refuse(node, what, text, f"not in the supported JUEL subset: {exc}")

    for cond in root.xpath(".//bpmn:conditionExpression | .//bpmn:completionCondition", namespaces=NSMAP):
        language = (cond.get("language") or "").strip()
        if language and language.lower() not in PYTHON_FORMATS | {"juel", "${}"}:
            refuse(cond.getparent(), "condition", cond.text or "", f"language {language!r} is not run by this engine")
            continue
        juel_text(cond, "condition")
    for cond in root.xpath(".//bpmn:conditionalEventDefinition/bpmn:condition", namespaces=NSMAP):
        juel_text(cond, "condition")
    for card in root.xpath(".//bpmn:loopCardinality", namespaces=NSMAP):
        juel_text(card, "loopCardinality")
    for timer in root.xpath(".//bpmn:timeDate | .//bpmn:timeDuration | .//bpmn:timeCycle", namespaces=NSMAP):
        text = (timer.text or "").strip()
        kind = etree.QName(timer).localname
        if iso_literal(kind, text) or (kind == "timeCycle" and cron_literal(text)):
            timer.text = repr(text)
        else:
            juel_text(timer, f"timer {kind}")
    for loop in root.xpath(".//bpmn:multiInstanceLoopCharacteristics[@camunda:collection]", namespaces=NSMAP):
        attribute = f"{{{CAMUNDA_NS}}}collection"
        text = loop.get(attribute) or ""
        name = f"{prefix_of(loop, 'collection')}:collection"
        if "${" not in text and "#{" not in text:
            continue
        try:
            python = translate_entry(text)
        except Unsupported as exc:
            refuse(loop, name, text, f"not in the supported JUEL subset: {exc}")
            continue
        if not python.isidentifier():
            refuse(loop, name, text, "the collection must be a variable of the case (${name}), not a computed value")
            continue
        loop.set(attribute, python)
    for mapping in root.xpath(
        ".//bpmn:callActivity/bpmn:extensionElements/camunda:*[@sourceExpression]"
        f" | .//{signal_payloads.MAPPINGS}[@sourceExpression]",
        namespaces=NSMAP,
    ):
        text = mapping.get("sourceExpression") or ""
        try:
            mapping.set("sourceExpression", translate_template(text))
        except Unsupported as exc:
            refuse(
                mapping.getparent().getparent(), "sourceExpression", text, f"not in the supported JUEL subset: {exc}"
            )
    for owner in root.xpath(
        ".//bpmn:potentialOwner/bpmn:resourceAssignmentExpression/bpmn:formalExpression", namespaces=NSMAP
    ):
        users, groups = potential_owners(owner.text or "")
        rewritten_users: list[str] = []
        rewritten_groups: list[str] = []
        for entries, rewritten in ((users, rewritten_users), (groups, rewritten_groups)):
            for entry in entries:
                python, why = entry_python(entry)
                if why:
                    refuse(owner, "potentialOwner", entry, why)
                rewritten.append(python)
        owner.text = ", ".join([*(f"user({u})" for u in rewritten_users), *(f"group({g})" for g in rewritten_groups)])
    for performer in root.xpath(".//bpmn:userTask/bpmn:humanPerformer", namespaces=NSMAP):
        # BPMN's humanPerformer is the task's assignee (as Camunda reads it); the attribute wins
        task = performer.getparent()
        text = "".join(
            performer.xpath("./bpmn:resourceAssignmentExpression/bpmn:formalExpression/text()", namespaces=NSMAP)
        ).strip()
        if text and task.get(f"{{{CAMUNDA_NS}}}assignee") is None:
            task.set(f"{{{CAMUNDA_NS}}}assignee", text)
        task.remove(performer)
    for node in root.xpath(".//bpmn:userTask", namespaces=NSMAP):
        for local in ENTRY_ATTRIBUTES:
            attribute = f"{{{CAMUNDA_NS}}}{local}"
            value = node.get(attribute)
            if value is None or ("${" not in value and "#{" not in value):
                continue
            entries = split_entries(value) if local.startswith("candidate") else (value.strip(),)
            rewritten = []
            for entry in entries:
                python, why = entry_python(entry)
                if why:
                    refuse(node, f"{prefix_of(node, local)}:{local}", entry, why)
                rewritten.append(python)
            node.set(attribute, ",".join(rewritten))


def entry_python(entry: str) -> tuple[str, str]:
    """An assignee, candidate or due date entry as the runtime reads it (``${python}`` or
    the plain text), and why it is refused ("" when it is not)."""
    if "#{" in entry:
        return entry, "a deferred expression (#{…}) is not supported; write ${…}"
    if "${" not in entry:
        return entry, ""
    if entry.startswith("${") and "}" not in entry:
        return entry, "the ${ is never closed with }"
    if not is_expression(entry) or entry.count("${") != 1:
        try:  # text around or between expressions: the text with their values (``kermit_${i}``)
            return "${" + translate_template(entry) + "}", ""
        except Unsupported as exc:
            return entry, f"not in the supported JUEL subset: {exc}"
    try:
        return "${" + translate(expression_body(entry)) + "}", ""
    except Unsupported as exc:
        juel_refusal = str(exc)
    if not juel_refusal.startswith("method call"):
        try:  # the product's own entries have always been Python: they stay so
            compile_expression(expression_body(entry))
        except ScriptError:
            pass
        else:
            method = _method_call(expression_body(entry))
            if method is None:
                return entry, ""
            juel_refusal = f"method call {method}()"
    return entry, f"not in the supported JUEL subset: {juel_refusal}"


def _method_call(source: str) -> str | None:
    """The first method called in a Python expression (``dateTime().plusDays(2)``: plusDays),
    or None: the Python a ``${…}`` entry may be calls the date helpers by name, never a method
    of a value (what Camunda's Java-style due dates do)."""
    calls = [
        node.func
        for node in ast.walk(ast.parse(source, mode="eval"))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]
    return min(calls, key=lambda f: (f.end_lineno or 0, f.end_col_offset or 0)).attr if calls else None


def _script_formats(root: etree._Element, file: str, result: Normalised) -> None:
    for task in root.xpath(".//bpmn:scriptTask", namespaces=NSMAP):
        script_format = (task.get("scriptFormat") or "").strip()
        if script_format and script_format.lower() not in PYTHON_FORMATS:
            result.problems.append(
                _problem(
                    file,
                    task,
                    f"scriptFormat {script_format!r} is not run by this engine: scripts are Python "
                    f"(scriptFormat absent or 'python')",
                )
            )
        if not task.xpath("./bpmn:script", namespaces=NSMAP):
            resource = task.get(f"{{{CAMUNDA_NS}}}resource")
            why = f"its script is an external resource ({resource!r})" if resource else "it has no script"
            result.problems.append(_problem(file, task, f"script task: {why}; write the Python in <script>"))


def normalise(root: etree._Element, file: str) -> Normalised:
    """Rewrite ``root`` in place (see the module's doc); what cannot be read and what was
    read with a warning."""
    result = Normalised()
    _rename_activiti(root)
    _deferred_as_immediate(root)
    _flow_ids(root, file, result)
    _node_ids(root, file, result)
    rename_reserved_ids(root, file, result.warnings)
    externals_as_service_tasks(root, file, result.warnings)
    result.problems += separate_handlers(root, file, result.warnings)
    result.problems += mail_tasks_as_service_tasks(root, file, result.warnings)
    result.problems += link_events(root, file)
    add_implicit_ends(root, file, result.warnings)
    add_implicit_splits(root, file, result.warnings)
    result.problems += resolve_qualified_refs(root, file)
    add_errors_named_by_ref(root, file, result.warnings)
    _script_formats(root, file, result)
    result.problems += translate_actions(root, file)
    _expressions(root, file, result)
    return result
