"""Files of Camunda's own test suite and examples (../shared/bpmn-corpus, read in place, never
copied) that deploy here must also run as Camunda runs them: a call activity bound to its
``deployment`` calls the version deployed in the same command, and a conditional event whose
variable is not set yet waits instead of failing the case (a gateway's condition still fails,
naming the gateway by id and name)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import clock
from engine.access import OPERATOR
from engine.errors import ScriptError
from engine.usecases import cases, definitions
from engine.usecases.external_task_answers import complete
from engine.usecases.external_tasks import TopicRequest, fetch_and_lock
from storage.enums import InstanceStatus
from storage.models import ProcessDefinition, ProcessInstance
from tests.world import create_people

from .conftest import act, bpmn_process, do, open_ids, status

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "bpmn-corpus"
CALLS = CORPUS / "camunda-engine-tests/org/camunda/bpm/engine/test/bpmn/callactivity"
ORDER_HANDLING = CORPUS / "camunda-bpm-examples/clients/java/order-handling/order-handling.bpmn"

needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="../shared/bpmn-corpus is not beside the repo")


@pytest.fixture
def ticking_clock(frozen_clock, monkeypatch) -> Iterator[None]:
    """The clock moves on by a millisecond each time it is read, as a real one does between
    two versions stored by one deploy (a frozen clock would date them alike by chance)."""

    def tick():
        return clock.advance(timedelta(milliseconds=1))

    monkeypatch.setattr(clock, "now", tick)
    yield


def deploy_together(factory, *paths: Path) -> list[tuple[str, int]]:
    documents = [(path.read_bytes(), path.name) for path in paths]
    with factory.begin() as s:
        deployed = definitions.deploy_documents(s, documents, OPERATOR, default_group="office")
    return [(d.key, d.version) for d in deployed]


def called_cases(factory, caller_id) -> list[ProcessInstance]:
    with factory() as s:
        return list(s.scalars(select(ProcessInstance).where(ProcessInstance.parent_instance_id == caller_id)))


def version_of(factory, case: ProcessInstance) -> int:
    with factory() as s:
        return s.get(ProcessDefinition, case.definition_id).version


@needs_corpus
def test_a_call_bound_to_its_deployment_calls_the_process_deployed_in_the_same_command(people, ticking_clock):
    """CallActivity.testCallSimpleSubProcessFromSameDeployment: the caller is stored first, so
    the callee it calls was stored a moment later, in the same deployment."""
    deployed = deploy_together(
        people,
        CALLS / "CallActivity.testCallSimpleSubProcessFromSameDeployment.bpmn20.xml",
        CALLS / "simpleSubProcess.bpmn20.xml",
    )
    assert deployed == [("callSimpleSubProcessFromSameDeployment", 1), ("simpleSubProcess", 1)]
    # a newer version of the callee, deployed on its own later: not the caller's deployment
    newer = (CALLS / "simpleSubProcess.bpmn20.xml").read_text().replace("Task in subprocess", "Newer task")
    with people.begin() as s:
        definitions.deploy(s, newer, "simpleSubProcess.bpmn20.xml", OPERATOR, default_group="office")

    caller = act(people, "clerk", cases.start_instance, "callSimpleSubProcessFromSameDeployment", {}).id
    do(people, "clerk", caller, "taskBeforeSubProcess", {})
    [called] = called_cases(people, caller)
    assert version_of(people, called) == 1  # the version deployed with the caller, not the latest (2)
    assert open_ids(people, called.id) == ["task"]
    do(people, "clerk", called.id, "task", {})
    assert open_ids(people, caller) == ["taskAfterSubProcess"]
    do(people, "clerk", caller, "taskAfterSubProcess", {})
    assert status(people, caller) == InstanceStatus.COMPLETED


@needs_corpus
def test_a_conditional_event_waits_while_its_variable_is_not_set(people):
    """camunda-bpm-examples' order handling: the boundary event 「Archive invoice?」 is
    ``${invoiceId != null}``; a case starts without ``invoiceId`` and waits for the worker that
    creates the invoice (Camunda's tryEvaluate reads an unknown variable as false)."""
    create_people(people, "admin")
    with people.begin() as s:
        definitions.deploy(s, ORDER_HANDLING.read_bytes(), ORDER_HANDLING.name, OPERATOR)

    case_id = act(people, "clerk", cases.start_instance, "Order_Process", {}).id
    assert status(people, case_id) == InstanceStatus.RUNNING
    [invoice] = act(people, "admin", fetch_and_lock, "invoicer", [TopicRequest("invoiceCreator", 60_000)])
    assert (invoice.instance_id, invoice.bpmn_id) == (case_id, "Task_06z99p1")
    assert act(people, "admin", fetch_and_lock, "archiver", [TopicRequest("invoiceArchiver", 60_000)]) == []

    assert act(people, "admin", complete, invoice.id, "invoicer", {"invoiceId": "INV-1"}).outcome == "completed"


FLAGGED = bpmn_process(
    "flagged",
    """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:userTask id="work" name="办理" camunda:candidateGroups="office"/>
    <bpmn:boundaryEvent id="urgent" name="加急了吗？" attachedToRef="work">
      <bpmn:conditionalEventDefinition>
        <bpmn:condition>${flag == true}</bpmn:condition>
      </bpmn:conditionalEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" name="金额大吗？" default="f4"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="done">
      <bpmn:conditionExpression>${amount &gt; 5}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="done"/>
    <bpmn:endEvent id="done"/>
    <bpmn:sequenceFlow id="f5" sourceRef="urgent" targetRef="rush"/>
    <bpmn:userTask id="rush" name="加急办理" camunda:candidateGroups="office"/>
    <bpmn:sequenceFlow id="f6" sourceRef="rush" targetRef="done2"/>
    <bpmn:endEvent id="done2"/>
""",
)


def test_an_unknown_variable_is_false_for_a_conditional_event_and_an_error_for_a_gateway(people):
    with people.begin() as s:
        definitions.deploy(s, FLAGGED, "flagged.bpmn", OPERATOR)
    waiting = act(people, "clerk", cases.start_instance, "flagged", {}, validate=False).id
    assert open_ids(people, waiting) == ["work"]  # no flag yet: the event waits
    flagged = act(people, "clerk", cases.start_instance, "flagged", {"flag": True}, validate=False).id
    assert open_ids(people, flagged) == ["rush"]  # the flag is set: the event fires

    # a gateway's condition is no event: a name it does not know is the process's error, naming
    # the gateway by its id and its name
    with pytest.raises(ScriptError) as failed:
        do(people, "clerk", waiting, "work", {})
    assert failed.value.message == (
        "gw: 「金额大吗？」 expression 'amount > 5' failed: NameError: name 'amount' is not defined"
    )
