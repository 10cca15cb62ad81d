"""A signal a case throws reaches the other cases (issue 15), as Camunda broadcasts it: the
cases waiting for it move on with what it carries (``camunda:in``), a process with a signal
start event for it gets a case (the business key passed with ``businessKey``), the throw is
audited on the throwing case; a chain of signals that never ends is stopped, nothing kept."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidBpmn, ScriptError
from engine.usecases import cases, definitions, messages
from engine.usecases.context import SYSTEM
from storage.models import AuditEntry, ProcessDefinition, ProcessInstance
from tests.world import create_people

from .conftest import act, bpmn_process, do, open_ids, subscriptions, variables

SIGNAL = '  <bpmn:signal id="recess_signal" name="recess" />'

ALARM = bpmn_process(
    "alarm",
    """
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="decide" />
    <bpmn:userTask id="decide" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="call_recess" />
    <bpmn:intermediateThrowEvent id="call_recess">
      <bpmn:signalEventDefinition signalRef="recess_signal">
        <bpmn:extensionElements>
          <camunda:in source="reason" target="why" />
          <camunda:in sourceExpression="${hours * 60}" target="minutes" />
          <camunda:in businessKey="${execution.processBusinessKey}" />
        </bpmn:extensionElements>
      </bpmn:signalEventDefinition>
    </bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="call_recess" targetRef="end" />
    <bpmn:endEvent id="end" />
""",
    SIGNAL,
)
WAITER = bpmn_process(
    "waiter",
    """
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait_recess" />
    <bpmn:intermediateCatchEvent id="wait_recess"><bpmn:signalEventDefinition signalRef="recess_signal" />
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait_recess" targetRef="after" />
    <bpmn:userTask id="after" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end" />
    <bpmn:endEvent id="end" />
""",
    SIGNAL,
)
ON_RECESS = bpmn_process(
    "on_recess",
    """
    <bpmn:startEvent id="recess_started"><bpmn:signalEventDefinition signalRef="recess_signal" /></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="recess_started" targetRef="handle" />
    <bpmn:userTask id="handle" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="end" />
    <bpmn:endEvent id="end" />
""",
    SIGNAL,
)
# started by the signal it throws: each case starts the next
ECHO = bpmn_process(
    "echo",
    """
    <bpmn:startEvent id="heard"><bpmn:signalEventDefinition signalRef="recess_signal" /></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="heard" targetRef="again" />
    <bpmn:endEvent id="again"><bpmn:signalEventDefinition signalRef="recess_signal" /></bpmn:endEvent>
""",
    SIGNAL,
)


def deploy(factory, *sources: str) -> None:
    with factory.begin() as s:
        for number, source in enumerate(sources):
            definitions.deploy(s, source.encode(), f"p{number}.bpmn", SYSTEM)


@pytest.fixture
def township(people):
    create_people(people, "admin")
    return people


def case_ids(factory, key: str) -> list[int]:
    with factory() as s:
        query = (
            select(ProcessInstance.id)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(ProcessDefinition.key == key)
            .order_by(ProcessInstance.id)
        )
        return list(s.scalars(query))


def test_a_thrown_signal_moves_the_waiting_cases_and_starts_cases_with_what_it_carries(township):
    deploy(township, ALARM, WAITER, ON_RECESS)
    waiting = act(township, "clerk", cases.start_instance, "waiter", {}, validate=False).id
    alarm = act(
        township,
        "clerk",
        cases.start_instance,
        "alarm",
        {"reason": "台风", "hours": 2},
        business_key="2027-05",
        validate=False,
    ).id
    assert subscriptions(township, waiting) == [(waiting, "wait_recess", "signal", "recess")]
    assert case_ids(township, "on_recess") == []

    do(township, "clerk", alarm, "decide", {})

    assert open_ids(township, waiting) == ["after"]
    assert {k: variables(township, waiting)[k] for k in ("why", "minutes")} == {"why": "台风", "minutes": 120}
    assert "reason" not in variables(township, waiting)  # only what camunda:in names
    [started] = case_ids(township, "on_recess")
    assert open_ids(township, started) == ["handle"]
    assert {k: variables(township, started)[k] for k in ("why", "minutes")} == {"why": "台风", "minutes": 120}
    with township() as s:
        assert s.get(ProcessInstance, started).business_key == "2027-05"
        [thrown] = s.scalars(select(AuditEntry).where(AuditEntry.action == "signal_thrown")).all()
        [received] = s.scalars(select(AuditEntry).where(AuditEntry.action == "signal_received")).all()
    assert (thrown.instance_id, thrown.actor, thrown.bpmn_id) == (alarm, "system", "call_recess")
    assert thrown.data == {
        "name": "recess",
        "variables": {"why": "台风", "minutes": 120},
        "reached": [waiting, started],
    }
    assert (received.instance_id, received.actor, received.bpmn_id) == (waiting, "system", "wait_recess")


def test_a_signal_thrown_with_nobody_waiting_reaches_no_case_and_is_audited(township):
    deploy(township, ALARM)
    alarm = act(township, "clerk", cases.start_instance, "alarm", {"reason": "无", "hours": 0}, validate=False).id
    do(township, "clerk", alarm, "decide", {})
    with township() as s:
        [thrown] = s.scalars(select(AuditEntry).where(AuditEntry.action == "signal_thrown")).all()
    assert thrown.data["reached"] == []
    assert case_ids(township, "alarm") == [alarm]


def test_a_chain_of_signals_that_never_ends_is_stopped_and_nothing_of_it_is_kept(township):
    deploy(township, ECHO)
    with pytest.raises(ScriptError, match=r"again: more than 20 signals thrown by cases other signals reached"):
        act(township, "admin", messages.send_signal, "recess")
    with township() as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0


@pytest.mark.parametrize(
    "mapping, refusal",
    [
        (
            '<camunda:out source="a" target="b" />',
            "camunda:out (call activity variable mappings): this engine does not run them",
        ),
        ('<camunda:in source="a" target="not a name" />', "camunda:in: target 'not a name' must be a variable name"),
        ('<camunda:in source="a" sourceExpression="${b}" target="c" />', "camunda:in 'c': give either source or"),
    ],
)
def test_what_a_signal_cannot_carry_is_refused_naming_the_throw_event(township, mapping, refusal):
    source = ALARM.replace('<camunda:in source="reason" target="why" />', mapping)
    with pytest.raises(InvalidBpmn) as refused:
        deploy(township, source)
    assert any(f"[call_recess]: {refusal}" in str(p) for p in refused.value.problems), refused.value.problems
