"""What changed between two BPMN documents, element by element: added, removed, changed, and
for a changed element which attributes, form fields and expressions differ.

Read from the parsed XML (not from the engine's specs) so the diff names what the designer
wrote: the same attribute names the properties panel shows, the expressions as typed. The
diagram (BPMNDiagram) is left out: moving a shape changes nothing that runs. ``activiti:``
attributes read as ``camunda:`` ones, as deploy reads them."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .camunda import BPMN_NS, CAMUNDA_NS
from .documents import load_xml
from .elements import RUNNABLE_ELEMENTS

ACTIVITI_NS = "http://activiti.org/bpmn"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"  # xsi:type="tFormalExpression" says nothing

# The elements a diff lists: what a process runs and the process itself. Their children
# (timers, scripts, conditions, form fields) are what makes an element changed.
ELEMENTS = RUNNABLE_ELEMENTS | {"lane"}
# incoming/outgoing repeat what the sequence flows say; a lane's flowNodeRefs are listed as
# one attribute instead of one line each
SKIPPED_CHILDREN = frozenset({"incoming", "outgoing", "flowNodeRef", "laneSet"})
EXPRESSIONS = frozenset(
    {
        "conditionExpression",
        "script",
        "timeDate",
        "timeCycle",
        "timeDuration",
        "loopCardinality",
        "completionCondition",
    }
)


@dataclass(frozen=True)
class Change:
    """One attribute, expression or form field property: ``what`` is its name (for a form
    field ``field.property``); ``old`` / ``new`` are None when it was added / removed."""

    what: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class ElementDiff:
    bpmn_id: str
    type: str  # the BPMN element's name: userTask, sequenceFlow...
    name: str  # the new name, or the old one for a removed element
    status: str  # added | removed | changed
    old_name: str = ""  # for a changed element whose name changed
    attributes: tuple[Change, ...] = ()
    form_fields: tuple[Change, ...] = ()
    expressions: tuple[Change, ...] = ()


@dataclass(frozen=True)
class _Element:
    type: str
    name: str
    attributes: dict[str, str] = field(default_factory=dict)
    form_fields: dict[str, str] = field(default_factory=dict)
    expressions: dict[str, str] = field(default_factory=dict)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _attr_name(qname: str) -> str:
    q = etree.QName(qname)
    if q.namespace in (CAMUNDA_NS, ACTIVITI_NS):
        return f"camunda:{q.localname}"
    if q.namespace and q.namespace != BPMN_NS:
        return f"{{{q.namespace}}}{q.localname}"
    return str(q.localname)


# attributes whose absence means their default: a modeler writes or drops them at will
# (bpmn-js drops cancelActivity="true"), which is no change of the process
_DEFAULTS = {
    "cancelActivity": "true",
    "isInterrupting": "true",
    "isExecutable": "false",
    "isSequential": "false",
    "isForCompensation": "false",
    "triggeredByEvent": "false",
    "camunda:calledElementBinding": "latest",
}


def _attrs(node: etree._Element) -> dict[str, str]:
    found = {
        _attr_name(k): v
        for k, v in node.attrib.items()
        if isinstance(k, str) and _local(k) != "id" and etree.QName(k).namespace != XSI_NS
    }
    return {k: v for k, v in found.items() if _DEFAULTS.get(k) != v}


def _text(node: etree._Element) -> str:
    return " ".join((node.text or "").split())


def _form_field(node: etree._Element, into: dict[str, str]) -> None:
    """One form field as ``id.property`` entries: its attributes, each constraint, each
    value of a choice and each property."""
    fid = node.get("id") or "?"
    for name, value in _attrs(node).items():
        into[f"{fid}.{name}"] = value
    for child in node.iter():
        kind = _local(child.tag)
        if kind == "constraint":
            into[f"{fid}.constraint:{child.get('name')}"] = child.get("config") or "✓"
        elif kind == "value":
            into[f"{fid}.value:{child.get('id')}"] = child.get("name") or ""
        elif kind == "property":
            into[f"{fid}.property:{child.get('id') or child.get('name')}"] = child.get("value") or ""
    into[fid] = "✓"  # the field itself, so an added or removed field shows as one line


def _walk(node: etree._Element, path: str, element: _Element) -> None:
    """Everything below an element that is not an element of its own."""
    for child in node:
        kind = _local(child.tag)
        if not kind or kind in SKIPPED_CHILDREN or kind in ELEMENTS:
            continue
        if kind == "formField":
            _form_field(child, element.form_fields)
            continue
        here = f"{path}/{kind}" if path else kind
        text = _text(child)
        if kind in EXPRESSIONS:
            element.expressions[here] = text
        elif text:
            element.attributes[here] = text
        for name, value in _attrs(child).items():
            element.attributes[f"{here}@{name}"] = value
        _walk(child, here, element)


def _elements(root: etree._Element) -> dict[str, _Element]:
    found: dict[str, _Element] = {}
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        for node in process.iter():
            kind = _local(node.tag)
            if kind not in ELEMENTS or not node.get("id"):
                continue
            attributes = {k: v for k, v in _attrs(node).items() if k != "name"}
            if kind == "lane":
                refs = node.xpath("./bpmn:flowNodeRef/text()", namespaces={"bpmn": BPMN_NS})
                attributes["flowNodeRef"] = ", ".join(sorted(r.strip() for r in refs))
            element = _Element(kind, node.get("name") or "", attributes)
            _walk(node, "", element)
            found[node.get("id")] = element
    return found


def _changes(old: dict[str, str], new: dict[str, str]) -> tuple[Change, ...]:
    return tuple(
        Change(key, old.get(key), new.get(key))
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    )


def diff_documents(
    old_xml: str, new_xml: str, old_file: str = "old.bpmn", new_file: str = "new.bpmn"
) -> list[ElementDiff]:
    """Every element added, removed or changed from ``old_xml`` to ``new_xml``, in the
    new document's order, the removed ones last. InvalidBpmn names the file that is not
    BPMN."""
    before = _elements(load_xml(old_xml, old_file))
    after = _elements(load_xml(new_xml, new_file))
    result: list[ElementDiff] = []
    for bpmn_id, now in after.items():
        was = before.get(bpmn_id)
        if was is None:
            result.append(
                ElementDiff(
                    bpmn_id,
                    now.type,
                    now.name,
                    "added",
                    attributes=_changes({}, now.attributes),
                    form_fields=_changes({}, now.form_fields),
                    expressions=_changes({}, now.expressions),
                )
            )
            continue
        attributes = _changes(was.attributes, now.attributes)
        if was.type != now.type:
            attributes = (Change("type", was.type, now.type), *attributes)
        form_fields = _changes(was.form_fields, now.form_fields)
        expressions = _changes(was.expressions, now.expressions)
        if was.name != now.name or attributes or form_fields or expressions:
            result.append(
                ElementDiff(
                    bpmn_id,
                    now.type,
                    now.name,
                    "changed",
                    old_name=was.name if was.name != now.name else "",
                    attributes=attributes,
                    form_fields=form_fields,
                    expressions=expressions,
                )
            )
    for bpmn_id, was in before.items():
        if bpmn_id not in after:
            result.append(ElementDiff(bpmn_id, was.type, was.name, "removed"))
    return result
