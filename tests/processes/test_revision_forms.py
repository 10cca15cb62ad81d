"""Work sent back for revision is revised, not typed again: the form starts with what was
submitted (as Camunda fills a form from the case's variables); only ``fresh`` fields, a
decision or an evaluation given anew in each round, start empty (tests/processes/
test_proposal_forms.py)."""

import pytest

from engine.usecases import tasks

from .conftest import act, deploy, do, one, open_ids
from .test_inspection import start_and_plan


@pytest.fixture
def world(people):
    deploy(people, "inspection")
    return people


def test_a_plan_sent_back_opens_with_what_was_planned(world, frozen_clock):
    case_id = start_and_plan(world, ["finance", "land"])  # 预算执行、专项资金, 12月下旬
    do(world, "chair", case_id, "Task_ApprovePlan", {"plan_decision": "revise", "plan_opinion": "补充专项资金"})
    assert open_ids(world, case_id) == ["Task_Plan"]  # sent back
    values = act(world, "clerk", tasks.task_page, one(world, case_id, "Task_Plan").task_id).values
    assert (values["topics"], values["units"], values["onsite_schedule"]) == (
        "预算执行、专项资金",
        ["finance", "land"],
        "12月下旬",
    )
    # the chair's decision is fresh: sent back again, the chair's next form starts undecided
    do(world, "clerk", case_id, "Task_Plan", {"topics": "预算执行、专项资金、债务", "units": ["finance", "land"]})
    values = act(world, "chair", tasks.task_page, one(world, case_id, "Task_ApprovePlan").task_id).values
    assert (values.get("plan_decision"), values.get("plan_opinion")) == (None, None)
