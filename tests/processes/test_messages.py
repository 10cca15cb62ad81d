"""Messages and signals from outside (issue 15): a message reaches the one case waiting for
it (by business key, by correlation variables), none or several waiting is a clear refusal;
a signal reaches every case waiting for it; the ``subscriptions`` index follows what each
case waits for, written and removed as the case is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from engine.errors import Conflict, InvalidBpmn, InvalidData, NotAllowed, NotFound
from engine.usecases import cases, incidents, messages
from storage.enums import InstanceStatus
from storage.models import AuditEntry, ProcessInstance
from tests.world import create_people, start_review
from tests.world import deploy as deploy_fixtures

from .conftest import act, do, open_ids, status, subscriptions, variables


@pytest.fixture
def township(people):
    create_people(people, "admin", "office1")
    deploy_fixtures(people, "await_reply.bpmn", "stuck_message.bpmn", "event_gateway_timer.bpmn", "withdrawable.bpmn")
    return people


def start(factory, key, business_key=None, **data) -> int:
    return act(factory, "clerk", cases.start_instance, key, data, business_key=business_key, validate=False).id


def test_a_message_by_business_key_reaches_its_receive_task_with_its_variables(township):
    first = start(township, "await_reply", "2027-001")
    second = start(township, "await_reply", "2027-002")
    assert subscriptions(township) == [
        (first, "wait_reply", "message", "reply"),
        (second, "wait_reply", "message", "reply"),
    ]
    sent = act(township, "admin", messages.send_message, "reply", business_key="2027-002", variables={"answer": "同意"})
    assert (sent.instance_ids, sent.elements) == ([second], {second: ["wait_reply"]})
    assert variables(township, second)["answer"] == "同意"
    assert "_message" not in variables(township, second)
    assert subscriptions(township, second) == [(second, "wait_recess", "signal", "recess")]  # rewritten
    assert subscriptions(township, first) == [(first, "wait_reply", "message", "reply")]  # untouched
    with township() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "message_received")).all()
        assert (entry.instance_id, entry.actor, entry.bpmn_id) == (second, "admin", "wait_reply")


def test_a_message_by_correlation_variable(township):
    start(township, "await_reply", lead_unit="finance")
    land = start(township, "await_reply", lead_unit="land")
    sent = act(township, "admin", messages.send_message, "reply", correlation={"lead_unit": "land"})
    assert sent.instance_ids == [land]


def test_none_waiting_is_not_found_and_several_a_conflict_naming_them(township):
    with pytest.raises(NotFound, match="no case waits for the message 'reply'"):
        act(township, "admin", messages.send_message, "reply")
    # one 编号 is one running case of a process: two processes' cases may share it
    a = start(township, "await_reply", "K")
    b = start(township, "event_gateway_timer", "K")
    with pytest.raises(Conflict) as several:
        act(township, "admin", messages.send_message, "reply", business_key="K")
    assert f"{a}, {b}" in several.value.message
    with pytest.raises(NotFound, match="business key 'other'"):
        act(township, "admin", messages.send_message, "reply", business_key="other")
    with pytest.raises(NotFound):  # a name nothing waits for
        act(township, "admin", messages.send_message, "recess", business_key="K")


def test_a_signal_reaches_every_case_waiting_for_it_and_ending_removes_the_rows(township):
    a = start(township, "await_reply", "A")
    b = start(township, "await_reply", "B")
    assert act(township, "admin", messages.send_signal, "recess").instance_ids == []  # nobody waits yet
    for key in ("A", "B"):
        act(township, "admin", messages.send_message, "reply", business_key=key)
    sent = act(township, "admin", messages.send_signal, "recess", variables={"session": 3})
    assert sorted(sent.instance_ids) == [a, b]
    assert open_ids(township, a) == open_ids(township, b) == ["review"]
    assert subscriptions(township) == []
    assert variables(township, a)["session"] == 3
    do(township, "clerk", a, "review", {})
    assert status(township, a) == InstanceStatus.COMPLETED


def test_a_message_to_an_intermediate_catch_event_moves_the_case_on(township):
    case_id = start(township, "stuck_message")
    assert subscriptions(township, case_id) == []  # the first task is open: nothing awaited yet
    do(township, "clerk", case_id, "send", {})
    assert subscriptions(township, case_id) == [(case_id, "await_reply", "message", "reply")]
    assert act(township, "admin", incidents.list_incidents) == []  # awaiting a message: not stuck
    act(township, "admin", messages.send_message, "reply", variables={"reply_no": "7"})
    assert status(township, case_id) == InstanceStatus.COMPLETED
    assert subscriptions(township, case_id) == []


def test_an_event_based_gateway_takes_the_message_branch(township):
    case_id = start(township, "event_gateway_timer")
    assert subscriptions(township, case_id) == [(case_id, "gateway", "message", "reply")]
    act(township, "admin", messages.send_message, "reply")
    assert status(township, case_id) == InstanceStatus.COMPLETED
    assert open_ids(township, case_id) == []


def test_a_boundary_message_interrupts_the_task(township):
    case_id = start(township, "withdrawable")
    assert open_ids(township, case_id) == ["draft"]
    assert subscriptions(township, case_id) == [(case_id, "withdrawn", "message", "withdraw")]
    act(township, "admin", messages.send_message, "withdraw")
    assert open_ids(township, case_id) == []
    assert status(township, case_id) == InstanceStatus.COMPLETED
    assert subscriptions(township, case_id) == []


def test_only_who_may_send_messages(township):
    start(township, "await_reply", "K")
    with pytest.raises(NotAllowed, match=r"message\.send"):
        act(township, "clerk", messages.send_message, "reply", business_key="K")
    with pytest.raises(NotAllowed):
        act(township, "clerk", messages.send_signal, "recess")


RECEIVE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
                  targetNamespace="http://congressflow.example/test">
  {message}
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    {task}
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""


MULTI_INSTANCE_RECEIVE = (
    '<bpmn:receiveTask id="wait" messageRef="m"><bpmn:multiInstanceLoopCharacteristics{sequential}>'
    "<bpmn:loopCardinality>2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:receiveTask>"
)


@pytest.mark.parametrize("sequential", ["", ' isSequential="true"'])
def test_each_message_reaches_one_instance_of_a_multi_instance_receive_task(township, sequential):
    from engine.usecases import definitions
    from engine.usecases.context import SYSTEM

    with township.begin() as s:
        definitions.deploy(
            s,
            RECEIVE.format(
                message='<bpmn:message id="m" name="reply" />',
                task=MULTI_INSTANCE_RECEIVE.format(sequential=sequential),
            ).encode(),
            "x.bpmn",
            SYSTEM,
        )
    case_id = start(township, "p", "2027-009")
    waiting = 1 if sequential else 2  # a sequential one waits with one instance at a time
    assert subscriptions(township, case_id) == [(case_id, "wait", "message", "reply")] * waiting
    first = act(township, "admin", messages.send_message, "reply", business_key="2027-009", variables={"n": 1})
    assert first.instance_ids == [case_id]
    assert status(township, case_id) == InstanceStatus.RUNNING
    assert subscriptions(township, case_id) == [(case_id, "wait", "message", "reply")]
    act(township, "admin", messages.send_message, "reply", business_key="2027-009", variables={"n": 2})
    assert status(township, case_id) == InstanceStatus.COMPLETED
    assert subscriptions(township, case_id) == []
    with pytest.raises(NotFound):
        act(township, "admin", messages.send_message, "reply", business_key="2027-009")


@pytest.mark.parametrize(
    "message, task, refusal",
    [
        (
            '<bpmn:message id="m" name="reply" />',
            '<bpmn:sendTask id="wait" messageRef="m" />',
            "[wait]: a send task is not supported",
        ),
    ],
)
def test_deploy_refuses_what_cannot_be_delivered_naming_the_element(township, message, task, refusal):
    from engine.usecases import definitions
    from engine.usecases.context import SYSTEM

    with pytest.raises(InvalidBpmn) as refused, township.begin() as s:
        definitions.deploy(s, RECEIVE.format(message=message, task=task).encode(), "x.bpmn", SYSTEM)
    assert refusal in str(refused.value.message) or any(refusal in str(p) for p in refused.value.problems)


def test_cancelling_a_case_removes_its_subscriptions(township):
    case_id = start(township, "await_reply", "K")
    act(township, "admin", cases.cancel_instance, case_id, "重复登记")
    assert subscriptions(township, case_id) == []
    with pytest.raises(NotFound):
        act(township, "admin", messages.send_message, "reply", business_key="K")


def test_a_message_no_case_waits_for_starts_a_case_of_the_process_it_starts(township):
    deploy_fixtures(township, "message_start.bpmn")
    sent = act(
        township, "admin", messages.send_message, "application", business_key="WS-1", variables={"subject": "低保申请"}
    )
    [case_id] = sent.started
    assert (sent.instance_ids, sent.elements) == ([case_id], {case_id: ["received"]})
    assert open_ids(township, case_id) == ["check"]
    assert variables(township, case_id)["subject"] == "低保申请"
    with township() as s:
        started = s.get(ProcessInstance, case_id)
        assert (started.business_key, started.started_by, started.title) == ("WS-1", "admin", "低保申请")
    # nobody starts it by hand: it is not offered in 发起
    assert "online_application" not in [o.key for o in act(township, "clerk", cases.start_options)]


def test_a_message_start_refuses_a_title_or_number_a_start_would_refuse(township):
    """The case a message starts shows its title (from the variables) and its number in every
    list, as a started case's: a control character in either is refused as a start refuses it,
    and no case is made."""
    deploy_fixtures(township, "message_start.bpmn")
    with pytest.raises(InvalidData) as refused:
        act(
            township,
            "admin",
            messages.send_message,
            "application",
            business_key="WS\x0b1",
            variables={"subject": "低保\x0c申请"},
        )
    assert {field: error.code for field, error in refused.value.field_errors.items()} == {
        "business_key": "control_character",
        "title": "control_character",
    }
    with township() as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_a_message_with_correlation_variables_never_starts_a_case(township):
    deploy_fixtures(township, "message_start.bpmn")
    with pytest.raises(NotFound, match="no case waits for the message 'application' with subject='x'"):
        act(township, "admin", messages.send_message, "application", correlation={"subject": "x"})


def test_a_signal_starts_a_case_of_every_process_it_starts_and_reaches_the_waiting_ones(township):
    deploy_fixtures(township, "message_start.bpmn")
    sent = act(township, "admin", messages.send_signal, "session_opened")
    [case_id] = sent.started
    assert open_ids(township, case_id) == ["prepare"]
    again = act(township, "admin", messages.send_signal, "session_opened")
    assert len(again.started) == 1 and again.started != sent.started  # one new case each time


def test_a_message_nothing_waits_for_and_nothing_starts_on_is_refused(township):
    with pytest.raises(NotFound, match="no case waits for the message 'nobody', and no process starts on it"):
        act(township, "admin", messages.send_message, "nobody")


def test_the_cases_of_a_process_that_waits_for_no_event_never_touch_the_index(township):
    """review.bpmn waits for no message, signal or trigger: starting and moving its cases
    sends no statement about subscriptions; a case of withdrawable.bpmn, which may wait for
    one, still has its row written and, once it no longer waits, read and deleted."""
    deploy_fixtures(township, "review.bpmn")
    sent: list[str] = []
    engine = township.kw["bind"]

    def record(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        review = start_review(township, "clerk")
        do(township, "clerk", review.id, "register", {"lead_unit": "finance"})
        assert open_ids(township, review.id) == ["reply"]
        assert sent and not [s for s in sent if "subscriptions" in s]

        sent.clear()
        withdrawable = start(township, "withdrawable")
        assert [s.split()[0] for s in sent if "subscriptions" in s] == ["INSERT"]
        sent.clear()
        do(township, "clerk", withdrawable, "draft", {})
        assert [s.split()[0] for s in sent if "subscriptions" in s] == ["SELECT", "DELETE"]
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert subscriptions(township) == []
