"""The task page and what it takes once the task is closed: a task of a cancelled case, or one
the process withdrew, offers no comment or upload form and refuses what a page opened before
still sends, saying why (409); a completed task of a running case still takes a comment, as
its page offers. A submission from the page of a task the process gave its holder by name
(camunda:assignee), handed on since, is a conflict naming who holds it now, not a refusal."""

from __future__ import annotations

import re
from io import BytesIO

from engine.usecases import cases, comments, messages, tasks
from tests import file_samples
from tests.world import act, create_people, deploy, start_review

from .conftest import text_of

WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d"


def to_reply(app, subject: str = "关于修缮村道的意见") -> tuple[int, str]:
    """A review case at finance's 答复 step: (case id, task id)."""
    case = start_review(app, "office1", subject)
    (reply,) = act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    return case.id, reply.task_id


def comment_form(task_id: str) -> str:
    return f'action="/tasks/{task_id}/comments"'


def test_a_comment_sent_from_the_page_of_a_task_whose_case_was_cancelled_meanwhile_says_so(app, as_user):
    case, task = to_reply(app)
    client = as_user("finance1")
    assert comment_form(task) in text_of(client.get(f"/tasks/{task}"))  # opened while it was open
    act(app, "office2", cases.cancel_instance, case, "代表撤回此建议。")

    commented = client.post(f"/tasks/{task}/comments", data={"body": "已电话联系"})
    uploaded = client.post(
        f"/tasks/{task}/attachments",
        data={"file": (BytesIO(file_samples.PDF), "答复函.pdf")},
        content_type="multipart/form-data",
    )

    for refused in (commented, uploaded):
        assert refused.status_code == 409
        page = text_of(refused)  # the case page, which still takes notes, saying why the task did not
        assert re.search(
            rf"「答复」已不再办理：案件 #{case} 已于 {WHEN} 由 office2 同志 撤销。撤销理由：代表撤回此建议。", page
        ), page
    assert act(app, "office1", comments.comments, case) == []


def test_the_page_of_a_task_the_process_withdrew_offers_no_notes_and_refuses_them(app, as_user):
    deploy(app, "withdrawable.bpmn")
    started = act(app, "office1", cases.start_instance, "withdrawable", {}, validate=False)
    [draft] = started.open_tasks
    client = as_user("office1")
    assert comment_form(draft.task_id) in text_of(client.get(f"/tasks/{draft.task_id}"))
    act(app, "admin", messages.send_message, "withdraw")  # its boundary event ends the case

    page = text_of(client.get(f"/tasks/{draft.task_id}"))
    assert 'id="comments"' in page and comment_form(draft.task_id) not in page  # the list, no form
    assert f'action="/tasks/{draft.task_id}/attachments"' not in page
    refused = client.post(f"/tasks/{draft.task_id}/comments", data={"body": "补充材料"})
    assert refused.status_code == 409
    assert "「起草答复」已不再办理：案件已进入下一步，或已被撤销。" in text_of(refused)

    # a completed task of a running case still offers and takes a comment: the product's choice
    _case, reply = to_reply(app, "关于路灯的意见")
    act(app, "finance1", tasks.complete, reply, {"reply_class": "A", "pages": 2})
    client = as_user("finance1")
    assert comment_form(reply) in text_of(client.get(f"/tasks/{reply}"))
    assert client.post(f"/tasks/{reply}/comments", data={"body": "答复函已寄出"}).status_code == 302


def test_the_checker_the_process_named_is_told_who_handed_her_task_on_when_she_submits(app, as_user):
    create_people(app, "head")
    _case, reply = to_reply(app)
    (check,) = act(app, "finance1", tasks.complete, reply, {"reply_class": "A", "pages": 2})
    assert check.assignee == "chair"  # review.bpmn: camunda:assignee ${checker}, no claim of hers
    act(app, "head", tasks.hand_over, check.task_id, "office2", "主任出差，请王干事审核")

    response = as_user("chair").post(f"/tasks/{check.task_id}", data={"action": "complete", "accepted": "true"})

    assert response.status_code == 409
    page = text_of(response)
    assert "任务已转由他人办理" in page and "没有权限" not in page
    assert re.search(rf"「审核答复」已由 head 同志 于 {WHEN} 转交给 office2 同志 办理，您的提交没有保存。", page), page
    assert 'id="task-form"' in page  # what she typed, to pass on
