"""A comment or file sent from a task's page after its case was cancelled (QA-B, defect 4): the
task takes no more notes, the case does. The answer is the case page (409), saying why; a
comment is in the case's form as it was typed, a file is asked for there again. Nothing is
stored on the task."""

from __future__ import annotations

import io

from engine.usecases import cases, tasks
from tests.e2e.test_phone_and_keyboard import claimed_reply
from tests.web.conftest import text_of
from tests.world import act


def cancelled_reply(app) -> tuple[str, int]:
    task_id = claimed_reply(app)
    case_id = act(app, "finance1", tasks.task_page, task_id).detail.summary.instance_id
    act(app, "office1", cases.cancel_instance, case_id, "代表撤回建议")
    return task_id, case_id


def test_a_comment_is_offered_to_the_case(app, as_user):
    task_id, case_id = cancelled_reply(app)
    response = as_user("finance1").post(f"/tasks/{task_id}/comments", data={"body": "已与代表沟通"})
    assert response.status_code == 409
    html = text_of(response)
    assert f'action="/cases/{case_id}/comments"' in html
    assert ">已与代表沟通</textarea>" in html
    assert "意见未发表在任务上：" in html and "代表撤回建议" in html and "可在此发表到案件上。" in html
    page = act(app, "finance1", cases.case_page, case_id)
    assert [c.body for c in page.comments] == []


def test_a_file_is_asked_for_on_the_case_page(app, as_user):
    task_id, case_id = cancelled_reply(app)
    response = as_user("finance1").post(
        f"/tasks/{task_id}/attachments",
        data={"file": (io.BytesIO(b"%PDF-1.4 reply"), "答复函.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    html = text_of(response)
    assert f'action="/cases/{case_id}/attachments"' in html
    assert "附件未上传到任务：" in html and "代表撤回建议" in html and "可在此上传到案件。" in html
    assert act(app, "finance1", cases.case_page, case_id).attachments == []
