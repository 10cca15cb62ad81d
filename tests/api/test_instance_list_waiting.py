"""GET /api/v1/instances: a running case with no ready task says what it waits for
(``waiting_for``) beside its ``open_task_count`` of 0; a case with ready tasks counts them and
waits for nothing more; one no longer running waits for nothing.

external_task: 发送短信通知 (an external task). await_reply: a receive task (message reply), then a
signal catch event (recess). await_trigger: a receive task without a message. event_gateway_timer:
a reply or two hours. call_parent calls call_child, whose 办理并答复 is the unit's it is given."""

from __future__ import annotations

from engine.usecases import cases, messages, tasks
from tests.world import act, deploy, start_review


def listed(world, username: str = "clerk") -> dict[int, tuple[int, list[str]]]:
    """Case id → (open_task_count, waiting_for) as the list says them."""
    body = world.as_(username).get("/instances?per_page=50").get_json()
    return {c["id"]: (c["open_task_count"], c["waiting_for"]) for c in body["items"]}


def started(world, process: str, **data) -> int:
    deploy(world.app, f"{process}.bpmn")
    return act(world.app, "clerk", cases.start_instance, process, data).id


def test_a_case_waiting_for_a_worker_a_message_a_signal_a_trigger_or_a_timer(world):
    external = started(world, "external_task", subject="开会通知")
    awaiting = started(world, "await_reply")
    either = started(world, "event_gateway_timer")
    triggered = started(world, "await_trigger")
    cases_ = listed(world)
    assert cases_[triggered] == (0, ["trigger"])
    assert cases_[external] == (0, ["external"])
    assert cases_[awaiting] == (0, ["message"])
    assert cases_[either] == (0, ["message", "timer"])
    act(world.app, "admin", messages.send_message, "reply", instance_id=awaiting)
    assert listed(world)[awaiting] == (0, ["signal"])


def test_a_case_waiting_for_the_case_it_called_which_counts_its_task(world):
    deploy(world.app, "call_child.bpmn")
    caller = started(world, "call_parent", subject="路灯", unit="office")
    [child] = act(world.app, "clerk", cases.case_page, caller).called
    cases_ = listed(world)
    assert cases_[caller] == (0, ["called_case"])
    assert cases_[child.instance_id] == (1, [])


def test_ready_tasks_are_counted_and_an_ended_case_waits_for_nothing(world):
    review = start_review(world.app, "clerk")
    # at 答复, a task with a boundary timer on its due date: the task is what it is at
    act(world.app, "clerk", tasks.complete, review.task_id, {"lead_unit": "office"})
    ended = started(world, "external_task", subject="不发了")
    act(world.app, "clerk", cases.cancel_instance, ended, "重复")
    cases_ = listed(world)
    assert cases_[review.id] == (1, [])
    assert cases_[ended] == (0, [])


def test_the_document_names_what_a_case_may_wait_for(world):
    document = world.anonymous().client.get("/api/v1/openapi.json").get_json()
    waiting = document["components"]["schemas"]["InstanceListItem"]["properties"]["waiting_for"]
    assert waiting["items"]["enum"] == ["external", "message", "signal", "trigger", "timer", "called_case"]
