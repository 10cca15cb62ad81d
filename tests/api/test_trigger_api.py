"""POST /api/v1/instances/<id>/trigger and ``congressflow trigger CASE ELEMENT``: the doors to
``messages.trigger_task``, which continues a case waiting at a receive task without a message
(tests/processes/test_triggers.py has the rules)."""

from __future__ import annotations

import json

import pytest

from engine.usecases import cases
from tests.world import act
from tests.world import deploy as deploy_fixtures


def start(world) -> int:
    return act(world.factory, "clerk", cases.start_instance, "await_trigger", {}, validate=False).id


@pytest.fixture
def waiting(world):
    deploy_fixtures(world.factory, "await_trigger.bpmn")
    return world


def test_the_api_continues_the_case_with_its_variables(waiting):
    admin = waiting.as_("admin")
    case_id = start(waiting)
    sent = admin.post(
        f"/instances/{case_id}/trigger", json={"element": "wait_confirm", "variables": {"confirmed_by": "财经委"}}
    )
    assert sent.status_code == 200, sent.get_json()
    assert sent.get_json() == {
        "kind": "trigger",
        "name": "wait_confirm",
        "instance_ids": [case_id],
        "elements": {str(case_id): ["wait_confirm"]},
        "started": [],
    }
    detail = admin.get(f"/instances/{case_id}").get_json()
    assert detail["variables"]["confirmed_by"] == "财经委"
    assert [t["bpmn_id"] for t in detail["open_tasks"]] == ["review"]
    again = admin.post(f"/instances/{case_id}/trigger", json={"element": "wait_confirm"})
    assert again.status_code == 404
    assert again.get_json()["message"] == (
        f"case {case_id} does not wait at 'wait_confirm' (a receive task without a message)"
    )


def test_the_api_refuses_who_may_not_what_is_missing_finished_or_malformed(waiting):
    case_id = start(waiting)
    path = f"/instances/{case_id}/trigger"
    refused = waiting.as_("clerk").post(path, json={"element": "wait_confirm"})
    assert refused.status_code == 403 and "message.send" in refused.get_json()["message"]
    assert waiting.anonymous().post(path, json={"element": "wait_confirm"}).status_code == 401
    admin = waiting.as_("admin")
    assert admin.post(path, json={}).status_code == 422
    assert admin.post(path, json={"element": ""}).status_code == 422
    missing = admin.post("/instances/99999/trigger", json={"element": "wait_confirm"})
    assert missing.status_code == 404 and missing.get_json()["message"] == "no case 99999"
    act(waiting.factory, "admin", cases.cancel_instance, case_id, "重复登记")
    finished = admin.post(path, json={"element": "wait_confirm"})
    assert finished.status_code == 409 and f"case {case_id} is cancelled" in finished.get_json()["message"]


def test_the_openapi_document_declares_it(waiting):
    spec = waiting.anonymous().get("/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/instances/{instance_id}/trigger"]["post"]
    assert set(operation["responses"]) >= {"200", "422"}


def test_the_command_line(waiting):
    case_id = start(waiting)
    runner = waiting.app.test_cli_runner()
    refused = runner.invoke(args=["trigger", str(case_id), "wait_confirm", "--user", "clerk"])
    assert refused.exit_code == 4
    wrong = runner.invoke(args=["trigger", str(case_id), "review", "--user", "admin"])
    assert wrong.exit_code == 5 and f"case {case_id} does not wait at 'review'" in wrong.output
    sent = runner.invoke(args=["trigger", str(case_id), "wait_confirm", "--var", "pages=3", "--user", "admin"])
    assert sent.exit_code == 0, sent.output
    assert sent.output.strip() == f"trigger 'wait_confirm' → case {case_id} at wait_confirm"
    detail = act(waiting.factory, "admin", cases.instance_detail, case_id)
    assert detail.variables["pages"] == 3
    finished = runner.invoke(args=["trigger", str(case_id), "wait_confirm", "--operator", "--json"])
    assert finished.exit_code == 5  # it waits at review now
    act(waiting.factory, "admin", cases.cancel_instance, case_id, "重复登记")
    cancelled = runner.invoke(args=["trigger", str(case_id), "wait_confirm", "--operator", "--json"])
    assert cancelled.exit_code == 3
    assert json.loads(cancelled.stderr.strip().splitlines()[-1])["code"] == "conflict"
