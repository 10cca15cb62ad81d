"""代表建议 (bpmn/proposal.bpmn): a lead unit sends back a proposal assigned to it by mistake
(退回，申请改办) and the office decides (审核退回申请): 改办 ends the handling, the co-handling
rounds with it, and the item is assigned again, its reply period counted from the new 交办;
不同意退回 gives the reply back to the same unit with the same deadline. What the reply task
says of the co-handling views and of the extension allowance left."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import clock
from engine.errors import InvalidData
from engine.usecases import case_list, cases, tasks
from engine.usecases.case_deadlines import DeadlineState
from storage.enums import WorkItemState

from .conftest import act, at, deploy, detail, do, items, one, open_ids, variables, who
from .test_proposal import REPLY_DUE, assign, evaluate, facts, register, reply

REASON = "村道修缮属国土所职责，本所无此项经费。"


@pytest.fixture
def world(people):
    deploy(people, "proposal")
    return people


def page(world, username, case_id, bpmn_id) -> tasks.TaskPage:
    return act(world, username, tasks.task_page, one(world, case_id, bpmn_id).task_id)


def send_back(world, case_id, user="fin"):
    do(world, user, case_id, "Task_Reply", {"handling_action": "return", "return_reason": REASON})


def completed(world, case_id, bpmn_id) -> list[dict]:
    """What each completion of ``bpmn_id`` stored in the case's history, oldest first."""
    return [e.data for e in detail(world, case_id).history if e.bpmn_id == bpmn_id and e.action == "complete"]


def my_proposals(session, actor) -> list[case_list.ProposalSummary]:
    """The deputy's 我的建议, as its page reads it."""
    rows, _total = case_list.list_cases(session, actor, case_list.CaseFilter(as_deputy=True))
    return case_list.proposal_summaries(session, actor, rows)


