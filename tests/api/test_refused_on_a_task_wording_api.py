"""The API says a refused request on a task as the page does (QA walk B, defect 9): a claim or a
draft of a task completed meanwhile says it was not claimed, the draft not saved, in ``said``; a
comment or a file on a task of a case cancelled meanwhile, that it was not posted; a colleague's
claim is headed as a claim."""

from __future__ import annotations

import io
import re

from tests import file_samples

WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d"


def test_a_claim_or_a_draft_of_a_task_completed_meanwhile_says_what_was_not_done(world):
    task = world.to_unit("finance")["reply"]
    done = world.as_("fin").post(f"/tasks/{task}/complete", json={"data": {"reply_class": "A", "pages": 2}})
    assert done.status_code == 200, done.get_json()

    claimed = world.as_("fin2").post(f"/tasks/{task}/claim")
    drafted = world.as_("fin2").put(f"/tasks/{task}/draft", json={"data": {"pages": 3}})

    assert claimed.status_code == drafted.status_code == 409
    assert re.fullmatch(rf"「答复」已由 fin 同志 于 {WHEN} 办理完成，未能签收。", claimed.get_json()["said"]["text"])
    assert re.fullmatch(rf"「答复」已由 fin 同志 于 {WHEN} 办理完成，草稿未保存。", drafted.get_json()["said"]["text"])


def test_a_completion_lost_to_a_colleagues_claim_is_headed_as_a_claim(world):
    task = world.to_unit("finance")["reply"]
    assert world.as_("fin").post(f"/tasks/{task}/claim").status_code == 200
    response = world.as_("fin2").post(f"/tasks/{task}/complete", json={"data": {"reply_class": "A", "pages": 2}})
    assert response.status_code == 409
    assert response.get_json()["said"]["title"] == "任务已由他人签收"


def test_a_comment_or_a_file_on_a_task_of_a_case_cancelled_meanwhile_says_it_was_not_posted(world):
    case = world.to_unit("finance")
    assert world.as_("clerk").post(f"/instances/{case['case']}/cancel", json={"reason": "代表撤回"}).status_code == 204
    fin = world.as_("fin")
    commented = fin.post(f"/tasks/{case['reply']}/comments", json={"body": "已电话联系"})
    uploaded = fin.post(
        f"/tasks/{case['reply']}/attachments",
        data={"file": (io.BytesIO(file_samples.PDF), "答复函.pdf")},
        content_type="multipart/form-data",
    )
    assert commented.status_code == uploaded.status_code == 409
    assert commented.get_json()["said"]["hint"] == "意见未发表，此任务无需再办理。"
    assert uploaded.get_json()["said"]["hint"] == "附件未上传，此任务无需再办理。"
