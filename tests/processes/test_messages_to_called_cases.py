"""A message by 编号 where a called case shares its caller's 编号 (``camunda:in businessKey``)
and the office may have a case of the called process of its own with it: the message names
what it is for, and the case waiting for it is the one. The called case waiting for it is
reached by its caller's 编号 (the caller, waiting for something else, is not in the way); the
office's own case waiting for it is reached so too (a called case past that point is not in
the way); when several wait for it (the called case and the office's own, or a caller whose
call activity catches it and its called case), the refusal names each, and each is reached
by its id."""

from __future__ import annotations

import pytest

from engine.access import OPERATOR
from engine.errors import Conflict
from engine.usecases import cases, definitions, messages
from storage.enums import InstanceStatus
from tests.world import create_people
from tests.world import deploy as deploy_fixtures

from .conftest import act, bpmn_process, open_ids, status, subscriptions
from .test_call_activities import called_cases

_CALL = """
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="handle" />
    <bpmn:callActivity id="handle" name="等待回函" calledElement="await_reply">
      <bpmn:extensionElements><camunda:in businessKey="#{execution.processBusinessKey}" /></bpmn:extensionElements>
    </bpmn:callActivity>
    <bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="end" />
    <bpmn:endEvent id="end" />
"""
# the unit's reply awaited in a case of await_reply it calls, passing it its 编号
CALLS_FOR_THE_REPLY = bpmn_process("call_reply", _CALL)
# the same, its call activity also interrupted by a "reply" (the reply came to the office instead)
CATCHES_THE_REPLY_TOO = bpmn_process(
    "call_reply_caught",
    _CALL
    + """
    <bpmn:boundaryEvent id="replied" attachedToRef="handle">
      <bpmn:messageEventDefinition messageRef="m_reply" />
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="replied" targetRef="replied_end" />
    <bpmn:endEvent id="replied_end" />
""",
    '<bpmn:message id="m_reply" name="reply" />',
)


@pytest.fixture
def township(people):
    create_people(people, "admin")
    deploy_fixtures(people, "await_reply.bpmn")
    with people.begin() as s:
        for source in (CALLS_FOR_THE_REPLY, CATCHES_THE_REPLY_TOO):
            definitions.deploy(s, source.encode(), "call_reply.bpmn", OPERATOR)
    return people


def start(factory, key: str, business_key: str = "J-7") -> int:
    return act(factory, "clerk", cases.start_instance, key, {}, business_key=business_key, validate=False).id


def reply(factory, **named) -> list[int]:
    return act(factory, "admin", messages.send_message, "reply", business_key="J-7", **named).instance_ids


def test_the_called_case_waiting_for_it_is_reached_by_its_callers_key(township):
    caller = start(township, "call_reply")
    [child] = called_cases(township, caller)
    assert subscriptions(township, caller) == []  # the caller waits for its called case, for no message
    assert reply(township) == [child.id]
    assert subscriptions(township, child.id) == [(child.id, "wait_recess", "signal", "recess")]
    assert status(township, caller) == InstanceStatus.RUNNING


def test_the_offices_own_case_waiting_for_it_is_not_shadowed_by_a_called_case_with_its_key(township):
    caller = start(township, "call_reply")
    [child] = called_cases(township, caller)
    assert reply(township) == [child.id]  # past the reply: waiting for the recess now
    own = start(township, "await_reply")  # the called case holds no 编号 (cases.key_holder)
    assert reply(township) == [own]
    assert subscriptions(township, own) == [(own, "wait_recess", "signal", "recess")]


def test_the_called_case_and_the_offices_own_both_waiting_are_named_and_each_reached_by_its_id(township):
    caller = start(township, "call_reply")
    [child] = called_cases(township, caller)
    own = start(township, "await_reply")
    with pytest.raises(Conflict) as several:
        reply(township)
    assert several.value.reason == "message_awaited_by_several"
    assert several.value.params["cases"] == [child.id, own]
    assert reply(township, instance_id=own) == [own]
    assert reply(township) == [child.id]  # the one waiting still


def test_a_caller_catching_it_on_its_call_and_its_called_case_are_both_named(township):
    caller = start(township, "call_reply_caught")
    [child] = called_cases(township, caller)
    with pytest.raises(Conflict) as several:
        reply(township)
    assert several.value.params["cases"] == [caller, child.id]
    assert reply(township, instance_id=child.id) == [child.id]
    assert open_ids(township, child.id) == []  # waits for the recess
    assert status(township, caller) == InstanceStatus.RUNNING
