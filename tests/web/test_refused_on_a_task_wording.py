"""What a refused request on a task says was not done (QA walk B, defect 9): a claim, a hand-over,
or a draft on a task a colleague completed meanwhile is said as what did not happen ("未能签收",
"未能转交", "草稿未保存"), not as
a submission that was not saved; a submission still says "您的提交没有保存". A colleague's claim is
headed as a claim ("任务已由他人签收"), not as a hand-over."""

from __future__ import annotations

import re

from engine.usecases import tasks
from tests.web.conftest import text_of
from tests.web.test_inbox import to_reply
from tests.world import act, create_people

WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d"


def completed_by_finance1(app) -> str:
    task = to_reply(app)  # 答复, offered to finance unclaimed
    act(app, "finance1", tasks.complete, task, {"reply_class": "A", "pages": 2})
    return task


def test_a_claim_of_a_task_completed_meanwhile_says_it_was_not_claimed(app, as_user):
    task = completed_by_finance1(app)
    response = as_user("finance2").post(f"/tasks/{task}/claim")
    assert response.status_code == 409
    page = text_of(response)
    assert re.search(rf"「答复」已由 finance1 同志 于 {WHEN} 办理完成，未能签收。", page), page
    assert "您的提交没有保存" not in page


def test_a_hand_over_of_a_task_completed_meanwhile_says_it_was_not_handed_over(app, as_user):
    create_people(app, "head")
    task = completed_by_finance1(app)
    response = as_user("head").post(f"/tasks/{task}/handover", data={"colleague": "finance2"})
    assert response.status_code == 409
    assert re.search(rf"「答复」已由 finance1 同志 于 {WHEN} 办理完成，未能转交。", text_of(response))


def test_a_draft_of_a_task_completed_meanwhile_says_the_draft_was_not_saved(app, as_user):
    task = completed_by_finance1(app)
    response = as_user("finance2").post(f"/tasks/{task}", data={"action": "draft", "pages": "5"})
    assert response.status_code == 409
    page = text_of(response)
    assert re.search(rf"「答复」已由 finance1 同志 于 {WHEN} 办理完成，草稿未保存。", page), page
    assert 'value="5"' in page  # kept to copy from


def test_a_submission_still_says_what_was_submitted_was_not_saved(app, as_user):
    task = completed_by_finance1(app)
    response = as_user("finance2").post(f"/tasks/{task}", data={"action": "complete", "reply_class": "B"})
    assert response.status_code == 409
    assert re.search(rf"「答复」已由 finance1 同志 于 {WHEN} 办理完成，您的提交没有保存。", text_of(response))


def test_a_colleagues_claim_is_headed_as_a_claim_and_a_hand_over_as_a_hand_over(app, as_user):
    create_people(app, "head")
    claimed = to_reply(app)
    act(app, "finance1", tasks.claim, claimed)
    client = as_user("finance2")
    page = text_of(client.post(f"/tasks/{claimed}", data={"action": "draft", "pages": "5"}))
    assert "任务已由他人签收" in page and "任务已转由他人办理" not in page
    assert re.search(rf"「答复」已由 finance1 同志 于 {WHEN} 签收，草稿未保存。", page), page

    handed = to_reply(app, subject="关于路灯的意见")
    act(app, "head", tasks.hand_over, handed, "finance1")
    page = text_of(client.post(f"/tasks/{handed}", data={"action": "complete", "reply_class": "A"}))
    assert "任务已转由他人办理" in page and "任务已由他人签收" not in page
    assert re.search(rf"「答复」已由 head 同志 于 {WHEN} 转交给 finance1 同志 办理，您的提交没有保存。", page), page
