"""What BPMN allows and SpiffWorkflow cannot run as written, made explicit before it reads
a process (part of engine.bpmn.normalise, so deploy and every later parse agree):

* an element whose id is ``Start`` or ``End``: SpiffWorkflow names its own hidden first and
  last task so, and the element would replace one of them (the case fails at its start with
  "No output task connected"). It is renamed ``Start_``/``End_`` (more underscores while
  taken) everywhere the file refers to it;
* an activity, gateway or event with no outgoing sequence flow ends its path (BPMN's implicit
  end); SpiffWorkflow waits there for ever, and refuses a subprocess without an end event.
  Each gets a plain end event after it;
* several sequence flows leaving an activity or an intermediate or boundary event: BPMN
  takes each of them (uncontrolled flow: a parallel split), and those with a condition only
  when it holds (an inclusive split); SpiffWorkflow refuses them there. A parallel gateway
  (an inclusive one when a flow has a condition) is put after the element, and the flows
  leave from it; a flow without a condition beside conditioned ones gets the condition
  ``True``, and the element's ``default`` flow becomes the gateway's.

All are warnings, not refusals.
"""

from __future__ import annotations

from lxml import etree

from ..errors import Problem
from .camunda import BPMN_NS, NSMAP
from .documents import process_id_of

RESERVED_IDS = ("Start", "End")
# references to an element by its id: attributes, and elements whose text is an id
_REFERRING_ATTRIBUTES = ("sourceRef", "targetRef", "attachedToRef", "default", "bpmnElement", "activityRef")
_REFERRING_TEXTS = ("flowNodeRef", "incoming", "outgoing", "sourceRef", "targetRef")
# what ends its path when no flow leaves it (an end event ends it anyway; a start event with
# nothing after it is an empty process, refused on its own; a compensation handler has no flow)
_FLOW_NODES = (
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "businessRuleTask",
    "receiveTask",
    "callActivity",
    "subProcess",
    "transaction",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
)


def _local(node: etree._Element) -> str:
    return str(etree.QName(node).localname)


def rename_reserved_ids(root: etree._Element, file: str, warn: dict[str, list[Problem]]) -> None:
    taken = ids_in(root)
    for reserved in RESERVED_IDS:
        nodes = [n for n in root.iter() if isinstance(n.tag, str) and n.get("id") == reserved]
        if not nodes:
            continue
        new = reserved + "_"
        while new in taken:
            new += "_"
        taken.add(new)
        for node in nodes:
            node.set("id", new)
        for node in root.iter():
            if not isinstance(node.tag, str):
                continue
            for attribute in _REFERRING_ATTRIBUTES:
                if node.get(attribute) == reserved:
                    node.set(attribute, new)
            if _local(node) in _REFERRING_TEXTS and (node.text or "").strip() == reserved:
                node.text = new
        process = nodes[0].xpath("ancestor::bpmn:process[1]", namespaces=NSMAP)
        warn.setdefault(process[0].get("id") if process else "", []).append(
            Problem(
                f"element id {reserved!r} is the engine's own name for a process's first or last step: read as {new!r}",
                file,
                nodes[0].sourceline,
                new,
            )
        )


def add_implicit_ends(root: etree._Element, file: str, warn: dict[str, list[Problem]]) -> None:
    taken = ids_in(root)
    containers = root.xpath(".//bpmn:process | .//bpmn:subProcess | .//bpmn:transaction", namespaces=NSMAP)
    for container in containers:
        flows = container.xpath("./bpmn:sequenceFlow", namespaces=NSMAP)
        leaving = {f.get("sourceRef") for f in flows}
        for node in list(container):
            if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN_NS:
                continue
            if _local(node) not in _FLOW_NODES or not node.get("id") or node.get("id") in leaving:
                continue
            if _local(node) == "boundaryEvent" and node.xpath("./bpmn:compensateEventDefinition", namespaces=NSMAP):
                continue  # a compensation handler is associated, not connected
            if node.get("isForCompensation") == "true":
                continue
            source = node.get("id") or ""
            end_id = end_after(node, taken)
            warn.setdefault(process_id_of(container), []).append(
                Problem(
                    f"no sequence flow leaves {source!r}: its path ends there (an end event {end_id!r} was added)",
                    file,
                    node.sourceline,
                    source,
                )
            )


def end_after(node: etree._Element, taken: set[str | None]) -> str:
    """Add a plain end event after ``node`` (in its container, joined by a new flow); its id."""
    container = node.getparent()
    assert container is not None  # a flow node is inside a process or a subprocess
    source = node.get("id") or ""
    end_id = fresh_id(f"{source}_end", taken)
    flow_id = fresh_id(f"Flow_{source}_to_{end_id}", taken)
    etree.SubElement(container, f"{{{BPMN_NS}}}endEvent", id=end_id)
    etree.SubElement(container, f"{{{BPMN_NS}}}sequenceFlow", id=flow_id, sourceRef=source, targetRef=end_id)
    return end_id


def ids_in(root: etree._Element) -> set[str | None]:
    return {n.get("id") for n in root.iter() if isinstance(n.tag, str) and n.get("id")}


def fresh_id(name: str, taken: set[str | None]) -> str:
    """``name``, or with underscores added until no element has it; then taken."""
    while name in taken:
        name += "_"
    taken.add(name)
    return name


# What SpiffWorkflow reads with several outgoing flows itself: gateways and start events.
_SPLITS_ITSELF = ("exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway")


def add_implicit_splits(root: etree._Element, file: str, warn: dict[str, list[Problem]]) -> None:
    taken = ids_in(root)
    containers = root.xpath(".//bpmn:process | .//bpmn:subProcess | .//bpmn:transaction", namespaces=NSMAP)
    for container in containers:
        by_source: dict[str, list[etree._Element]] = {}
        for flow in container.xpath("./bpmn:sequenceFlow", namespaces=NSMAP):
            by_source.setdefault(flow.get("sourceRef") or "", []).append(flow)
        for node in list(container):
            if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN_NS:
                continue
            source = node.get("id") or ""
            outgoing = by_source.get(source, [])
            if len(outgoing) < 2 or _local(node) not in _FLOW_NODES or _local(node) in _SPLITS_ITSELF:
                continue
            conditioned = [f for f in outgoing if f.xpath("./bpmn:conditionExpression", namespaces=NSMAP)]
            kind = "inclusiveGateway" if conditioned else "parallelGateway"
            gateway_id = fresh_id(f"{source}_split", taken)
            gateway = etree.SubElement(container, f"{{{BPMN_NS}}}{kind}", id=gateway_id)
            default = node.attrib.pop("default", None)
            if conditioned and default in {f.get("id") for f in outgoing}:
                gateway.set("default", default or "")
            for flow in outgoing:
                flow.set("sourceRef", gateway_id)
                if conditioned and flow not in conditioned and flow.get("id") != default:
                    condition = etree.SubElement(flow, f"{{{BPMN_NS}}}conditionExpression")
                    condition.text = "True"  # uncontrolled flow: always taken
            flow_id = fresh_id(f"Flow_{source}_to_{gateway_id}", taken)
            etree.SubElement(
                container, f"{{{BPMN_NS}}}sequenceFlow", id=flow_id, sourceRef=source, targetRef=gateway_id
            )
            how = "those whose condition holds are taken (an inclusive" if conditioned else "all are taken (a parallel"
            warn.setdefault(process_id_of(container), []).append(
                Problem(
                    f"{len(outgoing)} sequence flows leave {source!r}: {how} gateway {gateway_id!r} was added)",
                    file,
                    node.sourceline,
                    source,
                )
            )
