"""Every timer kind with the fake clock: intermediate and boundary (interrupting and not)
timers, task due dates, reminders; what each changes, whom it tells, and that firing twice
changes nothing. The clock stands at Monday 2026-12-07 09:00 in Beijing."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.deadlines.calendar import LOCAL_TZ, WorkingCalendar
from engine.usecases import cases, tasks
from engine.usecases import deadlines as admin
from engine.usecases import timers as timer_usecases
from engine.usecases.context import SYSTEM, actor_for, processes, runtime_for
from engine.usecases.persist import save_instance
from storage.enums import NotificationKind, TimerKind, TimerState, WorkItemState
from storage.models import ProcessInstance, WorkItem
from tests.world import create_people

from .scheduler_helpers import (
    deploy,
    fired_counts,
    notifications,
    start_deadline,
    timers,
)


@pytest.fixture
def world(session_factory, frozen_clock):
    create_people(session_factory, "clerk", "fin", "fin2", "boss")
    deploy(session_factory, "deadline.bpmn")
    deploy(session_factory, "review.bpmn")
    return session_factory


def items(factory, instance_id):
    with factory() as s:
        return {w.bpmn_id: w for w in s.scalars(select(WorkItem).where(WorkItem.instance_id == instance_id))}


def fire(factory):
    return timer_usecases.fire_due(factory)


def by_kind(instance_timers):
    return {t.kind: t for t in instance_timers}


def local(y, m, d, hour=9):
    return datetime(y, m, d, hour, tzinfo=LOCAL_TZ).astimezone(UTC)


def review_at_reply(factory) -> tuple[int, WorkItem]:
    """A review case registered for the finance office: waiting at its reply."""
    with factory.begin() as s:
        case = cases.start_instance(s, actor_for(s, "clerk"), "review", {"subject": "路灯不亮"}).id
    register = items(factory, case)["register"]
    with factory.begin() as s:
        tasks.complete(s, actor_for(s, "clerk"), register.task_id, {"lead_unit": "finance"})
    return case, items(factory, case)["reply"]


def test_intermediate_timer_reminder_and_interrupting_boundary(world, frozen_clock):
    case = start_deadline(world, frozen_clock + timedelta(days=1), local(2026, 12, 17))
    [wait] = timers(world, case)
    assert (wait.kind, wait.bpmn_id, wait.due_at) == (TimerKind.BPMN, "wait", frozen_clock + timedelta(days=1))
    assert "handle" not in items(world, case)

    clock.advance(timedelta(hours=23, minutes=59))
    assert fire(world) == 0  # not yet due
    clock.advance(timedelta(minutes=1))
    assert fire(world) == 0  # SpiffWorkflow fires strictly after the moment...
    clock.advance(timedelta(milliseconds=1))
    assert fire(world) == 1  # ...the intermediate timer
    assert items(world, case)["handle"].state == WorkItemState.READY
    armed = by_kind(t for t in timers(world, case) if t.state == TimerState.PENDING)
    assert armed[TimerKind.TASK_DUE].due_at == local(2026, 12, 17)
    assert armed[TimerKind.BPMN].bpmn_id == "handle_timeout"
    # three working days before Thursday 17th, 09:00: Monday 14th, 09:00
    assert armed[TimerKind.REMINDER].due_at == local(2026, 12, 14)

    clock.freeze(local(2026, 12, 14) - timedelta(seconds=1))
    assert fire(world) == 0
    clock.advance(timedelta(seconds=1))
    assert fire(world) == 1  # the reminder: to the finance unit, not the supervisors
    [n1, n2] = notifications(world)
    assert {n1.username, n2.username} == {"fin", "fin2"} and n1.kind == NotificationKind.REMINDER
    assert n1.via_group == "finance" and "2026-12-17 09:00 到期" in n1.message and "办理" in n1.subject

    clock.freeze(local(2026, 12, 17) + timedelta(seconds=1))
    assert fire(world) == 1  # the boundary timer; it takes the due date with the task
    now_items = items(world, case)
    assert now_items["handle"].state == WorkItemState.CANCELLED
    assert now_items["escalate"].state == WorkItemState.READY
    states = {t.kind: t.state for t in timers(world, case) if t.bpmn_id in ("handle", "handle_timeout")}
    assert states == {
        TimerKind.BPMN: TimerState.FIRED,
        TimerKind.TASK_DUE: TimerState.CANCELLED,
        TimerKind.REMINDER: TimerState.FIRED,
    }
    supervision = [n for n in notifications(world) if n.kind == NotificationKind.SUPERVISION]
    assert {n.username for n in supervision} == {"fin", "fin2", "boss"}
    assert all("已过期限（超时转督办）仍未办理，该任务已结束，案件按流程继续办理" in n.message for n in supervision)

    # firing again changes nothing
    clock.advance(timedelta(days=30))
    assert fire(world) == 0
    with world.begin() as s:
        assert all(not timer_usecases.fire_timer(s, t.id) for t in timers(world, case))
    assert set(fired_counts(world).values()) == {1}


def test_task_due_and_non_interrupting_boundary(world, frozen_clock):
    case, reply = review_at_reply(world)
    assert reply.due_at == datetime(
        2026, 12, 22, 16, 0, tzinfo=UTC
    )  # 15 days from Monday 12-07 (not counted): Tuesday 12-22, which ends at 24:00 Beijing time

    clock.advance(timedelta(days=15, hours=15, seconds=1))  # a second past 24:00 of the 22nd
    assert fire(world) == 3  # reminder (long past), 督办 boundary timer, due date
    now_items = items(world, case)
    assert now_items["reply"].state == WorkItemState.READY  # non-interrupting: still open
    assert now_items["supervise"].state == WorkItemState.READY
    kinds = {}
    for n in notifications(world):
        kinds.setdefault(n.kind, set()).add(n.username)
    # the due date passes at the moment of the 督办 timer on the task's border: one notice, the
    # 督办 (which says the task is overdue), no separate overdue notice
    assert NotificationKind.OVERDUE not in kinds
    assert kinds[NotificationKind.SUPERVISION] == {"fin", "fin2", "boss"}
    [supervision_boss] = [
        n for n in notifications(world) if n.kind == NotificationKind.SUPERVISION and n.username == "boss"
    ]
    assert supervision_boss.message == (  # the supervisors' copy: the unit by name, not its code
        "「答复」（案件：路灯不亮）已过期限（逾期督办）仍未办结，已转入督办。办理人：财政所。"
    )
    with world() as s:
        detail = cases.instance_detail(s, SYSTEM, case)
    assert detail.overdue_bpmn_ids == ["reply"]  # no flow change: the item turns overdue
    assert sorted(fired_counts(world).values()) == [1, 1, 1]


def test_the_supervisors_overdue_notice_names_who_holds_the_task(world, frozen_clock):
    _case, reply = review_at_reply(world)
    with world.begin() as s:
        tasks.claim(s, actor_for(s, "fin"), reply.task_id)
    clock.advance(timedelta(days=16))
    fire(world)
    # the 督办 timer on the task's border falls due with its due date: the 督办 tells of it
    assert [n for n in notifications(world) if n.kind == NotificationKind.OVERDUE] == []
    [to_boss] = [n for n in notifications(world) if n.kind == NotificationKind.SUPERVISION and n.username == "boss"]
    assert to_boss.message == (  # the person by name, not the user name
        "「答复」（案件：路灯不亮）已过期限（逾期督办）仍未办结，已转入督办。办理人：fin 同志。"
    )


def test_completing_in_time_cancels_every_timer(world, frozen_clock):
    case = start_deadline(world, frozen_clock - timedelta(seconds=1), frozen_clock + timedelta(days=10))
    handle = items(world, case)["handle"]  # the intermediate timer was due at once
    with world.begin() as s:
        tasks.complete(s, actor_for(s, "fin"), handle.task_id, {})
    assert {t.state for t in timers(world, case)} == {TimerState.CANCELLED}
    clock.advance(timedelta(days=11))
    assert fire(world) == 0 and notifications(world) == []


def test_no_reminder_for_a_moment_already_past(world, frozen_clock):
    case = start_deadline(world, frozen_clock - timedelta(seconds=1), frozen_clock + timedelta(days=1))
    assert {t.kind for t in timers(world, case)} == {TimerKind.TASK_DUE, TimerKind.BPMN}


def test_a_reminder_fired_after_the_due_date_tells_nobody(world, frozen_clock):
    """The scheduler was down from before the reminder until after the due date: on catching
    up, the overdue notice goes out and the stale "due on ..." reminder does not."""
    case = start_deadline(world, frozen_clock - timedelta(seconds=1), local(2026, 12, 17))
    assert TimerKind.REMINDER in by_kind(timers(world, case))
    clock.freeze(local(2026, 12, 17) + timedelta(hours=1))
    assert fire(world) >= 2  # reminder, due date and boundary: all caught up
    assert all(t.state != TimerState.PENDING for t in timers(world, case))
    kinds = {n.kind for n in notifications(world)}
    assert NotificationKind.REMINDER not in kinds and kinds  # but something was said


def test_reminder_setting_and_calendar_entries(world, frozen_clock):
    due = local(2026, 12, 24)  # a Thursday
    with world.begin() as s:
        admin.set_setting(s, SYSTEM, "reminder.working_days_before", 5)
    case = start_deadline(world, frozen_clock - timedelta(seconds=1), due)
    assert by_kind(timers(world, case))[TimerKind.REMINDER].due_at == local(2026, 12, 17)
    with world.begin() as s:  # an official day off moves the reminder a day earlier
        admin.set_calendar_day(s, SYSTEM, datetime(2026, 12, 21).date(), False, "测试停工")
    case2 = start_deadline(world, frozen_clock - timedelta(seconds=1), due)
    assert by_kind(timers(world, case2))[TimerKind.REMINDER].due_at == local(2026, 12, 16)
    with world.begin() as s:
        admin.set_setting(s, SYSTEM, "reminder.working_days_before", 0)
    case3 = start_deadline(world, frozen_clock - timedelta(seconds=1), due)
    assert TimerKind.REMINDER not in by_kind(timers(world, case3))
    expected = WorkingCalendar({datetime(2026, 12, 21).date(): False}).add_working_days(due, -5)
    assert expected == local(2026, 12, 16)


def test_a_reminder_due_but_not_yet_fired_survives_another_save(world, frozen_clock):
    """The scheduler may be a moment late: a save in between must not drop the reminder."""

    case, reply = review_at_reply(world)
    reminder = by_kind(timers(world, case))[TimerKind.REMINDER]
    clock.freeze(reminder.due_at + timedelta(seconds=5))
    with world.begin() as s:
        tasks.claim(s, actor_for(s, "fin"), reply.task_id)
    with world.begin() as s:  # any use case that moves the case saves it again
        instance = s.get(ProcessInstance, case)
        process = processes.get_by_id(s, instance.definition_id)
        runtime = runtime_for(s)
        save_instance(s, instance, runtime.restore(process, instance.workflow_json), runtime, process)
    assert by_kind(timers(world, case))[TimerKind.REMINDER].state == TimerState.PENDING
    assert fire(world) == 1
    [n] = notifications(world)  # the item was claimed: only the assignee hears
    assert (n.username, n.kind) == ("fin", NotificationKind.REMINDER)
