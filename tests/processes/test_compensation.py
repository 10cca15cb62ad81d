"""Compensation (issue 15): a compensation throw event runs the handlers of the completed
activities of its scope, most recent first, one after the other, and goes on when the last
has ended; a handler that is a user task is in the inbox like any; ``activityRef`` undoes one
activity; a completed subprocess is undone by its compensation event subprocess, which can
itself undo the subprocess's activities; each completion is undone once. Between actions the
case is saved and restored, so all of it survives the database."""

from __future__ import annotations

import pytest

from engine.usecases import cases, definitions
from engine.usecases.context import SYSTEM
from storage.enums import InstanceStatus
from tests.world import create_people

from .conftest import act, bpmn_process, do, open_ids, status, variables

# 预订会场 (a person), 发出通知 (a script); then 撤回 undoes both: the notice first
MEETING = bpmn_process(
    "meeting",
    """
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="book_hall" />
    <bpmn:userTask id="book_hall" camunda:candidateGroups="office" />
    <bpmn:boundaryEvent id="hall_undo" attachedToRef="book_hall"><bpmn:compensateEventDefinition /></bpmn:boundaryEvent>
    <bpmn:userTask id="cancel_hall" isForCompensation="true" camunda:candidateGroups="office">
      <bpmn:extensionElements>
        <camunda:formData><camunda:formField id="refund" label="退款" type="long" /></camunda:formData>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="book_hall" targetRef="notify" />
    <bpmn:scriptTask id="notify"><bpmn:script>log = ["notified"]</bpmn:script></bpmn:scriptTask>
    <bpmn:boundaryEvent id="notify_undo" attachedToRef="notify"><bpmn:compensateEventDefinition /></bpmn:boundaryEvent>
    <bpmn:scriptTask id="recall" isForCompensation="true"><bpmn:script>log = log + ["recalled"]</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="notify" targetRef="decide" />
    <bpmn:exclusiveGateway id="decide" default="f_keep" />
    <bpmn:sequenceFlow id="f_undo" sourceRef="decide" targetRef="undo">
      <bpmn:conditionExpression>cancelled</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_keep" sourceRef="decide" targetRef="held" />
    <bpmn:intermediateThrowEvent id="undo"><bpmn:compensateEventDefinition {ref} /></bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="undo" targetRef="after" />
    <bpmn:userTask id="after" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f5" sourceRef="after" targetRef="end" />
    <bpmn:endEvent id="end" />
    <bpmn:endEvent id="held" />
    <bpmn:association id="a1" associationDirection="One" sourceRef="hall_undo" targetRef="cancel_hall" />
    <bpmn:association id="a2" associationDirection="One" sourceRef="notify_undo" targetRef="recall" />
""",
)

# a subprocess run for each of two units, undone by its compensation event subprocess,
# which undoes the subprocess's own activity (the notice to that unit)
UNITS = bpmn_process(
    "units",
    """
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="per_unit" />
    <bpmn:subProcess id="per_unit">
      <bpmn:multiInstanceLoopCharacteristics isSequential="true">
        <bpmn:loopCardinality>2</bpmn:loopCardinality>
      </bpmn:multiInstanceLoopCharacteristics>
      <bpmn:startEvent id="unit_start" />
      <bpmn:sequenceFlow id="u1" sourceRef="unit_start" targetRef="tell_unit" />
      <bpmn:scriptTask id="tell_unit"><bpmn:script>told = told + 1</bpmn:script></bpmn:scriptTask>
      <bpmn:boundaryEvent id="tell_undo" attachedToRef="tell_unit">
        <bpmn:compensateEventDefinition />
      </bpmn:boundaryEvent>
      <bpmn:scriptTask id="untell" isForCompensation="true">
        <bpmn:script>untold = untold + 1</bpmn:script>
      </bpmn:scriptTask>
      <bpmn:sequenceFlow id="u2" sourceRef="tell_unit" targetRef="unit_end" />
      <bpmn:endEvent id="unit_end" />
      <bpmn:subProcess id="undo_unit" triggeredByEvent="true">
        <bpmn:startEvent id="undo_unit_start"><bpmn:compensateEventDefinition /></bpmn:startEvent>
        <bpmn:sequenceFlow id="c1" sourceRef="undo_unit_start" targetRef="undo_inside" />
        <bpmn:intermediateThrowEvent id="undo_inside"><bpmn:compensateEventDefinition /></bpmn:intermediateThrowEvent>
        <bpmn:sequenceFlow id="c2" sourceRef="undo_inside" targetRef="confirm_undone" />
        <bpmn:userTask id="confirm_undone" camunda:candidateGroups="office" />
        <bpmn:sequenceFlow id="c3" sourceRef="confirm_undone" targetRef="undo_unit_end" />
        <bpmn:endEvent id="undo_unit_end" />
      </bpmn:subProcess>
      <bpmn:association id="a1" associationDirection="One" sourceRef="tell_undo" targetRef="untell" />
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="per_unit" targetRef="undo_all" />
    <bpmn:endEvent id="undo_all"><bpmn:compensateEventDefinition /></bpmn:endEvent>
""",
)


