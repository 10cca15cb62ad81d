"""Issue 15: Camunda files read as Camunda reads them at deploy (engine.bpmn.references,
flow_repair's implicit splits, cron_timers, checks): a ``tns:`` message reference, an
``errorRef`` naming no error, several flows leaving an activity, cron timer cycles; and
one-line refusals of what the engine does not run (compensation boundary events, CMMN
cases, unnamed signals, undeclared escalations, a cron it cannot read)."""

from __future__ import annotations

import pytest
from SpiffWorkflow.bpmn.specs.defaults import InclusiveGateway, ParallelGateway

from engine.bpmn.cron_timers import CronCycleTimerEventDefinition, CronDateTimerEventDefinition
from engine.bpmn.parsing import parse_bpmn
from engine.bpmn.start_events import started_by_events
from engine.errors import InvalidBpmn


def doc(body: str, head: str = "", messages: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        f'id="d" targetNamespace="Examples" xmlns:tns="Examples" {head}>\n{messages}\n'
        f'<process id="p" isExecutable="true">\n{body}\n</process>\n</definitions>'
    )


def refusals(source: str) -> list[str]:
    with pytest.raises(InvalidBpmn) as info:
        parse_bpmn(source, "c.bpmn")
    return [str(p) for p in info.value.problems]


MESSAGE_START = """
<startEvent id="theStart"><messageEventDefinition messageRef="{ref}"/></startEvent>
<sequenceFlow id="f1" sourceRef="theStart" targetRef="task"/>
<userTask id="task" camunda:candidateGroups="office"/>
<sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
<endEvent id="end"/>"""


def test_a_message_ref_prefixed_with_the_target_namespace_names_the_message_by_its_id():
    source = doc(
        MESSAGE_START.format(ref="tns:newBooking"), messages='<message id="newBooking" name="newBookingMessage"/>'
    )
    [process] = parse_bpmn(source, "c.bpmn")
    assert started_by_events(process.spec) == [("message", "newBookingMessage")]


def test_any_prefix_bound_to_the_target_namespace_will_do():
    source = doc(
        MESSAGE_START.format(ref="ex:newBooking"),
        head='xmlns:ex="Examples"',
        messages='<message id="newBooking" name="newBookingMessage"/>',
    )
    [process] = parse_bpmn(source, "c.bpmn")
    assert started_by_events(process.spec) == [("message", "newBookingMessage")]


def test_a_prefix_bound_to_another_namespace_is_refused_naming_the_element():
    source = doc(
        MESSAGE_START.format(ref="other:newBooking"),
        head='xmlns:other="urn:elsewhere"',
        messages='<message id="newBooking" name="newBookingMessage"/>',
    )
    assert refusals(source) == [
        "c.bpmn:6 [theStart]: messageRef 'other:newBooking': the prefix 'other' is bound to 'urn:elsewhere', "
        "not to this document's targetNamespace 'Examples': the message must be declared in this file"
    ]


ERROR_END = """
<startEvent id="s"/>
<sequenceFlow id="f1" sourceRef="s" targetRef="sub"/>
<subProcess id="sub">
  <startEvent id="subStart"/>
  <sequenceFlow id="f2" sourceRef="subStart" targetRef="errorEnd"/>
  <endEvent id="errorEnd"><errorEventDefinition errorRef="myError"/></endEvent>
</subProcess>
<boundaryEvent id="catch" attachedToRef="sub"><errorEventDefinition errorRef="myError"/></boundaryEvent>
<sequenceFlow id="f3" sourceRef="catch" targetRef="caught"/>
<endEvent id="caught"/>
<sequenceFlow id="f4" sourceRef="sub" targetRef="normal"/>
<endEvent id="normal"/>"""


def test_an_error_ref_naming_no_error_is_the_error_code_itself_as_camunda_reads_it():
    [process] = parse_bpmn(doc(ERROR_END), "c.bpmn")
    assert [str(w) for w in process.warnings] == [
        "c.bpmn:11 [errorEnd]: errorRef 'myError' names no <error>: read as the error code 'myError' "
        "(as Camunda reads it)"
    ]
    thrown = process.subprocess_specs["sub"].task_specs["errorEnd"].event_definition
    caught = process.spec.task_specs["catch"].event_definition
    assert (thrown.code, caught.code) == ("myError", "myError")


def test_a_signal_without_a_name_and_an_undeclared_escalation_are_refused_by_element():
    source = doc(
        """
<startEvent id="s"/>
<sequenceFlow id="f1" sourceRef="s" targetRef="signalEvent"/>
<intermediateThrowEvent id="signalEvent"><signalEventDefinition signalRef="alertSignal"/></intermediateThrowEvent>
<sequenceFlow id="f2" sourceRef="signalEvent" targetRef="theEnd"/>
<endEvent id="theEnd"><escalationEventDefinition escalationRef="invalid-escalation"/></endEvent>""",
        messages='<signal id="alertSignal"/>',
    )
    assert refusals(source) == [
        "c.bpmn:8 [signalEvent]: signal 'alertSignal' is not declared with a name",
        "c.bpmn:10 [theEnd]: escalation 'invalid-escalation' is not declared (<escalation id=…>)",
    ]


