"""The API's answer to a completion that lost a race: a task offered to the caller that a
colleague claimed first is a 409 saying who holds it now and since when (``held_by_another``),
as a task taken from its holder is; a caller it was never offered to is refused (403)."""

from __future__ import annotations

import re


def test_completing_a_task_a_colleague_claimed_meanwhile_is_a_409_naming_who_and_when(world):
    case = world.to_unit("finance")
    task = case["reply"]
    assert world.as_("fin").post(f"/tasks/{task}/claim").status_code == 200

    response = world.as_("fin2").post(f"/tasks/{task}/complete", json={"data": {"reply_class": "A", "pages": 2}})

    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "held_by_another"
    assert re.search(
        r"it was offered to fin2 too: fin holds it now \(given to them by fin at \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$",
        body["message"],
    ), body["message"]
    assert body["said"]["title"] == "任务已由他人签收"
    assert re.search(
        r"^「答复」已由 fin 同志 于 \d{4}-\d\d-\d\d \d\d:\d\d 签收，您的提交没有保存。$", body["said"]["text"]
    )


def test_completing_a_task_never_offered_to_the_caller_is_still_refused(world):
    case = world.to_unit("finance")
    task = case["reply"]
    assert world.as_("fin").post(f"/tasks/{task}/claim").status_code == 200

    response = world.as_("clerk").post(f"/tasks/{task}/complete", json={"data": {"reply_class": "A"}})

    assert response.status_code == 403
    assert response.get_json()["code"] == "not_allowed"
