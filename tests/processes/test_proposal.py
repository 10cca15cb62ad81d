"""代表建议办理 (bpmn/proposal.bpmn) driven through the real use cases and the database."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.errors import InvalidData, NotAllowed, NotFound
from engine.usecases import cases, supervision, tasks, timers
from engine.usecases.statistics import Period, statistics
from storage.enums import NotificationKind, WorkItemState
from storage.models import CaseFacts, Notification, WorkItem

from .conftest import (
    act,
    advance_and_fire,
    at,
    deploy,
    detail,
    do,
    facts_rows,
    items,
    one,
    open_ids,
    side_by_side,
    variables,
    who,
)

# 交办 on 2026-12-07 (Mon) + proposal.reply_months (3) = 2027-03-07, a Sunday: the period ends
# with Monday 03-08, at 24:00
REPLY_DUE = "2027-03-09T00:00:00+08:00"


@pytest.fixture
def world(people):
    deploy(people, "proposal")
    return people


def register(world, **data):
    case = act(
        world,
        "clerk",
        cases.start_instance,
        "proposal",
        {
            "kind": "suggestion",
            "title": "修缮村道",
            "content": "村道破损，建议修缮",
            "deputy": "wang",
            "submitted_during": "recess",
            **data,
        },
    )
    assert case.status == "running"
    return case.id


def assign(world, case_id, lead="finance", cohandling=()):
    assert open_ids(world, case_id) == ["Task_Classify"]
    assert who(one(world, case_id, "Task_Classify")) == (("office",), None)
    do(
        world,
        "clerk",
        case_id,
        "Task_Classify",
        {
            "category": "construction",
            "lead_unit": lead,
            "cohandling_units": list(cohandling),
            "assignment_note": "请办理",
        },
    )


def reply(world, case_id, reply_class, user="fin"):
    do(
        world,
        user,
        case_id,
        "Task_Reply",
        {
            "handling_action": "reply",
            "reply_class": reply_class,
            "reply_text": f"{reply_class}类答复",
            "reply_signer": "张局长",
        },
    )


def ask_extension(world, case_id, months=2):
    """财政所 asks for ``months`` more to reply (申请延期答复), with its reason."""
    ask = {"handling_action": "extend", "extension_months": months, "extension_reason": "需要列入预算"}
    do(world, "fin", case_id, "Task_Reply", ask)


def approve_extension(world, case_id, months=2):
    """The office grants ``months`` (审批延期申请)."""
    do(
        world,
        "clerk",
        case_id,
        "Task_ApproveExtension",
        {"extension_decision": "approve", "extension_months_granted": months},
    )


def evaluate(world, case_id, evaluation):
    item = one(world, case_id, "Task_Evaluate")
    assert who(item) == ((), "wang")
    assert item.due_at == at(variables(world, case_id)["evaluation_due"])
    assert item.due_at >= clock.now() + timedelta(days=28)  # 20 working days
    why = "unsatisfied_reason" if evaluation == "不满意" else "evaluation_comment"
    act(world, "wang", tasks.complete, item.task_id, {"evaluation": evaluation, why: "意见"})


def test_the_submitting_deputy_is_chosen_from_the_deputies(world, frozen_clock):
    """A mistyped or non-deputy name would give the evaluation to nobody: refused at the start."""
    for not_a_deputy in ("wnag", "clerk"):
        with pytest.raises(InvalidData) as refused:
            register(world, deputy=not_a_deputy)
        assert set(refused.value.field_errors) == {"deputy"}
    assert register(world, deputy="li")


def test_a_deputy_files_a_proposal_in_his_own_name(world, frozen_clock):
    """提出代表 holds the deputy who starts the case himself (own_for="deputy"); only the
    office, registering for deputies, chooses whom it names."""
    proposal = {"kind": "suggestion", "title": "路灯", "content": "村口无路灯", "submitted_during": "recess"}
    with pytest.raises(InvalidData) as refused:
        act(world, "wang", cases.start_instance, "proposal", {**proposal, "deputy": "li"})
    assert refused.value.codes["deputy"].code == "not_allowed_value"
    for given in ({}, {"deputy": "wang"}):
        case = act(world, "wang", cases.start_instance, "proposal", {**proposal, **given})
        assert variables(world, case.id)["deputy"] == "wang"
    own = act(world, "wang", cases.start_option, "proposal").form.field("deputy")
    assert own.readonly and own.default == "wang"
    chosen = act(world, "clerk", cases.start_option, "proposal").form.field("deputy")
    assert not chosen.readonly and chosen.default is None
    assert variables(world, register(world, deputy="li"))["deputy"] == "li"
    with pytest.raises(InvalidData) as refused:  # he does not co-sign his own
        act(world, "wang", cases.start_instance, "proposal", {**proposal, "joint_deputies": ["li", "wang"]})
    assert refused.value.codes["joint_deputies"].code == "repeats_field"
    with pytest.raises(InvalidData) as refused:
        register(world, deputy="li", joint_deputies=["li"])
    assert refused.value.codes["joint_deputies"].code == "repeats_field"
    assert variables(world, register(world, deputy="li", joint_deputies=["wang"]))["joint_deputies"] == ["wang"]


def test_register_assign_reply_satisfied_closes_the_case(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id, cohandling=["land"])
    assert open_ids(world, case_id) == ["Task_CohandlingView", "Task_Reply"]
    view, answer = one(world, case_id, "Task_CohandlingView"), one(world, case_id, "Task_Reply")
    # co-handling opinion: one month, 2027-01-07 (Thu), to 24:00
    assert who(view) == (("land",), None) and view.due_at == at("2027-01-08T00:00:00+08:00")
    assert who(answer) == (("finance",), None) and answer.due_at == at(REPLY_DUE)
    with pytest.raises(NotAllowed):
        act(world, "landy", tasks.complete, answer.task_id, {"handling_action": "reply"})

    do(world, "landy", case_id, "Task_CohandlingView", {"cohandling_opinion": "同意主办单位方案"})
    assert open_ids(world, case_id) == ["Task_Reply"]
    clock.advance(timedelta(days=20))
    reply(world, case_id, "A")
    assert open_ids(world, case_id) == ["Task_Evaluate"]
    evaluate(world, case_id, "满意")

    case = detail(world, case_id)
    assert case.status == "completed" and open_ids(world, case_id) == []
    v = case.variables
    assert (v["lead_unit"], v["cohandling_units"], v["reply_class"], v["first_reply_class"]) == (
        "finance",
        ["land"],
        "A",
        "A",
    )
    assert (v["evaluation"], v["first_evaluation"], v["evaluation_count"]) == ("满意", "满意", 1)
    assert v["solved"] is True and v["replied_on_time"] is True and v["extended"] is False
    assert v["outcome"] == "closed" and v["reply_due"] == REPLY_DUE and v["reply_count"] == 1
    [view_record] = v["cohandling_views"]
    assert (view_record["unit"], view_record["opinion"], view_record["on_time"]) == ("land", "同意主办单位方案", True)


def test_the_deputys_evaluation_cannot_be_given_back_to_nobody(world, frozen_clock):
    """Task_Evaluate names the deputy alone (camunda:assignee, no candidates): given back, it
    would wait in no one's inbox and the case would stall."""
    case_id = register(world)
    assign(world, case_id)
    reply(world, case_id, "A")
    item = one(world, case_id, "Task_Evaluate")
    with pytest.raises(NotAllowed):
        act(world, "wang", tasks.unclaim, item.task_id)
    page = act(world, "wang", tasks.task_page, item.task_id)
    assert page.can_give_back is False and page.detail.summary.offered is False
    assert who(one(world, case_id, "Task_Evaluate")) == ((), "wang")


