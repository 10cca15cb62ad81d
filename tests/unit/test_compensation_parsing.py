"""Compensation at deploy (issue 15): handlers become processes of their own, run as
subprocesses of the throw event and kept through the stored spec; what cannot be read is
refused naming the element; a boundary event without a handler is a warning."""

from __future__ import annotations

import pytest

from engine.bpmn.compensation_throw import CompensationThrow
from engine.bpmn.parsing import parse_bpmn
from engine.bpmn.serialization import dump_process, load_process
from engine.errors import InvalidBpmn

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">\n'
)


def document(activity: str = "", handler: str = "", throw: str = "<bpmn:compensateEventDefinition />") -> str:
    return (
        HEAD
        + '<bpmn:process id="p" isExecutable="true">\n'
        + '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="book"/>\n'
        + f'<bpmn:task id="book"/>{activity}\n'
        + '<bpmn:sequenceFlow id="f2" sourceRef="book" targetRef="undo"/>\n'
        + f'<bpmn:intermediateThrowEvent id="undo">{throw}</bpmn:intermediateThrowEvent>\n'
        + '<bpmn:sequenceFlow id="f3" sourceRef="undo" targetRef="e"/><bpmn:endEvent id="e"/>\n'
        + f"{handler}\n"
        + "</bpmn:process>\n</bpmn:definitions>"
    )


BOUNDARY = '<bpmn:boundaryEvent id="b" attachedToRef="book"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>'
HANDLER = '<bpmn:task id="unbook" isForCompensation="true"/>'
ASSOCIATION = '<bpmn:association id="a" sourceRef="b" targetRef="unbook"/>'


def refusals(source: str) -> list[str]:
    with pytest.raises(InvalidBpmn) as info:
        parse_bpmn(source, "c.bpmn")
    return [str(p) for p in info.value.problems]


def test_the_handler_is_a_process_of_its_own_run_by_the_throw_event_and_kept_when_stored() -> None:
    [process] = parse_bpmn(document(BOUNDARY, HANDLER + ASSOCIATION), "c.bpmn")
    stored = load_process(dump_process(process))
    assert sorted(stored.subprocess_specs) == ["p__compensate_unbook"]
    assert stored.spec.task_specs["book"].extensions["compensation"] == "p__compensate_unbook"
    assert isinstance(stored.spec.task_specs["undo"], CompensationThrow)
    assert "unbook" in stored.subprocess_specs["p__compensate_unbook"].task_specs
    assert process.warnings == ()


def test_a_boundary_event_without_a_handler_is_a_warning_and_undoes_nothing() -> None:
    [process] = parse_bpmn(document(BOUNDARY), "c.bpmn")
    assert process.subprocess_specs == {}
    assert [str(w) for w in process.warnings] == [
        "c.bpmn:5 [b]: compensation boundary event has no handler: compensating 'book' does nothing"
    ]


@pytest.mark.parametrize(
    "activity, handler, throw, refusal",
    [
        (
            BOUNDARY,
            '<bpmn:task id="unbook"/>' + ASSOCIATION,
            "<bpmn:compensateEventDefinition />",
            'c.bpmn:9 [unbook]: a compensation handler must be marked isForCompensation="true"',
        ),
        (
            BOUNDARY,
            HANDLER
            + '<bpmn:task id="other" isForCompensation="true"/>'
            + ASSOCIATION
            + '<bpmn:association id="a2" sourceRef="b" targetRef="other"/>',
            "<bpmn:compensateEventDefinition />",
            "c.bpmn:5 [b]: compensation boundary event: 2 handlers; give it one",
        ),
        (
            "",
            "",
            '<bpmn:compensateEventDefinition activityRef="nothing"/>',
            "c.bpmn:7 [undo]: compensateEventDefinition activityRef 'nothing' names no activity of this process",
        ),
    ],
    ids=["not_for_compensation", "two_handlers", "unknown_activity_ref"],
)
def test_what_cannot_be_compensated_is_refused_naming_the_element(activity, handler, throw, refusal) -> None:
    assert refusals(document(activity, handler, throw)) == [refusal]


def test_a_compensation_event_subprocess_outside_a_subprocess_is_refused() -> None:
    event_subprocess = (
        '<bpmn:subProcess id="undo_all" triggeredByEvent="true">'
        '<bpmn:startEvent id="c"><bpmn:compensateEventDefinition/></bpmn:startEvent></bpmn:subProcess>'
    )
    assert refusals(document(handler=event_subprocess)) == [
        "c.bpmn:9 [undo_all]: a compensation event subprocess undoes a subprocess: put it inside one"
    ]
