"""A note (a comment, a file) aimed at a task over the API is taken as the task page offers
its forms: on an open task, and on a completed one of a case not cancelled; a task of a
cancelled case, or one the process withdrew, refuses it with the conflict a stale submission
gets (409, saying who cancelled the case, when and why). A note on the case itself is taken
whatever its status, as the case page offers it. A draft on a completed task says who
completed it and when."""

from __future__ import annotations

import re
from io import BytesIO

from engine.usecases import cases, messages
from tests import file_samples
from tests.world import act, create_people, deploy

AT = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"


def post_file(caller, path: str):
    return caller.post(
        path, data={"file": (BytesIO(file_samples.PDF), "答复函.pdf")}, content_type="multipart/form-data"
    )


def test_a_comment_and_a_file_on_a_task_of_a_cancelled_case_are_refused_saying_who_cancelled_it(world):
    case = world.to_unit("finance")
    assert world.as_("clerk").post(f"/instances/{case['case']}/cancel", json={"reason": "重复登记"}).status_code == 204
    fin = world.as_("fin")

    commented = fin.post(f"/tasks/{case['reply']}/comments", json={"body": "已核实"})
    uploaded = post_file(fin, f"/tasks/{case['reply']}/attachments")

    for refused in (commented, uploaded):
        assert refused.status_code == 409, refused.get_json()
        body = refused.get_json()
        assert body["code"] == "case_cancelled"
        assert re.fullmatch(
            rf"task '答复' is no longer open: its case was cancelled by clerk at {AT} \(重复登记\)", body["message"]
        ), body["message"]
    assert fin.get(f"/instances/{case['case']}/comments").get_json() == []
    assert fin.get(f"/instances/{case['case']}/attachments").get_json() == []
    # the case itself still takes them, as its page offers their forms on a cancelled case
    clerk = world.as_("clerk")
    assert clerk.post(f"/instances/{case['case']}/comments", json={"body": "与第 12 号合并"}).status_code == 201
    assert post_file(clerk, f"/instances/{case['case']}/attachments").status_code == 201


def test_a_note_on_a_task_the_process_withdrew_is_refused_as_closed(world):
    deploy(world.app, "withdrawable.bpmn")
    started = act(world.app, "clerk", cases.start_instance, "withdrawable", {}, validate=False)
    [draft] = started.open_tasks
    act(world.app, "admin", messages.send_message, "withdraw")  # its boundary event ends the case
    clerk = world.as_("clerk")

    commented = clerk.post(f"/tasks/{draft.task_id}/comments", json={"body": "补充材料"})
    uploaded = post_file(clerk, f"/tasks/{draft.task_id}/attachments")

    for refused in (commented, uploaded):
        assert refused.status_code == 409, refused.get_json()
        assert refused.get_json()["code"] == "conflict"  # the reason, task_closed, is the page's
        assert refused.get_json()["message"] == "task '起草答复' is no longer open: the case moved on without it"
    assert clerk.get(f"/instances/{started.id}/comments").get_json() == []

    # a completed task of a running case still takes a comment, as its page offers the form
    case = world.to_unit("finance")
    fin = world.as_("fin")
    done = fin.post(f"/tasks/{case['reply']}/complete", json={"data": {"reply_class": "A", "pages": 2}})
    assert done.status_code == 200, done.get_json()
    commented = fin.post(f"/tasks/{case['reply']}/comments", json={"body": "答复函已寄出"})
    assert commented.status_code == 201, commented.get_json()
    assert commented.get_json()["task_id"] == case["reply"]


def test_a_draft_on_a_task_completed_meanwhile_says_who_completed_it_and_when(world):
    case = world.to_unit("finance")
    fin, fin2 = world.as_("fin"), world.as_("fin2")
    done = fin2.post(f"/tasks/{case['reply']}/complete", json={"data": {"reply_class": "A", "pages": 2}})
    assert done.status_code == 200, done.get_json()

    saved = fin.put(f"/tasks/{case['reply']}/draft", json={"data": {"reply_class": "B"}})

    assert saved.status_code == 409, saved.get_json()
    body = saved.get_json()
    assert body["code"] == "already_completed"
    assert re.fullmatch(rf"task '答复' was already completed by fin2 at {AT}", body["message"]), body["message"]


def test_a_stale_submission_by_the_checker_the_process_named_after_a_hand_over_is_a_409_naming_who_and_when(world):
    """review.bpmn's 审核答复 goes to its checker (camunda:assignee ${checker}: chair) with no
    claim of hers; the director hands it to a colleague of the office while she fills it in."""
    create_people(world.app, "head")
    case = world.to_unit("finance")
    replied = world.as_("fin").post(f"/tasks/{case['reply']}/complete", json={"data": {"reply_class": "A"}})
    [check] = replied.get_json()["open_tasks"]
    assert check["assignee"] == "chair"
    handed = world.as_("head").post(f"/tasks/{check['task_id']}/hand-over", json={"to": "clerk2", "comment": ""})
    assert handed.status_code == 200, handed.get_json()
    chair = world.as_("chair")

    submitted = chair.post(f"/tasks/{check['task_id']}/complete", json={"data": {"accepted": True}})
    drafted = chair.put(f"/tasks/{check['task_id']}/draft", json={"data": {"accepted": True}})

    for refused in (submitted, drafted):
        assert refused.status_code == 409, refused.get_json()
        body = refused.get_json()
        assert body["code"] == "held_by_another"
        assert re.search(rf"clerk2 holds it now \(given to them by head at {AT}\)$", body["message"]), body["message"]
