"""代表述职 (bpmn/deputy_report.bpmn) driven through the real use cases and the database."""

from datetime import datetime, timedelta

import pytest

from engine import clock
from engine.errors import InvalidData, NotAllowed
from engine.usecases import cases, tasks

from .conftest import (
    act,
    advance_and_fire,
    all_cases,
    deploy,
    detail,
    do,
    items,
    one,
    open_ids,
    variables,
    who,
)


@pytest.fixture
def world(people):
    deploy(people, "deputy_report")
    return people


def test_two_deputies_report_and_are_appraised(world, frozen_clock):
    case_id = act(world, "clerk", cases.start_instance, "deputy_report", {}).id
    assert open_ids(world, case_id) == ["Task_Arrange"]
    assert who(one(world, case_id, "Task_Arrange")) == (("office",), None)
    assert variables(world, case_id)["report_day"] == "2026-12-07"
    with pytest.raises(InvalidData) as refused:  # only deputies report
        do(world, "clerk", case_id, "Task_Arrange", {"reporting_deputies": ["wang", "clerk"], "arrangement": "x"})
    assert "clerk" in refused.value.field_errors["reporting_deputies"]
    do(world, "clerk", case_id, "Task_Arrange", {"reporting_deputies": ["wang", "li"], "arrangement": "镇会议室"})

    reports = items(world, case_id, "Task_SubmitReport")
    assert sorted(who(r) for r in reports) == [((), "li"), ((), "wang")]
    wang = next(r for r in reports if r.assignee == "wang")
    with pytest.raises(NotAllowed):
        act(world, "li", tasks.complete, wang.task_id, {"report_text": "x", "voters_present": 1})
    for r in reports:
        act(world, r.assignee, tasks.complete, r.task_id, {"report_text": f"{r.assignee}述职", "voters_present": 30})
    appraisals = items(world, case_id, "Task_Appraise")
    assert len(appraisals) == 2 and all(who(a) == (("office",), None) for a in appraisals)
    for a, result in zip(appraisals, ("满意", "不满意"), strict=True):
        act(
            world,
            "clerk",
            tasks.complete,
            a.task_id,
            {"appraisal": result, "votes_satisfied": 20, "votes_basic": 5, "votes_unsatisfied": 5},
        )
    assert open_ids(world, case_id) == ["Task_Summary"]
    v = variables(world, case_id)
    assert (v["deputies_reported"], v["deputies_satisfied"]) == (2, 1)
    assert sorted(r["deputy"] for r in v["deputy_reports"]) == ["li", "wang"]
    assert sorted(r["appraisal"] for r in v["deputy_reports"]) == ["不满意", "满意"]
    assert all(r["voters_present"] == 30 and r["reported_at"] for r in v["deputy_reports"])
    do(world, "clerk", case_id, "Task_Summary", {"summary": "两名代表完成述职"})
    case = detail(world, case_id)
    assert case.status == "completed" and case.variables["summary"] == "两名代表完成述职"


def test_november_timer_starts_exactly_one_round(world, frozen_clock):
    assert all_cases(world) == []
    first = datetime.fromisoformat("2027-11-20T08:30:00+08:00")
    assert advance_and_fire(world, first - clock.now() - timedelta(minutes=1)) == 0
    assert all_cases(world) == []
    advance_and_fire(world, timedelta(minutes=2))
    [case_id] = all_cases(world)
    assert open_ids(world, case_id) == ["Task_Arrange"]
    assert who(one(world, case_id, "Task_Arrange")) == (("office",), None)
    assert variables(world, case_id)["report_day"] == "2027-11-20"
    advance_and_fire(world, timedelta(hours=1))
    assert all_cases(world) == [case_id]
