"""A message to one case named by its id (``instance_id``; ``congressflow message --case``),
as Camunda's REST correlation takes a ``processInstanceId``: the only way to reach one of
several cases waiting for the same message that have no business key and the same data
(engine/usecases/messages.py). A case that does not wait for it is told, naming the case and
the message; the "several cases wait" refusal names the option."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.access import OPERATOR
from engine.usecases import cases, definitions
from tests.world import act
from tests.world import deploy as deploy_fixtures

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "bpmn-corpus"
SINGLE_CATCH = (
    CORPUS
    / "camunda-engine-tests/org/camunda/bpm/engine/test/bpmn/event/message"
    / "MessageIntermediateEventTest.testSingleIntermediateMessageEvent.bpmn20.xml"
)


def start(world, key: str = "await_reply", business_key: str | None = None) -> int:
    return act(world.factory, "clerk", cases.start_instance, key, {}, business_key=business_key, validate=False).id


@pytest.fixture
def replies(world):
    deploy_fixtures(world.factory, "await_reply.bpmn")
    return world


def test_two_cases_alike_each_reached_by_its_id(replies):
    admin = replies.as_("admin")
    first, second = start(replies), start(replies)
    several = admin.post("/messages", json={"name": "reply"})
    assert several.status_code == 409
    assert several.get_json()["message"] == (
        f"2 cases wait for the message 'reply': {first}, {second}; "
        "name one by its business key, correlation variables or case id (instance_id, --case)"
    )
    sent = admin.post("/messages", json={"name": "reply", "instance_id": second, "variables": {"answer": "同意"}})
    assert sent.status_code == 200, sent.get_json()
    assert sent.get_json() == {
        "kind": "message",
        "name": "reply",
        "instance_ids": [second],
        "elements": {str(second): ["wait_reply"]},
        "started": [],
    }
    again = admin.post("/messages", json={"name": "reply", "instance_id": second})
    assert again.status_code == 404
    assert again.get_json()["message"] == f"case {second} does not wait for the message 'reply'"
    # the other still waits: now the only one
    assert admin.post("/messages", json={"name": "reply"}).get_json()["instance_ids"] == [first]


def test_a_case_named_that_cannot_take_the_message_is_told_why(replies):
    admin = replies.as_("admin")
    keyed, cancelled = start(replies, business_key="A"), start(replies)
    with replies.factory.begin() as s:
        cases.cancel_instance(s, OPERATOR, cancelled, "测试")
    missing = admin.post("/messages", json={"name": "reply", "instance_id": 99999})
    assert (missing.status_code, missing.get_json()["message"]) == (404, "no case 99999")
    finished = admin.post("/messages", json={"name": "reply", "instance_id": cancelled})
    assert (finished.status_code, finished.get_json()["message"]) == (
        409,
        f"case {cancelled} is cancelled: it does not wait for the message 'reply' any more",
    )
    other_message = admin.post("/messages", json={"name": "recess", "instance_id": keyed})
    assert (other_message.status_code, other_message.get_json()["message"]) == (
        404,
        f"case {keyed} does not wait for the message 'recess'",
    )
    other_key = admin.post("/messages", json={"name": "reply", "instance_id": keyed, "business_key": "B"})
    assert (other_key.status_code, other_key.get_json()["message"]) == (
        404,
        f"case {keyed} does not wait for the message 'reply' with business key 'B'",
    )
    # nothing was delivered by the refusals: the case still waits, and its key and id agree
    both = admin.post("/messages", json={"name": "reply", "instance_id": keyed, "business_key": "A"})
    assert both.get_json()["instance_ids"] == [keyed]


def test_who_may_not_send_and_what_is_malformed(replies):
    case_id = start(replies)
    refused = replies.as_("clerk").post("/messages", json={"name": "reply", "instance_id": case_id})
    assert refused.status_code == 403 and "message.send" in refused.get_json()["message"]
    admin = replies.as_("admin")
    for wrong in (str(case_id), 0, -1, 2**31, True):
        answer = admin.post("/messages", json={"name": "reply", "instance_id": wrong})
        assert answer.status_code == 422, (wrong, answer.get_json())
        assert "instance_id" in answer.get_json()["fields"]
    spec = replies.anonymous().get("/openapi.json").get_json()
    assert "instance_id" in spec["components"]["schemas"]["Message"]["properties"]


def test_the_command_line_names_the_case(replies):
    first, second = start(replies), start(replies)
    runner = replies.app.test_cli_runner()
    several = runner.invoke(args=["message", "reply", "--user", "admin"])
    assert several.exit_code == 3 and "(instance_id, --case)" in several.output
    sent = runner.invoke(args=["message", "reply", "--case", str(first), "--user", "admin", "--json"])
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.output)["instance_ids"] == [first]
    again = runner.invoke(args=["message", "reply", "--case", str(first), "--user", "admin"])
    assert again.exit_code == 5 and f"case {first} does not wait for the message 'reply'" in again.output
    plain = runner.invoke(args=["message", "reply", "--case", str(second), "--operator"])
    assert plain.exit_code == 0 and f"message 'reply' → case {second} at wait_reply" in plain.output
    bad = runner.invoke(args=["message", "reply", "--case", "x", "--operator"])
    assert bad.exit_code == 2 and "--case" in bad.output


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/bpmn-corpus is not beside the repo")
def test_camundas_single_intermediate_message_event_started_twice(world):
    """The QA walk's dead end: Camunda's own file started twice by the office, nothing to tell
    the cases apart but their ids."""
    with world.factory.begin() as s:
        definitions.deploy(s, SINGLE_CATCH.read_bytes(), SINGLE_CATCH.name, OPERATOR, default_group="office")
    first, second = start(world, "process"), start(world, "process")
    admin = world.as_("admin")
    assert admin.post("/messages", json={"name": "newInvoiceMessage"}).status_code == 409
    sent = admin.post("/messages", json={"name": "newInvoiceMessage", "instance_id": first})
    assert sent.get_json()["elements"] == {str(first): ["messageCatch"]}
    assert admin.post("/messages", json={"name": "newInvoiceMessage"}).get_json()["instance_ids"] == [second]
