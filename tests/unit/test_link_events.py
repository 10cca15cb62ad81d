"""Link events (issue 15): a link throw event continues at the link catch event of its name in
the same process or subprocess, as the sequence flow they stand for; a name no catch event
has, or one caught twice, is refused naming the element."""

from __future__ import annotations

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.parsing import parse_bpmn
from engine.errors import InvalidBpmn

LINKED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split" />
    <bpmn:parallelGateway id="split" />
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="go_a" />
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="go_b" />
    <bpmn:intermediateThrowEvent id="go_a"><bpmn:linkEventDefinition name="page2" /></bpmn:intermediateThrowEvent>
    <bpmn:intermediateThrowEvent id="go_b"><bpmn:linkEventDefinition name="page2" /></bpmn:intermediateThrowEvent>
    <bpmn:intermediateCatchEvent id="from_page1">{catch_definition}</bpmn:intermediateCatchEvent>
    {second_catch}
    <bpmn:sequenceFlow id="f4" sourceRef="from_page1" targetRef="review" />
    <bpmn:userTask id="review" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f5" sourceRef="review" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""
PAGE2 = '<bpmn:linkEventDefinition name="page2" />'


def test_each_link_throw_continues_at_the_catch_event_of_its_name() -> None:
    [process] = parse_bpmn(LINKED.format(catch_definition=PAGE2, second_catch=""), "link.bpmn")
    specs = process.spec.task_specs
    assert [s.bpmn_id for s in specs["go_a"].outputs] == ["from_page1"]
    assert [s.bpmn_id for s in specs["go_b"].outputs] == ["from_page1"]
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs)
    workflow.do_engine_steps()
    ready = [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY)]
    assert ready == ["review", "review"]  # both paths of the split arrived through the link
    assert process.warnings == ()  # a link is BPMN's own: nothing to warn about


def test_a_link_nobody_catches_is_refused_naming_the_throw_event() -> None:
    source = LINKED.format(catch_definition='<bpmn:linkEventDefinition name="page3" />', second_catch="")
    with pytest.raises(InvalidBpmn) as refused:
        parse_bpmn(source, "link.bpmn")
    message = "link 'page2' thrown here is caught by no link catch event of that name in the same process or subprocess"
    assert [str(p) for p in refused.value.problems] == [
        f"link.bpmn:10 [go_a]: {message}",
        f"link.bpmn:11 [go_b]: {message}",
    ]


def test_a_link_caught_twice_is_refused_naming_the_second_catch() -> None:
    second = f'<bpmn:intermediateCatchEvent id="again">{PAGE2}</bpmn:intermediateCatchEvent>'
    with pytest.raises(InvalidBpmn) as refused:
        parse_bpmn(LINKED.format(catch_definition=PAGE2, second_catch=second), "link.bpmn")
    assert [str(p) for p in refused.value.problems] == [
        "link.bpmn:13 [again]: link 'page2' is caught by several events ('from_page1', 'again'): one per name"
    ]
