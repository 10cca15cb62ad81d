"""Several cases waiting for one message that all have one 编号 (a called case shares its
caller's; the office's own case of the called process may have it too): the 编号 cannot tell
them apart, so the refusal advises the case number alone (instance_id, ``--case``), on the
API in Chinese and English and on the command line; cases of different 编号 are still
advised any of 编号, correlation variables or case number (in English: the API and the
command line say the engine's words, a page the catalogue's)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from engine.access import OPERATOR
from engine.errors import Conflict
from engine.usecases import cases, definitions, messages
from storage.models import ProcessInstance
from tests.processes.test_messages_to_called_cases import CALLS_FOR_THE_REPLY
from tests.world import act, deploy
from web.errors import said_of

EN = {"Accept-Language": "en"}


def _start(world, key: str, business_key: str) -> int:
    return act(world.factory, "clerk", cases.start_instance, key, {}, business_key=business_key, validate=False).id


@pytest.fixture
def shared(world):
    """A called case of await_reply with its caller's 编号 J-7 and the office's own case of
    await_reply with J-7, both waiting for "reply": (world, the called case, the own case)."""
    deploy(world.factory, "await_reply.bpmn")
    with world.factory.begin() as s:
        definitions.deploy(s, CALLS_FOR_THE_REPLY.encode(), "call_reply.bpmn", OPERATOR)
    caller = _start(world, "call_reply", "J-7")
    with world.factory() as s:
        child = s.scalar(select(ProcessInstance.id).where(ProcessInstance.parent_instance_id == caller))
    return world, child, _start(world, "await_reply", "J-7")


def test_the_key_given_both_have_cannot_tell_them_apart_only_the_case_number_can(shared):
    world, child, own = shared
    admin = world.as_("admin")
    said = admin.post("/messages", json={"name": "reply", "business_key": "J-7"})
    assert said.status_code == 409
    assert said.get_json()["said"]["text"] == (
        f"有 2 个案件在等待消息「reply」（编号 J-7）：#{child}、#{own}。"
        "它们的编号都是 J-7，用编号分不开：请用案件号（instance_id，命令行用 --case）指明其中一个。"
    )
    english = admin.post("/messages", json={"name": "reply", "business_key": "J-7"}, headers=EN).get_json()
    assert english["said"]["text"] == english["message"]  # in English, the engine's own words
    assert english["message"] == (
        f"2 cases wait for the message 'reply' with business key 'J-7': {child}, {own}; "
        "they all have the business key 'J-7', which cannot tell them apart: "
        "name one by its case id (instance_id, --case)"
    )


def test_cases_all_of_one_key_named_without_it_are_told_so_too_unlike_cases_of_different_keys(shared):
    world, child, own = shared
    with pytest.raises(Conflict) as refused:
        act(world.factory, "admin", messages.send_message, "reply")
    assert refused.value.params["shared_key"] == "J-7"
    assert world.as_("admin").post("/messages", json={"name": "reply"}).get_json()["said"]["text"] == (
        f"有 2 个案件在等待消息「reply」：#{child}、#{own}。"
        "它们的编号都是 J-7，用编号分不开：请用案件号（instance_id，命令行用 --case）指明其中一个。"
    )
    other = _start(world, "await_reply", "J-8")  # now the 编号 does tell one of them apart
    assert world.as_("admin").post("/messages", json={"name": "reply"}).get_json()["said"]["text"] == (
        f"有 3 个案件在等待消息「reply」：#{child}、#{own}、#{other}。"
        "请用编号（business_key）、关联变量或案件号（instance_id）指明其中一个。"
    )


def test_the_command_line_advises_the_case_number_alone_in_either_language(shared):
    world, child, own = shared
    runner = world.app.test_cli_runner()
    several = runner.invoke(args=["message", "reply", "--business-key", "J-7", "--user", "admin"])
    assert several.exit_code == 3
    assert (
        "they all have the business key 'J-7', which cannot tell them apart: "
        "name one by its case id (instance_id, --case)" in several.output
    )
    as_json = ["message", "reply", "--business-key", "J-7", "--user", "admin", "--json"]
    chinese = runner.invoke(args=as_json, env={"CONGRESSFLOW_CLI_LANG": "zh_CN"})
    assert json.loads(chinese.output)["said"]["text"] == (
        f"有 2 个案件在等待消息「reply」（编号 J-7）：#{child}、#{own}。"
        "它们的编号都是 J-7，用编号分不开：请用案件号（instance_id，命令行用 --case）指明其中一个。"
    )
    english = json.loads(runner.invoke(args=as_json, env={"CONGRESSFLOW_CLI_LANG": "en"}).output)
    assert english["said"]["text"] == english["message"]  # in English, the engine's own words (above)


def test_a_page_in_english_says_it_in_english(shared):
    world, child, own = shared
    with pytest.raises(Conflict) as refused:
        act(world.factory, "admin", messages.send_message, "reply", business_key="J-7")
    with world.app.test_request_context("/", headers={"Cookie": "lang=en"}):
        said = said_of(refused.value)
    assert said is not None and said.text == (
        f"2 cases wait for the message “reply” (business key J-7): #{child}, #{own}. "
        "They all have the business key J-7, so it cannot tell them apart: "
        "name one by its case id (instance_id, or --case on the command line)."
    )
