"""The API's answer when a task stopped being the caller's: taken from him (handed on, or given
back and claimed by another) or its case cancelled: a 409 with a code saying which."""

from __future__ import annotations

from tests.world import create_people


def test_completing_a_task_handed_on_from_under_its_holder_is_a_409_naming_who_holds_it(world):
    create_people(world.app, "head")
    case = world.to_unit("finance")
    task = case["reply"]
    assert world.as_("fin").post(f"/tasks/{task}/claim").status_code == 200
    handed = world.as_("head").post(f"/tasks/{task}/hand-over", json={"to": "fin2", "comment": ""})
    assert handed.status_code == 200, handed.get_json()

    response = world.as_("fin").post(f"/tasks/{task}/complete", json={"data": {"reply_class": "A", "pages": 2}})

    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "held_by_another"
    assert "fin2 holds it now (given to them by head at " in body["message"]
    [told] = [n for n in world.as_("fin").get("/me/notifications").get_json()["items"] if n["kind"] == "taken_away"]
    assert told["subject"] == "任务已转交：答复（路灯不亮）"


def test_completing_the_task_of_a_cancelled_case_is_a_409_saying_it_was_cancelled(world):
    case = world.to_unit("finance")
    cancelled = world.as_("clerk").post(f"/instances/{case['case']}/cancel", json={"reason": "重复登记"})
    assert cancelled.status_code == 204

    response = world.as_("fin").post(f"/tasks/{case['reply']}/complete", json={"data": {"reply_class": "A"}})

    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "case_cancelled"
    assert "no longer open: its case was cancelled by clerk at " in body["message"]
    assert body["message"].endswith("(重复登记)")
