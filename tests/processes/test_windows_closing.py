"""A boundary timer marked ``closes_window`` ends a task as the process's normal path (the
petitioner's review-request window closing, a deputy's evaluation lapsing 逾期未反馈): no 督办,
nobody told of one; the task's holders read that the period ended. An unmarked interrupting
timer is a 督办 to the holders and the supervisors, as before."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.usecases import cases, definitions, supervision
from engine.usecases.context import SYSTEM
from storage.enums import NotificationKind
from storage.models import Notification
from tests.world import create_people

from .conftest import act, advance_and_fire, at, bpmn_process, deploy, detail, do, one, open_ids
from .test_petition import accept_and_assign
from .test_petition import register as register_petition
from .test_proposal import assign, register, reply


@pytest.fixture
def world(people):
    create_people(people, "supervisor")  # a supervisor of no unit: told of every 督办, holds no task here
    deploy(people, "proposal", "petition")
    return people


def told(world, case_id) -> list[tuple[str, str, str]]:
    """(user, kind, message) of each notification of the case, but new tasks, by user."""
    with world() as session:
        rows = session.execute(
            select(Notification.username, Notification.kind, Notification.message)
            .where(Notification.instance_id == case_id, Notification.kind != NotificationKind.TASK)
            .order_by(Notification.username, Notification.id)
        ).all()
    return [(user, str(kind), message) for user, kind, message in rows]


def test_the_petitions_review_window_closing_is_no_supervision(world, frozen_clock):
    case_id = register_petition(world)
    accept_and_assign(world, case_id)
    clock.advance(at("2027-01-09T10:00:00+08:00") - clock.now())
    do(world, "civ", case_id, "Task_Handle", {"handling_action": "reply", "reply_text": "已答复"})
    # replied 01-09 + 30 days = 02-08, in the Spring Festival (estimate): the last day is 02-11
    assert one(world, case_id, "Task_ReviewRequest").due_at == at("2027-02-12T00:00:00+08:00")
    before = told(world, case_id)
    advance_and_fire(world, at("2027-02-12T00:00:01+08:00") - clock.now())
    assert detail(world, case_id).status == "completed" and open_ids(world, case_id) == []

    lapsed = (
        "「登记复查请求」（案件：低保资格 · 来访）的期限（复查请求期满）已于 2027-02-11 24:00 届满，"
        "该任务已结束，案件按流程继续办理。"
    )
    new = [entry for entry in told(world, case_id) if entry not in before]
    # the office holds the task: its people read that the period ended (boss, a supervisor, as one
    # of the office); the supervisor of no unit hears nothing
    assert new == [(user, "lapsed", lapsed) for user in ("boss", "clerk")]
    assert act(world, "boss", supervision.of_case, case_id) == []


def test_a_deputys_evaluation_lapsing_is_no_supervision(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    reply(world, case_id, "A")
    due = one(world, case_id, "Task_Evaluate").due_at
    before = told(world, case_id)
    advance_and_fire(world, due - clock.now() + timedelta(seconds=1))
    assert detail(world, case_id).variables["evaluation"] == "逾期未反馈"

    # the reply sent 12-07 + 20 working days: 2027-01-05 (Tue), 24:00
    lapsed = (
        "「评价办理结果（回执）」（案件：修缮村道）的期限（逾期未反馈）已于 2027-01-05 24:00 届满，"
        "该任务已结束，案件按流程继续办理。"
    )
    new = [entry for entry in told(world, case_id) if entry not in before]
    assert new == [("wang", "lapsed", lapsed)]
    assert act(world, "boss", supervision.of_case, case_id) == []


UNMARKED = bpmn_process(
    "window",
    """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ask"/>
    <bpmn:userTask id="ask" name="登记请求" camunda:candidateGroups="office"/>
    <bpmn:boundaryEvent id="closes" name="请求期满" attachedToRef="ask" cancelActivity="true">{marker}
      <bpmn:timerEventDefinition><bpmn:timeDuration>"P2D"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="done"/>
    <bpmn:sequenceFlow id="f3" sourceRef="closes" targetRef="done"/>
    <bpmn:endEvent id="done"/>
""",
)
MARKER = (
    '<bpmn:extensionElements><camunda:properties><camunda:property name="closes_window" value="true"/>'
    "</camunda:properties></bpmn:extensionElements>"
)


@pytest.mark.parametrize("marked", [False, True], ids=["unmarked", "closes_window"])
def test_only_a_marked_timer_is_kept_from_the_supervisors(people, frozen_clock, marked):
    create_people(people, "supervisor")
    with people.begin() as s:
        definitions.deploy(s, UNMARKED.replace("{marker}", MARKER if marked else "").encode(), "window.bpmn", SYSTEM)
    case_id = act(people, "clerk", cases.start_instance, "window", {}).id
    advance_and_fire(people, timedelta(days=2, seconds=1))
    assert detail(people, case_id).status == "completed"
    kinds = {(user, kind) for user, kind, _message in told(people, case_id)}
    if marked:
        assert kinds == {("clerk", "lapsed"), ("boss", "lapsed")}  # the office, which held it
    else:
        assert kinds == {("clerk", "supervision"), ("boss", "supervision"), ("supervisor", "supervision")}
