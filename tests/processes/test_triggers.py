"""A receive task that names no message (issue 15): a plain wait state, as in Camunda 7. The
case waits there (a ``trigger`` row in the subscriptions index, keyed by the element id, so
not "stuck"), until someone with ``message.send`` continues exactly that task of that case
with ``messages.trigger_task`` (Camunda's ``runtimeService.trigger``)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.bpmn.parsing import parse_bpmn
from engine.bpmn.serialization import dump_process, load_process
from engine.bpmn.triggers import TriggerEventDefinition
from engine.errors import Conflict, NotAllowed, NotFound
from engine.usecases import cases, definitions, incidents, messages
from engine.usecases.context import SYSTEM
from storage.enums import InstanceStatus
from storage.models import AuditEntry
from tests.conftest import FIXTURES
from tests.world import create_people
from tests.world import deploy as deploy_fixtures

from .conftest import act, do, open_ids, status, subscriptions, variables
from .test_messages import RECEIVE


@pytest.fixture
def township(people):
    create_people(people, "admin", "office1")
    deploy_fixtures(people, "await_trigger.bpmn", "await_reply.bpmn")
    return people


def start(factory, key="await_trigger", business_key=None, **data) -> int:
    return act(factory, "clerk", cases.start_instance, key, data, business_key=business_key, validate=False).id


def test_the_case_waits_at_the_receive_task_indexed_as_a_trigger_and_is_not_stuck(township):
    case_id = start(township)
    assert status(township, case_id) == InstanceStatus.RUNNING
    assert open_ids(township, case_id) == []
    assert subscriptions(township, case_id) == [(case_id, "wait_confirm", "trigger", "wait_confirm")]
    assert act(township, "admin", incidents.list_incidents) == []  # waiting for a trigger: not stuck


def test_a_trigger_continues_exactly_that_case_with_its_variables(township):
    first = start(township)
    second = start(township)
    sent = act(township, "admin", messages.trigger_task, second, "wait_confirm", {"confirmed_by": "财经委"})
    assert (sent.kind, sent.name, sent.instance_ids, sent.elements) == (
        "trigger",
        "wait_confirm",
        [second],
        {second: ["wait_confirm"]},
    )
    assert open_ids(township, second) == ["review"]
    assert variables(township, second)["confirmed_by"] == "财经委"
    assert subscriptions(township, second) == []
    assert subscriptions(township, first) == [(first, "wait_confirm", "trigger", "wait_confirm")]  # untouched
    with township() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "trigger_received")).all()
        assert (entry.instance_id, entry.actor, entry.bpmn_id) == (second, "admin", "wait_confirm")
        assert entry.data == {"name": "wait_confirm", "variables": {"confirmed_by": "财经委"}}
    do(township, "clerk", second, "review", {})
    assert status(township, second) == InstanceStatus.COMPLETED


def test_an_element_the_case_does_not_wait_at_or_a_missing_case_is_not_found(township):
    case_id = start(township)
    with pytest.raises(NotFound, match=f"case {case_id} does not wait at 'review'"):
        act(township, "admin", messages.trigger_task, case_id, "review")
    with pytest.raises(NotFound, match="no case 9999"):
        act(township, "admin", messages.trigger_task, 9999, "wait_confirm")
    # a receive task with a message is continued by its message, not by a trigger
    reply = start(township, "await_reply", "K")
    with pytest.raises(NotFound, match=f"case {reply} does not wait at 'wait_reply'"):
        act(township, "admin", messages.trigger_task, reply, "wait_reply")
    assert subscriptions(township, case_id) == [(case_id, "wait_confirm", "trigger", "wait_confirm")]


def test_a_finished_case_is_a_conflict(township):
    case_id = start(township)
    act(township, "admin", cases.cancel_instance, case_id, "重复登记")
    assert subscriptions(township, case_id) == []
    with pytest.raises(Conflict, match=f"case {case_id} is cancelled"):
        act(township, "admin", messages.trigger_task, case_id, "wait_confirm")


def test_only_who_may_send_messages(township):
    case_id = start(township)
    with pytest.raises(NotAllowed, match=r"message\.send"):
        act(township, "clerk", messages.trigger_task, case_id, "wait_confirm")
    assert subscriptions(township, case_id) == [(case_id, "wait_confirm", "trigger", "wait_confirm")]


def test_a_multi_instance_receive_task_without_a_message_continues_one_instance_per_trigger(township):
    task = (
        '<bpmn:receiveTask id="wait"><bpmn:multiInstanceLoopCharacteristics>'
        "<bpmn:loopCardinality>2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:receiveTask>"
    )
    with township.begin() as s:
        definitions.deploy(s, RECEIVE.format(message="", task=task).encode(), "x.bpmn", SYSTEM)
    case_id = act(township, "clerk", cases.start_instance, "p", {}, validate=False).id
    assert subscriptions(township, case_id) == [(case_id, "wait", "trigger", "wait")] * 2
    act(township, "admin", messages.trigger_task, case_id, "wait")
    assert subscriptions(township, case_id) == [(case_id, "wait", "trigger", "wait")]
    act(township, "admin", messages.trigger_task, case_id, "wait")
    assert status(township, case_id) == InstanceStatus.COMPLETED


def test_the_stored_spec_keeps_what_the_receive_task_waits_for():
    [parsed] = parse_bpmn((FIXTURES / "await_trigger.bpmn").read_bytes())
    definition = load_process(dump_process(parsed)).spec.task_specs["wait_confirm"].event_definition
    assert isinstance(definition, TriggerEventDefinition) and definition.name == "wait_confirm"