def test_a_return_needs_its_reason(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    with pytest.raises(InvalidData) as refused:
        do(world, "fin", case_id, "Task_Reply", {"handling_action": "return"})
    assert {name: e.code for name, e in refused.value.codes.items()} == {"return_reason": "required"}
    assert open_ids(world, case_id) == ["Task_Reply"]


def test_reassigned_the_old_co_handling_ends_and_the_period_counts_from_the_new_assignment(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id, lead="finance", cohandling=["land"])  # 交办 2026-12-07 (Mon) 09:00
    first_view = one(world, case_id, "Task_CohandlingView")
    clock.advance(timedelta(days=15))  # 2026-12-22 (Tue) 09:00
    send_back(world, case_id)

    # the co-handling goes on while the office decides; the decision is due when the reply is
    assert open_ids(world, case_id) == ["Task_CohandlingView", "Task_ReviewReturn"]
    review = one(world, case_id, "Task_ReviewReturn")
    assert who(review) == (("office",), None) and review.due_at == at(REPLY_DUE)
    shown = page(world, "clerk", case_id, "Task_ReviewReturn")
    assert (shown.labels["return_reason"], shown.detail.data["return_reason"]) == ("退回理由", REASON)
    do(world, "clerk", case_id, "Task_ReviewReturn", {"return_decision": "reassign", "return_opinion": "同意改办"})

    # 改办: back to 整理分类并交办, the old co-handling round withdrawn from 国土所's inbox
    assert open_ids(world, case_id) == ["Task_Classify"]
    [withdrawn] = items(world, case_id, "Task_CohandlingView", state=WorkItemState.CANCELLED)
    assert withdrawn.task_id == first_view.task_id
    classify = page(world, "clerk", case_id, "Task_Classify")
    assert (classify.detail.data["return_reason"], classify.detail.data["return_opinion"]) == (REASON, "同意改办")
    assert classify.labels["return_opinion"] == "退回审核意见"
    # chosen anew: not the unit that returned it (one submit from sending the item back to it),
    # nor the co-handling units and note of the assignment that ended
    assert (classify.values["lead_unit"], classify.values["cohandling_units"]) == (None, [])
    assert classify.values["assignment_note"] in (None, "")

    clock.advance(timedelta(hours=2))  # 2026-12-22 11:00: the new 交办
    assign(world, case_id, lead="land", cohandling=["civil_affairs"])
    assert open_ids(world, case_id) == ["Task_CohandlingView", "Task_Reply"]
    answer, view = one(world, case_id, "Task_Reply"), one(world, case_id, "Task_CohandlingView")
    # three months from 12-22: 2027-03-22 (Mon), to 24:00; one month: 2027-01-22 (Fri), to 24:00
    assert who(answer) == (("land",), None) and answer.due_at == at("2027-03-23T00:00:00+08:00")
    assert who(view) == (("civil_affairs",), None) and view.due_at == at("2027-01-23T00:00:00+08:00")
    v = variables(world, case_id)
    assert (v["reassign_count"], v["reassigned_from"], v["lead_unit"]) == (1, "finance", "land")
    assert (v["return_reason"], v["return_opinion"]) == (None, None)  # said once, kept in the history
    row = facts(world, case_id)
    assert (row.unit, row.assigned_at, row.due_at) == (
        "land",
        at("2026-12-22T11:00:00+08:00"),
        at("2027-03-23T00:00:00+08:00"),
    )

    # 我的建议 names the co-handling units of the assignment in force, not the withdrawn 国土所
    [summary] = act(world, "wang", my_proposals)
    assert (summary.lead_unit, summary.cohandling_units) == ("国土所", ("民政办",))

    # the history shows the return, its reason and the office's decision
    [returned] = completed(world, case_id, "Task_Reply")
    assert (returned["handling_action"], returned["return_reason"]) == ("return", REASON)
    [decided] = completed(world, case_id, "Task_ReviewReturn")
    assert (decided["return_decision"], decided["return_opinion"]) == ("reassign", "同意改办")

    do(world, "civ", case_id, "Task_CohandlingView", {"cohandling_opinion": "民政办配合"})
    reply(world, case_id, "A", user="landy")
    evaluate(world, case_id, "满意")
    case = detail(world, case_id)
    assert case.status == "completed"
    assert [r["unit"] for r in case.variables["cohandling_views"]] == ["civil_affairs"]
    assert case.variables["replied_on_time"] is True


def test_refused_the_same_unit_goes_on_with_the_same_deadline(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id, cohandling=["land"])
    view = one(world, case_id, "Task_CohandlingView")
    clock.advance(timedelta(days=10))
    send_back(world, case_id)
    do(
        world,
        "clerk",
        case_id,
        "Task_ReviewReturn",
        {"return_decision": "keep", "return_opinion": "村道养护经费在财政所，请继续办理。"},
    )

    assert open_ids(world, case_id) == ["Task_CohandlingView", "Task_Reply"]
    assert one(world, case_id, "Task_CohandlingView").task_id == view.task_id  # the co-handling untouched
    answer = one(world, case_id, "Task_Reply")
    assert who(answer) == (("finance",), None) and answer.due_at == at(REPLY_DUE)
    again = page(world, "fin", case_id, "Task_Reply")
    assert again.detail.data["return_opinion"] == "村道养护经费在财政所，请继续办理。"
    assert again.values.get("handling_action") is None and again.values.get("return_reason") is None
    v = variables(world, case_id)
    assert (v["assigned_at"], v["reply_due"], v["reassign_count"]) == ("2026-12-07T09:00:00+08:00", REPLY_DUE, 0)
    [decided] = completed(world, case_id, "Task_ReviewReturn")
    assert decided["return_decision"] == "keep"

    # the returned round did not end the period: the reply after it is judged against it
    steps = act(world, "fin", cases.case_page, case_id).steps
    assert [s.state for s in steps if s.bpmn_id == "Task_Reply"] == [DeadlineState.CARRIED, DeadlineState.OPEN]

    reply(world, case_id, "B")
    do(world, "landy", case_id, "Task_CohandlingView", {"cohandling_opinion": "同意"})
    v = variables(world, case_id)
    assert (v["replied_on_time"], v["return_opinion"], open_ids(world, case_id)) == (True, None, ["Task_Evaluate"])


def test_the_reply_task_says_when_the_co_handling_views_are_due_and_where_they_are(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id, cohandling=["land"])
    shown = page(world, "fin", case_id, "Task_Reply")
    # one month from 12-07: 2027-01-07 (Thu), to 24:00
    assert (shown.labels["cohandling_due"], shown.detail.data["cohandling_due"]) == (
        "协办意见期限",
        "2027-01-08T00:00:00+08:00",
    )
    assert shown.detail.data["cohandling_units"] == ["land"]
    assert "尚未提交的协办单位及其期限见案件页的办理步骤" in shown.detail.help
    # ... and there, the pending view: which unit, due when
    steps = act(world, "fin", cases.case_page, case_id).steps
    [pending] = [s for s in steps if s.bpmn_id == "Task_CohandlingView"]
    assert (pending.candidate_groups, pending.due_at, pending.state) == (
        ("land",),
        at("2027-01-08T00:00:00+08:00"),
        DeadlineState.OPEN,
    )
    # the co-handling unit is not promised a reply that may have gone already
    view_help = page(world, "landy", case_id, "Task_CohandlingView").detail.help
    assert "主办单位已先行书面答复的，本意见不再进入其答复，随答复一并送提出建议的代表" in view_help

    # the lead replies first; the later view goes with the reply to the deputy, a table on his task
    reply(world, case_id, "A")
    do(world, "landy", case_id, "Task_CohandlingView", {"cohandling_opinion": "同意主办单位方案"})
    [table] = page(world, "wang", case_id, "Task_Evaluate").records
    assert table.title == "协办单位提出协办意见"
    assert [c.label for c in table.columns] == ["协办单位", "协办意见", "提交时间", "按期提出"]
    assert [(r["unit"], r["opinion"]) for r in table.rows] == [("land", "同意主办单位方案")]


def test_no_co_handling_deadline_without_co_handling_units(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    assert page(world, "fin", case_id, "Task_Reply").detail.data.get("cohandling_due") is None


def test_the_reply_task_says_up_front_that_no_extension_is_left(world, frozen_clock):
    """A form cannot hide one option of 办理操作: the page shows the months left (0: none) and its
    help says that then no extension can be asked; the months field still refuses any number."""
    case_id = register(world)
    assign(world, case_id)
    shown = page(world, "fin", case_id, "Task_Reply")
    assert (shown.labels["extension_months_left"], shown.detail.data["extension_months_left"]) == (
        "剩余可延期（月）",
        3,
    )
    assert "“剩余可延期（月）”为 0 的，不能再申请延期" in shown.detail.help
    do(
        world,
        "fin",
        case_id,
        "Task_Reply",
        {"handling_action": "extend", "extension_months": 3, "extension_reason": "需要列入预算"},
    )
    do(world, "clerk", case_id, "Task_ApproveExtension", {"extension_decision": "approve"})
    assert page(world, "fin", case_id, "Task_Reply").detail.data["extension_months_left"] == 0
    with pytest.raises(InvalidData) as refused:
        do(
            world,
            "fin",
            case_id,
            "Task_Reply",
            {"handling_action": "extend", "extension_months": 1, "extension_reason": "仍需时间"},
        )
    assert (refused.value.codes["extension_months"].code, refused.value.codes["extension_months"].params) == (
        "max_left",
        {"max": 0},
    )
