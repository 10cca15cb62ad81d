"""The steps of a case (case_steps) say a step closed by a window timer (``closes_window``) when
its period ended LAPSED, with the timer that closed it; a step an unmarked interrupting timer
took back (a 督办's escalation) was withdrawn, as before."""

from datetime import timedelta

import pytest

from engine import clock
from engine.usecases import cases, definitions
from engine.usecases.case_deadlines import DeadlineState, case_steps
from engine.usecases.context import SYSTEM

from .conftest import act, advance_and_fire, at, deploy, detail, do
from .test_petition import accept_and_assign
from .test_petition import register as register_petition
from .test_windows_closing import MARKER, UNMARKED


def steps_of(factory, case_id) -> list[tuple[str, DeadlineState, str | None]]:
    with factory() as session:
        return [(s.bpmn_id, s.state, s.closed_by) for s in case_steps(session, case_id, clock.now())]


@pytest.mark.parametrize(
    ("marker", "closed"),
    [(MARKER, (DeadlineState.LAPSED, "closes")), ("", (DeadlineState.CANCELLED, None))],
    ids=["closes_window", "unmarked"],
)
def test_only_a_window_timer_makes_its_step_lapse(people, frozen_clock, marker, closed):
    with people.begin() as s:
        definitions.deploy(s, UNMARKED.replace("{marker}", marker).encode(), "window.bpmn", SYSTEM)
    case_id = act(people, "clerk", cases.start_instance, "window", {}).id
    advance_and_fire(people, timedelta(days=2, seconds=1))
    assert detail(people, case_id).status == "completed"
    assert steps_of(people, case_id) == [("ask", *closed)]


def test_the_petitioners_review_window_closing_lapses_the_step(people, frozen_clock):
    deploy(people, "petition")
    case_id = register_petition(people)
    accept_and_assign(people, case_id)
    clock.advance(at("2027-01-09T10:00:00+08:00") - clock.now())
    do(people, "civ", case_id, "Task_Handle", {"handling_action": "reply", "reply_text": "已答复"})
    advance_and_fire(people, at("2027-02-12T00:00:01+08:00") - clock.now())

    review = [step for step in steps_of(people, case_id) if step[0] == "Task_ReviewRequest"]
    assert review == [("Task_ReviewRequest", DeadlineState.LAPSED, "Timer_ReviewWindow")]
    # the steps done before it are judged as before
    assert [state for bpmn_id, state, _ in steps_of(people, case_id) if bpmn_id == "Task_Handle"] == [DeadlineState.MET]
