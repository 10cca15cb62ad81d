"""POST a case's /supervisions after the task was done or the case ended meanwhile: a conflict
(409, as a completion's lost race is) whose code names the lost race and whose params say who
completed the task when (QA walk B, finding 1), not ``not_allowed_value`` with the task's id; its
``said`` names the person and the time as the page does (QA walk B, defect 6), not the user name
and the UTC timestamp."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from engine import clock
from storage.enums import WorkItemState
from storage.models import WorkItem


def test_a_supervision_on_a_task_completed_meanwhile_says_by_whom_and_when(world):
    case = world.to_unit("finance")
    clock.advance(timedelta(days=16))  # 2026-12-23 09:00 in Beijing, 01:00 UTC
    done = world.as_("fin").post(f"/tasks/{case['reply']}/complete", json={"data": {"reply_class": "A", "pages": 1}})
    assert done.status_code == 200, done.get_json()
    path = f"/instances/{case['case']}/supervisions"
    refused = world.as_("supervisor").post(path, json={"task_id": case["reply"], "opinion": "请尽快答复"})
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["code"] == "conflict"
    assert body["codes"] == {
        "task_id": {
            "code": "task_completed",
            "params": {"task": "答复", "by": "fin", "at": "2026-12-23T01:00:00+00:00"},
        }
    }
    assert body["fields"]["task_id"] == (
        "答复 was completed by fin at 2026-12-23T01:00:00+00:00: nothing to supervise (the case as a whole can be)"
    )
    said = "「答复」已由 fin 同志 于 2026-12-23 09:00 办结，无需督办（可改为督办整个案件）"
    assert body["said"]["title"] == "状态已变化"
    assert body["said"]["text"] == f"督办未发出：{said}"
    assert body["said"]["fields"] == {"task_id": said}
    english = world.as_("supervisor").post(
        path, json={"task_id": case["reply"], "opinion": "请尽快答复"}, headers={"Accept-Language": "en"}
    )
    assert english.get_json()["said"]["fields"]["task_id"] == (
        "“答复” was already completed by fin 同志 at 2026-12-23 09:00: no supervision notice is needed"
        " (you can send one on the whole case instead)."
    )
    # with the other fields' refusals, all at once
    both = world.as_("supervisor").post(path, json={"task_id": case["reply"], "opinion": ""})
    assert both.status_code == 409
    both = both.get_json()
    assert {name: c["code"] for name, c in both["codes"].items()} == {
        "opinion": "required",
        "task_id": "task_completed",
    }
    assert world.as_("supervisor").get(path).get_json() == []  # nothing issued


def test_a_supervision_on_a_case_ended_meanwhile_says_it_ended(world):
    case = world.to_unit("finance")
    cancelled = world.as_("clerk").post(f"/instances/{case['case']}/cancel", json={"reason": "代表撤回"})
    assert cancelled.status_code == 204
    path = f"/instances/{case['case']}/supervisions"
    refused = world.as_("supervisor").post(path, json={"task_id": case["reply"], "opinion": "请尽快答复"})
    assert (refused.status_code, refused.get_json()["codes"]) == (
        409,
        {"instance": {"code": "case_ended", "params": {"status": "cancelled"}}},
    )
    assert refused.get_json()["fields"] == {"instance": "the case has ended (cancelled): nothing to supervise"}
    assert refused.get_json()["said"]["text"] == "督办未发出：案件已由 clerk 同志 于 2026-12-07 09:00 撤销，无需督办"


def test_a_supervision_on_a_case_completed_meanwhile_says_it_was_completed(world):
    case = world.to_unit("finance")
    done = world.as_("fin").post(f"/tasks/{case['reply']}/complete", json={"data": {"reply_class": "A", "pages": 1}})
    [check] = done.get_json()["open_tasks"]
    # the checker the review names: chair
    checked = world.as_("chair").post(f"/tasks/{check['task_id']}/complete", json={"data": {"accepted": True}})
    assert checked.status_code == 200, checked.get_json()
    path = f"/instances/{case['case']}/supervisions"
    refused = world.as_("supervisor").post(path, json={"opinion": "请尽快答复"})
    assert (refused.status_code, refused.get_json()["codes"]) == (
        409,
        {"instance": {"code": "case_ended", "params": {"status": "completed"}}},
    )


def test_a_supervision_on_a_task_withdrawn_meanwhile_says_it_is_no_longer_open(world):
    case = world.to_unit("finance")
    with world.factory.begin() as s:  # withdrawn as a deadline's boundary event withdraws it
        s.execute(update(WorkItem).where(WorkItem.task_id == case["reply"]).values(state=WorkItemState.CANCELLED))
    path = f"/instances/{case['case']}/supervisions"
    refused = world.as_("supervisor").post(path, json={"task_id": case["reply"], "opinion": "请尽快答复"})
    assert (refused.status_code, refused.get_json()["codes"]) == (
        409,
        {"task_id": {"code": "task_withdrawn", "params": {"task": "答复"}}},
    )
