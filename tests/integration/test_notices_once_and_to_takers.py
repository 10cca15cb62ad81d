"""Who hears of a task's deadline, and how often (the QA walk of notifications and e-mail,
findings 2 and 6).

The office's petition task is taken only by whoever may read the petitioner's identity: its
reminder, its overdue notice and a 督办 on it reach those alone, as its arrival does; a supervisor
sitting in the office reads the supervisors' copy, and the administrator, the designer and a
plain officer of the office read nothing of it.

A deadline that both makes a task overdue and fires the 督办 timer on its border is one notice
to each person (the 督办, which says the task is overdue), whichever of the two timers fires
first: the due date at its very moment and the 督办 a moment later (the scheduler), or the 督办
first (``fire-due`` after the moment). Counted by hand, stored and e-mailed."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from engine import clock
from engine.notifications.outbox import send_outbox
from engine.usecases import cases, definitions, supervision, tasks
from engine.usecases import timers as timer_usecases
from engine.usecases.context import SYSTEM
from storage.enums import NotificationKind, TimerKind
from storage.models import Notification, Timer
from tests.conftest import REPO_ROOT
from tests.integration.test_notifications import Inbox, serving
from tests.world import act, build_world, create_people, start_review

# the office: who may read a petitioner's identity (the petition officer, the office head), a
# plain officer, and the demo roles that sit in it; a supervisor outside it; a finance officer
OFFICE = ["keeper", "head", "clerk", "office_supervisor", "office_admin", "office_designer"]
PEOPLE = [*OFFICE, "outsider", "fin", "fin2"]
EMAILS = {name: f"{name}@example.org" for name in PEOPLE}
PETITION = {
    "channel": "letter",
    "petitioner_name": "陈小红",
    "petitioner_phone": "13812345678",
    "petitioner_address": "青山镇新街社区12栋3单元1502室",
    "petition_subject": "宅基地纠纷",
    "petition_content": "邻居占用宅基地。",
    "disposition": "register",
}


@pytest.fixture
def world(session_factory, frozen_clock):
    build_world(session_factory)  # the departments and the review process
    create_people(session_factory, *PEOPLE, emails=EMAILS)
    with session_factory.begin() as s:
        definitions.deploy(s, (REPO_ROOT / "bpmn" / "petition.bpmn").read_bytes(), "petition.bpmn", SYSTEM)
    return session_factory


def told(factory, instance_id: int, *kinds: NotificationKind) -> list[tuple[str, str, str]]:
    """(who, kind, message) of the case's notifications of these kinds, in the order made."""
    with factory() as s:
        query = select(Notification.username, Notification.kind, Notification.message).where(
            Notification.instance_id == instance_id
        )
        if kinds:
            query = query.where(Notification.kind.in_(kinds))
        return [(u, k.value, m) for u, k, m in s.execute(query.order_by(Notification.id))]


def mailed(factory) -> Counter[str]:
    """How many e-mails each address gets of what is waiting."""
    with serving(Inbox()) as smtp:
        send_outbox(factory, smtp.settings)
    return Counter(str(m["To"]) for m in smtp.messages)


def register(factory, received_on: str) -> tuple[int, str]:
    case = act(factory, "keeper", cases.start_instance, "petition", {**PETITION, "received_on": received_on})
    [accept] = case.open_tasks
    return case.id, accept.task_id


