"""A machine door's refusals (a worker's answer, a message, a trigger) carry their reason and
params (engine.errors.REASONS), and the API's ``said`` is said from those, not from the English
``message`` read back: rewording the message cannot lose the Chinese. The refusals
tests/api/test_machine_refusals_said.py does not reach, said in Chinese; in English the API
says the engine's words, as it always has."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import clock
from engine.errors import Conflict, NotFound
from engine.usecases import cases, external_task_answers, messages
from tests.world import act
from tests.world import deploy as deploy_fixtures

from .test_machine_refusals_said import EN, fetch, sms  # noqa: F401 (sms: a fixture)


def test_a_lock_refusal_carries_the_worker_ids_and_the_moment_as_data(sms):  # noqa: F811
    admin = sms.as_("admin")
    [task] = fetch(admin, "w2")
    until = clock.now() + timedelta(seconds=60)
    with pytest.raises(Conflict) as refused:
        act(sms.factory, "admin", external_task_answers.complete, task["id"], "w1", {})
    assert refused.value.reason == "external_task_locked_by"
    assert refused.value.params == {"task": task["id"], "lock_holder": "w2", "until": until, "worker": "w1"}
    with pytest.raises(NotFound) as gone:
        act(sms.factory, "admin", external_task_answers.complete, 99999, "w1", {})
    assert (gone.value.reason, gone.value.params) == ("external_task_gone", {"task": 99999})


def test_a_task_never_locked_and_a_lock_another_worker_let_expire(sms):  # noqa: F811
    admin = sms.as_("admin")
    task_id = admin.get("/external-tasks").get_json()[0]["id"]
    unlocked = admin.post(f"/external-tasks/{task_id}/complete", json={"worker_id": "w1"})
    assert unlocked.status_code == 409
    assert unlocked.get_json()["said"]["text"] == (
        f"外部任务 {task_id} 没有被锁定：请先获取并锁定它（fetch-and-lock）。"
    )
    fetch(admin, "w2", lock_ms=1000)
    clock.advance(timedelta(seconds=2))
    body = admin.post(f"/external-tasks/{task_id}/complete", json={"worker_id": "w1"}).get_json()
    assert body["said"]["text"] == f"外部程序 w1 没有锁定外部任务 {task_id}：请先获取并锁定它（fetch-and-lock）。"
    english = admin.post(f"/external-tasks/{task_id}/complete", json={"worker_id": "w1"}, headers=EN).get_json()
    assert (
        english["said"]["text"]
        == english["message"]
        == (f"the worker 'w1' holds no lock on external task {task_id}: fetch and lock it first")
    )


@pytest.fixture
def replies(world):
    deploy_fixtures(world.factory, "await_reply.bpmn")
    return world


def start(world, business_key: str | None = None) -> int:
    return act(
        world.factory, "clerk", cases.start_instance, "await_reply", {}, business_key=business_key, validate=False
    ).id


def test_what_a_message_was_matched_by_is_said_from_the_data(replies):
    """The business key and correlation values are params, said as given (the quote in the
    key is no longer read back out of the English)."""
    case = start(replies, "A'1")
    admin = replies.as_("admin")
    with pytest.raises(NotFound) as refused:
        act(
            replies.factory,
            "admin",
            messages.send_message,
            "reply",
            instance_id=case,
            correlation={"n": 1},
            business_key="B",
        )
    assert refused.value.reason == "message_not_awaited_by_case"
    assert refused.value.params == {"case": case, "name": "reply", "key": "B", "correlation": {"n": 1}}
    body = admin.post(
        "/messages",
        json={"name": "reply", "instance_id": case, "business_key": "B", "correlation": {"n": 1, "who": "x"}},
    ).get_json()
    assert body["said"]["text"] == f"案件 #{case} 没有在等待消息「reply」（编号 B，关联变量 n=1, who='x'）。"
    keyed = admin.post("/messages", json={"name": "reply", "business_key": "A'1", "correlation": {"n": 2}})
    assert keyed.status_code == 404
    assert keyed.get_json()["said"]["text"] == "没有案件在等待消息「reply」（编号 A'1，关联变量 n=2）。"
    nothing = admin.post("/messages", json={"name": "no-such"}).get_json()
    assert nothing["said"]["text"] == "没有案件在等待消息「no-such」，也没有由这个消息发起的流程。"


def test_more_cases_than_listed_end_with_an_ellipsis(replies):
    started = [start(replies) for _ in range(messages.MAX_LISTED + 1)]
    with pytest.raises(Conflict) as refused:
        act(replies.factory, "admin", messages.send_message, "reply")
    assert refused.value.reason == "message_awaited_by_several"
    assert refused.value.params["count"] == 21 and refused.value.params["cases"] == started[:20]
    said = replies.as_("admin").post("/messages", json={"name": "reply"}).get_json()["said"]["text"]
    listed = "、".join(f"#{case}" for case in started[:20])
    assert said == (
        f"有 21 个案件在等待消息「reply」：{listed}…。"
        "请用编号（business_key）、关联变量或案件号（instance_id）指明其中一个。"
    )


def test_an_ended_case_says_its_status(replies):
    case = start(replies)
    act(replies.factory, "admin", cases.cancel_instance, case, "测试撤销")
    admin = replies.as_("admin")
    refused = admin.post("/messages", json={"name": "reply", "instance_id": case})
    assert refused.status_code == 409
    assert refused.get_json()["said"]["text"] == f"案件 #{case} 已撤销，不再等待消息「reply」。"
    english = admin.post("/messages", json={"name": "reply", "instance_id": case}, headers=EN).get_json()
    assert english["said"]["text"] == f"case {case} is cancelled: it does not wait for the message 'reply' any more"
    trigger = admin.post(f"/instances/{case}/trigger", json={"element": "wait_reply"}).get_json()
    assert trigger["said"]["text"] == f"案件 #{case} 已撤销，不再等待任何消息。"
    missing = admin.post("/instances/99999/trigger", json={"element": "wait_reply"}).get_json()
    assert missing["said"]["text"] == "没有案件 #99999。"


def test_a_case_not_waiting_at_the_trigger(replies):
    case = start(replies)
    admin = replies.as_("admin")
    refused = admin.post(f"/instances/{case}/trigger", json={"element": "wait_reply"})
    assert refused.status_code == 404
    assert refused.get_json()["said"]["text"] == f"案件 #{case} 没有停在接收任务「wait_reply」等待。"
