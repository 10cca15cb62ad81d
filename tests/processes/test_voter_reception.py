"""接待选民日 (bpmn/voter_reception.bpmn) driven through the real use cases and the database."""

from datetime import timedelta

import pytest

from engine import clock
from engine.errors import NotFound
from engine.usecases import cases, tasks

from .conftest import (
    act,
    advance_and_fire,
    all_cases,
    at,
    deploy,
    detail,
    do,
    items,
    one,
    open_ids,
    variables,
    who,
)

DEPUTIES = (("deputy", "office"), None)


@pytest.fixture
def world(people):
    deploy(people, "voter_reception")
    return people


def start_and_receive(world, has_issues):
    case_id = act(world, "clerk", cases.start_instance, "voter_reception", {}).id
    assert open_ids(world, case_id) == ["Task_Arrange"]
    assert who(one(world, case_id, "Task_Arrange")) == (("office",), None)
    do(world, "clerk", case_id, "Task_Arrange", {"arrangement": "第一小组在镇接待室"})
    assert who(one(world, case_id, "Task_Reception")) == DEPUTIES
    do(
        world,
        "wang",
        case_id,
        "Task_Reception",
        {"voters_received": 12, "reception_summary": "接待顺利", "has_issues": has_issues},
    )
    return case_id


def test_no_issues_goes_straight_to_the_summary(world, frozen_clock):
    case_id = start_and_receive(world, "no")
    assert open_ids(world, case_id) == ["Task_Summary"]
    assert who(one(world, case_id, "Task_Summary")) == (("office",), None)
    do(world, "clerk", case_id, "Task_Summary", {"summary": "无问题反映"})
    case = detail(world, case_id)
    assert case.status == "completed"
    v = case.variables
    assert v["reception_date"] == "2026-12-07" and v["voters_received"] == 12
    assert (v["issues"], v["issues_total"], v["issues_on_time"], v["issue_count"]) == ([], 0, 0, 0)
    assert v["summary"] == "无问题反映" and v["closed_at"]


def test_two_issues_one_late_with_supervision(world, frozen_clock):
    case_id = start_and_receive(world, "yes")
    assert who(one(world, case_id, "Task_RegisterIssue")) == DEPUTIES
    do(
        world,
        "wang",
        case_id,
        "Task_RegisterIssue",
        {
            "issue_content": "村道破损",
            "issue_category": "infrastructure",
            "receiving_group": "第一小组",
            "voter_count": 3,
            "more_issues": "yes",
        },
    )
    do(
        world,
        "li",
        case_id,
        "Task_RegisterIssue",
        {
            "issue_content": "低保评定",
            "issue_category": "livelihood",
            "receiving_group": "第一小组",
            "voter_count": 1,
            "more_issues": "no",
        },
    )
    assigns = items(world, case_id, "Task_AssignIssue")
    assert len(assigns) == 2 and all(who(a) == (("office",), None) for a in assigns)
    for a in assigns:
        content = act(world, "clerk", tasks.task_detail, a.task_id).data["issue_content"]
        unit = "land" if content == "村道破损" else "civil_affairs"
        act(world, "clerk", tasks.complete, a.task_id, {"handling_unit": unit, "assignment_note": "请办理"})
    handles = items(world, case_id, "Task_HandleIssue")
    assert sorted(who(h) for h in handles) == [(("civil_affairs",), None), (("land",), None)]
    # received 12-07 + voter_reception.feedback_days (30) = 2027-01-06 (Wed), to 24:00
    assert all(h.due_at == at("2027-01-07T00:00:00+08:00") for h in handles)
    land = next(h for h in handles if who(h) == (("land",), None))
    civ = next(h for h in handles if h is not land)
    with pytest.raises(NotFound):  # a case one may not see does not exist for them
        act(world, "fin", tasks.complete, civ.task_id, {"handling_reply": "x"})
    act(world, "civ", tasks.complete, civ.task_id, {"handling_reply": "已重新评定"})
    do(world, "wang", case_id, "Task_Feedback", {"feedback_note": "已电话告知", "voter_satisfaction": "满意"})

    # the land issue runs late: 督办 for the office at issue_due, the reply task stays open
    advance_and_fire(world, land.due_at - clock.now() - timedelta(minutes=1))  # only the reminder fires
    assert "Task_SuperviseIssue" not in open_ids(world, case_id)
    advance_and_fire(world, timedelta(minutes=2))
    assert open_ids(world, case_id) == ["Task_HandleIssue", "Task_SuperviseIssue"]
    assert who(one(world, case_id, "Task_SuperviseIssue")) == (("office",), None)
    do(world, "landy", case_id, "Task_HandleIssue", {"handling_reply": "已修复村道"})
    assert open_ids(world, case_id) == ["Task_Feedback", "Task_SuperviseIssue"]
    do(world, "li", case_id, "Task_Feedback", {"feedback_note": "现场告知", "voter_satisfaction": "基本满意"})
    # the issue's terminate end closes its still-open 督办 task
    assert open_ids(world, case_id) == ["Task_Summary"]
    do(world, "clerk", case_id, "Task_Summary", {"summary": "两件问题已反馈"})

    case = detail(world, case_id)
    assert case.status == "completed"
    v = case.variables
    assert (v["issue_count"], v["issues_total"], v["issues_on_time"]) == (2, 2, 1)
    by_no = {i["no"]: i for i in v["issues"]}
    first, second = by_no["问题1"], by_no["问题2"]  # an issue is named by its number
    assert (first["content"], first["unit"], first["replied_on_time"]) == ("村道破损", "land", False)
    assert (first["reply"], first["satisfaction"], first["voter_count"]) == ("已修复村道", "基本满意", 3)
    assert (second["unit"], second["replied_on_time"], second["satisfaction"]) == ("civil_affairs", True, "满意")
    assert all(i["fed_back_at"] for i in v["issues"])


def test_march_timer_starts_exactly_one_reception(world, frozen_clock):
    assert all_cases(world) == []
    first = at("2027-03-20T08:30:00+08:00")  # the earlier of 3月20日 and 9月20日
    assert advance_and_fire(world, first - clock.now() - timedelta(minutes=1)) == 0
    assert all_cases(world) == []
    advance_and_fire(world, timedelta(minutes=2))
    [case_id] = all_cases(world)
    assert open_ids(world, case_id) == ["Task_Arrange"]
    assert who(one(world, case_id, "Task_Arrange")) == (("office",), None)
    assert variables(world, case_id)["reception_date"] == "2027-03-20"
    advance_and_fire(world, timedelta(hours=1))
    assert all_cases(world) == [case_id]


def test_september_timer_starts_the_second_reception_of_the_year(world, frozen_clock):
    advance_and_fire(world, at("2027-03-20T08:31:00+08:00") - clock.now())
    [march] = all_cases(world)
    advance_and_fire(world, at("2027-09-20T08:29:00+08:00") - clock.now())
    assert all_cases(world) == [march]
    advance_and_fire(world, timedelta(minutes=2))
    [_, september] = all_cases(world)
    assert open_ids(world, september) == ["Task_Arrange"]
    assert variables(world, september)["reception_date"] == "2027-09-20"
