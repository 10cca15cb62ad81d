"""GET /api/v1/board and a case's /supervisions: the overdue board and 督办 through the API."""

from __future__ import annotations

from datetime import timedelta

from engine import clock


def test_issue_a_supervision_and_see_it_on_the_board(world):
    case = world.to_unit("finance")
    clock.advance(timedelta(days=16))  # the reply was due 2026-12-22 24:00
    board = world.as_("supervisor").get("/board").get_json()
    [row] = board["rows"]
    assert (row["task_id"], row["unit"], row["overdue"], row["days_overdue"]) == (case["reply"], "finance", True, 1)
    assert board["per_unit"] == {"finance": [1, 0]}
    assert (row["holder"], row["assignee"], row["candidate_groups"], row["holders"]) == (
        "finance",
        None,
        ["finance"],
        ["财政所"],
    )

    issued = world.as_("supervisor").post(
        f"/instances/{case['case']}/supervisions",
        json={"task_id": case["reply"], "opinion": "请今日内答复", "respond_by": "2026-12-24"},
    )
    assert issued.status_code == 201, issued.get_json()
    body = issued.get_json()
    assert (body["state"], body["respond_by"], body["task_name"]) == ("open", "2026-12-24T16:00:00+00:00", "答复")
    assert (body["escalated"], body["unreported"]) == (False, None)  # not asked
    escalated = (
        world.as_("supervisor")
        .post(
            f"/instances/{case['case']}/supervisions",
            json={"task_id": case["reply"], "opinion": "请负责人过问", "escalate": True},
        )
        .get_json()
    )
    # 财政所 has no head on the roster: its people hold the unclaimed task and heard as its holders
    assert (escalated["escalated"], escalated["unreported"], escalated["unreported_unit"]) == (
        False,
        "no_head",
        "finance",
    )
    assert (escalated["told_instead"], escalated["told_as_holders"]) == (0, 2)
    listed = world.as_("fin").get(f"/instances/{case['case']}/supervisions").get_json()
    assert [s["opinion"] for s in listed] == ["请今日内答复", "请负责人过问"]
    again = world.as_("supervisor").get("/board").get_json()
    assert again["rows"][0]["open_supervisions"] == 2
    assert [s["id"] for s in again["open_supervisions"]] == [body["id"], escalated["id"]]


def test_refusals(world):
    case = world.to_unit("finance")
    assert world.as_("fin").get("/board").status_code == 403
    refused = world.as_("supervisor").post(f"/instances/{case['case']}/supervisions", json={"opinion": " "})
    assert refused.status_code == 422 and set(refused.get_json()["fields"]) == {"opinion"}
    assert world.as_("fin").post(f"/instances/{case['case']}/supervisions", json={"opinion": "x"}).status_code == 403
    assert world.as_("supervisor").post("/instances/999999/supervisions", json={"opinion": "x"}).status_code == 404
