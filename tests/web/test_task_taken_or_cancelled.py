"""A task that stops being the officer's while he fills in its form: handed to a colleague or
taken back by whoever may reassign tasks (a conflict naming who holds it now, his typed values
kept on the page, and a notification), or its case cancelled (everyone of its tasks and its
starter told, the task page saying so and offering nothing more)."""

from __future__ import annotations

import re

from engine.usecases import cases, notifications, tasks
from storage.enums import NotificationKind
from tests.conftest import REPO_ROOT
from tests.web.conftest import text_of
from tests.world import act, create_people, deploy, start_petition, start_review


def to_reply(app, subject: str = "关于修缮村道的意见") -> tuple[int, str]:
    """A review case at finance's 答复 step: (case id, task id)."""
    case = start_review(app, "office1", subject)
    (reply,) = act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    return case.id, reply.task_id


def notices(app, username: str, kind: NotificationKind) -> list[notifications.NotificationView]:
    return [n for n in act(app, username, notifications.list_notifications) if n.kind == kind.value]


def test_a_task_handed_on_from_under_its_holder_is_a_conflict_that_keeps_what_he_typed(app, as_user):
    create_people(app, "head")
    _case, task = to_reply(app)
    act(app, "finance1", tasks.claim, task)
    act(app, "head", tasks.hand_over, task, "finance2", "张所长不在，请钱会计办理")

    response = as_user("finance1").post(f"/tasks/{task}", data={"action": "complete", "reply_class": "B", "pages": "7"})

    assert response.status_code == 409
    page = text_of(response)
    assert "任务已转由他人办理" in page and "没有权限" not in page
    assert re.search(
        r"「答复」已由 head 同志 于 \d{4}-\d\d-\d\d \d\d:\d\d 转交给 finance2 同志 办理，您的提交没有保存。", page
    )
    # the form, as he filled it in, to copy from; nothing to submit it with
    assert 'id="task-form"' in page
    assert '<option value="B" selected>' in page and 'value="7"' in page
    assert 'name="action" value="complete"' not in page and 'name="action" value="draft"' not in page
    assert act(app, "finance2", tasks.task_detail, task).summary.assignee == "finance2"  # nothing changed

    [told] = notices(app, "finance1", NotificationKind.TAKEN_AWAY)
    assert told.params["by"] == "head 同志" and told.params["to"] == "finance2 同志"
    assert told.message.startswith(
        "head 同志 已将原由您办理的「答复」（案件：关于修缮村道的意见）转交给 finance2 同志 办理"
    )
    assert notices(app, "finance2", NotificationKind.TAKEN_AWAY) == []  # told it arrived, as before


def test_a_draft_saved_after_the_hand_over_is_refused_so_too(app, as_user):
    create_people(app, "head")
    _case, task = to_reply(app)
    act(app, "finance1", tasks.claim, task)
    act(app, "head", tasks.hand_over, task, "finance2")
    response = as_user("finance1").post(f"/tasks/{task}", data={"action": "draft", "pages": "5"})
    assert response.status_code == 409
    assert 'value="5"' in text_of(response)


def test_a_task_taken_back_and_claimed_by_a_colleague_names_who_claimed_it(app, as_user):
    create_people(app, "head")
    _case, task = to_reply(app)
    act(app, "finance1", tasks.claim, task)
    act(app, "head", tasks.unclaim, task)

    [told] = notices(app, "finance1", NotificationKind.TAKEN_AWAY)
    assert "to" not in told.params
    assert (
        told.message
        == "head 同志 已将原由您办理的「答复」（案件：关于修缮村道的意见）退回待签收，由本单位重新签收办理。"
    )

    act(app, "finance2", tasks.claim, task)
    response = as_user("finance1").post(f"/tasks/{task}", data={"action": "complete", "reply_class": "A", "pages": "2"})
    assert response.status_code == 409
    assert re.search(
        r"「答复」已由 finance2 同志 于 \d{4}-\d\d-\d\d \d\d:\d\d 签收，您的提交没有保存。", text_of(response)
    )


def test_one_the_task_was_never_offered_to_is_still_refused_as_before(app, as_user):
    """A colleague it was offered to too, who never held it, lost a race to the claim: a conflict
    as well (tests/web/test_task_races.py)."""
    _case, task = to_reply(app)
    act(app, "finance1", tasks.claim, task)
    response = as_user("office2").post(f"/tasks/{task}", data={"action": "complete", "reply_class": "A"})
    assert response.status_code == 403


