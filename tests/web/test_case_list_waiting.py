"""The case list's 当前任务 of a running case with no ready task says what it waits for, instead
of "0 项": a worker outside (as its page names the step), a message, a signal, a timer, a called
case, or a message or a timer (an event-based gateway); a case with ready tasks still counts them.

external_task: 发送短信通知 (an external task). await_reply: a receive task (message reply), then a
signal catch event (recess), then 审阅回函. timer_script: an hour's wait. event_gateway_timer: a
reply or two hours. call_parent calls call_child, whose 办理并答复 is the unit's it is given."""

from __future__ import annotations

import re

from engine.usecases import cases, messages
from tests.world import act, deploy

from .conftest import text_of
from .test_case_list import at_reply, row_of


def tasks_cell(page: str, case_id: int) -> str:
    """The row's 当前任务, its tags and spacing left out."""
    cell = re.search(r'<td class="tasks"[^>]*>(.*?)</td>', row_of(page, case_id), re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


def started(app, process: str, **data) -> int:
    """A case of tests/fixtures/<process>.bpmn started by office1 with ``data`` (its start form's)."""
    deploy(app, f"{process}.bpmn")
    return act(app, "office1", cases.start_instance, process, data).id


def test_a_case_waiting_for_a_worker_says_so_as_its_page_does(app, as_user):
    case_id = started(app, "external_task", subject="开会通知")
    page = text_of(as_user("office1").get("/cases"))
    assert tasks_cell(page, case_id) == "等待外部系统处理"
    assert 'data-waiting="external"' in row_of(page, case_id)


def test_a_case_waiting_for_a_message_then_for_a_signal(app, as_user):
    case_id = started(app, "await_reply")
    client = as_user("office1")
    assert tasks_cell(text_of(client.get("/cases")), case_id) == "等待消息"
    act(app, "admin", messages.send_message, "reply", instance_id=case_id)
    assert tasks_cell(text_of(client.get("/cases")), case_id) == "等待信号"


def test_a_case_waiting_for_a_timer_or_for_a_message_or_a_timer(app, as_user):
    waiting = started(app, "timer_script")
    either = started(app, "event_gateway_timer")
    page = text_of(as_user("office1").get("/cases"))
    assert tasks_cell(page, waiting) == "等待定时"
    assert tasks_cell(page, either) == "等待消息和定时"
    assert 'data-waiting="message timer"' in row_of(page, either)


def test_a_case_waiting_for_the_case_it_called_and_that_case_counts_its_task(app, as_user):
    deploy(app, "call_child.bpmn")
    caller = started(app, "call_parent", subject="路灯", unit="office")  # the called case's task is the office's
    [child] = act(app, "office1", cases.case_page, caller).called
    page = text_of(as_user("office1").get("/cases"))
    assert tasks_cell(page, caller) == "等待子流程办结"
    assert tasks_cell(page, child.instance_id) == "1 项"


def test_a_case_with_a_ready_task_counts_it_and_an_ended_one_says_nothing(app, as_user):
    review = at_reply(app, "office", "关于修缮村道的意见")  # 答复 has a boundary timer: the task is what it is at
    ended = started(app, "external_task", subject="开会通知")
    act(app, "office1", cases.cancel_instance, ended, "不发了")
    page = text_of(as_user("office1").get("/cases"))
    assert tasks_cell(page, review) == "1 项"
    assert "data-waiting" not in row_of(page, review)
    assert tasks_cell(page, ended) == "—"
