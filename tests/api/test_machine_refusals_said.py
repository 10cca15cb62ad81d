"""A machine door's 404 / 409 (a worker's answer, a message) says its own reason in ``said``,
in the request's language (QA walk "v", finding 6: ``said.text`` was the page's "您打开此页面之后
……请刷新后再试" and "要找的页面、任务或案件不存在", dropping who holds the lock and which cases
wait). ``message`` stays the developer's English; English ``said`` is the engine's words."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import clock
from engine.usecases import cases
from tests.world import act
from tests.world import deploy as deploy_fixtures

SMS = {"topic_name": "notify_sms", "lock_duration": 60_000}
EN = {"Accept-Language": "en"}


@pytest.fixture
def sms(world):
    deploy_fixtures(world.factory, "external_task.bpmn")
    act(world.factory, "clerk", cases.start_instance, "external_task", {"subject": "开会通知"})
    return world


def fetch(caller, worker: str, lock_ms: int = 60_000):
    return caller.post(
        "/external-tasks/fetch-and-lock",
        json={"worker_id": worker, "topics": [{**SMS, "lock_duration": lock_ms}]},
    ).get_json()


def test_a_worker_without_the_lock_is_told_who_holds_it_and_until_when(sms):
    admin = sms.as_("admin")
    [task] = fetch(admin, "w2")
    until = clock.now() + timedelta(seconds=60)
    refused = admin.post(f"/external-tasks/{task['id']}/complete", json={"worker_id": "w1"})
    assert refused.status_code == 409
    body = refused.get_json()
    assert "locked by the worker 'w2'" in body["message"]  # the developer's English, as before
    # the world's readers are in Asia/Shanghai: UTC+8, to the second
    local = (until + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    assert body["said"]["title"] == "状态已变化"
    assert body["said"]["text"] == f"外部任务 {task['id']} 已由外部程序 w2 锁定，至 {local} 为止；w1 不能答复它。"
    english = admin.post(f"/external-tasks/{task['id']}/complete", json={"worker_id": "w1"}, headers=EN)
    assert english.get_json()["said"]["text"] == english.get_json()["message"]


def test_an_expired_lock_and_a_task_never_fetched_say_so(sms):
    admin = sms.as_("admin")
    [task] = fetch(admin, "w1", lock_ms=1000)
    expired_at = clock.now() + timedelta(seconds=1)
    clock.advance(timedelta(seconds=2))
    body = admin.post(f"/external-tasks/{task['id']}/complete", json={"worker_id": "w1"}).get_json()
    local = (expired_at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    assert body["said"]["text"] == f"外部程序 w1 对外部任务 {task['id']} 的锁定已于 {local} 过期：请重新获取并锁定它。"
    gone = admin.post("/external-tasks/99999/complete", json={"worker_id": "w1"}).get_json()
    assert gone["said"]["text"] == "外部任务 99999 不在等待外部程序处理：它已处理完、案件已结束，或者没有这个任务。"


@pytest.fixture
def replies(world):
    deploy_fixtures(world.factory, "await_reply.bpmn")
    return world


def start(world, business_key: str) -> int:
    return act(
        world.factory, "clerk", cases.start_instance, "await_reply", {}, business_key=business_key, validate=False
    ).id


def test_messages_say_which_cases_wait_and_what_was_not_found(replies):
    admin = replies.as_("admin")
    a, b = start(replies, "A"), start(replies, "B")
    several = admin.post("/messages", json={"name": "reply"})
    assert several.status_code == 409
    assert several.get_json()["said"]["text"] == (
        f"有 2 个案件在等待消息「reply」：#{a}、#{b}。"
        "请用编号（business_key）、关联变量或案件号（instance_id）指明其中一个。"
    )
    none = admin.post("/messages", json={"name": "reply", "business_key": "C"})
    assert none.status_code == 404
    assert none.get_json()["said"]["text"] == "没有案件在等待消息「reply」（编号 C），也没有由这个消息发起的流程。"
    by_var = admin.post("/messages", json={"name": "reply", "correlation": {"lead_unit": "x"}}).get_json()
    assert by_var["said"]["text"] == "没有案件在等待消息「reply」（关联变量 lead_unit='x'）。"
    no_case = admin.post("/messages", json={"name": "reply", "instance_id": 99999}).get_json()
    assert no_case["said"]["text"] == "没有案件 #99999。"
    english = admin.post("/messages", json={"name": "reply"}, headers=EN).get_json()["said"]
    assert english["text"] == several.get_json()["message"]


def test_an_error_the_pages_raise_keeps_the_status_explanation(world):
    """Nothing else changes: a 404 with no reason and no known words is said as before."""
    said = world.as_("clerk").get("/definitions/nope/versions").get_json()["said"]
    assert said["text"] == "要找的页面、任务或案件不存在，或已被删除。"