def test_giving_back_ones_own_task_tells_nobody_it_was_taken(app):
    _case, task = to_reply(app)
    act(app, "finance1", tasks.claim, task)
    act(app, "finance1", tasks.unclaim, task)
    act(app, "finance1", tasks.claim, task)
    act(app, "finance1", tasks.hand_over, task, "finance2")
    assert notices(app, "finance1", NotificationKind.TAKEN_AWAY) == []


def test_cancelling_a_case_tells_the_holders_of_its_tasks_and_its_starter(app):
    case, _task = to_reply(app)
    act(app, "office2", cases.cancel_instance, case, "代表撤回此建议。")

    for officer in ("finance1", "finance2"):  # offered the 答复, unclaimed
        [told] = notices(app, officer, NotificationKind.CANCELLED)
        assert told.subject == "案件已撤销：关于修缮村道的意见"
        assert (
            told.message
            == "office2 同志 已撤销案件「关于修缮村道的意见」，您的「答复」不再办理。撤销理由：代表撤回此建议。"
        )
        assert told.instance_id == case and told.task_id is None  # to the case: the task is gone
    [started] = notices(app, "office1", NotificationKind.CANCELLED)
    assert started.message == "office2 同志 已撤销您发起的案件「关于修缮村道的意见」。撤销理由：代表撤回此建议。"
    assert notices(app, "office2", NotificationKind.CANCELLED) == []  # who cancelled it knows
    assert notices(app, "civil1", NotificationKind.CANCELLED) == []


def test_cancelling_a_proposal_tells_the_deputies_who_submitted_and_cosigned_it(app):
    """The office registered it for them: not its starters, no task of it yet; they follow it in
    我的建议, and their proposal is withdrawn."""
    create_people(app, "wang")
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    data = {"kind": "suggestion", "title": "修缮村道", "content": "村道破损", "submitted_during": "recess"}
    case = act(
        app, "office1", cases.start_instance, "proposal", data | {"deputy": "deputy", "joint_deputies": ["wang"]}
    )
    act(app, "office2", cases.cancel_instance, case.id, "与第 3 号建议合并办理。")

    for deputy in ("deputy", "wang"):
        [told] = notices(app, deputy, NotificationKind.CANCELLED)
        assert told.message == "office2 同志 已撤销您提出或联名的建议「修缮村道」。撤销理由：与第 3 号建议合并办理。"
    [started] = notices(app, "office1", NotificationKind.CANCELLED)  # its office: its starter, and its task's
    assert started.message.startswith("office2 同志 已撤销案件「修缮村道」，您的「整理分类并交办」不再办理。")


def test_a_cancelled_case_notice_masks_the_petitioners_name_for_the_unit(app):
    case = start_petition(app, "office1", unit="finance")  # the petitioner 张三丰 (confidential)
    act(app, "admin", cases.cancel_instance, case.id, "张三丰本人撤回")
    [told] = notices(app, "finance1", NotificationKind.CANCELLED)
    assert "张三丰" not in told.message and told.params["reason"] == "******本人撤回"


def test_the_task_page_of_a_cancelled_case_says_so_and_offers_nothing(app, as_user):
    case, task = to_reply(app)
    act(app, "office2", cases.cancel_instance, case, "代表撤回此建议。")

    page = text_of(as_user("finance1").get(f"/tasks/{task}"))

    assert re.search(
        r"案件已于 \d{4}-\d\d-\d\d \d\d:\d\d 由 office2 同志 撤销，此任务不再办理。撤销理由：代表撤回此建议。", page
    )
    assert "已取消（案件已撤销）" in page
    assert "待签收" not in page and "财政所（未签收）" in page
    assert f'action="/tasks/{task}/comments"' not in page and f'action="/tasks/{task}/attachments"' not in page
    assert 'id="task-form"' not in page


def test_submitting_the_task_of_a_cancelled_case_says_it_was_cancelled_and_why(app, as_user):
    case, task = to_reply(app)
    act(app, "office2", cases.cancel_instance, case, "代表撤回此建议。")

    response = as_user("finance1").post(f"/tasks/{task}", data={"action": "complete", "reply_class": "A", "pages": "2"})

    assert response.status_code == 409
    page = text_of(response)
    assert "案件已撤销" in page
    assert re.search(
        rf"「答复」已不再办理：案件 #{case} 已于 \d{{4}}-\d\d-\d\d \d\d:\d\d 由 office2 同志 撤销。"
        "撤销理由：代表撤回此建议。",
        page,
    )
    assert "案件已进入下一步，或已被撤销" not in page
