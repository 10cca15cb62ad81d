"""The statutory deadlines of a case (法定期限), as the case page lists them: every task that
was given a due date, how that date was counted (engine.deadlines.legal), and whether the
period was kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.enums import WorkItemState
from storage.models import WorkItem

from ..deadlines.legal import Deadline
from .results import stored_rule


class DeadlineState(StrEnum):
    MET = "met"  # done before the period ended
    MISSED = "missed"  # done, but after it ended
    OPEN = "open"  # not done, the period still running
    OVERDUE = "overdue"  # not done, the period over
    CANCELLED = "cancelled"  # the task was withdrawn (the case moved on, ended or was cancelled)


@dataclass(frozen=True)
class CaseDeadline:
    task_id: str
    bpmn_id: str
    name: str
    holders: tuple[str, ...]  # who held it: the assignee, else the candidate groups
    created_at: datetime  # when the task arrived
    due_at: datetime  # 24:00 of the last day, stored as 00:00 of the next
    rule: Deadline | None  # None: a due date without a counted rule (or set before the rules)
    done_at: datetime | None
    done_by: str | None
    state: DeadlineState


def case_deadlines(session: Session, instance_id: int, now: datetime) -> list[CaseDeadline]:
    """Every task of the case that had a due date, oldest first. The caller has checked
    that the reader may see the case."""
    items = session.scalars(
        select(WorkItem)
        .where(WorkItem.instance_id == instance_id, WorkItem.due_at.is_not(None))
        .order_by(WorkItem.created_at, WorkItem.id)
    ).all()
    return [_deadline(item, now) for item in items]


def _deadline(item: WorkItem, now: datetime) -> CaseDeadline:
    assert item.due_at is not None
    return CaseDeadline(
        task_id=item.task_id,
        bpmn_id=item.bpmn_id,
        name=item.name,
        holders=(item.assignee,) if item.assignee else tuple(item.candidate_groups),
        created_at=item.created_at,
        due_at=item.due_at,
        rule=stored_rule(item.due_rule),
        done_at=item.completed_at,
        done_by=item.completed_by,
        state=_state(item, item.due_at, now),
    )


def _state(item: WorkItem, due_at: datetime, now: datetime) -> DeadlineState:
    if item.state == WorkItemState.COMPLETED:
        # done before 24:00 of the last day: the stored end is the first instant after it
        return DeadlineState.MET if item.completed_at and item.completed_at < due_at else DeadlineState.MISSED
    if item.state == WorkItemState.CANCELLED:
        return DeadlineState.CANCELLED
    return DeadlineState.OVERDUE if due_at < now else DeadlineState.OPEN
