"""Work sent back for revision is revised, not typed again: the form starts with what was
submitted (as Camunda fills a form from the case's variables); only ``fresh`` fields, a
decision or an evaluation given anew in each round, start empty (tests/processes/
test_proposal_forms.py)."""

import pytest

from engine.usecases import cases, tasks

from .conftest import act, deploy, do, one, open_ids


@pytest.fixture
def world(people):
    deploy(people, "inspection")
    return people


def test_a_plan_sent_back_opens_with_what_was_planned(world, frozen_clock):
    case_id = act(
        world,
        "clerk",
        cases.start_instance,
        "inspection",
        {"inspection_title": "2027年财政预算执行情况检查", "inspection_basis": "年度监督工作计划"},
    ).id
    plan = {"topics": "预算执行、专项资金", "units": ["finance", "land"], "onsite_schedule": "12月下旬"}
    do(world, "clerk", case_id, "Task_Plan", plan)
    do(world, "chair", case_id, "Task_ApprovePlan", {"plan_decision": "revise", "plan_opinion": "补充专项资金"})
    assert open_ids(world, case_id) == ["Task_Plan"]  # sent back
    values = act(world, "clerk", tasks.task_page, one(world, case_id, "Task_Plan").task_id).values
    assert (values["topics"], values["units"], values["onsite_schedule"]) == (
        "预算执行、专项资金",
        ["finance", "land"],
        "12月下旬",
    )
