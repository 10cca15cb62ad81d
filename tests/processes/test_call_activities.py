"""Call activities (issue 15): the called process runs as a case of its own, linked to its
caller both ways; ``camunda:in`` / ``camunda:out`` map what goes in and comes back; an error
end event reaches the caller's error boundary event, an uncaught one or a cancelled called
case is an incident on the caller (a retry calls again); cancelling the caller cancels the
called case; deploy refuses a call to a process that is not deployed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.access import OPERATOR
from engine.errors import InvalidBpmn
from engine.usecases import cases, definitions, incidents, recovery
from storage.enums import InstanceStatus
from storage.models import AuditEntry, ProcessInstance
from tests.conftest import FIXTURES
from tests.world import create_people
from tests.world import deploy as deploy_fixtures

from .conftest import act, do, open_ids, variables


@pytest.fixture
def township(people):
    create_people(people, "admin")
    deploy_fixtures(people, "call_child.bpmn", "call_parent.bpmn")
    return people


def start(factory, subject="路灯维修", unit="finance") -> int:
    return act(
        factory, "clerk", cases.start_instance, "call_parent", {"subject": subject, "unit": unit}, business_key="J-7"
    ).id


def case(factory, case_id) -> ProcessInstance:
    with factory() as s:
        return s.get(ProcessInstance, case_id)


def called_cases(factory, caller_id) -> list[ProcessInstance]:
    with factory() as s:
        return list(
            s.scalars(
                select(ProcessInstance)
                .where(ProcessInstance.parent_instance_id == caller_id)
                .order_by(ProcessInstance.id)
            )
        )


def test_the_called_case_gets_what_camunda_in_maps_and_its_answer_comes_back(township):
    caller = start(township)
    [child] = called_cases(township, caller)
    assert (child.status, child.parent_bpmn_id, child.business_key) == (InstanceStatus.RUNNING, "handle", "J-7")
    assert case(township, caller).status == InstanceStatus.RUNNING
    assert open_ids(township, caller) == []  # the caller waits for the called case, not for a person
    assert open_ids(township, child.id) == ["answer_task"]
    got = variables(township, child.id)
    assert {k: got[k] for k in ("topic", "unit", "title")} == {
        "topic": "路灯维修",
        "unit": "finance",
        "title": "路灯维修",
    }
    assert "subject" not in got  # only what camunda:in names goes in
    with township() as s:
        assert incidents.has_open(s, caller) is False  # waiting for a called case is not stuck

    do(township, "fin", child.id, "answer_task", {"answer": "已修复", "accept": True})

    assert case(township, child.id).status == InstanceStatus.COMPLETED
    assert open_ids(township, caller) == ["review"]
    back = variables(township, caller)
    assert back["reply"] == "已修复"
    assert "accept" not in back  # only what camunda:out names comes back
    with township() as s:
        actions = [
            (e.instance_id, e.action, e.bpmn_id)
            for e in s.scalars(select(AuditEntry).where(AuditEntry.action.in_(("call", "call_returned"))))
        ]
    assert actions == [(caller, "call", "handle"), (caller, "call_returned", "handle")]


def test_both_case_pages_show_the_link_to_those_who_may_see_the_other_case(township):
    caller = start(township)
    [child] = called_cases(township, caller)
    child_page = act(township, "clerk", cases.case_page, child.id)
    caller_page = act(township, "clerk", cases.case_page, caller)
    link = child_page.caller
    assert (link.instance_id, link.bpmn_id, link.step_name, child_page.called) == (caller, "handle", "承办单位办理", [])
    assert caller_page.caller is None
    assert [(c.instance_id, c.status, c.process_name, c.step_name) for c in caller_page.called] == [
        (child.id, "running", "单位办理", "承办单位办理")
    ]
    # the unit handling the called case sees its own case, not the office's caller
    assert act(township, "fin", cases.case_page, child.id).caller is None


def test_an_error_end_event_is_caught_by_the_callers_error_boundary_event(township):
    caller = start(township)
    [child] = called_cases(township, caller)
    do(township, "fin", child.id, "answer_task", {"answer": "不属于本单位职责", "accept": False})
    assert case(township, child.id).status == InstanceStatus.COMPLETED
    assert open_ids(township, caller) == ["reassign"]  # the boundary event's path
    with township() as s:
        assert incidents.has_open(s, caller) is False


def test_cancelling_the_caller_cancels_the_called_case(township):
    caller = start(township)
    [child] = called_cases(township, caller)
    act(township, "clerk", cases.cancel_instance, caller, "重复登记")
    assert case(township, caller).status == InstanceStatus.CANCELLED
    assert case(township, child.id).status == InstanceStatus.CANCELLED
    assert open_ids(township, child.id) == []


def test_a_cancelled_called_case_is_an_incident_on_the_caller_and_a_retry_calls_again(township):
    caller = start(township)
    [first] = called_cases(township, caller)
    act(township, "admin", cases.cancel_instance, first.id, "误派")
    with township() as s:
        [incident] = incidents.of_case(s, OPERATOR, caller)
    assert (incident.kind, incident.bpmn_id) == ("call", "handle")
    assert f"called case {first.id} was cancelled" in incident.message
    assert case(township, caller).status == InstanceStatus.RUNNING

    result = act(township, "admin", recovery.retry_case, caller)
    assert result.ok
    first_again, second = called_cases(township, caller)
    assert (first_again.status, second.status) == (InstanceStatus.CANCELLED, InstanceStatus.RUNNING)
    do(township, "fin", second.id, "answer_task", {"answer": "已办", "accept": True})
    assert open_ids(township, caller) == ["review"]


def test_deploy_refuses_a_call_to_a_process_that_is_not_deployed(session_factory, frozen_clock):
    source = (FIXTURES / "call_parent.bpmn").read_bytes()
    with pytest.raises(InvalidBpmn) as refused, session_factory.begin() as s:
        definitions.deploy(s, source, "call_parent.bpmn", OPERATOR)
    [problem] = refused.value.problems
    assert (problem.file, problem.element_id) == ("call_parent.bpmn", "handle")
    assert "'call_child', which is not deployed" in problem.message


def test_documents_deployed_in_one_command_may_call_each_other_in_any_order(session_factory, frozen_clock):
    documents = [((FIXTURES / name).read_bytes(), name) for name in ("call_parent.bpmn", "call_child.bpmn")]
    with session_factory.begin() as s:
        deployed = definitions.deploy_documents(s, documents, OPERATOR)
    assert [(d.key, d.version) for d in deployed] == [("call_parent", 1), ("call_child", 1)]


def test_a_called_case_that_ends_at_once_and_a_call_per_unit(township):
    deploy_fixtures(township, "call_instant.bpmn")
    caller = act(township, "clerk", cases.start_instance, "rounds", {"units": ["finance", "land"]}, validate=False).id
    scored, *per_unit = called_cases(township, caller)
    assert (scored.status, case(township, caller).status) == (InstanceStatus.COMPLETED, InstanceStatus.RUNNING)
    assert variables(township, caller)["points"] == 20  # came back from a case that never waited
    assert [(c.status, variables(township, c.id)["unit"]) for c in per_unit] == [
        (InstanceStatus.RUNNING, "finance"),
        (InstanceStatus.RUNNING, "land"),
    ]
    do(township, "fin", per_unit[0].id, "answer_task", {"answer": "财政所已办", "accept": True})
    assert open_ids(township, caller) == []  # the other unit's round still runs
    do(township, "landy", per_unit[1].id, "answer_task", {"answer": "国土所已办", "accept": True})
    assert open_ids(township, caller) == ["done"]


def test_an_error_nothing_catches_is_an_incident_on_the_caller(township):
    deploy_fixtures(township, "call_instant.bpmn")
    caller = act(township, "clerk", cases.start_instance, "rounds", {"units": ["finance"]}, validate=False).id
    [_scored, child] = called_cases(township, caller)
    do(township, "fin", child.id, "answer_task", {"answer": "退回", "accept": False})
    with township() as s:
        [incident] = incidents.of_case(s, OPERATOR, caller)
    assert (incident.kind, incident.bpmn_id) == ("call", "each_unit")
    assert "ended with the error 'refused', which no boundary event catches" in incident.message


# call_parent with a confidential field: what crosses into its called case (call_child, whose
# forms keep nothing confidential) is tested in test_called_case_carries_confidentiality.py
SECRET_CALLER = (
    (FIXTURES / "call_parent.bpmn")
    .read_text(encoding="utf-8")
    .replace('id="call_parent"', 'id="call_secret"')
    .replace(
        '<camunda:formField id="subject" label="标题" type="string" />',
        '<camunda:formField id="subject" label="标题" type="string" />'
        '<camunda:formField id="petitioner" label="来信人" type="string">'
        '<camunda:properties><camunda:property id="confidential" value="true" /></camunda:properties>'
        "</camunda:formField>",
    )
)
