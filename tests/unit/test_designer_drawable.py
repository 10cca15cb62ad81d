"""The modeler's page shows a file without a diagram laid out (bpmn-js draws nothing without
one), anything else as it is: a file with a diagram, one that does not load, and one with a
DOCTYPE, which is never read by a parser that would expand its entities. And what deploy
refused is said as the check says its problems: each element by its name and kind."""

from __future__ import annotations

from engine.bpmn.layout import with_diagram
from engine.errors import Problem
from engine.usecases.design_checks import drawable, refusal

BARE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" name="开始"/>
    <bpmn:userTask id="t1" name="审核"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t1"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t1" targetRef="nowhere"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_file_without_a_diagram_is_laid_out_and_one_with_a_diagram_is_as_it_is():
    shown = drawable(BARE, "bare.bpmn")
    assert shown.laid_out and 'bpmnElement="t1"' in shown.xml and 'targetRef="nowhere"' in shown.xml
    drawn = with_diagram(BARE)
    assert drawable(drawn, "bare.bpmn").xml == drawn and not drawable(drawn, "bare.bpmn").laid_out


def test_what_does_not_load_or_declares_entities_is_shown_as_it_is():
    for xml in ("<not xml", "", BARE.replace("<bpmn:definitions", '<!DOCTYPE d [<!ENTITY e "x">]><bpmn:definitions')):
        assert drawable(xml, "x.bpmn").xml == xml and not drawable(xml, "x.bpmn").laid_out


def test_a_refusal_names_each_element_as_the_check_does():
    problems = [Problem("targetRef 'nowhere' names no element of this process", "bare.bpmn", 8, "f2"), Problem("x", "")]
    flow, plain = refusal(BARE, "bare.bpmn", problems)
    assert (flow.severity, flow.element_id, flow.element_type, flow.line) == ("error", "f2", "sequenceFlow", 8)
    assert (plain.element_id, plain.element_name, plain.element_type) == (None, "", "")
    [task] = refusal(BARE, "bare.bpmn", [Problem("user task '审核' names nobody", "bare.bpmn", 5, "t1")])
    assert (task.element_name, task.element_type) == ("审核", "userTask")


def test_the_layout_is_written_in_after_the_files_own_lines():
    """Deploy names a problem by its line in the file (t1 at line 5): the laid-out text the
    modeler opens has it there too, the XML declaration and the rest as written."""
    shown = drawable(BARE, "bare.bpmn").xml.splitlines()
    written = BARE.splitlines()
    assert shown[:8] == written[:8]
    assert shown[4] == '    <bpmn:userTask id="t1" name="审核"/>'
    assert shown[8].startswith('  <bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"')
    assert 'xmlns:bpmn="' not in shown[8]  # the root's declarations are not repeated
    assert shown[-1] == "</bpmn:definitions>"


def test_a_comment_quoting_the_closing_tag_after_the_root_does_not_take_the_diagram():
    xml = BARE + "<!-- </bpmn:definitions> -->\n"
    drawn = with_diagram(xml)
    assert drawn.index("<bpmndi:BPMNDiagram") < drawn.index("</bpmn:definitions>")
    assert drawable(drawn, "bare.bpmn").xml == drawn and 'bpmnElement="t1"' in drawn
