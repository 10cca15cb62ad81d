"""Work the process itself takes away is told: an open task an interrupting event closes (the
co-handling rounds 退回改办 ends, a task a terminate end cuts short) tells whoever held it, or,
unclaimed, whoever it was offered to, naming the case and what withdrew it by its BPMN name;
not a completed task, not a case a person cancelled (that notice tells already). And a unit
that asked to return a proposal (退回，申请改办) hears the office's decision (审核退回申请's
``answers``), confidential values masked for whoever may not read them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.usecases import cases, definitions, tasks
from engine.usecases.context import SYSTEM
from storage.enums import NotificationKind
from storage.models import Notification
from tests.world import create_people

from .conftest import act, bpmn_process, deploy, do, items, one
from .test_proposal import assign, register

REASON = "村道修缮属国土所职责，本所无此项经费。"


@pytest.fixture
def world(people):
    deploy(people, "proposal")
    return people


def told(factory, case_id, kind=None) -> list[tuple[str, str, str, str | None]]:
    """(recipient, kind, subject, message) of the case's notifications, by recipient then order made."""
    with factory() as s:
        query = select(Notification).where(Notification.instance_id == case_id)
        if kind is not None:
            query = query.where(Notification.kind == kind)
        rows = s.scalars(query.order_by(Notification.username, Notification.id))
        return [(n.username, n.kind.value, n.subject, n.message) for n in rows]


def mailed(factory, case_id, username) -> list[str | None]:
    with factory() as s:
        query = select(Notification.email_to).where(
            Notification.instance_id == case_id,
            Notification.username == username,
            Notification.kind == NotificationKind.TAKEN_AWAY,
        )
        return list(s.scalars(query))


def send_back(world, case_id, user="fin"):
    do(world, user, case_id, "Task_Reply", {"handling_action": "return", "return_reason": REASON})


def decide(world, case_id, decision, opinion):
    do(world, "clerk", case_id, "Task_ReviewReturn", {"return_decision": decision, "return_opinion": opinion})


def view_of(world, case_id, unit_name):
    [view] = [v for v in items(world, case_id, "Task_CohandlingView") if v.name.endswith(unit_name)]
    return view


def withdrawn_notice(username, unit_name, ended=False):
    task = f"向主办单位提出协办意见 · {unit_name}"
    after = "案件已办结" if ended else "案件按流程继续办理"
    return (
        username,
        "taken_away",
        f"任务已撤回：{task}（修缮村道）",
        f"「{task}」（案件：修缮村道）因「退回改办」已撤回，您不必再办理；{after}。",
    )


def test_co_handling_tasks_withdrawn_by_a_reassignment_tell_their_holders(world, frozen_clock):
    create_people(world, "civil1", emails={"civil1": "civil1@example.org"})
    case_id = register(world)
    assign(world, case_id, cohandling=["land", "civil_affairs"])
    act(world, "landy", tasks.claim, view_of(world, case_id, "国土所").task_id)  # 民政办's stays unclaimed
    clock.advance(timedelta(days=5))
    send_back(world, case_id)
    decide(world, case_id, "reassign", "同意改办")

    # 国土所's claimed task: its holder; 民政办's unclaimed one: each person it was offered to
    assert told(world, case_id, NotificationKind.TAKEN_AWAY) == [
        withdrawn_notice("civ", "民政办"),
        withdrawn_notice("civil1", "民政办"),
        withdrawn_notice("landy", "国土所"),
    ]
    assert mailed(world, case_id, "civil1") == ["civil1@example.org"]  # mailed as every notice is


def test_a_completed_task_is_not_withdrawn_and_a_cancelled_case_tells_once(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id, cohandling=["land", "civil_affairs"])
    land = view_of(world, case_id, "国土所")
    act(world, "landy", tasks.complete, land.task_id, {"cohandling_opinion": "同意"})  # done: nothing withdrawn
    send_back(world, case_id)
    decide(world, case_id, "reassign", "同意改办")
    assert told(world, case_id, NotificationKind.TAKEN_AWAY) == [withdrawn_notice("civ", "民政办")]

    # assigned again, 民政办 claims its new round; a person cancels the case: the cancellation
    # tells them, and nothing says "withdrawn" on top of it
    assign(world, case_id, cohandling=["civil_affairs"])
    act(world, "civ", tasks.claim, one(world, case_id, "Task_CohandlingView").task_id)
    act(world, "clerk", cases.cancel_instance, case_id, "代表撤回建议")
    kinds = [kind for username, kind, _s, _m in told(world, case_id) if username == "civ"]
    assert kinds == ["task", "taken_away", "task", "cancelled"]


