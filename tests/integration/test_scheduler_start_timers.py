"""Timer start events with the fake clock: deployment arms the next occurrence of the latest
version, firing starts one case that runs past its start event at once, and a cycle arms
its next occurrence (calendar months, no drift)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.deadlines.calendar import LOCAL_TZ
from engine.usecases import timers as timer_usecases
from storage.enums import InstanceStatus, TimerKind, TimerState, WorkItemState
from storage.models import AuditEntry, ProcessDefinition, ProcessInstance, WorkItem
from tests.conftest import fixture_bpmn

from .scheduler_helpers import deploy, fired_counts, timers


def local(y, m, d, hour=9):
    return datetime(y, m, d, hour, tzinfo=LOCAL_TZ).astimezone(UTC)


def cases(factory):
    with factory() as s:
        return list(s.scalars(select(ProcessInstance).order_by(ProcessInstance.id)))


def open_items(factory, instance_id):
    with factory() as s:
        return [
            w.bpmn_id
            for w in s.scalars(
                select(WorkItem).where(WorkItem.instance_id == instance_id, WorkItem.state == WorkItemState.READY)
            )
        ]


def start_timers(factory):
    return list(timers(factory, kind=TimerKind.START))


def test_cycle_start_event_starts_one_case_per_occurrence(session_factory, frozen_clock):
    deploy(session_factory, "monthly_report.bpmn")
    [armed] = start_timers(session_factory)
    assert (armed.state, armed.due_at, armed.instance_id) == (TimerState.PENDING, local(2027, 1, 5), None)

    clock.freeze(local(2027, 1, 5) + timedelta(seconds=1))
    assert timer_usecases.fire_due(session_factory) == 1
    [case] = cases(session_factory)
    assert case.started_by == "system" and case.status == InstanceStatus.RUNNING
    assert open_items(session_factory, case.id) == ["report"]
    # the case does not keep a start event waiting for next month: no timer of its own
    assert [t.state for t in timers(session_factory, case.id)] in ([], [TimerState.CANCELLED])
    first, second = start_timers(session_factory)
    assert first.state == TimerState.FIRED and second.state == TimerState.PENDING
    assert second.due_at == local(2027, 2, 5)

    # the scheduler was down for two months: the missed occurrences start one case, once
    clock.freeze(local(2027, 4, 1))
    assert timer_usecases.fire_due(session_factory) == 1
    assert timer_usecases.fire_due(session_factory) == 0
    assert len(cases(session_factory)) == 2
    assert start_timers(session_factory)[-1].due_at == local(2027, 4, 5)
    assert set(fired_counts(session_factory).values()) == {1}
    with session_factory() as s:
        started = s.scalars(select(AuditEntry).where(AuditEntry.action == "timer_started")).all()
    assert len(started) == 2


def test_date_start_event_fires_once(session_factory, frozen_clock):
    deploy(session_factory, "reception_day.bpmn")
    [armed] = start_timers(session_factory)
    assert armed.due_at == local(2027, 3, 20)
    clock.freeze(local(2027, 3, 20) + timedelta(seconds=1))
    assert timer_usecases.fire_due(session_factory) == 1
    [case] = cases(session_factory)
    assert open_items(session_factory, case.id) == ["receive"]
    assert [t.state for t in start_timers(session_factory)] == [TimerState.FIRED]  # no next occurrence
    clock.advance(timedelta(days=400))
    assert timer_usecases.fire_due(session_factory) == 0


def test_a_new_version_takes_over_the_start_timer(session_factory, frozen_clock):
    deploy(session_factory, "monthly_report.bpmn")
    changed = fixture_bpmn("monthly_report.bpmn").replace(
        b"R/2027-01-05T09:00:00+08:00/P1M", b"R/2027-01-10T09:00:00+08:00/P1M"
    )
    from engine.usecases import definitions
    from engine.usecases.context import SYSTEM

    with session_factory.begin() as s:
        [v2] = definitions.deploy(s, changed, "monthly_report.bpmn", SYSTEM)
    old, new = start_timers(session_factory)
    assert old.state == TimerState.CANCELLED
    assert (new.state, new.definition_id, new.due_at) == (TimerState.PENDING, v2.definition_id, local(2027, 1, 10))
    clock.freeze(local(2027, 1, 10) + timedelta(seconds=1))
    assert timer_usecases.fire_due(session_factory) == 1
    [case] = cases(session_factory)
    with session_factory() as s:
        assert s.get(ProcessDefinition, case.definition_id).version == 2


def test_a_start_timer_in_the_past_is_not_armed(session_factory):
    clock.freeze(local(2027, 6, 1))
    try:
        deploy(session_factory, "reception_day.bpmn")
    finally:
        clock.unfreeze()
    assert start_timers(session_factory) == []


@pytest.mark.parametrize("expression", ['"R/P1D"', '"PT2H"'])
def test_durations_and_cycles_without_a_start_count_from_deployment(session_factory, frozen_clock, expression):
    xml = fixture_bpmn("reception_day.bpmn").replace(b'"2027-03-20T09:00:00+08:00"', expression.encode())
    kind = b"timeCycle" if expression.startswith('"R') else b"timeDuration"
    xml = xml.replace(b"timeDate", kind)
    from engine.usecases import definitions
    from engine.usecases.context import SYSTEM

    with session_factory.begin() as s:
        definitions.deploy(s, xml, "x.bpmn", SYSTEM)
    [armed] = start_timers(session_factory)
    assert armed.due_at == frozen_clock + (timedelta(days=1) if kind == b"timeCycle" else timedelta(hours=2))
    clock.advance(timedelta(days=1, seconds=1))
    assert timer_usecases.fire_due(session_factory) == 1
    [case] = cases(session_factory)
    assert open_items(session_factory, case.id) == ["receive"]
