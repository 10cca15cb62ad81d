"""A called case whose caller no longer waits for it is cancelled by the system, and told as a
case a person cancels is: whoever was offered or held one of its open tasks, and whoever
started it, each read why: its calling case, by number and title, was cancelled (by whom) or
moved on without it. Its task page says the same."""

from __future__ import annotations

import re

from engine.usecases import cases, messages, notifications
from storage.enums import NotificationKind
from tests.world import act, deploy

from .conftest import text_of

# call_parent.bpmn's call, with a message that takes the caller past it (an interrupting
# boundary event): the caller goes on, its called case is no longer waited for
RECALLABLE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="recallable_defs" targetNamespace="http://congressflow.example/test">
  <bpmn:message id="recall_msg" name="recall" />
  <bpmn:process id="recallable" name="可收回的交办（测试）" isExecutable="true">
    <bpmn:startEvent id="start">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="subject" label="标题" type="string" />
          <camunda:formField id="unit" label="承办单位" type="string" defaultValue="finance" />
        </camunda:formData>
      </bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="handle" />
    <bpmn:callActivity id="handle" name="承办单位办理" calledElement="call_child">
      <bpmn:extensionElements>
        <camunda:in source="subject" target="topic" />
        <camunda:in source="unit" target="unit" />
        <camunda:in sourceExpression="${subject}" target="title" />
      </bpmn:extensionElements>
    </bpmn:callActivity>
    <bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="end" />
    <bpmn:endEvent id="end" />
    <bpmn:boundaryEvent id="recalled" name="收回" attachedToRef="handle">
      <bpmn:messageEventDefinition id="recalled_def" messageRef="recall_msg" />
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="recalled" targetRef="redo" />
    <bpmn:userTask id="redo" name="重新交办" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f4" sourceRef="redo" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def called_pair(app, key: str = "call_parent") -> tuple[int, int, str]:
    """A case of ``key`` started by office1, and the case its call started, waiting for
    finance's 办理并答复: (caller, called case, its task id)."""
    caller = act(app, "office1", cases.start_instance, key, {"subject": "路灯", "unit": "finance"}).id
    [child] = act(app, "office1", cases.case_page, caller).called
    [task] = act(app, "office1", cases.case_page, child.instance_id).detail.open_tasks
    return caller, child.instance_id, task.task_id


def cancelled_notices(app, username: str) -> list[notifications.NotificationView]:
    kind = NotificationKind.CANCELLED.value
    return [n for n in act(app, username, notifications.list_notifications) if n.kind == kind]


def test_the_called_case_of_a_cancelled_case_tells_its_task_holders_and_starter_why(app, as_user):
    deploy(app, "call_child.bpmn", "call_parent.bpmn")
    caller, child, task = called_pair(app)

    act(app, "office1", cases.cancel_instance, caller, "重复交办")

    why = f"调用此案件的案件 #{caller}「路灯」已由 office1 同志 撤销"
    for officer in ("finance1", "finance2"):  # offered its 办理并答复
        [told] = cancelled_notices(app, officer)
        assert (told.instance_id, told.subject) == (child, "案件已撤销：单位办理 · 路灯")
        assert told.message == f"系统 已撤销案件「单位办理 · 路灯」，您的「办理并答复」不再办理。撤销理由：{why}"
    # who started both: told of the called case, not of the one he cancelled himself
    [started] = cancelled_notices(app, "office1")
    assert (started.instance_id, started.message) == (
        child,
        f"系统 已撤销您发起的案件「单位办理 · 路灯」。撤销理由：{why}",
    )
    assert cancelled_notices(app, "civil1") == []

    page = text_of(as_user("finance1").get(f"/tasks/{task}"))
    assert re.search(
        rf"案件已于 \d{{4}}-\d\d-\d\d \d\d:\d\d 由 系统 撤销，此任务不再办理。 ?撤销理由：{re.escape(why)}", page
    ), page


def test_the_called_case_of_a_caller_that_moved_on_tells_its_task_holders_why(app, tmp_path):
    (tmp_path / "recallable.bpmn").write_text(RECALLABLE, encoding="utf-8")
    deploy(app, "call_child.bpmn", tmp_path / "recallable.bpmn")
    caller, child, _task = called_pair(app, "recallable")

    act(app, "admin", messages.send_message, "recall")

    [told] = cancelled_notices(app, "finance1")
    assert told.instance_id == child
    assert told.message == (
        "系统 已撤销案件「单位办理 · 路灯」，您的「办理并答复」不再办理。"
        f"撤销理由：调用此案件的案件 #{caller}「路灯」已转入其他步骤，不再等待此案件"
    )
