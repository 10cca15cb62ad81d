"""GET /api/v1/board and a case's /supervisions: the overdue board and 督办 through the API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from engine import clock
from engine.usecases import timers
from storage import migrate
from tests.integration.scheduler_helpers import start_deadline
from tests.world import deploy

BEFORE_ESCALATION_KEPT = "e3b8d1f6a4c9"  # the migration before supervisions.escalation


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


def test_every_read_says_what_issuing_an_escalated_supervision_found(world):
    case = world.to_unit("finance")
    supervisor = world.as_("supervisor")
    path = f"/instances/{case['case']}/supervisions"
    plain = supervisor.post(path, json={"task_id": case["reply"], "opinion": "请尽快答复"}).get_json()
    issued = supervisor.post(path, json={"task_id": case["reply"], "opinion": "请负责人过问", "escalate": True})
    escalated = issued.get_json()
    found = {"unreported": "no_head", "unreported_unit": "finance", "told_instead": 0, "told_as_holders": 2}
    not_asked = {"unreported": None, "unreported_unit": None, "told_instead": 0, "told_as_holders": 0}

    def said(view: dict) -> dict:
        return {key: view[key] for key in found}

    assert (said(plain), said(escalated)) == (not_asked, found)
    listed = {s["id"]: said(s) for s in world.as_("fin").get(path).get_json()}
    assert listed == {plain["id"]: not_asked, escalated["id"]: found}
    board = {s["id"]: said(s) for s in supervisor.get("/board").get_json()["open_supervisions"]}
    assert board == {plain["id"]: not_asked, escalated["id"]: found}


def test_a_supervision_issued_before_what_it_found_was_kept_says_it_is_not_known(world, db_url):
    case = world.to_unit("finance")
    path = f"/instances/{case['case']}/supervisions"
    issued = world.as_("supervisor").post(path, json={"task_id": case["reply"], "opinion": "请尽快答复"})
    assert issued.get_json()["told_as_holders"] == 0  # not asked: nobody but the holders
    migrate.downgrade(db_url, BEFORE_ESCALATION_KEPT)
    try:
        with world.factory() as s:
            columns = s.execute(text("SELECT * FROM supervisions")).keys()
            assert "escalation" not in columns
    finally:
        migrate.upgrade(db_url)
    [old] = world.as_("supervisor").get(path).get_json()
    assert old["id"] == issued.get_json()["id"]
    assert (old["escalated"], old["unreported"], old["told_instead"], old["told_as_holders"]) == (
        False,
        None,
        None,
        None,
    )


def test_every_wrong_field_is_said_at_once(world):
    case = world.to_unit("finance")
    supervisor = world.as_("supervisor")
    path = f"/instances/{case['case']}/supervisions"
    refused = supervisor.post(path, json={"opinion": "", "task_id": "nope", "respond_by": "2026-13-01"})
    assert refused.status_code == 422
    assert refused.get_json()["codes"] == {
        "opinion": {"code": "required", "params": {}},
        "task_id": {"code": "not_allowed_value", "params": {"value": "nope"}},
        "respond_by": {"code": "no_such_date", "params": {"day": "2026-13-01"}},
    }
    # a value of the wrong type, which the request's reading refuses, is said with the others
    mistyped = supervisor.post(path, json={"opinion": 5, "task_id": "nope", "respond_by": "2026-12-01"})
    assert mistyped.status_code == 422
    assert mistyped.get_json()["codes"] == {
        "opinion": {"code": "invalid", "params": {"message": "Not a valid string."}},
        "task_id": {"code": "not_allowed_value", "params": {"value": "nope"}},
        "respond_by": {"code": "date_out_of_range", "params": {"min": "2026-12-07", "max": "2099-12-31"}},
    }
    missing = supervisor.post(path, json={"respond_by": "someday"})
    assert missing.get_json()["codes"] == {
        "opinion": {"code": "required", "params": {}},
        "respond_by": {"code": "not_a_date", "params": {}},
    }
    # a day past what the product dates (its end overflowed: a server error)
    far = supervisor.post(path, json={"opinion": "请答复", "respond_by": "9999-12-31"})
    assert (far.status_code, far.get_json()["codes"]) == (
        422,
        {"respond_by": {"code": "date_out_of_range", "params": {"min": "2026-12-07", "max": "2099-12-31"}}},
    )
    assert world.as_("fin").get(path).get_json() == []  # none of them issued


def test_a_supervision_its_task_a_deadline_withdrew_reads_ended_and_by_what(world):
    # 超时转督办 (deadline.bpmn: an interrupting timer on the task) took the task back
    deploy(world.factory, "deadline.bpmn")
    now = clock.now()
    case_id = start_deadline(world.factory, now - timedelta(hours=1), now + timedelta(days=2))
    timers.fire_due(world.factory)
    supervisor = world.as_("supervisor")
    [task] = supervisor.get(f"/instances/{case_id}").get_json()["open_tasks"]
    path = f"/instances/{case_id}/supervisions"
    issued = supervisor.post(path, json={"task_id": task["task_id"], "opinion": "请办理"}).get_json()
    assert (issued["state"], issued["withdrawn"], issued["withdrawn_by"]) == ("open", False, None)
    clock.advance(timedelta(days=2, seconds=1))
    timers.fire_due(world.factory)
    [ended] = [s for s in supervisor.get(path).get_json() if s["id"] == issued["id"]]
    assert (ended["state"], ended["withdrawn"], ended["withdrawn_by"]) == ("ended", True, "超时转督办")
