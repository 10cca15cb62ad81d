"""A form kept outside the process (Camunda's ``camunda:formKey``: an embedded HTML page, a
deployed form, ``camunda:formRef``: a Camunda Forms file) is one this product cannot show: its
pages show a task's ``camunda:formData`` fields only. A file from Camunda deploys, and a
start or task page would show no field of the form its designer drew, silently; deploy warns
at each such element instead. An element that has ``camunda:formData`` fields as well shows
them (the key is then a name, as the tests' review.bpmn writes it): no warning."""

from __future__ import annotations

from lxml import etree

from ..errors import Problem
from .camunda import CAMUNDA_NS, NSMAP
from .documents import local_name, problem_at
from .normalise import prefix_of

_ATTRIBUTES = ("formKey", "formRef")


def warnings_of(process: etree._Element, file: str) -> list[Problem]:
    """One warning per start event or user task naming a form kept outside the process and
    no ``camunda:formData`` field, whose page would show none of its form."""
    warnings = []
    for node in process.xpath(".//bpmn:startEvent | .//bpmn:userTask", namespaces=NSMAP):
        if node.xpath("./bpmn:extensionElements/camunda:formData/camunda:formField", namespaces=NSMAP):
            continue
        element = "start event" if local_name(node.tag) == "startEvent" else "task"
        for attribute in _ATTRIBUTES:
            value = (node.get(f"{{{CAMUNDA_NS}}}{attribute}") or "").strip()
            if value:
                written = f"{prefix_of(node, attribute)}:{attribute} {value!r}"
                said = f"{written}: its form is not shown (a form kept outside the process)"
                warnings.append(problem_at(file, node, f"{said}: give the {element} camunda:formData fields"))
    return warnings
