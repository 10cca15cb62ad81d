"""Which BPMN elements and Camunda features the engine runs: the elements a process is made
of, and the Camunda 7 attributes and elements it does not run (Java classes, listeners,
connectors), refused by name at deploy."""

from __future__ import annotations

from lxml import etree

from ..errors import Problem
from .camunda import CAMUNDA_NS
from .documents import local_name, owner_of, problem_at
from .normalise import prefix_of

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
    "loopDataOutputRef",  # a multi-instance's output collection (engine.bpmn.output_collections)
    "outputDataItem",
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
    "linkEventDefinition",  # read as the flow it stands for (engine.bpmn.link_events)
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
# listeners written as an expression or a Python script were translated (engine.bpmn.actions);
# what is left names Java
_LISTENER_ADVICE = (
    "a listener naming a Java class or delegate expression is not run; write it as an expression "
    "(${…}) or a Python camunda:script"
)
# camunda:type / topic left on another element (those Camunda hands to a worker became
# service tasks: engine.bpmn.external_elements), or a camunda:type other than "external"
_EXTERNAL_ADVICE = (
    "an external task is a service task, send task, business rule task or message throw event "
    'with camunda:type="external"'
)


def camunda_problems(node: etree._Element, file: str) -> list[Problem]:
    """``activiti:`` names were made ``camunda:`` ones (engine.bpmn.normalise): the same
    checks, the message naming the prefix the file wrote."""
    problems: list[Problem] = []
    if _checked_elsewhere(node):
        return problems
    if etree.QName(node).namespace == CAMUNDA_NS and local_name(node.tag) in UNSUPPORTED_CAMUNDA_ELEMENTS:
        what = UNSUPPORTED_CAMUNDA_ELEMENTS[local_name(node.tag)]
        prefix = prefix_of(node, ".")
        advice = _LISTENER_ADVICE if local_name(node.tag).endswith("Listener") else _ADVICE
        problems.append(problem_at(file, owner_of(node), f"{prefix}:{local_name(node.tag)} ({what}): {advice}"))
    for attribute in node.attrib:
        name = etree.QName(attribute)
        if name.namespace == CAMUNDA_NS and name.localname in UNSUPPORTED_CAMUNDA_ATTRIBUTES:
            what = UNSUPPORTED_CAMUNDA_ATTRIBUTES[name.localname]
            prefix = prefix_of(node, name.localname)
            advice = _EXTERNAL_ADVICE if what == "external tasks" else _ADVICE
            problems.append(problem_at(file, owner_of(node), f"{prefix}:{name.localname} ({what}): {advice}"))
    return problems


def _checked_elsewhere(node: etree._Element) -> bool:
    """A call activity's variable mappings, what a thrown signal carries and an external
    service task's attributes: what engine.bpmn.waiting_checks reads (the same names elsewhere
    are still refused here)."""
    parent = node.getparent()
    if local_name(node.tag) in ("in", "out") and parent is not None and parent.getparent() is not None:
        holder = parent.getparent()
        if local_name(holder.tag) == "signalEventDefinition":  # what a thrown signal carries (camunda:in)
            owner = holder.getparent()
            throws = owner is not None and local_name(owner.tag) in ("intermediateThrowEvent", "endEvent")
            return throws and local_name(node.tag) == "in"
        return local_name(holder.tag) == "callActivity"
    return local_name(node.tag) == "serviceTask" and not any(
        node.get(f"{{{CAMUNDA_NS}}}{name}") for name in ("class", "delegateExpression", "expression")
    )