# -- finding 2: the office's petition task ----------------------------------------------------
def test_a_petition_registered_late_is_overdue_to_whoever_may_take_it_and_to_the_supervisors(world):
    case_id, _accept = register(world, "2026-10-01")  # 15 days: due 2026-10-16 24:00, long past
    assert timer_usecases.fire_due(world) == 1  # its due date (its reminder is not armed: past)
    overdue = told(world, case_id, NotificationKind.OVERDUE)
    late = "「审查是否受理并告知信访人」（案件：宅基地纠纷 · 来信）已于 2026-10-16 24:00 到期，尚未办结。"
    assert sorted(overdue) == [
        # head was told it is overdue as it arrived (新任务（已逾期）): not a second time
        ("keeper", "overdue", late + "请尽快办理。"),
        # the supervisors read who holds it, the one sitting in the office too
        ("office_supervisor", "overdue", late + "办理人：镇人大办。"),
        ("outsider", "overdue", late + "办理人：镇人大办。"),
    ]
    # the arrival was told to the office head (keeper registered it), overdue already
    assert told(world, case_id, NotificationKind.TASK) == [
        (
            "head",
            "task",
            "「审查是否受理并告知信访人」（案件：宅基地纠纷 · 来信）已到您的待办，"
            "已于 2026-10-16 24:00 到期，请尽快办理。",
        )
    ]
    # e-mail: one to the head (its arrival, overdue), one overdue notice to each of the others;
    # nothing to the administrator, the designer, the clerk
    assert mailed(world) == {
        "head@example.org": 1,
        "keeper@example.org": 1,
        "office_supervisor@example.org": 1,
        "outsider@example.org": 1,
    }


def test_the_reminder_of_the_office_petition_task_reaches_whoever_may_take_it(world):
    case_id, _accept = register(world, "2026-12-07")  # due 2026-12-22 24:00 (Tue)
    assert mailed(world) == {"head@example.org": 1}  # its arrival (keeper registered it)
    with world() as s:
        [reminder] = s.scalars(select(Timer).where(Timer.instance_id == case_id, Timer.kind == TimerKind.REMINDER))
        at = reminder.due_at
    clock.advance(at - clock.now())
    assert timer_usecases.fire_due(world) == 1
    assert sorted((who, kind) for who, kind, _ in told(world, case_id, NotificationKind.REMINDER)) == [
        ("head", "reminder"),
        ("keeper", "reminder"),
    ]
    assert mailed(world) == {"head@example.org": 1, "keeper@example.org": 1}


def test_a_supervision_of_the_office_petition_task_asks_only_whoever_may_take_it_to_act(world):
    case_id, accept = register(world, "2026-12-07")
    act(world, "outsider", supervision.issue, case_id, accept, "请尽快受理", None)
    notices = told(world, case_id, NotificationKind.SUPERVISION)
    asked = "「审查是否受理并告知信访人」（案件：宅基地纠纷 · 来信）收到督办，请尽快办理并回复。督办意见：请尽快受理"
    watched = (
        "outsider 同志 对「审查是否受理并告知信访人」（案件：宅基地纠纷 · 来信）发出督办，"
        "要求办理人（镇人大办）尽快办理并回复。督办意见：请尽快受理"
    )
    assert sorted(notices) == [
        ("head", "supervision", asked),
        ("keeper", "supervision", asked),
        ("office_supervisor", "supervision", watched),  # the supervisors' copy, not "please act"
    ]


# -- finding 6: one deadline, one notice --------------------------------------------------------
def _reply_waiting(factory) -> tuple[int, dict[TimerKind, int]]:
    """A review case with the finance unit's reply (due 2026-12-22 24:00, and the boundary timer
    逾期督办 at the same moment), its notifications and e-mails so far set aside: (case, its
    due-date and 督办 timers' ids)."""
    case = start_review(factory, "keeper", "修桥申请")
    act(factory, "keeper", tasks.complete, case.task_id, {"lead_unit": "finance"})
    with factory() as s:
        due_timers = select(Timer.kind, Timer.id).where(
            Timer.instance_id == case.id, Timer.kind.in_([TimerKind.TASK_DUE, TimerKind.BPMN])
        )
        ids = dict(s.execute(due_timers).all())
        [due_at] = set(s.scalars(select(Timer.due_at).where(Timer.id.in_(ids.values()))))
    mailed(factory)  # the arrivals so far: the register step's, the reply's
    with factory.begin() as s:
        s.execute(delete(Notification))
    clock.advance(due_at - clock.now())  # the very moment the period ends
    return case.id, ids


