"""POST /api/v1/messages and /api/v1/signals, and ``congressflow message`` / ``signal``:
the doors to engine/usecases/messages.py (tests/processes/test_messages.py has the rules)."""

from __future__ import annotations

import json

import pytest

from engine.usecases import cases
from tests.world import act
from tests.world import deploy as deploy_fixtures


def start(world, business_key, **data) -> int:
    return act(
        world.factory, "clerk", cases.start_instance, "await_reply", data, business_key=business_key, validate=False
    ).id


@pytest.fixture
def replies(world):
    deploy_fixtures(world.factory, "await_reply.bpmn")
    return world


def test_the_api_delivers_a_message_and_a_signal(replies):
    admin = replies.as_("admin")
    a, b = start(replies, "A", lead_unit="finance"), start(replies, "B", lead_unit="land")
    none = admin.post("/messages", json={"name": "reply", "business_key": "C"})
    assert none.status_code == 404 and "no case waits" in none.get_json()["message"]
    several = admin.post("/messages", json={"name": "reply"})
    assert several.status_code == 409 and f"{a}, {b}" in several.get_json()["message"]
    sent = admin.post("/messages", json={"name": "reply", "business_key": "A", "variables": {"answer": "同意"}})
    assert sent.status_code == 200, sent.get_json()
    assert sent.get_json() == {
        "kind": "message",
        "name": "reply",
        "instance_ids": [a],
        "elements": {str(a): ["wait_reply"]},
        "started": [],
    }
    by_var = admin.post("/messages", json={"name": "reply", "correlation": {"lead_unit": "land"}})
    assert by_var.get_json()["instance_ids"] == [b]
    signal = admin.post("/signals", json={"name": "recess", "variables": {"session": 3}})
    assert signal.status_code == 200 and sorted(signal.get_json()["instance_ids"]) == [a, b]


def test_the_api_refuses_who_may_not_and_what_is_malformed(replies):
    start(replies, "A")
    refused = replies.as_("clerk").post("/messages", json={"name": "reply", "business_key": "A"})
    assert refused.status_code == 403 and "message.send" in refused.get_json()["message"]
    assert replies.as_("clerk").post("/signals", json={"name": "recess"}).status_code == 403
    assert replies.as_("admin").post("/messages", json={"business_key": "A"}).status_code == 422
    assert replies.anonymous().post("/signals", json={"name": "recess"}).status_code == 401


def test_the_openapi_document_declares_both(replies):
    spec = replies.anonymous().get("/openapi.json").get_json()
    assert "post" in spec["paths"]["/api/v1/messages"] and "post" in spec["paths"]["/api/v1/signals"]


def test_the_command_line(replies):
    a = start(replies, "A", lead_unit="finance")
    runner = replies.app.test_cli_runner()
    none = runner.invoke(args=["message", "reply", "--business-key", "Z", "--user", "admin"])
    assert none.exit_code == 5 and "no case waits" in none.output
    refused = runner.invoke(args=["message", "reply", "--user", "clerk"])
    assert refused.exit_code == 4
    sent = runner.invoke(
        args=[
            "message",
            "reply",
            "--correlate",
            "lead_unit=finance",
            "--var",
            "answer=同意",
            "--user",
            "admin",
            "--json",
        ]
    )
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.output)["instance_ids"] == [a]
    signal = runner.invoke(args=["signal", "recess", "--operator"])
    assert signal.exit_code == 0 and f"case {a} at wait_recess" in signal.output
