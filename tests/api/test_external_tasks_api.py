"""/api/v1/external-tasks and ``congressflow external-tasks list``: the doors to the external
task use cases (tests/processes/test_external_tasks.py has the rules). Errors as the API's
others: 404 / 409 / 422 naming the field, 403 without the permission, never a 500."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from engine import clock
from engine.usecases import cases
from tests.world import act
from tests.world import deploy as deploy_fixtures

SMS = {"topic_name": "notify_sms", "lock_duration": 60_000}


def start(world, **data) -> int:
    return act(world.factory, "clerk", cases.start_instance, "external_task", {"subject": "开会通知", **data}).id


def fetch(caller, worker="sms-1", **body):
    return caller.post("/external-tasks/fetch-and-lock", json={"worker_id": worker, "topics": [SMS], **body})


@pytest.fixture
def sms(world):
    deploy_fixtures(world.factory, "external_task.bpmn")
    return world


def test_fetch_and_lock_then_complete(sms):
    admin = sms.as_("admin")
    case_id = start(sms, phone="13900001111")
    fetched = admin.post(
        "/external-tasks/fetch-and-lock",
        json={
            "worker_id": "sms-1",
            "max_tasks": 5,
            "topics": [{"topic_name": "notify_sms", "lock_duration": 30_000, "variables": ["phone"]}],
        },
    )
    assert fetched.status_code == 200, fetched.get_json()
    [task] = fetched.get_json()
    assert {k: task[k] for k in ("topic", "worker_id", "instance_id", "bpmn_id", "process_key", "priority")} == {
        "topic": "notify_sms",
        "worker_id": "sms-1",
        "instance_id": case_id,
        "bpmn_id": "send_sms",
        "process_key": "external_task",
        "priority": 5,
    }
    assert task["variables"] == {"phone": "13900001111"} and task["retries"] is None
    assert fetch(admin, "sms-2").get_json() == []

    listed = admin.get("/external-tasks?topic=notify_sms").get_json()
    assert [(t["id"], t["state"], t["worker_id"]) for t in listed] == [(task["id"], "locked", "sms-1")]
    assert admin.get("/external-tasks?topic=other").get_json() == []

    done = admin.post(
        f"/external-tasks/{task['id']}/complete", json={"worker_id": "sms-1", "variables": {"receipt": "R1"}}
    )
    assert done.status_code == 200, done.get_json()
    assert {k: done.get_json()[k] for k in ("id", "instance_id", "outcome", "case_status")} == {
        "id": task["id"],
        "instance_id": case_id,
        "outcome": "completed",
        "case_status": "running",
    }
    detail = admin.get(f"/instances/{case_id}").get_json()
    assert detail["variables"]["receipt"] == "R1"
    assert [t["bpmn_id"] for t in detail["open_tasks"]] == ["check"]
    assert admin.get("/external-tasks").get_json() == []


def test_failure_extend_unlock_and_bpmn_error(sms):
    admin = sms.as_("admin")
    start(sms)
    [task] = fetch(admin).get_json()
    path = f"/external-tasks/{task['id']}"
    extended = admin.post(f"{path}/extend-lock", json={"worker_id": "sms-1", "new_duration": 120_000})
    assert extended.status_code == 200 and extended.get_json()["outcome"] == "locked"
    failed = admin.post(
        f"{path}/failure",
        json={"worker_id": "sms-1", "error_message": "网关超时", "error_details": "trace", "retries": 0},
    )
    assert failed.status_code == 200, failed.get_json()
    assert failed.get_json()["outcome"] == "incident" and failed.get_json()["incident_id"]
    [incident] = admin.get("/incidents").get_json()
    assert incident["kind"] == "external_task" and "网关超时" in incident["message"]
    [listed] = admin.get("/external-tasks").get_json()
    assert (listed["state"], listed["retries"], listed["error_message"], listed["error_details"]) == (
        "failed",
        0,
        "网关超时",
        "trace",
    )
    assert admin.post(f"/incidents/retry/{incident['instance_id']}").get_json()["ok"] is True
    [task] = fetch(admin).get_json()
    assert admin.post(f"{path}/unlock").get_json()["outcome"] == "unlocked"
    [task] = fetch(admin, "sms-2").get_json()
    caught = admin.post(
        f"{path}/bpmn-error", json={"worker_id": "sms-2", "error_code": "no_phone", "variables": {"reason": "无"}}
    )
    assert caught.status_code == 200 and caught.get_json()["outcome"] == "error_caught"


def test_refusals_name_what_is_wrong(sms):
    admin = sms.as_("admin")
    start(sms)
    [task] = fetch(admin, "w1", topics=[{"topic_name": "notify_sms", "lock_duration": 1000}]).get_json()
    path = f"/external-tasks/{task['id']}"
    clock.advance(timedelta(seconds=2))  # the world's clock is frozen
    expired = admin.post(f"{path}/complete", json={"worker_id": "w1"})
    assert expired.status_code == 409 and "expired" in expired.get_json()["message"]
    fetch(admin, "w2")
    held = admin.post(f"{path}/complete", json={"worker_id": "w1"})
    assert held.status_code == 409 and "locked by the worker 'w2'" in held.get_json()["message"]
    missing = admin.post("/external-tasks/999999/complete", json={"worker_id": "w1"})
    assert missing.status_code == 404 and "no external task 999999" in missing.get_json()["message"]
    bad_name = admin.post(f"{path}/complete", json={"worker_id": "w2", "variables": {"_x": 1}})
    assert bad_name.status_code == 422 and set(bad_name.get_json()["fields"]) == {"variables._x"}
    no_lock = admin.post("/external-tasks/fetch-and-lock", json={"worker_id": "w", "topics": [{"topic_name": "t"}]})
    assert no_lock.status_code == 422 and set(no_lock.get_json()["fields"]) == {"topics.0.lock_duration"}
    no_worker = admin.post(f"{path}/failure", json={"retries": 1})
    assert no_worker.status_code == 422 and set(no_worker.get_json()["fields"]) == {"worker_id"}
    negative = admin.post(f"{path}/failure", json={"worker_id": "w2", "retries": -1})
    assert negative.status_code == 422 and set(negative.get_json()["fields"]) == {"retries"}
    assert admin.post(f"{path}/extend-lock", json={"worker_id": "w2", "new_duration": 0}).status_code == 422


def test_who_may(sms):
    start(sms)
    refused = fetch(sms.as_("clerk"))
    assert refused.status_code == 403 and "external_task.work" in refused.get_json()["message"]
    assert sms.as_("clerk").get("/external-tasks").status_code == 403
    assert sms.as_("supervisor").post("/external-tasks/1/unlock").status_code == 403
    assert sms.anonymous().post("/external-tasks/1/unlock").status_code == 401


def test_the_openapi_document_declares_them(sms):
    paths = sms.anonymous().get("/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/external-tasks"]
    assert "post" in paths["/api/v1/external-tasks/fetch-and-lock"]
    for action in ("complete", "failure", "bpmn-error", "extend-lock", "unlock"):
        assert "post" in paths[f"/api/v1/external-tasks/{{external_task_id}}/{action}"], action


def test_the_command_line_lists_them(sms):
    case_id = start(sms)
    fetch(sms.as_("admin"))
    runner = sms.app.test_cli_runner()
    text = runner.invoke(args=["external-tasks", "list", "--topic", "notify_sms", "--user", "admin"])
    assert text.exit_code == 0, text.output
    assert "1 external task\n" in text.output and f"case {case_id} at send_sms (locked; held by sms-1" in text.output
    as_json = runner.invoke(args=["external-tasks", "list", "--user", "admin", "--json"])
    [row] = json.loads(as_json.output)
    assert (row["topic"], row["state"], row["worker_id"]) == ("notify_sms", "locked", "sms-1")
    refused = runner.invoke(args=["external-tasks", "list", "--user", "clerk"])
    assert refused.exit_code == 4
