"""A 督办 as a supervisor expects it:

- one on the case as a whole that still stands presses on the tasks the case opens later (the
  units' tasks of an assignment made after it, a re-handling after an unsatisfied evaluation):
  their holders are told once, the tasks read as under it (badge, board, task page) and it is
  addressed to their units, until it is answered; a task carried back to the same unit (an
  extension granted) is not told of it again, nor added twice;
- one a deadline timer raises is dated when the period lapsed, not when the scheduler, down for
  days, came to fire it; the firing moment, when its holders were told, is kept beside it.

The real proposal process; the clock stands at Monday 2026-12-07 09:00 in Beijing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine import clock
from engine.usecases import supervision, tasks, timers
from storage.enums import NotificationKind
from storage.models import Notification, Supervision

from .conftest import act, at, do, one
from .test_proposal import REPLY_DUE, approve_extension, ask_extension, assign, evaluate, register, reply
from .test_proposal import world as world  # the fixture: the proposal process deployed


def supervision_notices(world, case_id: int) -> list[tuple[str, str | None]]:
    """(who, the opinion they read) of the case's 督办 notices, in the order made."""
    with world() as s:
        rows = s.execute(
            select(Notification.username, Notification.params)
            .where(Notification.instance_id == case_id, Notification.kind == NotificationKind.SUPERVISION)
            .order_by(Notification.id)
        )
        return [(who, (params or {}).get("opinion")) for who, params in rows]


def test_a_whole_case_supervision_reaches_the_units_tasks_of_a_later_assignment(world, frozen_clock):
    case_id = register(world)
    # issued while the office sorts the proposal: no unit holds a task, nobody is told
    issued = act(world, "boss", supervision.issue, case_id, None, "请尽快交办并答复代表", None)
    assert (issued.addressed_units, supervision_notices(world, case_id)) == ((), [])

    assign(world, case_id, lead="finance", cohandling=["land"])
    reply_task, view = one(world, case_id, "Task_Reply"), one(world, case_id, "Task_CohandlingView")
    # each unit's holders told of it once, as they would have been had it been issued now
    assert sorted(supervision_notices(world, case_id)) == [
        ("fin", "请尽快交办并答复代表"),
        ("landy", "请尽快交办并答复代表"),
    ]
    [standing] = act(world, "boss", supervision.of_case, case_id)
    assert (standing.state, standing.addressed_units, standing.addressed_tasks) == (
        "open",
        ("finance", "land"),
        (reply_task.task_id, view.task_id),
    )
    with world() as s:
        assert supervision.open_on_items(s, [reply_task.id, view.id]) == {reply_task.id: 1, view.id: 1}
    page = act(world, "fin", tasks.task_page, reply_task.task_id)
    assert [s.opinion for s in page.supervisions] == ["请尽快交办并答复代表"]
    clock.advance(at(REPLY_DUE) - clock.now() - timedelta(days=1))  # on the board: the reply due soon
    row = next(r for r in act(world, "boss", supervision.board).rows if r.task_id == reply_task.task_id)
    assert (row.supervisions, row.open_supervisions) == (1, 1)

    # the reply carried back to 财政所 after an extension: still under it, its people not told again
    ask_extension(world, case_id)
    approve_extension(world, case_id)
    back = one(world, case_id, "Task_Reply")
    assert len(supervision_notices(world, case_id)) == 2
    with world() as s:
        [kept] = s.scalars(select(Supervision.escalation).where(Supervision.instance_id == case_id))
    assert kept["addressed"]["items"] == [back.id, view.id]  # carried, not added beside

    # answered once both units have done their tasks
    do(world, "landy", case_id, "Task_CohandlingView", {"cohandling_opinion": "同意"})
    assert act(world, "boss", supervision.of_case, case_id)[0].state == "open"
    reply(world, case_id, "A")
    assert act(world, "boss", supervision.of_case, case_id)[0].state == "responded"


def test_a_whole_case_supervision_reaches_a_re_handling_and_is_answered_by_it(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    reply(world, case_id, "C")
    # issued while the deputy evaluates: no unit holds a task
    act(world, "boss", supervision.issue, case_id, None, "请重视代表意见", None)
    evaluate(world, case_id, "不满意")

    rehandle = one(world, case_id, "Task_Rehandle")
    assert supervision_notices(world, case_id) == [("fin", "请重视代表意见")]
    [standing] = act(world, "boss", supervision.of_case, case_id)
    assert (standing.addressed_units, standing.addressed_tasks) == (("finance",), (rehandle.task_id,))
    with world() as s:
        assert supervision.open_on_items(s, [rehandle.id]) == {rehandle.id: 1}

    do(world, "fin", case_id, "Task_Rehandle", {"reply_class": "A", "reply_text": "已重新办理并解决"})
    assert act(world, "boss", supervision.of_case, case_id)[0].state == "responded"


def test_a_timer_supervision_fired_late_is_dated_when_the_period_lapsed(world, frozen_clock):
    case_id = register(world)
    assign(world, case_id)
    # the scheduler was down over the reply's last day: it comes three days after
    clock.advance(at(REPLY_DUE) - clock.now() + timedelta(days=3))
    fired_at = clock.now()
    assert timers.fire_due(world) >= 1

    [raised] = act(world, "boss", supervision.of_case, case_id)
    assert (raised.automatic, raised.opinion) == (True, "答复期满")
    assert (raised.issued_at, raised.fired_at) == (at(REPLY_DUE), fired_at)
    with world() as s:  # its holders were told when it fired
        told = s.scalars(
            select(Notification.created_at).where(
                Notification.instance_id == case_id, Notification.kind == NotificationKind.SUPERVISION
            )
        ).all()
    assert told and set(told) == {fired_at}
