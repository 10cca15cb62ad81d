"""No silent stall (issue 15): a timer whose firing fails and a case that can never move on
are incidents on the case, listed for those who may retry them, and a retry after the fix
gets the case past them; a failure while an officer acts is the officer's error, nothing
stored; a user task nobody could ever hold is refused at deploy unless the process names a
default group, and an administrator can hand an open task nobody may take to someone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.deadlines.settings import DEFAULTS
from engine.errors import InvalidBpmn, NotAllowed, ScriptError
from engine.scheduling.firing import Firer, Outcome
from engine.usecases import cases, deadlines, incidents, recovery, tasks
from storage.enums import TimerState, WorkItemState
from storage.models import AuditEntry, Timer
from storage.repositories import InboxFilter
from tests.world import create_people
from tests.world import deploy as deploy_fixtures

from .conftest import act, advance_and_fire, detail, do, items, open_ids, who


@pytest.fixture
def township(people):
    create_people(people, "admin", "head", "office1")
    return people


def timers_of(factory, case_id) -> list[Timer]:
    with factory() as s:
        return list(s.scalars(select(Timer).where(Timer.instance_id == case_id).order_by(Timer.id)))


def actions(factory, case_id) -> list[str]:
    with factory() as s:
        return list(
            s.scalars(select(AuditEntry.action).where(AuditEntry.instance_id == case_id).order_by(AuditEntry.id))
        )


# -- a timer whose firing fails -------------------------------------------------------------
def test_a_failing_timer_script_is_an_incident_seen_on_the_case_and_the_list_and_retried_after_the_fix(
    township, frozen_clock
):
    deploy_fixtures(township, "timer_script.bpmn")
    case_id = act(township, "clerk", cases.start_instance, "timer_script", {}).id
    assert advance_and_fire(township, timedelta(hours=2)) == 0
    assert advance_and_fire(township, timedelta(minutes=10)) == 0  # tried again: one incident, counted
    [timer] = timers_of(township, case_id)
    assert timer.state == TimerState.PENDING  # nothing of the failed firing was kept
    [seen] = act(township, "admin", incidents.list_incidents)
    assert (seen.instance_id, seen.kind, seen.bpmn_id, seen.occurrences) == (case_id, "timer", "wait", 2)
    assert "compute" in seen.message and "ZeroDivisionError" in seen.message
    [on_page] = act(township, "head", cases.case_page, case_id).incidents
    assert on_page.id == seen.id and act(township, "head", cases.case_page, case_id).can_retry
    assert act(township, "clerk", cases.case_page, case_id).incidents == []  # an officer of the case: not his
    with pytest.raises(NotAllowed):
        act(township, "clerk", incidents.list_incidents)
    with pytest.raises(NotAllowed):
        act(township, "clerk", recovery.retry_case, case_id)

    failed = act(township, "admin", recovery.retry_case, case_id)  # not fixed yet
    assert not failed.ok and "ZeroDivisionError" in (failed.error or "")
    assert open_ids(township, case_id) == []

    act(township, "admin", deadlines.set_setting, "petition.accept_days", 20)  # the fix
    done = act(township, "admin", recovery.retry_case, case_id)
    assert (done.ok, done.resolved) == (True, 1)
    assert open_ids(township, case_id) == ["check"]
    assert act(township, "admin", incidents.list_incidents) == []
    [resolved] = act(township, "admin", incidents.list_incidents, state="resolved", process_key="timer_script")
    assert resolved.resolved_by == "admin"
    assert timers_of(township, case_id)[0].state == TimerState.FIRED
    assert {"incident", "retry", "timer_fired", "incident_resolved"} <= set(actions(township, case_id))


def test_the_scheduler_records_a_failing_timer_and_a_later_firing_after_the_fix_resolves_it(township, frozen_clock):
    deploy_fixtures(township, "timer_script.bpmn")
    case_id = act(township, "clerk", cases.start_instance, "timer_script", {}).id
    [timer] = timers_of(township, case_id)
    firer = Firer(township, lambda results, committed: None)
    clock.advance(timedelta(hours=2))
    results, _ = firer.fire([(timer.id, frozen_clock)])
    assert results[timer.id][0] == Outcome.FAILED
    [seen] = act(township, "admin", incidents.list_incidents)
    assert seen.kind == "timer"
    act(township, "admin", deadlines.set_setting, "petition.accept_days", 20)
    results, _ = firer.fire([(timer.id, frozen_clock)])  # the back-off's next try
    assert results[timer.id][0] == Outcome.FIRED
    assert act(township, "admin", incidents.list_incidents) == []
    assert open_ids(township, case_id) == ["check"]


def test_a_failing_script_when_an_officer_completes_a_task_is_his_error_and_nothing_is_stored(people, frozen_clock):
    deploy_fixtures(people, "complete_script.bpmn")
    case_id = act(people, "clerk", cases.start_instance, "complete_script", {}).id
    [task] = items(people, case_id)
    with pytest.raises(ScriptError, match=r"compute: .*ZeroDivisionError"):
        act(people, "clerk", tasks.complete, task.task_id, {})
    [still] = items(people, case_id, state=None)
    assert (still.task_id, still.state, still.completed_by) == (task.task_id, WorkItemState.READY, None)
    assert "complete" not in actions(people, case_id)
    with people() as s:
        assert incidents.has_open(s, case_id) is False


# -- a case that can never move on ----------------------------------------------------------
def test_a_case_nothing_can_move_on_is_reported_stuck(township, frozen_clock):
    deploy_fixtures(township, "stuck_join.bpmn")
    case_id = act(township, "clerk", cases.start_instance, "stuck_join", {}).id
    assert act(township, "admin", incidents.list_incidents) == []  # the first task is open: not stuck
    do(township, "clerk", case_id, "send", {})
    assert detail(township, case_id).status == "running"
    [stuck] = act(township, "admin", incidents.list_incidents)
    assert (stuck.kind, stuck.bpmn_id) == ("stuck", "join")
    again = act(township, "admin", recovery.retry_case, case_id)
    assert (again.ok, again.still_stuck, again.resolved) == (False, True, 0)
    assert len(act(township, "admin", incidents.list_incidents)) == 1  # the same one, seen again
    act(township, "admin", cases.cancel_instance, case_id, "流程有误")
    assert act(township, "admin", incidents.list_incidents) == []


def test_a_case_waiting_for_a_message_is_not_stuck(township, frozen_clock):
    """A message or signal can be delivered (POST /api/v1/messages): waiting for one is work
    in progress, not a stall."""
    deploy_fixtures(township, "stuck_message.bpmn")
    case_id = act(township, "clerk", cases.start_instance, "stuck_message", {}).id
    do(township, "clerk", case_id, "send", {})
    assert detail(township, case_id).status == "running"
    assert act(township, "admin", incidents.list_incidents) == []


# -- a user task nobody can ever hold -------------------------------------------------------
def test_deploy_refuses_a_user_task_nobody_can_hold_naming_file_element_and_reason(people):
    with pytest.raises(InvalidBpmn) as refused:
        deploy_fixtures(people, "nobody_holds.bpmn")
    [line] = str(refused.value).splitlines()
    assert line.startswith("nobody_holds.bpmn:")
    assert "[orphan]" in line and "names nobody who may do it" in line and "default_group" in line


def test_a_process_default_group_holds_the_tasks_that_name_nobody(people, frozen_clock):
    deploy_fixtures(people, "default_group.bpmn")
    case_id = act(people, "clerk", cases.start_instance, "default_group", {}).id
    [task] = items(people, case_id)
    assert who(task) == (("office",), None)
    act(people, "clerk", tasks.complete, task.task_id, {})
    assert detail(people, case_id).status == "completed"


def test_an_administrator_hands_a_task_nobody_may_take_to_someone(township, frozen_clock):
    deploy_fixtures(township, "unknown_group.bpmn")  # candidateGroups="accounting": no such group here
    case_id = act(township, "clerk", cases.start_instance, "unknown_group", {}).id
    [task] = items(township, case_id)
    with pytest.raises(NotAllowed):
        act(township, "clerk", tasks.hand_over, task.task_id, "office1")  # not his to give
    assert "office1" in dict(act(township, "admin", tasks.colleagues, task.task_id))
    act(township, "admin", tasks.hand_over, task.task_id, "office1", "无人所在的组，由办公室办理")
    act(township, "office1", tasks.complete, task.task_id, {})
    assert detail(township, case_id).status == "completed"


def test_a_reassigner_still_hands_an_ordinary_task_only_to_its_candidates(township, frozen_clock):
    deploy_fixtures(township, "default_group.bpmn")
    case_id = act(township, "clerk", cases.start_instance, "default_group", {}).id
    [task] = items(township, case_id)
    with pytest.raises(NotAllowed):
        act(township, "admin", tasks.hand_over, task.task_id, "fin")  # finance: not the office's task
    act(township, "admin", tasks.hand_over, task.task_id, "office1")


# -- every timer the engine can fire is armed -----------------------------------------------
def test_an_event_based_gateway_arms_its_timer_which_fires_through_the_scheduler(township, frozen_clock):
    deploy_fixtures(township, "event_gateway_timer.bpmn")
    case_id = act(township, "clerk", cases.start_instance, "event_gateway_timer", {}).id
    [timer] = timers_of(township, case_id)
    assert (timer.bpmn_id, timer.state, timer.due_at) == (
        "gateway",
        TimerState.PENDING,
        frozen_clock + timedelta(hours=2),
    )
    assert act(township, "admin", incidents.list_incidents) == []  # waiting for a timer: not stuck
    assert advance_and_fire(township, timedelta(hours=1)) == 0
    assert advance_and_fire(township, timedelta(hours=1, seconds=1)) == 1
    assert open_ids(township, case_id) == ["chase"]
    assert timers_of(township, case_id)[0].state == TimerState.FIRED
    assert "timer_fired" in actions(township, case_id)


def test_a_boundary_timer_on_a_multi_instance_subprocess_fires_and_its_rounds_leave_every_inbox(township, frozen_clock):
    deploy_fixtures(township, "mi_boundary_timer.bpmn")
    case_id = act(township, "clerk", cases.start_instance, "mi_boundary_timer", {}).id
    rounds = items(township, case_id, "report")
    assert sorted(r.candidate_groups[0] for r in rounds) == ["civil_affairs", "finance", "land"]
    act(township, "fin", tasks.complete, next(r for r in rounds if r.candidate_groups == ["finance"]).task_id, {})
    [timer] = timers_of(township, case_id)
    assert timer.bpmn_id == "rounds_timeout"
    assert advance_and_fire(township, timedelta(days=1, seconds=1)) == 1
    assert open_ids(township, case_id) == ["chase"]
    states = sorted(i.state for i in items(township, case_id, "report", state=None))
    assert states == [WorkItemState.CANCELLED, WorkItemState.CANCELLED, WorkItemState.COMPLETED]
    assert act(township, "landy", tasks.list_tasks, InboxFilter())[1] == 0  # gone from the unit's inbox at once
    assert act(township, "admin", incidents.list_incidents) == []


def test_the_fixtures_setting_exists():
    assert "petition.accept_days" in DEFAULTS
