"""A petitioner's name a petition passes to the case its call activity starts stays
confidential there, though the called process's forms do not mark the field so: the
handling unit, who works the called case and may not read the identity, finds it neither on
the case's page nor through the API (its variables, its history, its task); the petition
officer reads it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.access import OPERATOR
from engine.usecases import definitions
from engine.usecases.confidentiality import MASK
from storage.models import ProcessInstance
from tests.processes.test_call_activities import SECRET_CALLER
from tests.world import deploy

# the office's petition officer (reads the identity), the handling unit's officer
PEOPLE = ("keeper", "fin")
RENAMED = SECRET_CALLER.replace(
    '<camunda:in source="subject" target="topic" />', '<camunda:in source="petitioner" target="topic" />'
)


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return PEOPLE


def test_the_handling_unit_reads_the_called_case_without_the_callers_petitioner(world):
    deploy(world.factory, "call_child.bpmn")
    with world.factory.begin() as s:
        definitions.deploy(s, RENAMED.encode(), "call_secret.bpmn", OPERATOR)
    started = world.as_("keeper").post(
        "/instances",
        json={"process_key": "call_secret", "data": {"subject": "路灯", "petitioner": "张三丰", "unit": "finance"}},
    )
    assert started.status_code == 201, started.get_json()
    caller = started.get_json()["id"]
    with world.factory() as s:
        child = s.scalar(select(ProcessInstance.id).where(ProcessInstance.parent_instance_id == caller))
    fin = world.as_("fin")
    case = fin.get(f"/instances/{child}")
    assert case.status_code == 200, case.get_json()
    assert case.get_json()["variables"]["topic"] == MASK
    [task] = case.get_json()["open_tasks"]
    for answer in (case, fin.get(f"/tasks/{task['task_id']}")):
        assert "三丰" not in answer.get_data(as_text=True)
    page, _csrf = world.browser("fin")
    shown = page.client.get(f"/cases/{child}")
    assert shown.status_code == 200 and "三丰" not in shown.get_data(as_text=True)
    assert world.as_("keeper").get(f"/instances/{child}").get_json()["variables"]["topic"] == "张三丰"
