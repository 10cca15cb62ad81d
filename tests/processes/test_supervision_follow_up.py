"""What the office did about a deadline timer's 督办, said with it, and a timer's 督办 escalated:

- a non-interrupting deadline timer (办理期满 on a petition's handling, 答复期满 on a proposal's
  reply, thrown out of the handling as an escalation, 重新办理期满 on its re-handling) both
  raises the automatic 督办 on the late task and opens the office's 督办 task, where the office
  records 督办方式 and 督办情况: once that task is done, every read of the 督办 (the case's list,
  the printed notice) says what it answered, by its fields' labels and its options' names, a
  confidential value masked for whoever may not read it, as the opinion is; before, nothing;
- a petition registered after its handling period: its timer fires in the very steps that reach
  the handling task, with no timer row, and its 督办 is dated when the period lapsed all the same;
- a 督办 on the case as a whole issued escalated reaches a unit that takes up a task later: that
  unit's head is told as issuing told the others'.

The clock stands at Monday 2026-12-07 09:00 in Beijing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.usecases import cases, definitions, people, supervision
from engine.usecases.confidentiality import MASK
from engine.usecases.context import SYSTEM
from engine.usecases.supervision.states import Answer, FollowUp
from storage.enums import NotificationKind
from storage.models import Department, Notification
from tests.world import create_people

from .conftest import act, advance_and_fire, at, bpmn_process, deploy, do, one, open_ids
from .test_petition import accept_and_assign
from .test_petition import register as register_petition
from .test_proposal import REPLY_DUE, assign, evaluate, reply
from .test_proposal import register as register_proposal

VISITED = {"supervision_method": "visit", "supervision_note": "已上门督办，请尽快答复赵某"}
SAID = (
    Answer("supervision_method", "督办方式", "上门督办"),
    Answer("supervision_note", "督办情况", "已上门督办，请尽快答复赵某"),
)


def follow_ups(world, case_id, reader="xinfang") -> list[FollowUp | None]:
    """What each of the case's 督办 says the office did, as ``reader`` reads the case's list."""
    return [s.follow_up for s in act(world, reader, supervision.of_case, case_id)]


def test_a_petitions_handling_timer_says_what_the_office_did_once_its_supervision_is_done(people, frozen_clock):
    deploy(people, "petition")
    case_id = register_petition(people)
    accept_and_assign(people, case_id)  # handling ends 2027-02-12 00:00
    advance_and_fire(people, at("2027-02-12T00:00:01+08:00") - clock.now())
    assert open_ids(people, case_id) == ["Task_Handle", "Task_SuperviseHandle"]
    assert follow_ups(people, case_id) == [None]  # the office has not recorded anything yet

    clock.advance(timedelta(hours=2))
    do(people, "clerk", case_id, "Task_SuperviseHandle", VISITED)

    # the petition officer reads what the office wrote; the handling unit and a supervisor may not read the
    # petitioner's name: masked in it, as in an opinion; so on the printed notice, whoever prints it
    assert follow_ups(people, case_id) == [FollowUp("督办", "clerk", clock.now(), SAID)]
    masked = FollowUp(
        "督办", "clerk", clock.now(), (SAID[0], Answer("supervision_note", "督办情况", f"已上门督办，请尽快答复{MASK}"))
    )
    assert follow_ups(people, case_id, reader="civ") == follow_ups(people, case_id, reader="boss") == [masked]
    [raised] = act(people, "clerk", supervision.of_case, case_id)
    assert act(people, "clerk", supervision.notice, raised.id).supervision.follow_up == masked


def test_a_petition_registered_after_its_period_is_supervised_from_the_lapse_and_says_what_the_office_did(
    people, frozen_clock
):
    deploy(people, "petition")
    # received 09-01, told 09-10: handling ended 2026-11-09 24:00, before the case was assigned
    case_id = register_petition(people, received_on="2026-09-01")
    do(people, "clerk", case_id, "Task_Accept", {"acceptance": "accept", "notified_on": "2026-09-10"})
    do(people, "clerk", case_id, "Task_Assign", {"handling_unit": "civil_affairs", "assignment_note": "请依法办理"})
    assert open_ids(people, case_id) == ["Task_Handle", "Task_SuperviseHandle"]  # fired in the same steps

    [raised] = act(people, "boss", supervision.of_case, case_id)
    assert (raised.issued_at, raised.fired_at) == (at("2026-11-10T00:00:00+08:00"), clock.now())
    do(people, "clerk", case_id, "Task_SuperviseHandle", VISITED)
    assert follow_ups(people, case_id) == [FollowUp("督办", "clerk", clock.now(), SAID)]


def test_a_proposals_reply_timer_thrown_out_of_the_handling_says_what_the_office_did(people, frozen_clock):
    deploy(people, "proposal")
    case_id = register_proposal(people)
    assign(people, case_id)
    advance_and_fire(people, at(REPLY_DUE) - clock.now() + timedelta(seconds=1))
    assert open_ids(people, case_id) == ["Task_Reply", "Task_Supervise"]
    assert follow_ups(people, case_id, reader="boss") == [None]

    do(people, "clerk", case_id, "Task_Supervise", {"supervision_method": "meeting", "supervision_note": "约谈"})

    said = (Answer("supervision_method", "督办方式", "会议督办"), Answer("supervision_note", "督办情况", "约谈"))
    assert follow_ups(people, case_id, reader="boss") == [FollowUp("督办", "clerk", clock.now(), said)]
    reply(people, case_id, "A")  # the reply answers the 督办; what the office did still said
    assert follow_ups(people, case_id, reader="boss") == [FollowUp("督办", "clerk", clock.now(), said)]


def test_a_proposals_late_re_handling_says_what_the_office_did(people, frozen_clock):
    deploy(people, "proposal")
    case_id = register_proposal(people)
    assign(people, case_id)
    reply(people, case_id, "D")
    evaluate(people, case_id, "不满意")
    advance_and_fire(people, one(people, case_id, "Task_Rehandle").due_at - clock.now() + timedelta(seconds=1))
    assert open_ids(people, case_id) == ["Task_Rehandle", "Task_SuperviseRehandle"]

    do(people, "clerk", case_id, "Task_SuperviseRehandle", {"supervision_method": "phone", "supervision_note": "催办"})

    said = (Answer("supervision_method", "督办方式", "电话督办"), Answer("supervision_note", "督办情况", "催办"))
    assert follow_ups(people, case_id, reader="boss") == [FollowUp("督办重新办理", "clerk", clock.now(), said)]


# the lead unit's task and the office's sorting side by side; the sorting done, a later unit's task
LATER_UNIT = """
    <bpmn:startEvent id="Start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Split"/>
    <bpmn:parallelGateway id="Split"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Split" targetRef="Task_Lead"/>
    <bpmn:sequenceFlow id="f3" sourceRef="Split" targetRef="Task_Sort"/>
    <bpmn:userTask id="Task_Lead" name="主办" camunda:candidateGroups="finance"/>
    <bpmn:userTask id="Task_Sort" name="分办" camunda:candidateGroups="office"/>
    <bpmn:sequenceFlow id="f4" sourceRef="Task_Sort" targetRef="Task_Later"/>
    <bpmn:userTask id="Task_Later" name="协办" camunda:candidateGroups="civil_affairs"/>
    <bpmn:sequenceFlow id="f5" sourceRef="Task_Lead" targetRef="Join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="Task_Later" targetRef="Join"/>
    <bpmn:parallelGateway id="Join"/>
    <bpmn:sequenceFlow id="f7" sourceRef="Join" targetRef="End"/>
    <bpmn:endEvent id="End"/>
