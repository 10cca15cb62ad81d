"""The firing thread's batches: timers due together share a transaction; if one fails, the
batch is fired again timer by timer, so only the bad one stays pending."""

from datetime import timedelta

import pytest

from engine import clock
from engine.errors import Conflict, ScriptError
from engine.scheduling.firing import Firer, Outcome
from engine.usecases import timers as timer_usecases
from storage.enums import TimerKind, TimerState
from storage.models import Timer

from .scheduler_helpers import fired_counts, timers


@pytest.fixture
def failing_hook():
    """A TASK_DUE hook that raises for the timers named in ``failing``."""
    failing: dict[str, Exception] = {}

    def hook(session, timer):
        if timer.task_id in failing:
            raise failing[timer.task_id]

    timer_usecases.fire_hooks[TimerKind.TASK_DUE].append(hook)
    yield failing
    timer_usecases.fire_hooks[TimerKind.TASK_DUE].remove(hook)


def due_timers(factory, names):
    now = clock.now()
    with factory.begin() as s:
        rows = [
            Timer(
                kind=TimerKind.TASK_DUE,
                task_id=name,
                bpmn_id="x",
                due_at=now - timedelta(seconds=1),
                state=TimerState.PENDING,
            )
            for name in names
        ]
        s.add_all(rows)
    return [r.id for r in rows]


def test_one_failing_timer_rolls_back_alone(session_factory, failing_hook):
    failing_hook.update({"broken": ScriptError("boom"), "busy": Conflict("changed meanwhile")})
    ids = due_timers(session_factory, ["a", "broken", "b", "busy", "c"])
    now = clock.now()
    results, _ = Firer(session_factory, lambda *_: None).fire([(i, now) for i in ids])
    assert [results[i][0] for i in ids] == [
        Outcome.FIRED,
        Outcome.FAILED,
        Outcome.FIRED,
        Outcome.CONFLICT,
        Outcome.FIRED,
    ]
    states = {t.task_id: t.state for t in timers(session_factory)}
    assert states == {
        "a": TimerState.FIRED,
        "broken": TimerState.PENDING,
        "b": TimerState.FIRED,
        "busy": TimerState.PENDING,
        "c": TimerState.FIRED,
    }
    assert set(fired_counts(session_factory)) == {ids[0], ids[2], ids[4]}
    failing_hook.clear()  # fixed: they fire on the next try, once
    results, _ = Firer(session_factory, lambda *_: None).fire([(i, now) for i in ids])
    assert [results[i][0] for i in ids] == [
        Outcome.NOTHING,
        Outcome.FIRED,
        Outcome.NOTHING,
        Outcome.FIRED,
        Outcome.NOTHING,
    ]
    assert set(fired_counts(session_factory).values()) == {1} and len(fired_counts(session_factory)) == 5


def test_a_single_timer_gets_its_own_transaction(session_factory, failing_hook):
    failing_hook["alone"] = Conflict("changed")
    [timer_id] = due_timers(session_factory, ["alone"])
    results, _ = Firer(session_factory, lambda *_: None).fire([(timer_id, clock.now())])
    assert results[timer_id][0] == Outcome.CONFLICT
    assert timers(session_factory)[0].state == TimerState.PENDING


@pytest.mark.parametrize("boundary_first", [True, False])
def test_timers_of_one_case_in_one_batch_fire_as_they_would_one_by_one(session_factory, frozen_clock, boundary_first):
    from tests.world import create_people

    from .scheduler_helpers import deploy, start_deadline

    create_people(session_factory, "fin")
    deploy(session_factory, "deadline.bpmn")
    now = clock.now()
    case = start_deadline(session_factory, now - timedelta(seconds=1), now + timedelta(hours=1))
    by_kind = {t.kind: t.id for t in timers(session_factory, case)}
    clock.advance(timedelta(hours=2))
    order = [by_kind[TimerKind.BPMN], by_kind[TimerKind.TASK_DUE]]
    if not boundary_first:
        order.reverse()
    with session_factory.begin() as s, s.no_autoflush:
        fired = timer_usecases.fire_timers(s, order)
    # the boundary timer takes the task away; a due date fired after it has nothing left
    assert fired == {by_kind[TimerKind.BPMN]: True, by_kind[TimerKind.TASK_DUE]: not boundary_first}
    states = {t.kind: t.state for t in timers(session_factory, case)}
    assert states[TimerKind.TASK_DUE] == (TimerState.CANCELLED if boundary_first else TimerState.FIRED)
    assert set(fired_counts(session_factory).values()) == {1}
