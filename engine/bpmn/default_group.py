"""A default group given at deploy time: the group that holds the user tasks of a process
that name nobody (no assignee, candidates or lane), for processes that do not name one
themselves (``camunda:property default_group``). Written into the stored file, so that the
version reads the same wherever it is parsed again and the designer sees it in the XML."""

from __future__ import annotations

from lxml import etree

from .camunda import BPMN_NS, CAMUNDA_NS, NSMAP
from .documents import load_xml


def with_default_group(xml: str, file: str, group: str) -> str:
    """``xml`` with ``default_group`` set on each executable process that names none; the
    text unchanged when every process names one."""
    root = load_xml(xml, file)
    changed = False
    for process in root.xpath("./bpmn:process[@isExecutable='true']", namespaces=NSMAP):
        if process.xpath(
            "./bpmn:extensionElements/camunda:properties/camunda:property[@name='default_group']", namespaces=NSMAP
        ):
            continue
        extensions = process.find(f"{{{BPMN_NS}}}extensionElements")
        if extensions is None:
            extensions = etree.Element(f"{{{BPMN_NS}}}extensionElements")
            first_child = next(
                (i for i, n in enumerate(process) if etree.QName(n).localname != "documentation"), len(process)
            )
            process.insert(first_child, extensions)
        properties = extensions.find(f"{{{CAMUNDA_NS}}}properties")
        if properties is None:
            properties = etree.SubElement(extensions, f"{{{CAMUNDA_NS}}}properties", nsmap={"camunda": CAMUNDA_NS})
        etree.SubElement(properties, f"{{{CAMUNDA_NS}}}property", name="default_group", value=group)
        changed = True
    if not changed:
        return xml
    return str(etree.tostring(root, encoding="unicode"))
