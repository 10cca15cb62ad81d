"""A timer start event that cannot start its case (the script after it raises) is an
incident of the process version, with no case: one open row however often the scheduler's
back-off tries again, resolved by a later firing that gets through or by a retry after the
fix (a setting, a new version), which starts the case at once; the schema change keeps the
cases' incidents as they were."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from engine import clock
from engine.deadlines.calendar import LOCAL_TZ
from engine.errors import NotAllowed
from engine.scheduling.firing import Firer, Outcome
from engine.usecases import cases, deadlines, definitions, incidents, start_timers
from engine.usecases import timers as timer_usecases
from engine.usecases.context import SYSTEM
from storage import migrate
from storage.enums import IncidentKind, TimerKind, TimerState, WorkItemState
from storage.models import Incident, ProcessDefinition, ProcessInstance, Timer, WorkItem
from tests.conftest import fixture_bpmn
from tests.world import act, create_people, deploy

PROCESS = "start_timer_script"


def local(y, m, d, hour=9, minute=0):
    return datetime(y, m, d, hour, minute, tzinfo=LOCAL_TZ).astimezone(UTC)


@pytest.fixture
def township(session_factory, frozen_clock):
    create_people(session_factory, "admin", "clerk")
    deploy(session_factory, "start_timer_script.bpmn")
    return session_factory


def start_timers_of(factory) -> list[Timer]:
    with factory() as s:
        return list(s.scalars(select(Timer).where(Timer.kind == TimerKind.START).order_by(Timer.id)))


def all_cases(factory) -> list[ProcessInstance]:
    with factory() as s:
        return list(s.scalars(select(ProcessInstance).order_by(ProcessInstance.id)))


def incident_rows(factory) -> list[Incident]:
    with factory() as s:
        return list(s.scalars(select(Incident).order_by(Incident.id)))


def ready_steps(factory, instance_id: int) -> list[str]:
    with factory() as s:
        query = select(WorkItem.bpmn_id).where(
            WorkItem.instance_id == instance_id, WorkItem.state == WorkItemState.READY
        )
        return list(s.scalars(query))


def version_id(factory, version: int) -> int:
    with factory() as s:
        return s.scalars(
            select(ProcessDefinition.id).where(ProcessDefinition.key == PROCESS, ProcessDefinition.version == version)
        ).one()


def fire(factory, timer_id: int) -> Outcome:
    """What the scheduler's firing thread does with a due timer (a back-off's try included)."""
    results, _committed = Firer(factory, lambda results, committed: None).fire([(timer_id, clock.now())])
    return results[timer_id][0]


def fail_twice(factory) -> Timer:
    """The 8 December occurrence fires into the failing script, and again ten minutes later."""
    [timer] = start_timers_of(factory)
    clock.freeze(local(2026, 12, 8, 9, 0) + timedelta(seconds=1))
    assert fire(factory, timer.id) == Outcome.FAILED
    clock.advance(timedelta(minutes=10))
    assert fire(factory, timer.id) == Outcome.FAILED
    return timer


def test_a_failing_timer_start_is_one_open_incident_of_the_process_and_a_later_firing_resolves_it(township):
    timer = fail_twice(township)
    assert all_cases(township) == []  # nothing of the failed starts was kept
    [pending] = start_timers_of(township)
    assert (pending.id, pending.state) == (timer.id, TimerState.PENDING)  # the back-off tries it again
    [row] = incident_rows(township)  # a repeat counts, it adds no row
    assert (row.instance_id, row.definition_id, row.kind, row.bpmn_id) == (
        None,
        version_id(township, 1),
        IncidentKind.TIMER,
        "monthly",
    )

    [seen] = act(township, "admin", incidents.list_incidents)
    assert (seen.id, seen.instance_id, seen.case_title, seen.of_start_timer) == (row.id, None, "", True)
    assert (seen.process_key, seen.process_name, seen.process_version) == (PROCESS, "月度统计（测试）", 1)
    assert (seen.bpmn_id, seen.element_name, seen.kind, seen.occurrences) == ("monthly", "每月8日", "timer", 2)
    assert (seen.created_at, seen.last_seen_at) == (
        local(2026, 12, 8) + timedelta(seconds=1),
        local(2026, 12, 8, 9, 10) + timedelta(seconds=1),
    )
    assert seen.message.startswith(
        "timer start event 每月8日 (monthly) of process 月度统计（测试） (start_timer_script v1) "
        "could not start a case: compute: "
    )
    assert "ZeroDivisionError" in seen.message
    assert [i.id for i in act(township, "admin", incidents.list_incidents, process_key=PROCESS)] == [row.id]
    with pytest.raises(NotAllowed):  # an officer sees no incident, a start event's no more than a case's
        act(township, "clerk", incidents.list_incidents)

    act(township, "admin", deadlines.set_setting, "petition.accept_days", 20)  # the fix
    clock.advance(timedelta(minutes=20))
    assert fire(township, timer.id) == Outcome.FIRED  # the back-off's next try
    [case] = all_cases(township)
    assert (case.started_by, ready_steps(township, case.id)) == ("system", ["check"])
    assert act(township, "admin", incidents.list_incidents) == []
    [resolved] = act(township, "admin", incidents.list_incidents, state="resolved")
    assert (resolved.id, resolved.resolved_by, resolved.resolved_at) == (row.id, "system", clock.now())
    fired, following = start_timers_of(township)
    assert (fired.state, following.state, following.due_at) == (TimerState.FIRED, TimerState.PENDING, local(2027, 1, 8))


def test_a_retry_after_the_fix_starts_the_case_now_and_resolves_the_incident(township):
    timer = fail_twice(township)
    [row] = incident_rows(township)
    with pytest.raises(NotAllowed):
        act(township, "clerk", start_timers.retry_start, row.id)

    failed = act(township, "admin", start_timers.retry_start, row.id)  # not fixed yet
    assert (failed.ok, failed.instance_id) == (False, None)
    assert "ZeroDivisionError" in (failed.error or "")
    assert all_cases(township) == []
    [still] = incident_rows(township)
    assert (still.id, still.occurrences, still.resolved_at) == (row.id, 3, None)
    assert [t.state for t in start_timers_of(township)] == [TimerState.PENDING]

    act(township, "admin", deadlines.set_setting, "petition.accept_days", 20)
    done = act(township, "admin", start_timers.retry_start, row.id)
    [case] = all_cases(township)
    assert (done.ok, done.instance_id, done.error) == (True, case.id, None)
    assert ready_steps(township, case.id) == ["check"]
    assert act(township, "admin", incidents.list_incidents) == []
    [resolved] = incident_rows(township)
    assert (resolved.resolved_by, resolved.occurrences) == ("admin", 3)
    # the occurrence that kept failing fired (the scheduler starts no second case), the next one is armed
    fired, following = start_timers_of(township)
    assert (fired.id, fired.state) == (timer.id, TimerState.FIRED)
    assert (following.state, following.due_at) == (TimerState.PENDING, local(2027, 1, 8))
    assert timer_usecases.fire_due(township) == 0
    assert len(all_cases(township)) == 1

    again = act(township, "admin", start_timers.retry_start, row.id)  # a second operator, too late
    assert (again.ok, again.resolved_by, again.resolved_at, again.error) == (False, "admin", clock.now(), None)
    assert len(all_cases(township)) == 1


def test_a_new_version_that_fixes_the_script_then_a_retry_starts_the_missed_case_from_it(township):
    timer = fail_twice(township)
    [row] = incident_rows(township)
    fixed = fixture_bpmn("start_timer_script.bpmn").replace(
        b"ratio = 60 // (setting('petition.accept_days') - 15)", b"ratio = 60"
    )
    with township.begin() as s:
        definitions.deploy(s, fixed, "start_timer_script.bpmn", SYSTEM)
    old, new = start_timers_of(township)
    assert (old.id, old.state) == (timer.id, TimerState.CANCELLED)  # the failed occurrence is missed
    assert (new.state, new.due_at) == (TimerState.PENDING, local(2027, 1, 8))
    [open_one] = act(township, "admin", incidents.list_incidents)  # the version's incident stays
    assert (open_one.id, open_one.process_version) == (row.id, 1)

    done = act(township, "admin", start_timers.retry_start, row.id)
    [case] = all_cases(township)
    assert (done.ok, done.instance_id) == (True, case.id)
    assert case.definition_id == version_id(township, 2)
    assert ready_steps(township, case.id) == ["check"]
    assert act(township, "admin", incidents.list_incidents) == []
    # nothing armed twice: the new version's own next occurrence is the only pending one
    assert [(t.id, t.state) for t in start_timers_of(township)] == [
        (old.id, TimerState.CANCELLED),
        (new.id, TimerState.PENDING),
    ]


def test_the_case_page_of_a_case_with_its_own_incident_is_unaffected_by_a_start_timer_incident(township):
    fail_twice(township)
    deploy(township, "timer_script.bpmn")
    case_id = act(township, "clerk", cases.start_instance, "timer_script", {}).id
    clock.advance(timedelta(hours=2))
    assert timer_usecases.fire_due(township) == 0  # its wait fires into its failing script
    page = act(township, "admin", cases.case_page, case_id)
    assert [(i.instance_id, i.bpmn_id) for i in page.incidents] == [(case_id, "wait")]
    listed = act(township, "admin", incidents.list_incidents)
    assert sorted((i.instance_id or 0, i.process_key) for i in listed) == [(0, PROCESS), (case_id, "timer_script")]


def test_the_upgrade_keeps_a_case_incident_and_lets_a_version_have_one(session_factory, db_url, frozen_clock):
    """Upgrading past d4f8b2e6a0c5 with a case's incident stored: the row is as it was, of
    its case and of no version; a timer start event's incident can be recorded after it."""
    create_people(session_factory, "admin", "clerk")
    deploy(session_factory, "timer_script.bpmn")
    case_id = act(session_factory, "clerk", cases.start_instance, "timer_script", {}).id
    clock.advance(timedelta(hours=2))
    assert timer_usecases.fire_due(session_factory) == 0  # its wait fires into its failing script
    columns = ("id", "instance_id", "bpmn_id", "kind", "message", "created_at", "last_seen_at", "occurrences")
    [before] = [tuple(getattr(r, c) for c in columns) for r in incident_rows(session_factory)]
    assert before[1:4] == (case_id, "wait", IncidentKind.TIMER)

    migrate.downgrade(db_url, "c2f6e8a4d0b7")
    with session_factory() as s:
        assert s.execute(text("SELECT id, instance_id FROM incidents")).all() == [(before[0], case_id)]
    migrate.upgrade(db_url)

    [after] = incident_rows(session_factory)
    assert tuple(getattr(after, c) for c in columns) == before
    assert (after.definition_id, after.resolved_at) == (None, None)
    deploy(session_factory, "start_timer_script.bpmn")
    clock.freeze(local(2026, 12, 8) + timedelta(seconds=1))
    [timer] = start_timers_of(session_factory)
    assert fire(session_factory, timer.id) == Outcome.FAILED
    listed = act(session_factory, "admin", incidents.list_incidents)
    assert sorted((i.instance_id or 0, i.bpmn_id) for i in listed) == [(0, "monthly"), (case_id, "wait")]


def test_a_retry_once_the_latest_version_has_no_such_start_event_closes_the_incident_and_starts_nothing(township):
    fail_twice(township)
    [row] = incident_rows(township)
    renamed = (
        fixture_bpmn("start_timer_script.bpmn")
        .replace(b'id="monthly"', b'id="quarterly"')
        .replace(b'sourceRef="monthly"', b'sourceRef="quarterly"')
    )
    with township.begin() as s:
        definitions.deploy(s, renamed, "start_timer_script.bpmn", SYSTEM)
    done = act(township, "admin", start_timers.retry_start, row.id)
    assert (done.ok, done.event_gone, done.instance_id, done.error) == (False, True, None, None)
    assert all_cases(township) == []
    [closed] = incident_rows(township)
    assert (closed.resolved_by, closed.resolved_at) == ("admin", clock.now())
