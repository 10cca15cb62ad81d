"""A person learns one thing once, in words that fit what happened (the notices walk):

- a petition assigned after its handling period ended (办理期满 past as 办理并书面答复 arrives):
  the unit reads one notice, 新任务（已逾期）, not that and the boundary timer's 督办 beside it; the
  督办 is recorded and the supervisors read their copy as before;
- a task handed over after its due date passed reads as overdue to the one it is handed to;
- a 改办 tells the issuer of a 督办 on the reply and of one on the case as a whole once;
- a whole-case 督办 escalated to two units without heads keeps each unit's reason in its audit
  entry, not the first's alone.

The real petition and proposal processes; the clock stands at Monday 2026-12-07 09:00 in Beijing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.notifications import texts
from engine.usecases import supervision, tasks
from storage.models import AuditEntry, Notification, Supervision
from tests.world import create_people
from web.notification_texts import mail_languages

from .conftest import act, deploy, do, items, one
from .test_petition import register as register_petition
from .test_proposal import assign
from .test_proposal import register as register_proposal
from .test_proposal_return import send_back
from .test_proposal_supervision import REASSIGN

HANDLE = "办理并书面答复信访人"
PETITION = "低保资格 · 来访"


@pytest.fixture
def world(people):
    deploy(people, "petition", "proposal")
    create_people(people, "clerk2", "office_supervisor")
    return people


def notices(world, case_id: int) -> list[tuple[str, str, str, str]]:
    """(who, kind, subject, message) of the case's notifications, in the order made."""
    with world() as s:
        rows = s.execute(
            select(Notification.username, Notification.kind, Notification.subject, Notification.message)
            .where(Notification.instance_id == case_id)
            .order_by(Notification.id)
        )
        return [(u, k.value, subject, message) for u, k, subject, message in rows]


def test_a_petition_assigned_after_its_handling_period_is_one_notice_to_the_unit(world, frozen_clock):
    case_id = register_petition(world, received_on="2026-08-03")
    do(world, "clerk", case_id, "Task_Accept", {"acceptance": "accept", "notified_on": "2026-08-10"})
    do(world, "clerk", case_id, "Task_Assign", {"handling_unit": "civil_affairs", "assignment_note": "请依法办理"})

    # civ (民政办) holds it: its arrival says it is overdue, and no 督办 notice beside it
    assert [(kind, subject, message) for who, kind, subject, message in notices(world, case_id) if who == "civ"] == [
        (
            "task",
            f"新任务（已逾期）：{HANDLE}（{PETITION}）",
            f"「{HANDLE}」（案件：{PETITION}）已到您的待办，已于 2026-10-09 24:00 到期，请尽快办理。",
        )
    ]
    # the 办理期满 督办 is recorded on the task, raised by the system
    handle = one(world, case_id, "Task_Handle")
    with world() as s:
        [row] = s.scalars(select(Supervision).where(Supervision.instance_id == case_id))
        assert (row.work_item_id, row.automatic, row.opinion) == (handle.id, True, "办理期满")
    # the supervisors still read their copy of it
    watched = f"「{HANDLE}」（案件：{PETITION}）已过期限（办理期满）仍未办结，已转入督办。办理人：民政办。"
    supervisors = sorted(
        (who, message) for who, kind, _subject, message in notices(world, case_id) if kind == "supervision"
    )
    assert supervisors == [("boss", watched), ("office_supervisor", watched)]


def test_a_task_handed_over_after_its_due_date_says_it_is_overdue(world, frozen_clock):
    case_id = register_petition(world, received_on="2026-10-01")  # 审查是否受理: due 2026-10-16 24:00
    accept = one(world, case_id, "Task_Accept")
    act(world, "clerk", tasks.hand_over, accept.task_id, "clerk2", "信访人已来电，请今天答复")

    # clerk2, of the office, was told of its arrival too; the hand-over is the last it read
    *_arrival, (kind, subject, message) = [
        (kind, subject, message) for who, kind, subject, message in notices(world, case_id) if who == "clerk2"
    ]
    task = "审查是否受理并告知信访人"
    assert (kind, subject) == ("task", f"新任务（已逾期）：{task}（{PETITION}）")
    assert message == (
        f"clerk 同志 将「{task}」（案件：{PETITION}）转交给您办理，该任务已于 2026-10-16 24:00 到期，"
        "请尽快办理。转交说明：信访人已来电，请今天答复"
    )
    with world() as s:
        params = s.scalar(
            select(Notification.params)
            .where(Notification.username == "clerk2", Notification.instance_id == case_id)
            .order_by(Notification.id.desc())
            .limit(1)
        )
    english = mail_languages()("en")
    assert english is not None
    assert texts.message("task", params, "2026-10-16 24:00", english) == (
        f"clerk 同志 handed “{task}” (case: {PETITION}) to you. It was already due on 2026-10-16 24:00. "
        "Please handle it as soon as possible. Note: 信访人已来电，请今天答复"
    )
    assert texts.subject("task", params, english) == f"New task (overdue): {task} ({PETITION})"
    without_note = {k: v for k, v in params.items() if k != "note"}
    assert texts.message("task", without_note, "2026-10-16 24:00", english) == (
        f"clerk 同志 handed “{task}” (case: {PETITION}) to you. It was already due on 2026-10-16 24:00. "
        "Please handle it as soon as possible."
    )


def test_a_reassignment_tells_the_issuer_of_a_supervision_on_the_reply_and_on_the_case_once(world, frozen_clock):
    case_id = register_proposal(world)
    assign(world, case_id, lead="finance", cohandling=["land"])
    reply = one(world, case_id, "Task_Reply")
    act(world, "boss", supervision.issue, case_id, reply.task_id, "请尽快答复代表", None)
    act(world, "boss", supervision.issue, case_id, None, "请统筹办理", None)  # to 财政所 and 国土所
    send_back(world, case_id)
    seen = len(notices(world, case_id))
    do(world, "clerk", case_id, "Task_ReviewReturn", REASSIGN)

    ended = [
        (subject, message)
        for who, kind, subject, message in notices(world, case_id)[seen:]
        if who == "boss" and kind == "supervision"
    ]
    # one notice: the 督办 on the reply ended by the 改办; not first that the one on the case
    # still waits for the unit the same 改办 took the reply from
    assert ended == [
        (
            "督办已结束：办理并书面答复（修缮村道）",
            "「办理并书面答复」（案件：修缮村道）因「退回改办」已撤回，您对其发出的督办未获回复，已结束；"
            "如需继续督办，请对新的任务或整个案件重新发出。",
        )
    ]
    assert sorted(s.state for s in act(world, "boss", supervision.of_case, case_id)) == ["ended", "ended"]


def test_the_audit_entry_of_a_whole_case_supervision_keeps_each_units_reason(world, frozen_clock):
    case_id = register_proposal(world)
    assign(world, case_id, lead="finance", cohandling=["land"])
    assert len(items(world, case_id)) == 2
    act(world, "boss", supervision.issue, case_id, None, "请统筹办理", None, escalate=True)

    with world() as s:
        [data] = s.scalars(
            select(AuditEntry.data).where(AuditEntry.instance_id == case_id, AuditEntry.action == "supervise")
        )
    # neither unit has a head on the roster; 财政所's fin and 国土所's landy hold its task
    assert data["unreported_units"] == [
        {"unit": "finance", "head": None, "unreported": "no_head", "told_instead": 0, "told_as_holders": 1},
        {"unit": "land", "head": None, "unreported": "no_head", "told_instead": 0, "told_as_holders": 1},
    ]
    assert (data["unreported"], data["escalated"]) == ("no_head", False)  # the first's, as before
