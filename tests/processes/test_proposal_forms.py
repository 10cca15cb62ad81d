"""代表建议 (bpmn/proposal.bpmn): what its forms start with in a later round (the extension loop,
the re-handling, the second evaluation), what they refuse (spaces for an answer, the lead unit
also as a co-handling unit, a text beyond its length), and that a draft stays its author's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import InvalidData
from engine.usecases import cases, tasks
from storage.models import AuditEntry

from .conftest import act, deploy, detail, do, one, open_ids, variables
from .test_proposal import assign, register, reply


@pytest.fixture
def world(people):
    deploy(people, "proposal")
    return people


def page_values(world, username, case_id, bpmn_id) -> dict:
    """What the task's form starts with on its page (and in the API's ``values``)."""
    return act(world, username, tasks.task_page, one(world, case_id, bpmn_id).task_id).values


def submit_as_the_page_would(world, username, case_id, bpmn_id, typed: dict) -> None:
    """Complete the task with every editable field of its form as the page sends it: what the
    form started with, where the person typed nothing else."""
    item = one(world, case_id, bpmn_id)
    page = act(world, username, tasks.task_page, item.task_id)
    sent = {f.id: page.values.get(f.id) or "" for f in page.detail.form.fields if not f.readonly}
    act(world, username, tasks.complete, item.task_id, {**sent, **typed})


def extend_and_approve(world, case_id):
    do(
        world,
        "fin",
        case_id,
        "Task_Reply",
        {"handling_action": "extend", "extension_months": 1, "extension_reason": "需要列入预算"},
    )
    do(
        world,
        "clerk",
        case_id,
        "Task_ApproveExtension",
        {"extension_decision": "approve", "extension_months_granted": 1},
    )


def test_the_reply_reopened_after_an_extension_starts_with_nothing_chosen(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    extend_and_approve(world, case_id)
    assert open_ids(world, case_id) == ["Task_Reply"]
    # the request is done with: the case no longer reads as asking for an extension (its
    # history and the extension's own facts say it asked), the reply open again
    v = variables(world, case_id)
    assert (v["handling_action"], v["extension_count"], v["extended"]) == (None, 1, True)
    values = page_values(world, "fin", case_id, "Task_Reply")
    for name in (
        "handling_action",
        "reply_class",
        "reply_text",
        "reply_signer",
        "extension_months",
        "extension_reason",
    ):
        assert values.get(name) is None, name
    assert values["title"] == "修缮村道" and values["extension_months_total"] == 1  # the case's facts still there

    # a draft of this very round still loads
    item = one(world, case_id, "Task_Reply")
    act(world, "fin", tasks.save_draft, item.task_id, {"handling_action": "reply", "reply_text": "草稿"})
    values = page_values(world, "fin", case_id, "Task_Reply")
    assert (values["handling_action"], values["reply_text"]) == ("reply", "草稿")


def test_the_re_handling_does_not_carry_the_first_reply(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    reply(world, case_id, "C")  # signed by 张局长
    do(world, "wang", case_id, "Task_Evaluate", {"evaluation": "不满意", "unsatisfied_reason": "未解决"})
    values = page_values(world, "fin", case_id, "Task_Rehandle")
    assert (values.get("reply_class"), values.get("reply_text"), values.get("reply_signer")) == (None, None, None)

    submit_as_the_page_would(world, "fin", case_id, "Task_Rehandle", {"reply_class": "A", "reply_text": "已重新办理"})
    v = variables(world, case_id)
    assert (v["reply_class"], v["reply_text"], v["reply_signer"]) == ("A", "已重新办理", None)


def test_the_second_evaluation_is_stored_without_the_first_opinion(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    reply(world, case_id, "C")
    submit_as_the_page_would(
        world, "wang", case_id, "Task_Evaluate", {"evaluation": "不满意", "unsatisfied_reason": "道路仍未修好"}
    )
    do(world, "fin", case_id, "Task_Rehandle", {"reply_class": "B", "reply_text": "已列入明年计划"})
    values = page_values(world, "wang", case_id, "Task_Evaluate")
    assert (values.get("evaluation"), values.get("unsatisfied_reason")) == (None, None)

    submit_as_the_page_would(
        world, "wang", case_id, "Task_Evaluate", {"evaluation": "不满意", "unsatisfied_reason": "明年太晚"}
    )
    case = detail(world, case_id)
    assert case.status == "completed"
    v = case.variables
    assert (v["first_evaluation"], v["evaluation"], v["unsatisfied_reason"]) == ("不满意", "不满意", "明年太晚")
    assert v.get("evaluation_comment") is None


def test_not_satisfied_says_why_and_the_unit_handling_it_again_reads_it(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    reply(world, case_id, "C")
    with pytest.raises(InvalidData) as refused:
        submit_as_the_page_would(
            world, "wang", case_id, "Task_Evaluate", {"evaluation": "不满意", "evaluation_comment": "未解决"}
        )
    assert {name: e.code for name, e in refused.value.codes.items()} == {"unsatisfied_reason": "required"}
    do(world, "wang", case_id, "Task_Evaluate", {"evaluation": "不满意", "unsatisfied_reason": "路面仍有坑洼"})
    rehandle = act(world, "fin", tasks.task_page, one(world, case_id, "Task_Rehandle").task_id)
    assert rehandle.detail.data["unsatisfied_reason"] == "路面仍有坑洼"
    assert rehandle.labels["unsatisfied_reason"] == "不满意的理由"


def test_spaces_are_no_co_handling_opinion(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id, cohandling=["land"])
    with pytest.raises(InvalidData) as refused:
        do(world, "landy", case_id, "Task_CohandlingView", {"cohandling_opinion": "   "})
    assert {name: e.code for name, e in refused.value.codes.items()} == {"cohandling_opinion": "required"}
    assert "Task_CohandlingView" in open_ids(world, case_id)
    do(world, "landy", case_id, "Task_CohandlingView", {"cohandling_opinion": " \r\n同意主办单位方案 \r\n "})
    do(world, "fin", case_id, "Task_Reply", {"handling_action": "reply", "reply_class": "A", "reply_text": "已办"})
    [view] = variables(world, case_id)["cohandling_views"]
    assert view["opinion"] == "同意主办单位方案"


def test_a_title_of_spaces_is_refused_at_the_start(world, frozen_clock):
    with pytest.raises(InvalidData) as refused:
        register(world, title=" \u3000 ")
    assert {name: e.code for name, e in refused.value.codes.items()} == {"title": "required"}


def test_the_lead_unit_cannot_also_be_a_co_handling_unit(world, frozen_clock):
    case_id = register(world)
    with pytest.raises(InvalidData) as refused:
        assign(world, case_id, lead="civil_affairs", cohandling=["finance", "civil_affairs"])
    error = refused.value.codes["cohandling_units"]
    assert (set(refused.value.codes), error.code, error.params) == (
        {"cohandling_units"},
        "repeats_field",
        {"field": "主办单位"},
    )
    assert open_ids(world, case_id) == ["Task_Classify"]  # nothing moved

    assign(world, case_id, lead="civil_affairs", cohandling=["finance"])
    assert sorted(open_ids(world, case_id)) == ["Task_CohandlingView", "Task_Reply"]
    # what is stored is what the history says was chosen
    assert variables(world, case_id)["cohandling_units"] == ["finance"]
    [assigned] = [e for e in detail(world, case_id).history if e.action == "complete" and e.bpmn_id == "Task_Classify"]
    assert assigned.data["cohandling_units"] == ["finance"] and assigned.data["lead_unit"] == "civil_affairs"


def test_the_proposals_content_has_a_maximum_length(world, frozen_clock):
    with pytest.raises(InvalidData) as refused:
        register(world, content="路" * 10_001)
    error = refused.value.codes["content"]
    assert (error.code, error.params) == ("max_length", {"max": 10_000})
    assert register(world, content="路" * 10_000)


def test_a_saved_draft_is_in_no_one_elses_history(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    task_id = one(world, case_id, "Task_Reply").task_id
    act(world, "fin", tasks.save_draft, task_id, {"reply_text": "初稿"})
    act(world, "fin", tasks.save_draft, task_id, {"reply_text": "二稿"})

    for reader in ("wang", "chair", "clerk"):  # the deputy, who sees every case, the office
        history = act(world, reader, cases.instance_detail, case_id).history
        assert [e.action for e in history if e.action == "save_draft"] == [], reader
        assert [
            e.action for e in act(world, reader, tasks.task_page, task_id).history if e.action == "save_draft"
        ] == []
    mine = act(world, "fin", tasks.task_page, task_id).history
    assert [(e.action, e.actor) for e in mine if e.action == "save_draft"] == [("save_draft", "fin")] * 2
    # the audit log keeps every save
    with world() as s:
        saves = s.scalars(
            select(AuditEntry.actor).where(AuditEntry.instance_id == case_id, AuditEntry.action == "save_draft")
        )
        assert list(saves) == ["fin", "fin"]
    reply(world, case_id, "A")  # submitted: the completion is in everyone's history
    assert "complete" in [e.action for e in act(world, "wang", cases.instance_detail, case_id).history]
