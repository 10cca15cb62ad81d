"""信访 (bpmn/petition.bpmn) driven through the real use cases and the database."""

from datetime import timedelta

import pytest

from engine import clock
from engine.errors import NotAllowed, NotFound
from engine.usecases import cases, tasks

from .conftest import (
    act,
    advance_and_fire,
    at,
    deploy,
    detail,
    do,
    one,
    open_ids,
    variables,
    who,
)


@pytest.fixture
def world(people):
    deploy(people, "petition")
    return people


def register(world, disposition="register", user="xinfang"):
    case = act(
        world,
        user,
        cases.start_instance,
        "petition",
        {
            "channel": "visit",
            "petitioner_name": "赵某",
            "petitioner_phone": "13800000000",
            "petition_subject": "低保资格",
            "petition_content": "申请复核低保资格",
            "received_on": "2026-12-07",
            "disposition": disposition,
        },
    )
    return case.id


def accept_and_assign(world, case_id, unit="civil_affairs"):
    accept = one(world, case_id, "Task_Accept")
    assert who(accept) == (("office",), None)
    assert accept.due_at == at("2026-12-22T09:00:00+08:00")  # registration + petition.accept_days (15)
    clock.advance(timedelta(days=3))
    do(world, "clerk", case_id, "Task_Accept", {"acceptance": "accept", "notified_on": "2026-12-10"})
    assert who(one(world, case_id, "Task_Assign")) == (("office",), None)
    do(world, "clerk", case_id, "Task_Assign", {"handling_unit": unit, "assignment_note": "请依法办理"})


def test_answered_on_the_spot_is_recorded_and_archived(world, frozen_clock):
    case_id = register(world, "on_spot", user="clerk")
    assert open_ids(world, case_id) == ["Task_RecordOnSpot"]
    assert who(one(world, case_id, "Task_RecordOnSpot")) == (("office",), None)
    do(world, "clerk", case_id, "Task_RecordOnSpot", {"on_spot_answer": "当场解释政策"})
    case = detail(world, case_id)
    assert case.status == "completed"
    assert (case.variables["outcome"], case.variables["on_spot_answer"]) == ("answered_on_spot", "当场解释政策")


def test_not_accepted_is_archived(world, frozen_clock):
    case_id = register(world)
    do(world, "clerk", case_id, "Task_Accept", {"acceptance": "not_accept", "acceptance_reason": "不属于受理范围"})
    case = detail(world, case_id)
    assert case.status == "completed" and case.variables["outcome"] == "not_accepted"


