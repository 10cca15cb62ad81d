"""A file without a diagram whose id is written twice: the layout made when it is opened draws
that id once, as the first element bearing it (a user task's box, not the end event's). Given an
id of its own later (in the modeler's XML view), the renamed element has no shape in that layout,
and bpmn-js draws nothing it has no shape for: ``with_diagram`` adds one, and routes its flows
again; the rest of the text, its lines included, as it was."""

from __future__ import annotations

from lxml import etree

from engine.bpmn.layout import BPMNDI, DC, with_diagram
from engine.usecases.design_checks import drawable

ID_TWICE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  id="d" targetNamespace="x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill"/>
    <bpmn:userTask id="fill" name="填写意见"/>
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="fill"></bpmn:sequenceFlow>

    <bpmn:endEvent id="fill" name="小额结束"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _bounds(xml: str) -> dict[str, tuple[float, ...]]:
    root = etree.fromstring(xml.encode())
    return {
        shape.get("bpmnElement"): tuple(
            float(shape.find(f"{{{DC}}}Bounds").get(k)) for k in ("x", "y", "width", "height")
        )
        for shape in root.iter(f"{{{BPMNDI}}}BPMNShape")
    }


def _waypoints(xml: str, flow: str) -> list[tuple[float, float]]:
    root = etree.fromstring(xml.encode())
    [edge] = [e for e in root.iter(f"{{{BPMNDI}}}BPMNEdge") if e.get("bpmnElement") == flow]
    return [(float(w.get("x")), float(w.get("y"))) for w in edge]


def test_the_id_written_twice_is_drawn_as_its_first_element():
    opened = drawable(ID_TWICE, "dup.bpmn")
    assert opened.laid_out
    assert _bounds(opened.xml)["fill"][2:] == (100, 80)  # the user task's box


def test_the_element_given_an_id_of_its_own_is_drawn_and_its_flow_routed_to_it():
    opened = drawable(ID_TWICE, "dup.bpmn").xml
    fixed = opened.replace('<bpmn:endEvent id="fill"', '<bpmn:endEvent id="end"').replace(
        'sourceRef="fill" targetRef="fill"', 'sourceRef="fill" targetRef="end"'
    )
    assert "end" not in _bounds(fixed)
    shown = drawable(fixed, "dup.bpmn")
    assert shown.laid_out
    boxes = _bounds(shown.xml)
    assert boxes["end"][2:] == (36, 36)
    below = max(y + h for element, (x, y, w, h) in boxes.items() if element != "end")
    assert boxes["end"][1] > below  # under the diagram, overlapping nothing
    fill, end = boxes["fill"], boxes["end"]
    route = _waypoints(shown.xml, "f2")
    assert route[0] == (fill[0] + fill[2], fill[1] + fill[3] / 2) and route[-1] == (end[0], end[1] + end[3] / 2)
    # the lines of the text as it was, the root's start tag and the blank line included
    written, lines = fixed.splitlines(), shown.xml.splitlines()
    process_end = written.index("  </bpmn:process>")
    assert (
        lines[: process_end + 1]
        == [
            *written[: process_end - 3],
            '    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="end"/>',  # written empty, as XML may
            "",
            *written[process_end - 1 : process_end + 1],
        ]
    )
    assert with_diagram(shown.xml) == shown.xml  # nothing missing any more: as it is