def test_unsatisfied_evaluation_loops_through_re_handling(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    assert open_ids(world, case_id) == ["Task_Reply"]  # no co-handlers: that branch completes at once
    reply(world, case_id, "C")
    evaluate(world, case_id, "不满意")

    rehandle = one(world, case_id, "Task_Rehandle")
    assert who(rehandle) == (("finance",), None)
    assert rehandle.due_at == at("2027-01-08T00:00:00+08:00")  # 12-07 + proposal.rehandle_months (1)
    do(world, "fin", case_id, "Task_Rehandle", {"reply_class": "A", "reply_text": "已重新办理并解决"})
    evaluate(world, case_id, "基本满意")

    case = detail(world, case_id)
    assert case.status == "completed"
    v = case.variables
    assert (v["first_evaluation"], v["evaluation"], v["evaluation_count"]) == ("不满意", "基本满意", 2)
    assert (v["first_reply_class"], v["reply_class"], v["reply_count"], v["rehandle_count"]) == ("C", "A", 2, 1)
    assert v["rehandled_on_time"] is True and v["solved"] is True
    # the first reason is the first evaluation's, kept in the history: no fact of the case beside
    # 基本满意 (it read 不满意的理由 意见 under 评价 基本满意)
    assert v["unsatisfied_reason"] is None and v["evaluation_comment"] == "意见"
    said = [e.data for e in case.history if e.bpmn_id == "Task_Evaluate" and e.action == "complete"]
    assert [d.get("unsatisfied_reason") for d in said] == ["意见", None]


def test_class_b_reply_is_followed_up_until_solved(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id, lead="land")
    reply(world, case_id, "B", user="landy")
    evaluate(world, case_id, "基本满意")

    first = one(world, case_id, "Task_FollowUp")
    assert who(first) == (("land",), None) and first.due_at == at("2027-03-09T00:00:00+08:00")  # as REPLY_DUE
    clock.advance(timedelta(days=80))
    do(world, "landy", case_id, "Task_FollowUp", {"progress_report": "已完成一半", "followup_status": "in_progress"})
    second = one(world, case_id, "Task_FollowUp")
    assert second.task_id != first.task_id
    assert second.due_at == at("2027-05-26T00:00:00+08:00")  # 2027-02-25 + three months = 05-25 (Tue)
    assert detail(world, case_id).variables["solved"] is False
    do(world, "landy", case_id, "Task_FollowUp", {"progress_report": "已全部完成", "followup_status": "solved"})

    case = detail(world, case_id)
    assert case.status == "completed"
    v = case.variables
    assert (v["reply_class"], v["followup_count"], v["followup_status"], v["solved"]) == ("B", 2, "solved", True)


def test_approved_extension_moves_the_reply_deadline_within_the_cap(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    # an extension request without a reason stays on the form, the reason marked; the reply
    # fields do not apply to it and are not asked for
    with pytest.raises(InvalidData) as refused:
        do(world, "fin", case_id, "Task_Reply", {"handling_action": "extend", "extension_months": 2})
    assert {name: e.code for name, e in refused.value.codes.items()} == {"extension_reason": "required"}
    assert open_ids(world, case_id) == ["Task_Reply"]

    ask_extension(world, case_id)
    approval = one(world, case_id, "Task_ApproveExtension")
    assert who(approval) == (("office",), None)
    # the decision is due when the reply would be (three months from 12-07: 03-07, a Sunday →
    # 03-08): the statutory date does not wait for it
    assert approval.due_at == at("2027-03-09T00:00:00+08:00")
    approve_extension(world, case_id)
    # the one period made longer: five months from the assignment (12-07) end on 05-07 (a
    # Friday); not two months on from 03-08, the day the three months' end (03-07, a Sunday)
    # rolled to, which would give 05-08, a Saturday, so 05-10
    moved = one(world, case_id, "Task_Reply")
    assert moved.due_at == at("2027-05-08T00:00:00+08:00")
    v = variables(world, case_id)
    assert (v["reply_due"], v["extension_months_total"], v["extended"]) == ("2027-05-08T00:00:00+08:00", 2, True)

    # all extensions together stay within proposal.max_extension_months (3): asking 3 more is
    # refused, naming the 1 month left; so is granting more than is left
    with pytest.raises(InvalidData) as refused:
        do(
            world,
            "fin",
            case_id,
            "Task_Reply",
            {"handling_action": "extend", "extension_months": 3, "extension_reason": "仍需时间"},
        )
    error = refused.value.codes["extension_months"]
    assert (error.code, error.params) == ("max_left", {"max": 1})
    assert open_ids(world, case_id) == ["Task_Reply"]  # nothing moved
    do(
        world,
        "fin",
        case_id,
        "Task_Reply",
        {"handling_action": "extend", "extension_months": 1, "extension_reason": "仍需时间"},
    )
    with pytest.raises(InvalidData) as refused:
        do(
            world,
            "clerk",
            case_id,
            "Task_ApproveExtension",
            {"extension_decision": "approve", "extension_months_granted": 2},
        )
    assert (
        refused.value.codes["extension_months_granted"].code,
        refused.value.codes["extension_months_granted"].params,
    ) == (
        "max_left",
        {"max": 1},
    )
    do(
        world,
        "clerk",
        case_id,
        "Task_ApproveExtension",
        {"extension_decision": "approve", "extension_months_granted": 1},
    )
    # six months from 12-07 in all, the most a reply may take: 06-07 (Mon), not 06-11
    assert one(world, case_id, "Task_Reply").due_at == at("2027-06-08T00:00:00+08:00")
    v = variables(world, case_id)
    assert (v["extension_granted"], v["extension_months_total"], v["extension_count"]) == (1, 3, 2)

    clock.advance(timedelta(days=120))  # past the original deadline, within the extended one
    reply(world, case_id, "A")
    assert variables(world, case_id)["replied_on_time"] is True


def test_rejected_extension_keeps_the_deadline(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    do(
        world,
        "fin",
        case_id,
        "Task_Reply",
        {"handling_action": "extend", "extension_months": 1, "extension_reason": "人手不足"},
    )
    do(world, "clerk", case_id, "Task_ApproveExtension", {"extension_decision": "reject"})
    assert one(world, case_id, "Task_Reply").due_at == at(REPLY_DUE)
    v = variables(world, case_id)
    assert (v["extended"], v["extension_months_total"], v["extension_count"]) == (False, 0, 1)


def test_supervision_timer_when_the_reply_deadline_passes(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    advance_and_fire(world, timedelta(days=80))
    assert open_ids(world, case_id) == ["Task_Reply"]  # not yet due
    clock.advance(at(REPLY_DUE) - clock.now() + timedelta(seconds=1))
    assert timers.fire_due(world) >= 1

    assert open_ids(world, case_id) == ["Task_Reply", "Task_Supervise"]  # non-interrupting
    supervise = one(world, case_id, "Task_Supervise")
    assert who(supervise) == (("office",), None)
    with pytest.raises(NotAllowed):
        act(world, "fin", tasks.complete, supervise.task_id, {"supervision_method": "phone", "supervision_note": "x"})
    do(world, "clerk", case_id, "Task_Supervise", {"supervision_method": "phone", "supervision_note": "电话催办"})
    case = detail(world, case_id)
    assert case.status == "running" and open_ids(world, case_id) == ["Task_Reply"]
    assert "Task_Reply" in case.overdue_bpmn_ids

    reply(world, case_id, "A")
    assert variables(world, case_id)["replied_on_time"] is False
    assert len(items(world, case_id, "Task_Supervise", state=WorkItemState.COMPLETED)) == 1


@pytest.mark.parametrize("cohandling", [(), ("land",)], ids=["alone", "with_a_co_handler"])
def test_a_reply_given_while_the_supervision_is_open_is_the_cases(world, frozen_clock, cohandling):
    """The 督办 the reply deadline opened holds a copy of the case's data taken then; the lead
    unit's reply, given while it is still open, is the case's all the same (its variables, its
    facts row, the statistics' reply class), also while the join waits for the co-handler."""
    case_id = register(world)
    assign(world, case_id, cohandling=cohandling)
    clock.advance(at(REPLY_DUE) - clock.now() + timedelta(seconds=1))
    assert timers.fire_due(world) >= 1
    answer = {"handling_action": "reply", "reply_class": "B", "reply_text": "已清淤，明年列入改造计划。"}
    do(world, "fin", case_id, "Task_Reply", {**answer, "reply_signer": "张局长"})
    still_open = ["Task_CohandlingView", "Task_Supervise"] if cohandling else ["Task_Evaluate", "Task_Supervise"]
    assert open_ids(world, case_id) == still_open

    v = variables(world, case_id)
    assert (v["reply_class"], v["reply_text"], v["replied_on_time"]) == ("B", "已清淤，明年列入改造计划。", False)
    row = facts(world, case_id)
    assert (row.reply_class, row.replied_on_time, row.replied_at) == ("B", False, at("2027-03-09T00:00:01+08:00"))
    figures = act(world, "boss", statistics, "proposal", Period(date(2026, 12, 1), date(2026, 12, 31))).overall
    assert [figures[key].count for key in ("replied", "class_a", "class_b", "class_c", "class_d")] == [1, 0, 1, 0, 0]


def test_supervision_of_a_late_re_handling(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    reply(world, case_id, "D")
    evaluate(world, case_id, "不满意")
    due = one(world, case_id, "Task_Rehandle").due_at
    advance_and_fire(world, due - clock.now() + timedelta(seconds=1))
    assert open_ids(world, case_id) == ["Task_Rehandle", "Task_SuperviseRehandle"]
    assert who(one(world, case_id, "Task_SuperviseRehandle")) == (("office",), None)
    do(world, "fin", case_id, "Task_Rehandle", {"reply_class": "C", "reply_text": "条件所限，以后解决"})
    assert variables(world, case_id)["rehandled_on_time"] is False
    assert "Task_Evaluate" in open_ids(world, case_id) and detail(world, case_id).status == "running"


def test_no_evaluation_in_time_is_recorded(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    reply(world, case_id, "A")
    due = one(world, case_id, "Task_Evaluate").due_at
    clock.advance(due - clock.now() + timedelta(seconds=1))
    timers.fire_due(world)
    case = detail(world, case_id)
    assert case.status == "completed"
    assert (case.variables["evaluation"], case.variables["evaluation_overdue"]) == ("逾期未反馈", True)


def test_motion_rejected_by_the_congress_is_closed(world, frozen_clock):
    case_id = register(world, kind="motion", submitted_during="session")
    agenda = one(world, case_id, "Task_AgendaDecision")
    assert who(agenda) == (("presidium",), None)
    do(world, "chair", case_id, "Task_AgendaDecision", {"agenda_decision": "agenda"})
    do(world, "member", case_id, "Task_Deliberate", {"deliberation_result": "rejected"})
    case = detail(world, case_id)
    assert case.status == "completed"
    assert (case.variables["outcome"], case.variables["motion_adopted"], case.variables["on_agenda"]) == (
        "motion_rejected",
        False,
        True,
    )


def test_motion_not_on_the_agenda_is_handled_as_a_suggestion(world, frozen_clock):
    case_id = register(world, kind="motion", submitted_during="session")
    do(world, "chair", case_id, "Task_AgendaDecision", {"agenda_decision": "as_suggestion"})
    assert open_ids(world, case_id) == ["Task_Classify"]
    assert variables(world, case_id)["handled_as"] == "suggestion"


def test_a_reply_at_three_in_the_afternoon_of_the_last_day_is_on_time(world, frozen_clock):
    """The issue's case: assigned 2027-03-16 at 09:00, the reply is due by 24:00 of 06-16 (Wed);
    assigned at 17:45 the same day, the deadline is the same."""
    clock.advance(at("2027-03-16T09:00:00+08:00") - clock.now())
    early = register(world)
    assign(world, early)
    clock.advance(at("2027-03-16T17:45:00+08:00") - clock.now())
    late = register(world)
    assign(world, late)
    for case_id in (early, late):
        assert one(world, case_id, "Task_Reply").due_at == at("2027-06-17T00:00:00+08:00")

    advance_and_fire(world, at("2027-06-16T15:00:00+08:00") - clock.now())
    reply(world, early, "A")
    assert variables(world, early)["replied_on_time"] is True

    # no 督办 on the last day: the period is not over until 24:00
    advance_and_fire(world, at("2027-06-16T23:59:00+08:00") - clock.now())
    assert open_ids(world, late) == ["Task_Reply"]
    advance_and_fire(world, at("2027-06-17T00:00:01+08:00") - clock.now())
    assert open_ids(world, late) == ["Task_Reply", "Task_Supervise"]


def test_a_second_unsatisfied_evaluation_closes_the_case_as_finally_unsatisfied(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    reply(world, case_id, "C")
    evaluate(world, case_id, "不满意")
    do(world, "fin", case_id, "Task_Rehandle", {"reply_class": "C", "reply_text": "仍无条件解决"})
    evaluate(world, case_id, "不满意")

    case = detail(world, case_id)
    assert case.status == "completed" and open_ids(world, case_id) == []
    v = case.variables
    assert (v["first_evaluation"], v["evaluation"], v["final_evaluation"]) == ("不满意", "不满意", "最终不满意")
    assert (v["evaluation_count"], v["rehandle_count"], v["outcome"]) == (2, 1, "closed")


def facts(world, case_id) -> CaseFacts:
    with world() as session:
        row = session.get(CaseFacts, case_id)
        assert row is not None
        return row


def test_the_statistics_facts_follow_the_case(world, frozen_clock):
    case_id = register(world)
    row = facts(world, case_id)
    assert (row.process_key, row.status, row.deputy, row.unit, row.assigned_at) == (
        "proposal",
        "running",
        "wang",
        None,
        None,
    )
    assert row.received_at == at("2026-12-07T09:00:00+08:00")
    assign(world, case_id)
    clock.advance(timedelta(days=20))
    reply(world, case_id, "A")
    evaluate(world, case_id, "满意")
    row = facts(world, case_id)
    assert (row.status, row.unit, row.category, row.kind) == ("completed", "finance", "construction", "suggestion")
    assert (row.replied_on_time, row.reply_class, row.first_evaluation, row.final_evaluation) == (
        True,
        "A",
        "满意",
        "满意",
    )
    assert (row.solved, row.extended, row.rehandled) == (True, False, False)
    assert row.due_at == at(REPLY_DUE) and row.replied_at == at("2026-12-27T09:00:00+08:00")


def test_finally_unsatisfied_is_a_fact(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    reply(world, case_id, "C")
    evaluate(world, case_id, "不满意")
    do(world, "fin", case_id, "Task_Rehandle", {"reply_class": "C", "reply_text": "仍无条件解决"})
    evaluate(world, case_id, "不满意")
    row = facts(world, case_id)
    assert (row.first_evaluation, row.final_evaluation, row.rehandled) == ("不满意", "最终不满意", True)


def test_the_deputy_sees_his_proposal_registered_by_the_office(world, frozen_clock):
    case_id = register(world)  # by the clerk, for deputy wang
    assert act(world, "wang", cases.instance_detail, case_id).title == "修缮村道"
    with pytest.raises(NotFound):  # another deputy does not
        act(world, "li", cases.instance_detail, case_id)


def test_the_board_finds_a_deputys_proposal_and_its_class(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)  # category construction, lead unit finance
    clock.advance(at(REPLY_DUE) - clock.now() - timedelta(days=1))  # due within three days
    [row] = act(world, "boss", supervision.board, deputy="wang").rows
    assert (row.instance_id, row.task_name, row.unit) == (case_id, "办理并书面答复", "finance")
    assert act(world, "boss", supervision.board, deputy="li").rows == []
    assert len(act(world, "boss", supervision.board, category="construction").rows) == 1


def test_facts_rows_skipped_when_unchanged_are_the_rows_written_every_time(world, frozen_clock):
    """A co-handling unit and a re-handling: the facts change at most steps, the deputies at none."""
    kept, written = register(world), register(world)
    with side_by_side(world, kept, written) as (both, statements):
        both(lambda case_id: assign(world, case_id, cohandling=["land"]))
        both(lambda case_id: do(world, "landy", case_id, "Task_CohandlingView", {"cohandling_opinion": "同意"}))
        clock.advance(timedelta(days=3))
        both(lambda case_id: reply(world, case_id, "C"))
        both(lambda case_id: evaluate(world, case_id, "不满意"))
        both(lambda case_id: do(world, "fin", case_id, "Task_Rehandle", {"reply_class": "A", "reply_text": "已解决"}))
        both(lambda case_id: evaluate(world, case_id, "基本满意"))
    rows = facts_rows(world, kept)
    assert rows[0][:2] == ("proposal", "completed") and rows[1:] == [("wang", False)]  # the deputy
    assert 0 < statements[kept] < statements[written]


def test_the_lead_unit_is_told_when_a_co_handling_view_reaches_it(world, frozen_clock):
    """The co-handling unit's view goes to the lead unit (within a month): submitted while the
    reply is open, whoever holds the reply hears of it, with the reply as the task to open."""
    case_id = register(world)
    assign(world, case_id, cohandling=["land"])
    answer = one(world, case_id, "Task_Reply")
    do(world, "landy", case_id, "Task_CohandlingView", {"cohandling_opinion": "同意主办单位方案"})
    with world() as session:
        told = session.execute(
            select(Notification.username, Notification.subject, Notification.message, Notification.work_item_id)
            .where(Notification.instance_id == case_id, Notification.kind == NotificationKind.SENT)
            .order_by(Notification.username)
        ).all()
        reply_item = session.scalar(select(WorkItem.id).where(WorkItem.task_id == answer.task_id))
    assert [(username, item) for username, _, _, item in told] == [("fin", reply_item)]
    _, subject, message, _ = told[0]
    assert subject == "已送达：向主办单位提出协办意见 · 国土所（修缮村道）"
    assert message == (
        "「向主办单位提出协办意见 · 国土所」已提交（案件：修缮村道），"
        "供您办理「办理并书面答复」时参阅：见案件的办理记录。"
    )