def test_the_unit_that_asked_to_return_hears_a_refusal_with_the_opinion(world, frozen_clock):
    create_people(world, "fin2")
    case_id = register(world)
    assign(world, case_id)
    send_back(world, case_id, user="fin")
    decide(world, case_id, "keep", "村道养护经费在财政所，请继续办理。")

    # the unit's returner only (not fin2, not the office that decided); the reply task is
    # theirs again and announced as new to the whole unit
    assert told(world, case_id, NotificationKind.ANSWERED) == [
        (
            "fin",
            "answered",
            "办理结果：审核退回申请（修缮村道）",
            "您提交的「办理并书面答复」（案件：修缮村道）已由「审核退回申请」办理："
            "退回审核结果：不同意退回，由原主办单位继续办理；退回审核意见：村道养护经费在财政所，请继续办理。",
        )
    ]


def test_the_unit_that_asked_to_return_hears_of_the_reassignment(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id, cohandling=["land"])
    send_back(world, case_id, user="fin")
    decide(world, case_id, "reassign", "改由国土所办理")

    assert told(world, case_id, NotificationKind.ANSWERED) == [
        (
            "fin",
            "answered",
            "办理结果：审核退回申请（修缮村道）",
            "您提交的「办理并书面答复」（案件：修缮村道）已由「审核退回申请」办理："
            "退回审核结果：同意退回，改办（重新交办）；退回审核意见：改由国土所办理",
        )
    ]


# A request and its decision (answers), on a case with a confidential petitioner's name; and a
# task a named terminate end cuts short, the case ending with it.
PETITION = bpmn_process(
    "answered",
    """
    <bpmn:startEvent id="start">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="title" label="标题" type="string" />
        <camunda:formField id="petitioner_name" label="信访人姓名" type="string">
          <camunda:properties><camunda:property id="confidential" value="true" /></camunda:properties>
        </camunda:formField>
      </camunda:formData></bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split" />
    <bpmn:parallelGateway id="split" />
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="ask" />
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="side" />
    <bpmn:userTask id="ask" name="申请转办" camunda:candidateGroups="finance">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="request" label="申请理由" type="string" />
      </camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="side" name="核实情况" camunda:candidateGroups="land" />
    <bpmn:sequenceFlow id="f4" sourceRef="ask" targetRef="decide" />
    <bpmn:userTask id="decide" name="审核转办申请" camunda:candidateGroups="office">
      <bpmn:extensionElements>
        <camunda:properties><camunda:property name="answers" value="ask" /></camunda:properties>
        <camunda:formData>
          <camunda:formField id="decision" label="审核结果" type="enum">
            <camunda:value id="no" name="不同意" />
            <camunda:value id="yes" name="同意" />
          </camunda:formField>
          <camunda:formField id="opinion" label="审核意见" type="string" />
        </camunda:formData>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f5" sourceRef="decide" targetRef="done" />
    <bpmn:endEvent id="done" name="提前办结"><bpmn:terminateEventDefinition /></bpmn:endEvent>
    <bpmn:sequenceFlow id="f6" sourceRef="side" targetRef="end" />
    <bpmn:endEvent id="end" />
""",
)


@pytest.fixture
def answered(people):
    create_people(people, "keeper")  # the office's petition officer: reads confidential values
    with people.begin() as s:
        definitions.deploy(s, PETITION.encode(), "answered.bpmn", SYSTEM)
    return people


def test_the_decision_masks_a_confidential_value_and_a_terminate_end_withdraws(answered, frozen_clock):
    data = {"title": "来信", "petitioner_name": "张三丰"}
    case_id = act(answered, "clerk", cases.start_instance, "answered", data, validate=False).id
    do(answered, "fin", case_id, "ask", {"request": "不属本单位"})
    do(answered, "keeper", case_id, "decide", {"decision": "no", "opinion": "请联系张三丰核实"})

    # fin may not read the petitioner's name: masked in the opinion as the history masks it
    [(_fin, _kind, subject, message)] = told(answered, case_id, NotificationKind.ANSWERED)
    assert subject == "办理结果：审核转办申请（来信）"
    assert (
        message
        == "您提交的「申请转办」（案件：来信）已由「审核转办申请」办理：审核结果：不同意；审核意见：请联系******核实"
    )
    # 提前办结 ended the case and, with it, 国土所's open task
    assert told(answered, case_id, NotificationKind.TAKEN_AWAY) == [
        (
            "landy",
            "taken_away",
            "任务已撤回：核实情况（来信）",
            "「核实情况」（案件：来信）因「提前办结」已撤回，您不必再办理；案件已办结。",
        )
    ]
