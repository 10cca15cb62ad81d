"""A process a designer stopped offering (停止发起) starts no case from its timer start events:
each occurrence while it is stopped is skipped, without an error the scheduler would retry
for ever, and the next one is armed, to start a case once the process is offered again."""

from datetime import UTC, datetime, timedelta

from engine import clock
from engine.access import OPERATOR
from engine.deadlines.calendar import LOCAL_TZ
from engine.usecases import library
from engine.usecases import timers as timer_usecases
from storage.enums import TimerKind, TimerState

from .scheduler_helpers import deploy, timers
from .test_scheduler_start_timers import cases


def local(y, m, d, hour=9):
    return datetime(y, m, d, hour, tzinfo=LOCAL_TZ).astimezone(UTC)


def start_timers(factory):
    return [(t.due_at, t.state) for t in timers(factory, kind=TimerKind.START)]


def test_a_stopped_process_skips_its_start_timer_and_starts_again_once_offered(session_factory, frozen_clock):
    deploy(session_factory, "monthly_report.bpmn")
    with session_factory.begin() as s:
        library.set_offered(s, OPERATOR, "monthly_report", False)

    clock.freeze(local(2027, 1, 5) + timedelta(seconds=1))
    assert timer_usecases.fire_due(session_factory) == 1  # fired: nothing failed, nothing to retry
    assert cases(session_factory) == []
    assert start_timers(session_factory) == [
        (local(2027, 1, 5), TimerState.FIRED),
        (local(2027, 2, 5), TimerState.PENDING),
    ]

    with session_factory.begin() as s:
        library.set_offered(s, OPERATOR, "monthly_report", True)
    clock.freeze(local(2027, 2, 5) + timedelta(seconds=1))
    assert timer_usecases.fire_due(session_factory) == 1
    [case] = cases(session_factory)
    assert case.started_by == "system"
