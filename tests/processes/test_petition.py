"""信访 (bpmn/petition.bpmn) driven through the real use cases and the database."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.errors import InvalidData, NotAllowed, NotFound
from engine.usecases import cases, tasks
from storage.enums import NotificationKind
from storage.models import CaseFacts, Notification

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


def register(world, disposition="register", user="xinfang", received_on="2026-12-07"):
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
            "received_on": received_on,
            "disposition": disposition,
        },
    )
    return case.id


def accept_and_assign(world, case_id, unit="civil_affairs"):
    accept = one(world, case_id, "Task_Accept")
    assert who(accept) == (("office",), None)
    # received 12-07 (Mon) + petition.accept_days (15): the last day is 12-22 (Tue), ending at 24:00
    assert accept.due_at == at("2026-12-23T00:00:00+08:00")
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


def test_the_case_is_titled_by_its_subject_and_channel(world, frozen_clock):
    assert detail(world, register(world)).title == "低保资格 · 来访"  # title_fields: never the petitioner


def test_not_accepted_is_archived(world, frozen_clock):
    case_id = register(world)
    refusal = {"acceptance": "not_accept", "acceptance_reason": "不属于受理范围", "notified_on": "2026-12-07"}
    do(world, "clerk", case_id, "Task_Accept", refusal)
    case = detail(world, case_id)
    assert case.status == "completed" and case.variables["outcome"] == "not_accepted"


@pytest.mark.parametrize("told_on, in_time", [("2026-12-22", True), ("2026-12-23", False)])
def test_a_petition_not_accepted_counts_as_told_in_time_or_not(world, frozen_clock, told_on, in_time):
    """Told of a refusal within 15 days of receipt (12-07 + 15 days = 12-22) is told in time,
    as an acceptance is: 15 日内告知 counts both decisions."""
    case_id = register(world)
    clock.advance(timedelta(days=16))
    refusal = {"acceptance": "not_accept", "acceptance_reason": "不属于受理范围", "notified_on": told_on}
    do(world, "clerk", case_id, "Task_Accept", refusal)
    with world() as session:
        row = session.get(CaseFacts, case_id)
        assert (row.accepted, row.accepted_on_time) == (False, in_time)


def test_an_answer_on_the_spot_is_no_decision_told_late_or_in_time(world, frozen_clock):
    case_id = register(world, "on_spot", user="clerk")
    do(world, "clerk", case_id, "Task_RecordOnSpot", {"on_spot_answer": "当场解释政策"})
    with world() as session:
        row = session.get(CaseFacts, case_id)
        assert (row.accepted, row.accepted_on_time) == (None, None)


@pytest.mark.parametrize(
    "decision",
    [{"acceptance": "accept"}, {"acceptance": "not_accept", "acceptance_reason": "不属于受理范围"}],
)
def test_the_day_the_petitioner_was_told_is_required(world, frozen_clock, decision):
    # told either way (信访条例 第二十一条); "told within 15 days" is never counted of nobody told
    case_id = register(world)
    for told in ({}, {"notified_on": ""}, {"notified_on": "  "}):
        with pytest.raises(InvalidData) as refused:
            do(world, "clerk", case_id, "Task_Accept", {**decision, **told})
        assert {name: e.code for name, e in refused.value.codes.items()} == {"notified_on": "required"}
    assert open_ids(world, case_id) == ["Task_Accept"]
    do(world, "clerk", case_id, "Task_Accept", {**decision, "notified_on": "2026-12-07"})
    assert variables(world, case_id)["notified_on"] == "2026-12-07"


def test_accepted_replied_reviewed_and_re_reviewed(world, frozen_clock):
    case_id = register(world)
    accept_and_assign(world, case_id)
    handle = one(world, case_id, "Task_Handle")
    assert who(handle) == (("civil_affairs",), None)
    # accepted 12-10 + petition.handle_days (60) = 2027-02-08, in the Spring Festival holiday
    # (02-05..02-10 in the calendar's estimate for 2027): the period ends with 02-11 (Thu)
    assert handle.due_at == at("2027-02-12T00:00:00+08:00")
    with pytest.raises(NotFound):  # a case one may not see does not exist for them
        act(world, "fin", tasks.complete, handle.task_id, {"handling_action": "reply", "reply_text": "x"})
    v = variables(world, case_id)
    assert v["accepted_on_time"] is True and v["handle_due"] == "2027-02-12T00:00:00+08:00"
    assert v["petitioner_name"] == "******"  # the office clerk sees it masked, the petition officer reads it
    assert act(world, "xinfang", cases.instance_detail, case_id).variables["petitioner_name"] == "赵某"
    page = act(world, "civ", tasks.task_page, handle.task_id)  # what the handling unit is shown
    assert page.detail.data["petition_subject"] == "低保资格"
    assert {"petitioner_name", "petitioner_phone", "petitioner_id_number"} <= page.hidden
    assert (page.detail.data["petitioner_name"], page.detail.data["petitioner_phone"]) == ("******", "******")

    with pytest.raises(InvalidData) as refused:  # a reply without its text stays on the form
        do(world, "civ", case_id, "Task_Handle", {"handling_action": "reply", "extension_days": "99"})
    assert {name: e.code for name, e in refused.value.codes.items()} == {"reply_text": "required"}
    assert open_ids(world, case_id) == ["Task_Handle"]
    clock.advance(timedelta(days=30))  # 2027-01-09
    do(world, "civ", case_id, "Task_Handle", {"handling_action": "reply", "reply_text": "经核查符合条件"})

    request = one(world, case_id, "Task_ReviewRequest")
    # replied 01-09 + 30 days = 02-08, again the holiday: 02-11 24:00
    assert who(request) == (("office",), None) and request.due_at == at("2027-02-12T00:00:00+08:00")
    clock.advance(timedelta(days=10))  # 2027-01-19
    do(world, "clerk", case_id, "Task_ReviewRequest", {"review_request_content": "对答复不服，请求复查"})
    review = one(world, case_id, "Task_Review")
    # requested 01-19 + 30 days = 02-18 (Thu): 24:00 of it
    assert who(review) == (("office",), None) and review.due_at == at("2027-02-19T00:00:00+08:00")
    do(
        world,
        "clerk",
        case_id,
        "Task_Review",
        {"review_authority": "县民政局", "review_result": "upheld", "review_opinion": "维持原意见"},
    )

    rerequest = one(world, case_id, "Task_RereviewRequest")
    assert who(rerequest) == (("office",), None) and rerequest.due_at == at("2027-02-19T00:00:00+08:00")
    do(world, "clerk", case_id, "Task_RereviewRequest", {"rereview_request_content": "请求复核"})
    rereview = one(world, case_id, "Task_Rereview")
    assert who(rereview) == (("presidium",), None) and rereview.due_at == at("2027-02-19T00:00:00+08:00")
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
    approval = one(world, case_id, "Task_ApproveExtension")
    # due when the handling would be: 60 days from 12-10 end on 02-08, in the Spring Festival → 02-11
    assert who(approval) == (("office",), None) and approval.due_at == at("2027-02-12T00:00:00+08:00")
    do(
        world,
        "clerk",
        case_id,
        "Task_ApproveExtension",
        {"extension_decision": "approve", "extension_days_granted": 20},
    )
    # the one period made longer: 80 days from the acceptance (12-10) end on 02-28, a Sunday,
    # so with Monday 03-01; not 20 days on from 02-11, the day the 60 days' end (02-08, in the
    # Spring Festival) rolled to, which would give 03-03
    assert one(world, case_id, "Task_Handle").due_at == at("2027-03-02T00:00:00+08:00")
    with pytest.raises(InvalidData) as refused:  # 10 of the 30 days are left
        do(
            world,
            "civ",
            case_id,
            "Task_Handle",
            {"handling_action": "extend", "extension_days": 20, "extension_reason": "仍需调查"},
        )
    error = refused.value.codes["extension_days"]
    assert (error.code, error.params) == ("max_left", {"max": 10})
    do(
        world,
        "civ",
        case_id,
        "Task_Handle",
        {"handling_action": "extend", "extension_days": 10, "extension_reason": "仍需调查"},
    )
    with pytest.raises(InvalidData) as refused:
        do(
            world,
            "clerk",
            case_id,
            "Task_ApproveExtension",
            {"extension_decision": "approve", "extension_days_granted": 11},
        )
    assert refused.value.codes["extension_days_granted"].code == "max_left"
    do(world, "clerk", case_id, "Task_ApproveExtension", {"extension_decision": "approve"})  # what was asked for
    # 90 days from 12-10 in all, the most the regulation allows: 03-10 (Wed), not 03-15
    assert one(world, case_id, "Task_Handle").due_at == at("2027-03-11T00:00:00+08:00")
    v = variables(world, case_id)
    assert (v["extension_granted"], v["extension_days_total"], v["extension_count"], v["extended"]) == (10, 30, 2, True)
    with pytest.raises(InvalidData) as refused:  # nothing left
        do(
            world,
            "civ",
            case_id,
            "Task_Handle",
            {"handling_action": "extend", "extension_days": 1, "extension_reason": "再延"},
        )
    assert refused.value.codes["extension_days"].params == {"max": 0}


def test_the_acceptance_period_counts_from_receipt_not_registration(world, frozen_clock):
    clock.advance(timedelta(days=30))  # registered 2027-01-06 (Wed), 09:00
    case_id = register(world, received_on="2027-01-02")
    # received 01-02 + 15 days = 01-17, a Sunday: the period ends with Monday 01-18
    assert one(world, case_id, "Task_Accept").due_at == at("2027-01-19T00:00:00+08:00")
    advance_and_fire(world, at("2027-01-18T23:59:00+08:00") - clock.now())
    do(world, "clerk", case_id, "Task_Accept", {"acceptance": "accept", "notified_on": "2027-01-18"})
    assert variables(world, case_id)["accepted_on_time"] is True


def test_accepting_on_the_day_after_the_period_is_late(world, frozen_clock):
    clock.advance(timedelta(days=30))
    case_id = register(world, received_on="2027-01-02")
    advance_and_fire(world, at("2027-01-19T00:00:00+08:00") - clock.now())  # the first instant of day 16
    do(world, "clerk", case_id, "Task_Accept", {"acceptance": "accept", "notified_on": "2027-01-19"})
    assert variables(world, case_id)["accepted_on_time"] is False


def test_acceptance_counts_from_the_day_told_not_the_day_typed_in(world, frozen_clock):
    # received 11-20 + 15 days = 12-05, a Saturday: the acceptance period ends with Monday 12-07
    case_id = register(world, received_on="2026-11-20")
    assert one(world, case_id, "Task_Accept").due_at == at("2026-12-08T00:00:00+08:00")
    clock.advance(timedelta(days=3))  # typed in on 12-10, after the period: told on 11-30, within it
    do(world, "clerk", case_id, "Task_Accept", {"acceptance": "accept", "notified_on": "2026-11-30"})
    v = variables(world, case_id)
    assert v["accepted_on_time"] is True
    # accepted 11-30 + 60 days = 2027-01-29 (Fri), not 60 days from 12-10 (into the Spring Festival)
    assert v["handle_due"] == "2027-01-30T00:00:00+08:00"
    do(world, "clerk", case_id, "Task_Assign", {"handling_unit": "civil_affairs", "assignment_note": "请依法办理"})
    assert one(world, case_id, "Task_Handle").due_at == at("2027-01-30T00:00:00+08:00")


def test_a_receipt_date_in_the_future_is_refused(world, frozen_clock):
    with pytest.raises(InvalidData) as refused:
        register(world, received_on="2026-12-08")  # today is 2026-12-07
    error = refused.value.codes["received_on"]
    assert (error.code, error.params["max"]) == ("date_out_of_range", "2026-12-07")


def test_a_late_reply_is_supervised_and_recorded_late(world, frozen_clock):
    case_id = register(world)
    accept_and_assign(world, case_id)  # handling ends 2027-02-12 00:00 (see above)
    advance_and_fire(world, at("2027-02-11T23:59:59+08:00") - clock.now())
    assert open_ids(world, case_id) == ["Task_Handle"]  # the last day is not over
    advance_and_fire(world, timedelta(seconds=2))  # 00:00:01 on 02-12, the period over
    assert open_ids(world, case_id) == ["Task_Handle", "Task_SuperviseHandle"]
    supervise = one(world, case_id, "Task_SuperviseHandle")
    assert who(supervise) == (("office",), None)
    with world() as session:  # the handling unit is told: the 督办 timer 办理期满 on the task's border
        told = session.execute(  # falls due as the period ends: its 督办 says so, no overdue notice besides
            select(Notification.kind, Notification.message)
            .where(Notification.instance_id == case_id, Notification.username == "civ")
            .order_by(Notification.id)
        ).all()
    task = "「办理并书面答复信访人」（案件：低保资格 · 来访）"
    assert told == [  # the end read as 24:00
        (NotificationKind.TASK, task + "已到您的待办，期限 2027-02-11 24:00。"),
        (NotificationKind.REMINDER, task + "将于 2027-02-11 24:00 到期，请及时办理。"),
        (NotificationKind.SUPERVISION, task + "已过期限（办理期满）仍未办结，已转入督办，请尽快办理。"),
    ]
    do(world, "clerk", case_id, "Task_SuperviseHandle", {"supervision_method": "phone", "supervision_note": "电话催办"})
    assert open_ids(world, case_id) == ["Task_Handle"]
    do(world, "civ", case_id, "Task_Handle", {"handling_action": "reply", "reply_text": "逾期答复"})
    assert variables(world, case_id)["replied_on_time"] is False
    states = {d.bpmn_id: d.state for d in act(world, "clerk", cases.case_page, case_id).deadlines}
    assert states == {"Task_Accept": "met", "Task_Handle": "missed", "Task_ReviewRequest": "open"}


def test_a_reply_on_the_last_evening_is_on_time(world, frozen_clock):
    case_id = register(world)
    accept_and_assign(world, case_id)
    clock.advance(at("2027-02-11T23:30:00+08:00") - clock.now())
    do(world, "civ", case_id, "Task_Handle", {"handling_action": "reply", "reply_text": "按期答复"})
    assert variables(world, case_id)["replied_on_time"] is True
    [_, handle, _] = act(world, "clerk", cases.case_page, case_id).deadlines
    assert (
        handle.bpmn_id,
        handle.state,
        handle.rule.last_day.isoformat(),
        handle.rule.nominal_last_day.isoformat(),
    ) == (
        "Task_Handle",
        "met",
        "2027-02-11",
        "2027-02-08",
    )


def test_the_statistics_facts_of_a_petition(world, frozen_clock):
    clock.advance(timedelta(days=30))  # registered 2027-01-06
    case_id = register(world, received_on="2027-01-02")
    do(world, "clerk", case_id, "Task_Accept", {"acceptance": "accept", "notified_on": "2027-01-06"})
    do(world, "clerk", case_id, "Task_Assign", {"handling_unit": "civil_affairs", "assignment_note": "请依法办理"})
    with world() as session:
        row = session.get(CaseFacts, case_id)
        assert row is not None
        # counted in the period of its receipt, not of its registration
        assert row.received_at == at("2027-01-02T00:00:00+08:00")
        assert (row.kind, row.unit, row.accepted, row.accepted_on_time) == ("visit", "civil_affairs", True, True)
        assert row.deputy is None and row.replied_at is None


def test_the_petitioner_cannot_have_been_told_tomorrow(world, frozen_clock):
    case_id = register(world)
    with pytest.raises(InvalidData) as refused:
        do(world, "clerk", case_id, "Task_Accept", {"acceptance": "accept", "notified_on": "2026-12-08"})
    error = refused.value.codes["notified_on"]
    # the range applied: from the day received (register: 2026-12-07) to today
    assert (error.code, error.params) == ("date_out_of_range", {"min": "2026-12-07", "max": "2026-12-07"})
