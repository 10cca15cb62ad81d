"""References to a document's messages, signals, errors and escalations, read the way
BPMN and Camunda read them (part of engine.bpmn.normalise, so deploy and every later parse
agree):

* ``messageRef="tns:newBooking"``: the attribute is an XML QName. A prefix bound to the
  document's ``targetNamespace`` names the root element with id ``newBooking`` (the id
  itself has no prefix: an id is an NCName), so the reference is rewritten to the bare id,
  which is what the checks, SpiffWorkflow and the runtime's message names read. A prefix
  bound to another namespace, or to none, names something outside the document: a problem
  naming the element;
* ``errorRef`` naming no ``<error>``: Camunda reads the reference as the error code itself
  (its parser's long-standing fallback); an ``<error>`` with that id and code is added, so
  SpiffWorkflow (which fails on a missing error) throws and catches by that code. A warning.
"""

from __future__ import annotations

from lxml import etree

from ..errors import Problem
from .camunda import BPMN_NS, NSMAP
from .documents import owner_of, process_id_of

# the element (BPMN local name) → its attribute that refers to a root element, and that
# element's kind
_REFERENCES = {
    "messageEventDefinition": ("messageRef", "message"),
    "receiveTask": ("messageRef", "message"),
    "sendTask": ("messageRef", "message"),
    "signalEventDefinition": ("signalRef", "signal"),
    "errorEventDefinition": ("errorRef", "error"),
    "escalationEventDefinition": ("escalationRef", "escalation"),
}


def resolve_qualified_refs(root: etree._Element, file: str) -> list[Problem]:
    """Rewrite the references whose prefix is the document's own namespace to bare ids;
    the problems of those whose prefix is not."""
    target = root.get("targetNamespace")
    problems = []
    for node in root.iter():
        if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN_NS:
            continue
        attribute, kind = _REFERENCES.get(etree.QName(node).localname, ("", ""))
        value = (node.get(attribute) or "") if attribute else ""
        if ":" not in value:
            continue
        prefix, local = value.split(":", 1)
        namespace = node.nsmap.get(prefix)
        if namespace is not None and namespace == target:
            node.set(attribute, local)
            continue
        where = "is not declared" if namespace is None else f"is bound to {namespace!r}"
        owner = owner_of(node)
        problems.append(
            Problem(
                f"{attribute} {value!r}: the prefix {prefix!r} {where}, not to this document's "
                f"targetNamespace {target!r}: the {kind} must be declared in this file",
                file,
                node.sourceline,
                owner.get("id"),
            )
        )
    return problems


def add_errors_named_by_ref(root: etree._Element, file: str, warn: dict[str, list[Problem]]) -> None:
    declared = {e.get("id") for e in root.xpath("./bpmn:error", namespaces=NSMAP)}
    for definition in root.xpath(".//bpmn:errorEventDefinition[@errorRef]", namespaces=NSMAP):
        ref = definition.get("errorRef") or ""
        if not ref or ":" in ref or ref in declared:
            continue
        declared.add(ref)
        root.append(etree.Element(f"{{{BPMN_NS}}}error", id=ref, name=ref, errorCode=ref))
        owner = owner_of(definition)
        warn.setdefault(process_id_of(definition), []).append(
            Problem(
                f"errorRef {ref!r} names no <error>: read as the error code {ref!r} (as Camunda reads it)",
                file,
                definition.sourceline,
                owner.get("id"),
            )
        )
