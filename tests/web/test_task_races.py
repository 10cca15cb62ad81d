"""Two officers on one task: the one who loses is told why, by whom and when (a conflict, 409, not
a refusal), and keeps what he typed on the page to copy from. Lost to a claim (or a hand-over) of
a task offered to him too while he filled in its form, or to a completion; whoever could never
have done the task is still refused (403)."""

from __future__ import annotations

import re

from engine.usecases import tasks
from tests.web.conftest import text_of
from tests.web.test_inbox import to_reply
from tests.world import act, create_people, deploy_petition_min_with_a_confidential_task_field, start_petition

SUBMIT_BUTTONS = ('name="action" value="complete"', 'name="action" value="draft"')


def test_a_task_claimed_by_a_colleague_while_offered_to_the_reader_is_a_409_keeping_his_values(app, as_user):
    task = to_reply(app)  # 答复, offered to finance unclaimed
    c = as_user("finance2")
    assert 'name="action" value="complete"' in text_of(c.get(f"/tasks/{task}"))  # he may fill it in
    act(app, "finance1", tasks.claim, task)  # meanwhile

    response = c.post(f"/tasks/{task}", data={"action": "complete", "reply_class": "B", "pages": "7"})

    assert response.status_code == 409
    page = text_of(response)
    assert "任务已由他人签收" in page and "没有权限" not in page
    assert re.search(r"「答复」已由 finance1 同志 于 \d{4}-\d\d-\d\d \d\d:\d\d 签收，您的提交没有保存。", page)
    assert "您填写的内容保留在下方，没有提交；可复制后转告现在的办理人。" in page
    # the form as he filled it in, nothing to submit it with; the way to the case and the inbox
    assert 'id="task-form"' in page and '<option value="B" selected>' in page and 'value="7"' in page
    assert not any(button in page for button in SUBMIT_BUTTONS)
    assert re.search(r'id="task-taken".*<a href="/cases/\d+">查看案件 #\d+</a> · <a href="/">返回待办</a></div>', page)
    assert act(app, "finance1", tasks.task_detail, task).summary.assignee == "finance1"  # nothing changed


def test_a_draft_of_a_task_a_colleague_claimed_meanwhile_is_refused_so_too(app, as_user):
    task = to_reply(app)
    act(app, "finance1", tasks.claim, task)
    response = as_user("finance2").post(f"/tasks/{task}", data={"action": "draft", "pages": "5"})
    assert response.status_code == 409
    assert "任务已由他人签收" in text_of(response) and 'value="5"' in text_of(response)


def test_a_task_handed_to_a_colleague_while_offered_to_the_reader_names_who_handed_it(app, as_user):
    create_people(app, "head")
    task = to_reply(app)
    act(app, "head", tasks.hand_over, task, "finance1")

    response = as_user("finance2").post(f"/tasks/{task}", data={"action": "complete", "reply_class": "A"})

    assert response.status_code == 409
    assert re.search(
        r"「答复」已由 head 同志 于 \d{4}-\d\d-\d\d \d\d:\d\d 转交给 finance1 同志 办理，您的提交没有保存。",
        text_of(response),
    )


def test_whoever_the_task_was_never_offered_to_is_still_refused(app, as_user):
    task = to_reply(app)
    act(app, "finance1", tasks.claim, task)
    response = as_user("office1").post(f"/tasks/{task}", data={"action": "complete", "reply_class": "A"})
    assert response.status_code == 403
    assert "任务已由他人签收" not in text_of(response)


def test_giving_back_a_task_another_claimed_is_still_refused_as_only_its_holder_gives_it_back(app, as_user):
    task = to_reply(app)
    act(app, "finance1", tasks.claim, task)
    response = as_user("finance2").post(f"/tasks/{task}/unclaim")
    assert response.status_code == 403
    assert "「答复」已由 finance1 同志 签收，只有签收人可以办理、退回或转交。" in text_of(response)


def test_losing_to_a_completion_keeps_what_the_loser_typed_to_copy_into_a_comment(app, as_user):
    task = to_reply(app)
    act(app, "finance1", tasks.complete, task, {"reply_class": "A", "pages": 2})

    response = as_user("finance2").post(f"/tasks/{task}", data={"action": "complete", "reply_class": "B", "pages": "7"})

    assert response.status_code == 409
    page = text_of(response)
    assert "任务已由他人办理" in page
    assert re.search(r"「答复」已由 finance1 同志 于 \d{4}-\d\d-\d\d \d\d:\d\d 办理完成，您的提交没有保存。", page)
    assert "您填写的内容保留在下方，没有提交；可复制到意见中。" in page
    assert 'id="task-form"' in page and '<option value="B" selected>' in page and 'value="7"' in page
    assert not any(button in page for button in SUBMIT_BUTTONS)
    assert re.search(r'id="task-taken".*href="/cases/\d+">查看案件 #\d+</a>', page)
    # the page is the completed task's: what finance1 answered stands
    assert "已完成" in page


def test_a_draft_saved_after_the_completion_keeps_what_was_typed_too(app, as_user):
    task = to_reply(app)
    act(app, "finance1", tasks.complete, task, {"reply_class": "A"})
    response = as_user("finance2").post(f"/tasks/{task}", data={"action": "draft", "pages": "5"})
    assert response.status_code == 409
    assert "任务已由他人办理" in text_of(response) and 'value="5"' in text_of(response)


def test_the_kept_values_leave_out_a_field_the_loser_may_not_read(app, as_user):
    """A confidential field of the task's form is hidden from a unit's officer: not his to fill
    in, and what a hand-made request sends for it is not shown back to him either."""
    deploy_petition_min_with_a_confidential_task_field(app)
    case = start_petition(app, "office1", unit="finance")
    act(app, "finance1", tasks.complete, case.task_id, {"answer": "已核实"})

    response = as_user("finance2").post(
        f"/tasks/{case.task_id}", data={"action": "complete", "answer": "拟同意补发", "called_on": "13900001111"}
    )

    assert response.status_code == 409
    page = text_of(response)
    assert "拟同意补发" in page
    assert "13900001111" not in page and 'name="called_on"' not in page


def test_a_petition_task_kept_for_confidential_readers_is_a_race_only_for_one_of_them(app, as_user):
    """A petition's task of the office (its petitioner's identity confidential) is taken only by
    whoever may read it (keeper, head): one of them lost a race to the other; a plain officer of
    the office, who could never have taken it, is refused as before."""
    create_people(app, "keeper", "head")
    case = start_petition(app, "office1", unit="office")
    act(app, "keeper", tasks.claim, case.task_id)

    lost = as_user("head").post(f"/tasks/{case.task_id}", data={"action": "complete", "answer": "已电话答复"})
    assert lost.status_code == 409
    assert re.search(r"「办理答复」已由 keeper 同志 于 \d{4}-\d\d-\d\d \d\d:\d\d 签收", text_of(lost))
    assert "已电话答复" in text_of(lost)

    refused = as_user("office1").post(f"/tasks/{case.task_id}", data={"action": "complete", "answer": "已电话答复"})
    assert refused.status_code == 403