@pytest.fixture
def township(people):
    create_people(people, "admin")
    return people


def deploy(factory, source: str, name: str) -> list:
    with factory.begin() as s:
        return definitions.deploy(s, source.encode(), name, SYSTEM)


def start(factory, key: str, **data) -> int:
    return act(factory, "clerk", cases.start_instance, key, data, validate=False).id


def test_the_handlers_run_most_recent_first_and_the_path_goes_on_after_the_last(township):
    deploy(township, MEETING.format(ref=""), "meeting.bpmn")
    case_id = start(township, "meeting", cancelled=True)
    do(township, "clerk", case_id, "book_hall", {})
    # the notice (completed last) was recalled first, by its script; the hall waits for a person
    assert variables(township, case_id)["log"] == ["notified", "recalled"]
    assert open_ids(township, case_id) == ["cancel_hall"]
    do(township, "clerk", case_id, "cancel_hall", {"refund": 300})
    assert open_ids(township, case_id) == ["after"]
    assert variables(township, case_id)["refund"] == 300  # the handler's data is the path's
    do(township, "clerk", case_id, "after", {})
    assert status(township, case_id) == InstanceStatus.COMPLETED


def test_activity_ref_undoes_that_activity_only(township):
    deploy(township, MEETING.format(ref='activityRef="book_hall"'), "meeting.bpmn")
    case_id = start(township, "meeting", cancelled=True)
    do(township, "clerk", case_id, "book_hall", {})
    assert open_ids(township, case_id) == ["cancel_hall"]
    assert variables(township, case_id)["log"] == ["notified"]  # the notice stands


def test_nothing_is_undone_on_the_path_without_a_throw(township):
    deploy(township, MEETING.format(ref=""), "meeting.bpmn")
    case_id = start(township, "meeting", cancelled=False)
    do(township, "clerk", case_id, "book_hall", {})
    assert status(township, case_id) == InstanceStatus.COMPLETED
    assert variables(township, case_id)["log"] == ["notified"]


def test_a_subprocess_is_undone_by_its_compensation_event_subprocess_once_per_round(township):
    deploy(township, UNITS, "units.bpmn")
    case_id = start(township, "units", told=0, untold=0)
    # both rounds told their unit; the end event undoes the rounds, the last first: each
    # round's event subprocess undoes that round's notice, then waits for a person
    assert open_ids(township, case_id) == ["confirm_undone"]
    assert {k: variables(township, case_id)[k] for k in ("told", "untold")} == {"told": 2, "untold": 1}
    do(township, "clerk", case_id, "confirm_undone", {})
    assert open_ids(township, case_id) == ["confirm_undone"]
    do(township, "clerk", case_id, "confirm_undone", {})
    assert status(township, case_id) == InstanceStatus.COMPLETED
    assert variables(township, case_id)["untold"] == 2
