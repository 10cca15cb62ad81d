"""The steps of a case (办理步骤: every task it has had, who did it, when, and whether in time)
and its statutory deadlines (法定期限: the steps that were given a due date, how that date was
counted by engine.deadlines.legal, and whether the period was kept), as the case page lists
them, from the work items (the workflow read only to tell rounds side by side apart, when a
step came more than once: ``_rounds_of_steps``)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.enums import WorkItemState
from storage.models import AuditEntry, ProcessInstance, WorkItem

from ..bpmn.withdrawals import rounds_of_tasks
from ..deadlines.legal import Deadline, local_day
from .context import processes, runtime_for
from .results import stored_rule

# the audit entry of a fired timer (persist.record_fired), and the key of its data naming the
# step (its task id) a window timer (``process.window_timers``) closed when the period ended;
# on a multi-instance activity, the key naming the rounds (their task ids) it closed, those
# still open then (the rounds done before it are not closed by it)
TIMER_FIRED = "timer_fired"
CLOSED_TASK = "closed_task"
CLOSED_ROUNDS = "closed_rounds"


class DeadlineState(StrEnum):
    MET = "met"  # done before the period ended
    MISSED = "missed"  # done, but after it ended
    OPEN = "open"  # not done, the period still running
    OVERDUE = "overdue"  # not done, the period over
    CANCELLED = "cancelled"  # the task was withdrawn (the case moved on, ended or was cancelled)
    # the task's period ended undone, and the deadline closed it: a window timer fired (the
    # deputy's 20 working days to evaluate, a petitioner's to ask for a review), the normal path
    LAPSED = "lapsed"
    DONE = "done"  # done, and it had no due date
    # done, but the period did not end with it: the same step came again in the same period
    # (an extension asked for, a request sent back), which a later row judges
    EXTENDED = "extended"  # ... made longer (an extension granted)
    CARRIED = "carried"  # ... as it was (an extension refused, a round sent back)


@dataclass(frozen=True)
class CaseDeadline:
    task_id: str
    bpmn_id: str
    name: str
    assignee: str | None  # who holds (held) it; else it is (was) offered to:
    candidate_groups: tuple[str, ...]  # units and roles (a unit's code may also be someone's user name)
    candidate_users: tuple[str, ...]
    created_at: datetime  # when the task arrived
    due_at: datetime | None  # 24:00 of the last day, stored as 00:00 of the next; None: no due date
    rule: Deadline | None  # None: a due date without a counted rule (or set before the rules)
    done_at: datetime | None
    done_by: str | None
    state: DeadlineState
    # the how-manyth time a step of this name came (1, 2, …) when it came more than once (a
    # loop: the next issue registered, another follow-up), else 0: rows otherwise alike
    occurrence: int = 0
    # a lapsed step: the element id of the window timer that closed it (its name the process's)
    closed_by: str | None = None


# the rounds a step is in, by its task id (``withdrawals.rounds_of_tasks``): innermost first, ()
# outside every round, None when nothing tells (a round's step gone from the workflow)
Rounds = dict[str, tuple[str, ...] | None]


def case_steps(
    session: Session, instance_id: int, now: datetime, workflow: BpmnWorkflow | None = None
) -> list[CaseDeadline]:
    """Every task the case has had, oldest first. The caller has checked that the reader
    may see the case. ``workflow``: the case's, when the caller has it restored (else it is,
    only when a step with a due date came more than once)."""
    items = session.scalars(
        select(WorkItem).where(WorkItem.instance_id == instance_id).order_by(WorkItem.created_at, WorkItem.id)
    ).all()
    lapsed = closed_by_window_timers(session, instance_id)
    steps = [_deadline(item, now, lapsed.get(item.task_id)) for item in items]
    rounds = _rounds_of_steps(session, instance_id, steps, workflow)
    steps = [_carried_on(step, steps[index + 1 :], steps[:index], rounds) for index, step in enumerate(steps)]
    return _numbered(steps)


def _rounds_of_steps(
    session: Session, instance_id: int, steps: list[CaseDeadline], workflow: BpmnWorkflow | None
) -> Rounds:
    """The rounds each step is in (``Rounds``). Only a step with a due date that came again
    can have its period carried on (``_carried_on``): without one, no workflow is read, and
    every step reads as outside every round."""
    came = Counter((step.bpmn_id, step.name) for step in steps if step.due_at is not None)
    if all(times == 1 for times in came.values()):
        return {step.task_id: () for step in steps}
    if workflow is None:
        instance = session.get(ProcessInstance, instance_id)
        assert instance is not None  # the caller found the case
        process = processes.get_by_id(session, instance.definition_id)
        workflow = runtime_for(session).restore(process, instance.workflow_json)
    return rounds_of_tasks(workflow, [(step.task_id, step.bpmn_id) for step in steps])


def _numbered(steps: list[CaseDeadline]) -> list[CaseDeadline]:
    """Each step whose name came more than once, with the how-manyth time it was."""
    times = Counter(step.name for step in steps)
    seen: Counter[str] = Counter()
    numbered = []
    for step in steps:
        if times[step.name] > 1:
            seen[step.name] += 1
            step = dataclasses.replace(step, occurrence=seen[step.name])
        numbered.append(step)
    return numbered


def closed_by_window_timers(session: Session, instance_id: int) -> dict[str, str]:
    """The case's steps (by task id) that a window timer closed when their period ended, each
    with that timer's element id, as its ``timer_fired`` audit entry recorded it (one query, on
    the audit log's index by case): the task it was on, or the open rounds of the
    multi-instance it was on. A step closed so before that was recorded (the entry names no
    step) is not among them: it reads withdrawn, as it did."""
    rows = session.execute(
        select(AuditEntry.bpmn_id, AuditEntry.data).where(
            AuditEntry.instance_id == instance_id, AuditEntry.action == TIMER_FIRED
        )
    )
    closed = {}
    for bpmn_id, data in rows:
        if not data:
            continue
        steps = [data[CLOSED_TASK]] if data.get(CLOSED_TASK) else []
        for task_id in [*steps, *(data.get(CLOSED_ROUNDS) or ())]:
            closed[str(task_id)] = bpmn_id or ""
    return closed


def rounds_closed_by_windows(session: Session, instance_id: int) -> dict[str, list[str]]:
    """The rounds (their task ids) each window timer on a multi-instance closed, by the window's
    own task id (where it ran: inside an outer round, for a window on rounds within rounds), as
    its ``timer_fired`` audit entry recorded them (one query, on the audit log's index by case)."""
    rows = session.execute(
        select(AuditEntry.task_id, AuditEntry.data).where(
            AuditEntry.instance_id == instance_id, AuditEntry.action == TIMER_FIRED
        )
    )
    closed: dict[str, list[str]] = {}
    for task_id, data in rows:
        if task_id and data and data.get(CLOSED_ROUNDS):
            closed.setdefault(task_id, []).extend(str(t) for t in data[CLOSED_ROUNDS])
    return closed


def case_deadlines(steps: list[CaseDeadline]) -> list[CaseDeadline]:
    """The steps that had a due date."""
    return [step for step in steps if step.due_at is not None]


def _deadline(item: WorkItem, now: datetime, closed_by: str | None) -> CaseDeadline:
    """``closed_by``: the window timer that closed the item when its period ended, if one did."""
    lapsed = closed_by is not None and item.state == WorkItemState.CANCELLED
    return CaseDeadline(
        task_id=item.task_id,
        bpmn_id=item.bpmn_id,
        name=item.name,
        assignee=item.assignee,
        candidate_groups=tuple(item.candidate_groups),
        candidate_users=tuple(item.candidate_users),
        created_at=item.created_at,
        due_at=item.due_at,
        rule=stored_rule(item.due_rule),
        done_at=item.completed_at,
        done_by=item.completed_by,
        state=DeadlineState.LAPSED if lapsed else _state(item, item.due_at, now),
        closed_by=closed_by if lapsed else None,
    )


def _carried_on(
    step: CaseDeadline, later: list[CaseDeadline], earlier: list[CaseDeadline], rounds: Rounds
) -> CaseDeadline:
    """A step done within its period that the same step (the same round) follows in the same
    period: the period did not end with it, and is judged where it ends. The next row of the
    same step continues its period (``_same_period``), or else a period of its own began (the
    next round of follow-up, the evaluation after a re-handling, the reply after a 改办) and
    this row is judged here. ``earlier``: the steps the case had before this one. Judged
    within the step's own round (``_in_sight``): rounds side by side share the step's element,
    name and due date (a deputy's score of each unit), and one's next row carries on no
    other's period."""
    if step.state not in (DeadlineState.MET, DeadlineState.MISSED) or step.due_at is None:
        return step
    if rounds.get(step.task_id) is None:  # a round's step gone with it: which round, nothing tells
        return step
    later = [s for s in later if _in_sight(step, s, rounds)]
    passed = {(s.bpmn_id, s.name) for s in earlier if _in_sight(step, s, rounds)}
    for index, after in enumerate(later):
        if (after.bpmn_id, after.name) != (step.bpmn_id, step.name) or after.due_at is None:
            continue
        if not _same_period(step, after, later[:index], passed):
            return step
        state = DeadlineState.EXTENDED if after.due_at > step.due_at else DeadlineState.CARRIED
        return dataclasses.replace(step, state=state)
    return step


def _in_sight(step: CaseDeadline, other: CaseDeadline, rounds: Rounds) -> bool:
    """Whether ``other`` bears on the period of ``step``: a row of the step's own round, of a
    round within it, or of what runs around it (its outer rounds, the case outside every
    round); not another round's beside it. A step outside every round sees every row, as
    before rounds were told apart; a round's step does not see a row whose round nothing
    tells (gone from the workflow), rather than take another round's for its own."""
    own, theirs = rounds.get(step.task_id), rounds.get(other.task_id)
    if own == ():
        return True
    if own is None or theirs is None:
        return False
    inner, outer = (theirs, own) if len(theirs) >= len(own) else (own, theirs)
    return inner[len(inner) - len(outer) :] == outer  # (innermost first: what runs around is a tail)


def _same_period(
    step: CaseDeadline, after: CaseDeadline, between: list[CaseDeadline], passed: set[tuple[str, str]]
) -> bool:
    """Whether ``after``, the step's next row, runs on in the period the step was given.

    The same period is counted from the same start in the same unit (an extension lengthens
    the period it extends: ``legal.extended``), or, without the rules, ends on the same due
    date. A rule keeps only the day it counts from, so a period counted afresh on the day the
    step was done (the evaluation after a re-handling answered that day) reads like the
    step's own. The step's own period began before it was done; one that began on the day it
    was done is another when a step with a period of its own came and was done in between
    (the re-handling), or when the case went back in between to a step it had passed before
    this one (``passed``: a proposal returned and re-assigned, 改办, is assigned again at
    整理分类并交办; a 交办 to the same unit the same day counts a period alike, yet the first
    round ended with the return), not when what came in between was due with the step (the
    decision on an extension asked for, or on a return refused, due when the reply is)."""
    if step.rule is not None and after.rule is not None:
        if (after.rule.start, after.rule.unit) != (step.rule.start, step.rule.unit):
            return False
        if step.done_at is None or after.rule.start < local_day(step.done_at):
            return True  # counted from a day before the step was done: the step's own period
    elif after.due_at != step.due_at:
        return False
    return not any(
        _own_period_done_between(other, step, after) or _went_back(other, step, after, passed) for other in between
    )


def _went_back(other: CaseDeadline, step: CaseDeadline, after: CaseDeadline, passed: set[tuple[str, str]]) -> bool:
    """``other``, a step the case had had before ``step`` (``passed``), not due with it or with
    ``after``, came again after ``step`` was done and was done before ``after`` came: the case
    went back a stage (a 改办's new 交办), and ``after`` is a new round, not the old one carried
    on. (A decision on a second extension asked for is a step passed before too, but due when
    the reply is: the same period's.)"""
    if other.done_at is None or step.done_at is None or (other.bpmn_id, other.name) not in passed:
        return False
    if other.due_at is not None and other.due_at in (step.due_at, after.due_at):
        return False
    return step.done_at <= other.created_at and other.done_at <= after.created_at


def _own_period_done_between(other: CaseDeadline, step: CaseDeadline, after: CaseDeadline) -> bool:
    """``other`` came after ``step`` was done and was done before ``after`` came, with a due
    date neither of theirs (a period of its own)."""
    if other.due_at is None or other.done_at is None or step.done_at is None:
        return False
    if not (step.done_at <= other.created_at and other.done_at <= after.created_at):
        return False
    if other.rule is not None and step.rule is not None and after.rule is not None:
        return other.rule not in (step.rule, after.rule)
    return other.due_at not in (step.due_at, after.due_at)


def _state(item: WorkItem, due_at: datetime | None, now: datetime) -> DeadlineState:
    if item.state == WorkItemState.COMPLETED:
        if due_at is None:
            return DeadlineState.DONE
        # done before 24:00 of the last day: the stored end is the first instant after it
        return DeadlineState.MET if item.completed_at and item.completed_at < due_at else DeadlineState.MISSED
    if item.state == WorkItemState.CANCELLED:
        return DeadlineState.CANCELLED
    return DeadlineState.OVERDUE if due_at is not None and due_at < now else DeadlineState.OPEN
