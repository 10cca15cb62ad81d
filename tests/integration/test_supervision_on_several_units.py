"""A 督办 on a case as a whole that two units work at once (a proposal: 民政办 replying, 国土所
with its co-handling view), as the supervisors' desk walk found it: an escalation keeps each
unit's reason, not the first's alone; the 督办 is answered once every unit it was addressed to
has done the task it held when it was issued; and one issued before whom it was addressed to
was kept says so, rather than "nobody"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine import clock
from engine.usecases import cases, supervision, tasks
from storage.models import Supervision, WorkItem
from tests.world import REPO_ROOT, act, build_world, create_people, deploy

TITLE = "关于修缮村道的建议"


@pytest.fixture
def factory(session_factory, frozen_clock):
    build_world(session_factory, "clerk", "boss")
    create_people(session_factory, "deputy", "civil", "landy")
    deploy(session_factory, REPO_ROOT / "bpmn" / "proposal.bpmn")
    return session_factory


def proposal_with_two_units(factory) -> int:
    """A suggestion assigned to 民政办 (civil_affairs, replying) with 国土所 (land) to send its
    view: both hold a task of it. The case's id."""
    case = act(
        factory,
        "clerk",
        cases.start_instance,
        "proposal",
        {"kind": "suggestion", "title": TITLE, "content": "见附件", "deputy": "deputy", "submitted_during": "recess"},
    )
    assign = {"category": "construction", "lead_unit": "civil_affairs", "cohandling_units": ["land"]}
    act(factory, "clerk", tasks.complete, case.open_tasks[0].task_id, assign)
    return case.id


def open_task(factory, case_id: int, bpmn_id: str) -> str:
    [task] = [t for t in act(factory, "clerk", cases.instance_detail, case_id).open_tasks if t.bpmn_id == bpmn_id]
    return task.task_id


def test_an_escalation_over_two_units_without_heads_keeps_each_units_reason(factory):
    case_id = proposal_with_two_units(factory)
    issued = act(factory, "boss", supervision.issue, case_id, None, "请统筹办理", None, escalate=True)
    # neither unit has a head on the roster; each unit's one person holds its task, told as such
    each = (
        supervision.UnreportedUnit(supervision.Unreported.NO_HEAD, "civil_affairs", None, 0, 1),
        supervision.UnreportedUnit(supervision.Unreported.NO_HEAD, "land", None, 0, 1),
    )
    assert (issued.escalated, issued.unreported_units) == (False, each)
    assert (issued.unreported, issued.unreported_unit) == (supervision.Unreported.NO_HEAD, "civil_affairs")
    [read] = act(factory, "boss", supervision.of_case, case_id)
    assert read.unreported_units == each  # kept with the 督办: every read says the same


def test_a_whole_case_supervision_is_answered_once_every_unit_it_was_addressed_to_has_answered(factory):
    case_id = proposal_with_two_units(factory)
    view, answer = open_task(factory, case_id, "Task_CohandlingView"), open_task(factory, case_id, "Task_Reply")
    issued = act(factory, "boss", supervision.issue, case_id, None, "请统筹办理", None)
    assert issued.addressed_units == ("civil_affairs", "land")

    clock.advance(timedelta(days=1))
    act(factory, "landy", tasks.complete, view, {"cohandling_opinion": "同意主办单位方案"})
    [half] = act(factory, "boss", supervision.of_case, case_id)
    assert (half.state, half.responded_at) == ("open", None)  # 民政办 has not replied yet
    assert [s.id for s in act(factory, "boss", supervision.board).open_supervisions] == [issued.id]

    clock.advance(timedelta(days=1))
    replied = {"handling_action": "reply", "reply_class": "A", "reply_text": "已列入计划", "reply_signer": "李主任"}
    act(factory, "civil", tasks.complete, answer, replied)
    [done] = act(factory, "boss", supervision.of_case, case_id)
    assert (done.state, done.responded_at) == ("responded", clock.now())
    assert act(factory, "boss", supervision.board).open_supervisions == []


def test_a_whole_case_supervision_issued_before_its_units_were_kept_is_not_said_to_reach_nobody(factory):
    """Kept nothing of whom it went to: not known (``addressees_recorded``), and listed under the
    case's unit on the board, as before; one kept with no unit is addressed to nobody."""
    case_id = proposal_with_two_units(factory)
    issued = act(factory, "boss", supervision.issue, case_id, None, "请统筹办理", None)
    with factory.begin() as s:  # as a row issued before issuing kept whom it addressed
        s.execute(update(Supervision).where(Supervision.id == issued.id).values(escalation=None))
    [old] = act(factory, "boss", supervision.of_case, case_id)
    assert (old.addressed_units, old.addressees_recorded) == ((), False)
    assert act(factory, "boss", supervision.notice, issued.id).told_nobody is False
    assert [s.id for s in act(factory, "boss", supervision.board, unit="civil_affairs").open_supervisions] == [
        issued.id
    ]
    assert act(factory, "boss", supervision.board, unit="land").open_supervisions == []


def test_a_board_row_counts_the_whole_case_supervision_addressed_to_its_task(factory):
    """As the task's badge does: a 督办 on the case as a whole addressed to 民政办's reply and
    国土所's view counts on each row, open until that unit has done its task (or the 督办 is answered)."""
    case_id = proposal_with_two_units(factory)
    view, answer = open_task(factory, case_id, "Task_CohandlingView"), open_task(factory, case_id, "Task_Reply")
    act(factory, "boss", supervision.issue, case_id, None, "请统筹办理", None)
    act(factory, "boss", supervision.issue, case_id, answer, "请尽快答复", None)

    def counted() -> dict[str, tuple[int, int]]:
        rows = act(factory, "boss", supervision.board).rows
        return {r.task_id: (r.supervisions, r.open_supervisions) for r in rows if r.instance_id == case_id}

    with factory() as s:
        ids = {t: s.scalar(select(WorkItem.id).where(WorkItem.task_id == t)) for t in (view, answer)}
        reply_due = s.get(WorkItem, ids[answer]).due_at
    # the reply due tomorrow (before its deadline's own 督办), the view overdue: both on the board
    clock.advance(reply_due - clock.now() - timedelta(days=1))
    assert counted() == {view: (1, 1), answer: (2, 2)}
    with factory() as s:  # as the badges say
        assert supervision.open_on_items(s, list(ids.values())) == {ids[view]: 1, ids[answer]: 2}

    act(factory, "landy", tasks.complete, view, {"cohandling_opinion": "同意主办单位方案"})
    assert counted() == {answer: (2, 2)}  # the 督办 on the case stands for 民政办's reply
