"""The overdue board charges each task to the unit that holds it: a co-handling unit's late view
(协办意见) is that unit's, not the lead unit's, in the rows, the per-unit counts, the unit filter,
the sort by unit and the open 督办 the filtered board lists (QA walk B, defect 1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine import clock
from engine.usecases import cases, supervision, tasks
from tests.world import REPO_ROOT, act, build_world, create_people, deploy, start_review

COHANDLING_BY_FINANCE = "向主办单位提出协办意见 · 财政所"  # each round its own task, by its unit
# assigned on Monday 2026-12-07 09:00 (the frozen clock); the co-handling views are due one
# month later, 2027-01-07 24:00 Beijing time, the replies in March
COHANDLING_DUE = datetime(2027, 1, 7, 16, 0, tzinfo=UTC)


@pytest.fixture
def factory(session_factory, frozen_clock):
    build_world(session_factory, "clerk", "boss")
    create_people(session_factory, "deputy")
    deploy(session_factory, REPO_ROOT / "bpmn" / "proposal.bpmn")
    return session_factory


def assigned_proposal(factory, title: str, lead_unit: str, cohandling_unit: str) -> int:
    """A deputy's suggestion the office has assigned to ``lead_unit``, with ``cohandling_unit``
    to send its view: the case's id."""
    case = act(
        factory,
        "clerk",
        cases.start_instance,
        "proposal",
        {"kind": "suggestion", "title": title, "content": "见附件", "deputy": "deputy", "submitted_during": "recess"},
    )
    assign = {"category": "health", "lead_unit": lead_unit, "cohandling_units": [cohandling_unit]}
    act(factory, "clerk", tasks.complete, case.open_tasks[0].task_id, assign)
    return case.id


def open_task(factory, case_id: int, bpmn_id: str) -> str:
    [task] = [t for t in act(factory, "clerk", cases.instance_detail, case_id).open_tasks if t.bpmn_id == bpmn_id]
    return task.task_id


def test_a_co_handling_units_late_view_is_charged_to_it_not_to_the_lead_unit(factory):
    case_id = assigned_proposal(factory, "关于卫生院夜间值班的建议", "health_center", "finance")
    clock.advance(timedelta(days=33))  # 2027-01-09 09:00: the view is late, the reply not yet due
    board = act(factory, "boss", supervision.board)
    [row] = board.rows
    assert (row.instance_id, row.task_name, row.groups, row.unit) == (
        case_id,
        COHANDLING_BY_FINANCE,
        ("finance",),
        "finance",
    )
    assert (row.due_at, row.overdue, row.days_overdue) == (COHANDLING_DUE, True, 2)
    assert board.per_unit == {"finance": (1, 0)}
    [by_finance] = act(factory, "boss", supervision.board, unit="finance").rows
    assert by_finance.task_id == row.task_id
    by_lead_unit = act(factory, "boss", supervision.board, unit="health_center")
    assert (by_lead_unit.rows, by_lead_unit.per_unit) == ([], {})


def test_the_board_sorts_by_the_unit_late_with_each_task(factory):
    first = assigned_proposal(factory, "关于卫生院夜间值班的建议", "health_center", "finance")
    second = assigned_proposal(factory, "关于修缮村道的建议", "civil_affairs", "land")
    clock.advance(timedelta(days=33))
    board = act(factory, "boss", supervision.board, sort="unit")
    assert [(r.unit, r.instance_id) for r in board.rows] == [("finance", first), ("land", second)]
    assert board.per_unit == {"finance": (1, 0), "land": (1, 0)}


def test_the_open_supervisions_follow_the_unit_filter(factory):
    """A 督办 on a task is the unit's that holds the task; one on a case as a whole, each unit's
    it was addressed to (those holding its open tasks when issued: the lead unit replying, the
    co-handling unit with its view), as its notice is, not its lead unit's alone."""
    first = assigned_proposal(factory, "关于卫生院夜间值班的建议", "health_center", "finance")
    second = assigned_proposal(factory, "关于修缮村道的建议", "civil_affairs", "land")
    clock.advance(timedelta(days=33))
    on_finance = act(
        factory,
        "boss",
        supervision.issue,
        first,
        open_task(factory, first, "Task_CohandlingView"),
        "财政所请尽快提出协办意见",
        None,
    )
    on_land = act(
        factory,
        "boss",
        supervision.issue,
        second,
        open_task(factory, second, "Task_CohandlingView"),
        "国土所请尽快提出协办意见",
        None,
    )
    on_case = act(factory, "boss", supervision.issue, second, None, "请民政办统筹办理", None)

    def open_supervisions(unit: str | None) -> list[int]:
        return sorted(s.id for s in act(factory, "boss", supervision.board, unit=unit).open_supervisions)

    assert open_supervisions(None) == [on_finance.id, on_land.id, on_case.id]
    assert open_supervisions("finance") == [on_finance.id]
    assert on_case.addressed_units == ("civil_affairs", "land")
    assert open_supervisions("land") == [on_land.id, on_case.id]
    assert open_supervisions("civil_affairs") == [on_case.id]
    assert open_supervisions("health_center") == []


def test_a_unit_named_by_its_name_is_that_unit(factory):
    """A task offered to 财政所 by its name (a group may name a unit by its code or its name, as
    the inbox reads it) is charged to finance, and found by that code, with its 督办."""
    case = start_review(factory, "clerk")
    act(factory, "clerk", tasks.complete, case.task_id, {"lead_unit": "财政所"})
    clock.advance(timedelta(days=16))  # the review's reply was due 2026-12-22 24:00
    board = act(factory, "boss", supervision.board, unit="finance")
    [row] = board.rows
    assert (row.instance_id, row.groups, row.unit, row.holders) == (case.id, ("财政所",), "finance", ("财政所",))
    assert act(factory, "boss", supervision.board).per_unit == {"finance": (1, 0)}
    issued = act(factory, "boss", supervision.issue, case.id, row.task_id, "请尽快答复", None)
    assert [s.id for s in act(factory, "boss", supervision.board, unit="finance").open_supervisions] == [issued.id]


def test_a_task_offered_to_a_role_of_a_case_without_a_unit_is_the_roles(factory):
    """The review process keeps no case unit: its reply offered to the supervisors' role is
    listed, counted and filtered under that role, and so is its 督办."""
    case = start_review(factory, "clerk")
    act(factory, "clerk", tasks.complete, case.task_id, {"lead_unit": "supervisor"})  # a role, not a unit
    clock.advance(timedelta(days=16))
    board = act(factory, "boss", supervision.board, unit="supervisor")
    [row] = board.rows
    assert (row.instance_id, row.unit, board.per_unit) == (case.id, "supervisor", {"supervisor": (1, 0)})
    issued = act(factory, "boss", supervision.issue, case.id, row.task_id, "请尽快答复", None)
    assert [s.id for s in act(factory, "boss", supervision.board, unit="supervisor").open_supervisions] == [issued.id]
    assert act(factory, "boss", supervision.board, unit="finance").open_supervisions == []


def test_the_printed_notice_is_addressed_to_the_unit_late_with_the_task(factory):
    """A 督办 on 财政所's co-handling view prints addressed to 财政所, as the board lists it, not
    to 卫生院, which leads the case."""
    case_id = assigned_proposal(factory, "关于卫生院夜间值班的建议", "health_center", "finance")
    view = open_task(factory, case_id, "Task_CohandlingView")
    issued = act(factory, "boss", supervision.issue, case_id, view, "请尽快提出协办意见", "2026-12-20")
    assert act(factory, "boss", supervision.notice, issued.id).units == ("财政所",)
