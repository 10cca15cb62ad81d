"""What crosses into a called case. A value confidential in the caller (the petitioner's
name) stays confidential in the case a call activity passes it to, under the same or a
mapped name, though the called process's forms do not mark the field so: masked on its
page, its task, its history, to whoever may not read the caller's (the handling unit);
a value passed otherwise (a note that repeats the name) is still an incident.
A called case shares its caller's 编号 and holds it against no start of its process."""

from __future__ import annotations

import pytest

from engine.access import OPERATOR
from engine.usecases import cases, definitions, incidents, tasks
from engine.usecases.confidentiality import MASK
from tests.world import create_people
from tests.world import deploy as deploy_fixtures

from .conftest import act, one
from .test_call_activities import SECRET_CALLER, called_cases

PASSED = {
    "renamed": '<camunda:in source="petitioner" target="topic" />',
    "in_a_text": '<camunda:in sourceExpression="来信人：${petitioner}" target="topic" />',
    "every_variable": '<camunda:in variables="all" />',
}


@pytest.fixture
def township(people):
    create_people(people, "admin", "keeper")
    deploy_fixtures(people, "call_child.bpmn", "call_parent.bpmn")
    return people


def deploy_caller(factory, mapping: str) -> None:
    source = SECRET_CALLER.replace('<camunda:in source="subject" target="topic" />', mapping)
    with factory.begin() as s:
        definitions.deploy(s, source.encode(), "call_secret.bpmn", OPERATOR)


@pytest.mark.parametrize("mapping", list(PASSED.values()), ids=list(PASSED))
def test_what_the_caller_keeps_confidential_the_called_case_masks_for_the_handling_unit(township, mapping):
    deploy_caller(township, mapping)
    start = {"subject": "路灯", "petitioner": "张三丰", "unit": "finance"}
    caller = act(township, "keeper", cases.start_instance, "call_secret", start).id  # the petition officer
    [child] = called_cases(township, caller)
    carried = "petitioner" if "all" in mapping else "topic"
    seen = act(township, "fin", cases.instance_detail, child.id)
    assert seen.variables[carried] == MASK
    assert "三丰" not in repr(seen.history)
    task = act(township, "fin", tasks.task_detail, one(township, child.id, "answer_task").task_id)
    assert task.data[carried] == MASK and "三丰" not in repr(task.data)
    # whoever may read the caller's reads it as passed
    read = act(township, "keeper", cases.instance_detail, child.id).variables[carried]
    assert "张三丰" in read


def test_a_confidential_value_the_mapping_does_not_show_it_carries_is_still_an_incident(township):
    deploy_caller(township, '<camunda:in source="note" target="topic" />')
    start = {"subject": "路灯", "petitioner": "张三丰", "unit": "finance", "note": "来信人张三丰说路灯不亮"}
    caller = act(township, "clerk", cases.start_instance, "call_secret", start, validate=False).id
    assert called_cases(township, caller) == []
    with township() as s:
        [incident] = incidents.list_incidents(s, OPERATOR)
    assert (incident.instance_id, incident.bpmn_id) == (caller, "handle")
    assert incident.message.startswith("calling 'call_child' would pass 'topic', which carry what this process")


def test_a_called_case_holding_its_callers_key_does_not_refuse_a_start_by_hand_with_it(township):
    caller = act(
        township,
        "clerk",
        cases.start_instance,
        "call_parent",
        {"subject": "路灯", "unit": "finance"},
        business_key="J-7",
    ).id
    [child] = called_cases(township, caller)
    assert child.business_key == "J-7"
    own = act(
        township, "clerk", cases.start_instance, "call_child", {"unit": "land"}, business_key="J-7", validate=False
    )
    assert own.id != child.id
    # the office's own case holds it: a second start by hand is refused, naming it
    with pytest.raises(Exception, match=f"running case {own.id} of 'call_child'"):
        act(township, "clerk", cases.start_instance, "call_child", {"unit": "land"}, business_key="J-7", validate=False)
