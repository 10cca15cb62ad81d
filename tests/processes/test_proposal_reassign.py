"""代表建议 (bpmn/proposal.bpmn) re-assigned (改办) after its lead unit returned it: the first
round ends with the return, whatever unit and day the new 交办 names; what the ended assignment
alone had (its co-handling deadline, its reply period, its unit) is the case's no more."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine import clock
from engine.usecases import cases, tasks
from engine.usecases.case_deadlines import DeadlineState
from engine.usecases.statistics import Period, statistics

from .conftest import act, at, deploy, do, one
from .test_proposal import REPLY_DUE, assign, facts, register

REASON = "村道修缮属国土所职责，本所无此项经费。"


@pytest.fixture
def world(people):
    deploy(people, "proposal")
    return people


def reassigned(world, case_id):
    """The lead unit returns the item and the office agrees: 改办, 整理分类并交办 open again."""
    do(world, "fin", case_id, "Task_Reply", {"handling_action": "return", "return_reason": REASON})
    do(world, "clerk", case_id, "Task_ReviewReturn", {"return_decision": "reassign", "return_opinion": "同意改办"})


def test_a_same_day_reassignment_to_the_same_unit_ends_the_first_rounds_period(world, frozen_clock):
    """The new 交办 on the day of the first, to the same unit, counts a period just like the
    first one's (three months from 12-07): the returned round's row is still judged where it
    ended (按期), not read as a period the next row carries on (期限延续)."""
    case_id = register(world)
    assign(world, case_id)  # 2026-12-07 (Mon) 09:00
    clock.advance(timedelta(hours=2))
    reassigned(world, case_id)
    clock.advance(timedelta(hours=2))  # 13:00, the same day
    assign(world, case_id, lead="finance")
    steps = act(world, "fin", cases.case_page, case_id).steps
    replies = [(s.state, s.due_at) for s in steps if s.bpmn_id == "Task_Reply"]
    assert replies == [(DeadlineState.MET, at(REPLY_DUE)), (DeadlineState.OPEN, at(REPLY_DUE))]


def test_the_reopened_assignment_shows_no_deadline_of_the_ended_one(world, frozen_clock):
    """整理分类并交办, open again after 改办, shows the return and the office's opinion, but not the
    co-handling deadline or the extension months of the assignment that ended; the new 交办
    sets its own."""
    case_id = register(world)
    assign(world, case_id, cohandling=["land"])  # views due 2027-01-07 24:00
    clock.advance(timedelta(days=10))  # 2026-12-17 (Thu)
    reassigned(world, case_id)
    page = act(world, "clerk", tasks.task_page, one(world, case_id, "Task_Classify").task_id)
    shown = {k for k, v in page.detail.data.items() if k in page.labels and v not in (None, "", [])}
    assert {"return_reason", "return_opinion"} <= shown
    assert shown & {"cohandling_due", "extension_months_left"} == set()
    # nor, on the case page, the units of the assignment that ended: it is no unit's until the new 交办
    variables = act(world, "clerk", cases.instance_detail, case_id).variables
    assert variables.get("lead_unit") is None and not variables.get("cohandling_units")

    assign(world, case_id, lead="land", cohandling=["civil_affairs"])  # 12-17 + one month: 2027-01-17, a Sunday
    reply_page = act(world, "landy", tasks.task_page, one(world, case_id, "Task_Reply").task_id)
    assert reply_page.detail.data["cohandling_due"] == "2027-01-19T00:00:00+08:00"
    assert reply_page.detail.data["extension_months_left"] == 3


def test_a_case_being_reassigned_is_no_units_and_late_by_no_period(world, frozen_clock):
    """Between 改办 and the new 交办 the stored facts name no unit and no reply deadline at once:
    the office taking past the first period's end to re-assign counts the case late (逾期)
    nowhere, and the unit that returned it no longer counts it as its own."""
    case_id = register(world)
    assign(world, case_id)
    clock.advance(timedelta(days=10))
    reassigned(world, case_id)
    row = facts(world, case_id)
    assert (row.unit, row.assigned_at, row.due_at, row.replied_at) == (
        None,
        at("2026-12-07T09:00:00+08:00"),
        None,
        None,
    )

    clock.advance(timedelta(days=90))  # 2027-03-17: the first period ended 03-08 24:00
    figures = act(world, "boss", statistics, "proposal", Period(date(2026, 12, 1), date(2026, 12, 31)))
    assert (figures.overall["assigned"].count, figures.overall["late"].count) == (1, 0)
    # not 财政所's any more: no case of its own there, only the 改办 it asked for
    assert {u.unit: (u.figures["received"].count, u.figures["reassigned"].count) for u in figures.units} == {
        None: (1, 0),
        "finance": (0, 1),
    }

    assign(world, case_id, lead="land")  # 2027-03-17 + three months: 06-17 (Thu)
    row = facts(world, case_id)
    assert (row.unit, row.due_at) == ("land", at("2027-06-18T00:00:00+08:00"))
