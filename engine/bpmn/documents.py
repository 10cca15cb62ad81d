"""Reading a BPMN document safely and the checks of the document as a whole: well-formed XML
with nothing loaded or resolved (no DTD, no entities), BPMN 2.0's schema, ids used once.
Every refusal is a Problem naming the file, the line and the element."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator

from ..errors import InvalidBpmn, Problem
from ..text import CONTROL_CHARACTERS, DIRECTION_CHARACTERS, DIRECTION_MARKS
from .camunda import BPMN_NS, NSMAP

_MODEL_NAMESPACES = {
    BPMN_NS,
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
}


def local_name(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


# What a problem quoting a document's text shows as an escape instead (\u202e): a control
# character, which shows as nothing, and the invisible direction characters and marks, which
# turn around the text after them: a name holding U+202E quoted in a problem would reverse the
# rest of its row on the page ("…yfissalC_ksaT 查检署部"). Tabs and line breaks stay. The sets
# are engine/text.py's, which refuses the same characters in free text but for the marks.
_INVISIBLE = re.compile(f"[{CONTROL_CHARACTERS}{DIRECTION_MARKS}{DIRECTION_CHARACTERS}]")


def visible(text: str) -> str:
    """``text`` with each control or direction character written as its escape (``\\u202e``)."""
    return _INVISIBLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def problem_at(file: str, node: etree._Element | None, message: str) -> Problem:
    """A problem at ``node`` (its line and id), its words quoting the document's text safely."""
    if node is None:
        return Problem(visible(message), file)
    return Problem(visible(message), file, node.sourceline, node.get("id"))


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
    # what the file is comes first: an XHTML page is not BPMN, whatever its DOCTYPE
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise InvalidBpmn(
            [
                Problem(
                    f"not a BPMN 2.0 file: the root element is <{local_name(root.tag)}> in namespace "
                    f"{etree.QName(root).namespace or '(none)'}, expected <definitions> in {BPMN_NS}",
                    file,
                    root.sourceline,
                )
            ]
        )
    problems = _entity_problems(root, data, file)
    if problems:
        raise InvalidBpmn(problems)
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
                owner_of(owner).get("id") if owner is not None else None,
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
        # an element without an id of its own (a conditionEventDefinition) is named by the
        # element it belongs to; the document's root names no element
        owner = owner_of(node) if node is not None else None
        element_id = owner.get("id") if owner is not None else None
        problems.append(Problem(f"XSD: {error.message}", file, error.line, element_id))
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
            problems.append(problem_at(file, node, f"duplicate id {node.get('id')!r}"))
    return problems


def owner_of(node: etree._Element) -> etree._Element:
    """The nearest element with an id: where a problem inside extension elements is reported."""
    while node.get("id") is None and node.getparent() is not None:
        node = node.getparent()
    return node


def process_id_of(node: etree._Element) -> str:
    """The id of the process ``node`` is in (or is): what a deploy warning is filed under."""
    process = node.xpath("ancestor-or-self::bpmn:process[1]", namespaces=NSMAP)
    return (process[0].get("id") or "") if process else ""