def test_accepted_replied_reviewed_and_re_reviewed(world, frozen_clock):
    case_id = register(world)
    accept_and_assign(world, case_id)
    handle = one(world, case_id, "Task_Handle")
    assert who(handle) == (("civil_affairs",), None)
    assert handle.due_at == at("2027-02-08T09:00:00+08:00")  # acceptance (12-10) + petition.handle_days (60)
    with pytest.raises(NotFound):  # a case one may not see does not exist for them
        act(world, "fin", tasks.complete, handle.task_id, {"handling_action": "reply", "reply_text": "x"})
    v = variables(world, case_id)
    assert v["accepted_on_time"] is True and v["handle_due"] == "2027-02-08T09:00:00+08:00"
    assert v["petitioner_name"] == "赵*"  # the office clerk sees it masked, the petition officer reads it
    assert act(world, "xinfang", cases.instance_detail, case_id).variables["petitioner_name"] == "赵某"
    page = act(world, "civ", tasks.task_page, handle.task_id)  # what the handling unit is shown
    assert page.detail.data["petition_subject"] == "低保资格"
    assert {"petitioner_name", "petitioner_phone", "petitioner_id_number"} <= page.hidden
    assert (page.detail.data["petitioner_name"], page.detail.data["petitioner_phone"]) == ("赵*", "138****0000")

    do(world, "civ", case_id, "Task_Handle", {"handling_action": "reply"})  # no text: back to the task
    assert open_ids(world, case_id) == ["Task_Handle"]
    clock.advance(timedelta(days=30))  # 2027-01-09
    do(world, "civ", case_id, "Task_Handle", {"handling_action": "reply", "reply_text": "经核查符合条件"})

    request = one(world, case_id, "Task_ReviewRequest")
    assert who(request) == (("office",), None) and request.due_at == at("2027-02-08T09:00:00+08:00")
    clock.advance(timedelta(days=10))  # 2027-01-19
    do(world, "clerk", case_id, "Task_ReviewRequest", {"review_request_content": "对答复不服，请求复查"})
    review = one(world, case_id, "Task_Review")
    assert who(review) == (("office",), None) and review.due_at == at("2027-02-18T09:00:00+08:00")
    do(
        world,
        "clerk",
        case_id,
        "Task_Review",
        {"review_authority": "县民政局", "review_result": "upheld", "review_opinion": "维持原意见"},
    )

    rerequest = one(world, case_id, "Task_RereviewRequest")
    assert who(rerequest) == (("office",), None) and rerequest.due_at == at("2027-02-18T09:00:00+08:00")
    do(world, "clerk", case_id, "Task_RereviewRequest", {"rereview_request_content": "请求复核"})
    rereview = one(world, case_id, "Task_Rereview")
    assert who(rereview) == (("presidium",), None) and rereview.due_at == at("2027-02-18T09:00:00+08:00")
    with pytest.raises(NotAllowed):
        act(world, "clerk", tasks.complete, rereview.task_id, {"rereview_result": "upheld", "rereview_opinion": "x"})
    do(world, "member", case_id, "Task_Rereview", {"rereview_result": "changed", "rereview_opinion": "变更复查意见"})

    case = detail(world, case_id)
    assert case.status == "completed"
    v = case.variables
    assert v["outcome"] == "rereviewed" and v["replied_on_time"] is True
    assert v["review_requested"] is True and v["rereview_requested"] is True
    assert (v["review_result"], v["rereview_result"]) == ("upheld", "changed")
    assert v["reviewed_on_time"] is True and v["rereviewed_on_time"] is True and v["archived_at"]


def test_no_review_requested_archives_when_the_period_ends(world, frozen_clock):
    case_id = register(world)
    accept_and_assign(world, case_id)
    do(world, "civ", case_id, "Task_Handle", {"handling_action": "reply", "reply_text": "已答复"})
    due = one(world, case_id, "Task_ReviewRequest").due_at
    advance_and_fire(world, due - clock.now() - timedelta(minutes=1))
    assert detail(world, case_id).status == "running"
    advance_and_fire(world, timedelta(minutes=2))
    case = detail(world, case_id)
    assert case.status == "completed" and open_ids(world, case_id) == []
    assert (case.variables["outcome"], case.variables["review_requested"]) == ("replied", False)


def test_extensions_are_capped_at_thirty_days_in_all(world, frozen_clock):
    case_id = register(world)
    accept_and_assign(world, case_id)
    do(
        world,
        "civ",
        case_id,
        "Task_Handle",
        {"handling_action": "extend", "extension_days": 20, "extension_reason": "需实地调查"},
    )
    assert who(one(world, case_id, "Task_ApproveExtension")) == (("office",), None)
    do(
        world,
        "clerk",
        case_id,
        "Task_ApproveExtension",
        {"extension_decision": "approve", "extension_days_granted": 20},
    )
    assert one(world, case_id, "Task_Handle").due_at == at("2027-02-28T09:00:00+08:00")
    do(
        world,
        "civ",
        case_id,
        "Task_Handle",
        {"handling_action": "extend", "extension_days": 20, "extension_reason": "仍需调查"},
    )
    do(
        world,
        "clerk",
        case_id,
        "Task_ApproveExtension",
        {"extension_decision": "approve", "extension_days_granted": 20},
    )
    assert one(world, case_id, "Task_Handle").due_at == at("2027-03-10T09:00:00+08:00")
    v = variables(world, case_id)
    assert (v["extension_granted"], v["extension_days_total"], v["extension_count"], v["extended"]) == (10, 30, 2, True)