def _one_notice_each(factory, case_id: int) -> None:
    notices = told(factory, case_id)
    supervised = "「答复」（案件：修桥申请）已过期限（逾期督办）仍未办结，已转入督办，请尽快办理。"
    watched = "「答复」（案件：修桥申请）已过期限（逾期督办）仍未办结，已转入督办。办理人：财政所。"
    assert sorted(notices) == [
        # the office's own step 督办 arrives: the office is told of it, once (keeper registered
        # the case, but the step is new to everyone); head and keeper may take it
        ("clerk", "task", "「督办」（案件：修桥申请）已到您的待办。"),
        ("fin", "supervision", supervised),
        ("fin2", "supervision", supervised),
        ("head", "task", "「督办」（案件：修桥申请）已到您的待办。"),
        ("keeper", "task", "「督办」（案件：修桥申请）已到您的待办。"),
        ("office_admin", "task", "「督办」（案件：修桥申请）已到您的待办。"),
        ("office_designer", "task", "「督办」（案件：修桥申请）已到您的待办。"),
        ("office_supervisor", "supervision", watched),
        ("office_supervisor", "task", "「督办」（案件：修桥申请）已到您的待办。"),
        ("outsider", "supervision", watched),
    ]


def test_the_due_date_at_its_moment_then_the_supervision_timer_is_one_notice(world):
    """The scheduler: the due date fires at its very moment, the 督办 timer just after it (the
    engine fires a timer strictly after its moment); nobody is told twice of one deadline."""
    case_id, ids = _reply_waiting(world)
    with world.begin() as s:
        assert timer_usecases.fire_timer(s, ids[TimerKind.TASK_DUE])
    with world.begin() as s:
        assert not timer_usecases.fire_timer(s, ids[TimerKind.BPMN])  # at its moment it still waits
    clock.advance(timedelta(seconds=1))
    with world.begin() as s:
        assert timer_usecases.fire_timer(s, ids[TimerKind.BPMN])
    _one_notice_each(world, case_id)
    mails = mailed(world)
    # the office supervisor: the office's 督办 step and the supervisors' copy (two events); the
    # others one each
    assert mails == {
        "fin@example.org": 1,
        "fin2@example.org": 1,
        "office_supervisor@example.org": 2,
        "outsider@example.org": 1,
        "clerk@example.org": 1,
        "head@example.org": 1,
        "keeper@example.org": 1,
        "office_admin@example.org": 1,
        "office_designer@example.org": 1,
    }


def test_the_supervision_timer_then_the_due_date_is_one_notice(world):
    """``fire-due`` after the moment: the 督办 timer may fire first, then the due date."""
    case_id, ids = _reply_waiting(world)
    clock.advance(timedelta(seconds=1))
    with world.begin() as s:
        assert timer_usecases.fire_timer(s, ids[TimerKind.BPMN])
    with world.begin() as s:
        assert timer_usecases.fire_timer(s, ids[TimerKind.TASK_DUE])
    _one_notice_each(world, case_id)


def test_both_in_one_transaction_is_one_notice(world):
    """A burst fired together (the scheduler's batch), in either order."""
    case_id, ids = _reply_waiting(world)
    clock.advance(timedelta(seconds=1))
    with world.begin() as s:
        fired = timer_usecases.fire_timers(s, [ids[TimerKind.TASK_DUE], ids[TimerKind.BPMN]])
    assert set(fired.values()) == {True}
    _one_notice_each(world, case_id)


def test_a_due_date_with_no_timer_on_its_border_is_still_an_overdue_notice(world):
    """petition_min's 办理答复 has no due date; the review's register step has none either: the
    office's petition task of the real process has one and no 督办 timer (see above). Here a
    review reply whose 督办 timer was moved later: the due date alone is an overdue notice."""
    case_id, ids = _reply_waiting(world)
    with world.begin() as s:
        timer = s.get(Timer, ids[TimerKind.BPMN])
        assert timer is not None
        timer.due_at += timedelta(days=1)  # another moment: another event
    with world.begin() as s:
        assert timer_usecases.fire_timer(s, ids[TimerKind.TASK_DUE])
    assert sorted((who, kind) for who, kind, _ in told(world, case_id, NotificationKind.OVERDUE)) == [
        ("fin", "overdue"),
        ("fin2", "overdue"),
        ("office_supervisor", "overdue"),
        ("outsider", "overdue"),
    ]