def test_a_call_activity_calling_a_cmmn_case_is_refused_as_such():
    source = doc(
        """
<startEvent id="s"/>
<sequenceFlow id="f1" sourceRef="s" targetRef="callCase"/>
<callActivity id="callCase" camunda:caseRef="oneTaskCase"/>
<sequenceFlow id="f2" sourceRef="callCase" targetRef="end"/>
<endEvent id="end"/>"""
    )
    assert refusals(source) == [
        "c.bpmn:8 [callCase]: calls a CMMN case (camunda:caseRef): CMMN is not run by this engine"
    ]


def split_process(flows: str, default: str = "") -> str:
    return doc(
        f"""
<startEvent id="s"/>
<sequenceFlow id="f0" sourceRef="s" targetRef="task1"/>
<userTask id="task1" camunda:candidateGroups="office" {default}/>
{flows}
<userTask id="a" camunda:candidateGroups="office"/>
<userTask id="b" camunda:candidateGroups="office"/>
<sequenceFlow id="fa_end" sourceRef="a" targetRef="end_a"/><endEvent id="end_a"/>
<sequenceFlow id="fb_end" sourceRef="b" targetRef="end_b"/><endEvent id="end_b"/>"""
    )


def test_unconditioned_flows_leaving_a_task_are_a_parallel_split():
    [process] = parse_bpmn(
        split_process(
            '<sequenceFlow id="fa" sourceRef="task1" targetRef="a"/>'
            '<sequenceFlow id="fb" sourceRef="task1" targetRef="b"/>'
        ),
        "c.bpmn",
    )
    split = process.spec.task_specs["task1_split"]
    assert isinstance(split, ParallelGateway)
    assert [t.name for t in process.spec.task_specs["task1"].outputs] == ["task1_split"]
    assert sorted(t.name for t in split.outputs) == ["a", "b"]
    assert [str(w) for w in process.warnings] == [
        "c.bpmn:8 [task1]: 2 sequence flows leave 'task1': all are taken (a parallel gateway 'task1_split' was added)"
    ]


def test_conditioned_flows_leaving_a_task_are_an_inclusive_split_keeping_its_default():
    [process] = parse_bpmn(
        split_process(
            '<sequenceFlow id="fa" sourceRef="task1" targetRef="a"><conditionExpression>x &gt; 1</conditionExpression>'
            '</sequenceFlow><sequenceFlow id="fb" sourceRef="task1" targetRef="b"/>',
            default='default="fb"',
        ),
        "c.bpmn",
    )
    split = process.spec.task_specs["task1_split"]
    assert isinstance(split, InclusiveGateway)
    assert [(c.args[0] if c else None, name) for c, name in split.cond_task_specs] == [("x > 1", "a"), (None, "b")]
    assert [str(w) for w in process.warnings] == [
        "c.bpmn:8 [task1]: 2 sequence flows leave 'task1': those whose condition holds are taken (an inclusive "
        "gateway 'task1_split' was added)"
    ]


CRON_TIMERS = """
<startEvent id="s"/>
<sequenceFlow id="f1" sourceRef="s" targetRef="work"/>
<userTask id="work" camunda:candidateGroups="office"/>
<boundaryEvent id="remind" attachedToRef="work" cancelActivity="false">
  <timerEventDefinition><timeCycle>0 0/5 * * * ?</timeCycle></timerEventDefinition>
</boundaryEvent>
<sequenceFlow id="f2" sourceRef="remind" targetRef="remindEnd"/><endEvent id="remindEnd"/>
<sequenceFlow id="f3" sourceRef="work" targetRef="wait"/>
<intermediateCatchEvent id="wait"><timerEventDefinition><timeCycle>{cycle}</timeCycle></timerEventDefinition>
</intermediateCatchEvent>
<sequenceFlow id="f4" sourceRef="wait" targetRef="end"/><endEvent id="end"/>"""


def test_a_cron_cycle_repeats_on_a_non_interrupting_boundary_event_and_fires_once_elsewhere():
    [process] = parse_bpmn(doc(CRON_TIMERS.format(cycle="0 0 9 ? * MON-FRI")), "c.bpmn")
    assert type(process.spec.task_specs["remind"].event_definition) is CronCycleTimerEventDefinition
    assert type(process.spec.task_specs["wait"].event_definition) is CronDateTimerEventDefinition


def test_a_cron_cycle_that_cannot_run_is_refused_naming_the_element_and_the_field():
    assert refusals(doc(CRON_TIMERS.format(cycle="0 0 25 ? * MON-FRI"))) == [
        "c.bpmn:14 [wait]: timer timeCycle: not a cron expression this engine runs: hour '25': Error validating "
        "expression '25': the last value (25) is higher than the maximum value (23)"
    ]
