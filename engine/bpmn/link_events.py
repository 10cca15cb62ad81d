"""Link events, read as the sequence flow they draw (part of engine.bpmn.normalise).

A link throw event and the link catch event of the same name in the same process or
subprocess are two ends of one sequence flow, cut so a long diagram stays readable (BPMN
2.0, 10.5.6). SpiffWorkflow does not run link definitions, so the flow is put back: a flow
from each throw event to its catch event, and both become plain intermediate events (the
ids stay, so the diagram and the case's history still name them). A throw with no catch of
its name, or a name caught twice in one scope, is refused by element.
"""

from __future__ import annotations

from lxml import etree

from ..errors import Problem
from .camunda import BPMN_NS, NSMAP
from .documents import problem_at
from .flow_repair import fresh_id, ids_in

_SCOPES = ".//bpmn:process | .//bpmn:subProcess | .//bpmn:transaction"


def _link_name(event: etree._Element) -> str:
    definition = event.find(f"{{{BPMN_NS}}}linkEventDefinition")
    return ((definition.get("name") if definition is not None else "") or "").strip()


def _plain(event: etree._Element) -> None:
    """The event without its link definition: an intermediate event that passes through."""
    for definition in event.findall(f"{{{BPMN_NS}}}linkEventDefinition"):
        event.remove(definition)
    event.tag = f"{{{BPMN_NS}}}intermediateThrowEvent"


def link_events(root: etree._Element, file: str) -> list[Problem]:
    problems: list[Problem] = []
    taken = ids_in(root)
    for scope in root.xpath(_SCOPES, namespaces=NSMAP):
        throws = scope.xpath("./bpmn:intermediateThrowEvent[bpmn:linkEventDefinition]", namespaces=NSMAP)
        catches = scope.xpath("./bpmn:intermediateCatchEvent[bpmn:linkEventDefinition]", namespaces=NSMAP)
        by_name: dict[str, list[etree._Element]] = {}
        for catch in catches:
            by_name.setdefault(_link_name(catch), []).append(catch)
        for name, events in by_name.items():
            if len(events) > 1:
                ids = ", ".join(repr(e.get("id")) for e in events)
                problems.append(
                    problem_at(file, events[1], f"link {name!r} is caught by several events ({ids}): one per name")
                )
        for throw in throws:
            name = _link_name(throw)
            targets = by_name.get(name, [])
            if not name or not targets:
                problems.append(
                    problem_at(
                        file,
                        throw,
                        f"link {name!r} thrown here is caught by no link catch event of that name "
                        "in the same process or subprocess",
                    )
                )
                continue
            source, target = throw.get("id") or "", targets[0].get("id") or ""
            flow_id = fresh_id(f"Flow_{source}_to_{target}", taken)
            etree.SubElement(scope, f"{{{BPMN_NS}}}sequenceFlow", id=flow_id, sourceRef=source, targetRef=target)
        for event in (*throws, *catches):
            _plain(event)
    return problems