"""


def headed(world, code: str, head: str) -> None:
    """The roster names ``head`` the head (负责人) of the unit ``code``."""
    with world.begin() as s:
        name = s.scalar(select(Department.name).where(Department.code == code))
        people.save_department(s, SYSTEM, code, name, head=head)


def told(world, case_id) -> list[tuple[str, str | None]]:
    """(who, as whom: the head, or a holder) of the case's 督办 notices, in the order made."""
    with world() as s:
        rows = s.execute(
            select(Notification.username, Notification.params)
            .where(Notification.instance_id == case_id, Notification.kind == NotificationKind.SUPERVISION)
            .order_by(Notification.id)
        )
        return [(who, (params or {}).get("escalated")) for who, params in rows]


@pytest.mark.parametrize("head_of_the_later_unit", ["civil1", None], ids=["headed", "headless"])
def test_an_escalated_whole_case_supervision_reaching_a_later_unit_tells_its_head(
    people, frozen_clock, head_of_the_later_unit
):
    create_people(people, "fin2", "civil1")
    with people.begin() as s:
        definitions.deploy(s, bpmn_process("later_unit", LATER_UNIT).encode(), "later_unit.bpmn", SYSTEM)
    headed(people, "finance", "fin2")
    if head_of_the_later_unit:
        headed(people, "civil_affairs", head_of_the_later_unit)
    case_id = act(people, "clerk", cases.start_instance, "later_unit", {}).id
    issued = act(people, "boss", supervision.issue, case_id, None, "请各单位负责人过问", None, escalate=True)
    assert (issued.escalated, issued.addressed_units, issued.unreported) == (True, ("finance",), None)
    assert told(people, case_id) == [("fin", None), ("fin2", "head")]

    do(people, "clerk", case_id, "Task_Sort", {})

    [standing] = act(people, "boss", supervision.of_case, case_id)
    assert standing.addressed_units == ("finance", "civil_affairs")
    later = told(people, case_id)[2:]
    if head_of_the_later_unit:  # its head told as the head of 财政所 was; the holders as holders
        assert sorted(later) == [("civ", None), ("civil1", "head")]
        assert (standing.escalated, standing.unreported, standing.unreported_units) == (True, None, ())
    else:  # no head to tell: the unit was told as its holders, and the 督办 says why no head was
        assert sorted(later) == [("civ", None), ("civil1", None)]
        assert (standing.escalated, standing.unreported, standing.unreported_unit) == (True, "no_head", "civil_affairs")
        assert [u.unit for u in standing.unreported_units] == ["civil_affairs"]
