"""POST /messages by 编号 where a called case shares its caller's: the called case waiting for
the message is reached by its caller's 编号; with the office's own case of the called process
waiting too, the 409 names both, and each is reached by its id."""

from __future__ import annotations

from sqlalchemy import select

from engine.access import OPERATOR
from engine.usecases import definitions
from storage.models import ProcessInstance
from tests.processes.test_messages_to_called_cases import CALLS_FOR_THE_REPLY
from tests.world import deploy


def _started(world, key: str) -> int:
    started = world.as_("clerk").post("/instances", json={"process_key": key, "business_key": "J-7", "data": {}})
    assert started.status_code == 201, started.get_json()
    return started.get_json()["id"]


def test_a_message_by_the_callers_key_reaches_the_waiting_called_case_or_names_both(world):
    deploy(world.factory, "await_reply.bpmn")
    with world.factory.begin() as s:
        definitions.deploy(s, CALLS_FOR_THE_REPLY.encode(), "call_reply.bpmn", OPERATOR)
    caller = _started(world, "call_reply")
    with world.factory() as s:
        child = s.scalar(select(ProcessInstance.id).where(ProcessInstance.parent_instance_id == caller))
    own = _started(world, "await_reply")
    admin = world.as_("admin")
    several = admin.post("/messages", json={"name": "reply", "business_key": "J-7"})
    assert several.status_code == 409, several.get_json()
    assert f"#{child}、#{own}" in several.get_json()["said"]["text"]
    reached = admin.post("/messages", json={"name": "reply", "business_key": "J-7", "instance_id": child})
    assert reached.status_code == 200, reached.get_json()
    assert reached.get_json()["instance_ids"] == [child]
    assert admin.post("/messages", json={"name": "reply", "business_key": "J-7"}).get_json()["instance_ids"] == [own]
