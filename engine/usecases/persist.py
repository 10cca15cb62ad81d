"""After the engine moved an instance: write its state, and bring its work items and
timers in line with what the workflow now waits for. One place, used by every use case."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from storage import repositories as repo
from storage import writes
from storage.enums import InstanceStatus, TimerKind, TimerState, WorkItemState
from storage.models import ProcessInstance, Timer, WorkItem

from .. import clock
from ..errors import Conflict
from ..reminders import reminder_time
from ..runtime import Runtime
from ..serialization import SERIALIZER_VERSION
from ..specs import ParsedProcess

CHANGED_MEANWHILE = "this case was changed by someone else meanwhile; reload it and try again"


@dataclass
class NewItem:
    """A work item this save wrote. Not an ORM object: it reads like one (``TaskSummary.of``)
    and leaves nothing for the session to flush."""

    instance_id: int
    task_id: str
    bpmn_id: str
    name: str
    lane: str | None
    assignee: str | None
    due_at: datetime | None
    created_at: datetime
    claimed_at: datetime | None
    candidate_groups: list[str] = field(default_factory=list)
    candidate_users: list[str] = field(default_factory=list)
    id: int = 0
    state: WorkItemState = WorkItemState.READY
    completed_by: str | None = None

    def row(self) -> dict[str, Any]:
        return {"instance_id": self.instance_id, "task_id": self.task_id, "bpmn_id": self.bpmn_id,
                "name": self.name, "lane": self.lane, "assignee": self.assignee, "due_at": self.due_at,
                "state": self.state, "created_at": self.created_at, "claimed_at": self.claimed_at}


OpenItem = WorkItem | NewItem


def save_instance(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, runtime: Runtime,
                  process: ParsedProcess, ready_before: Sequence[WorkItem] | None = None) -> list[OpenItem]:
    """Store the workflow, sync work items and timers; return the ready work items.

    ``instance`` must already have its id (flushed). ``ready_before``: its ready items, if
    the caller read them after locking it (saves reading them again). What the caller
    changed through the session is flushed first; the rest is written by prebuilt
    statements (``storage.writes``)."""
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(CHANGED_MEANWHILE) from None
    now = clock.now()
    status, ended_at = instance.status, instance.ended_at
    if workflow.completed and status == InstanceStatus.RUNNING:
        status, ended_at = InstanceStatus.COMPLETED, now
    if not writes.update_case(session, instance, workflow_json=runtime.dump(workflow),
                              serializer_version=SERIALIZER_VERSION, updated_at=now, status=status,
                              ended_at=ended_at):
        raise Conflict(CHANGED_MEANWHILE)
    if ready_before is None:
        ready_before = repo.ready_work_items(session, instance.id)
    ready_items = sync_work_items(session, instance, workflow, runtime, process, now, ready_before)
    desired = {(t.task_id, TimerKind.BPMN): (t.bpmn_id, t.due_at) for t in runtime.waiting_timers(workflow)}
    desired |= {(w.task_id, TimerKind.TASK_DUE): (w.bpmn_id, w.due_at) for w in ready_items if w.due_at is not None}
    desired |= reminder_timers(runtime, ready_items)
    sync_timers(session, instance, desired, now)
    return ready_items


def sync_work_items(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, runtime: Runtime,
                    process: ParsedProcess, now: datetime, ready_before: Sequence[WorkItem]) -> list[OpenItem]:
    """Create a work item for each newly ready user task, cancel those whose task went away
    without being completed (boundary event, cancel); return the ready ones."""
    # (an item this use case completed is in ``ready_before`` no longer READY)
    existing = {w.task_id: w for w in ready_before if w.state == WorkItemState.READY}
    ready_ids = runtime.ready_task_ids(workflow)
    writes.close_items(session, [w for w in existing.values() if w.task_id not in ready_ids],
                       WorkItemState.CANCELLED, now)
    ready_items: list[OpenItem] = []
    for task_id in ready_ids:
        if task_id in existing:
            ready_items.append(existing[task_id])
            continue
        task = runtime.describe(workflow, process, task_id)
        groups = task.candidate_groups or (() if task.candidate_users or task.assignee else
                                           ((task.lane,) if task.lane else ()))
        item = NewItem(instance_id=instance.id, task_id=task.task_id, bpmn_id=task.bpmn_id, name=task.name,
                       lane=task.lane, assignee=task.assignee, due_at=task.due_at, created_at=now,
                       claimed_at=now if task.assignee else None,
                       candidate_groups=sorted(set(groups)), candidate_users=sorted(set(task.candidate_users)))
        item.id = writes.insert_item(session, item.row(), [(g, False) for g in dict.fromkeys(groups)]
                                     + [(u, True) for u in dict.fromkeys(task.candidate_users)])
        ready_items.append(item)
    return ready_items


def reminder_timers(runtime: Runtime, items: list[OpenItem]) -> dict[tuple[str, TimerKind], tuple[str, datetime]]:
    """A reminder some working days before each due date (setting ``reminder.working_days_before``)."""
    desired = {}
    for item in items:
        at = reminder_time(runtime, item.due_at) if item.due_at is not None else None
        if at is not None:
            desired[(item.task_id, TimerKind.REMINDER)] = (item.bpmn_id, at)
    return desired


def sync_timers(session: Session, instance: ProcessInstance,
                desired: dict[tuple[str, TimerKind], tuple[str, datetime]], now: datetime | None = None) -> None:
    now = now or clock.now()
    rows = {(t.task_id, t.kind): t for t in repo.timers_to_sync(session, instance.id, {k[0] for k in desired})}
    changes: list[tuple[Timer, dict]] = []
    for key, row in rows.items():
        if row.state == TimerState.PENDING and key not in desired:
            changes.append((row, {"due_at": row.due_at, "state": TimerState.CANCELLED, "fired_at": row.fired_at}))
    new_rows = []
    for (task_id, kind), (bpmn_id, due_at) in desired.items():
        row = rows.get((task_id, kind))
        if kind == TimerKind.REMINDER and due_at <= now and (
                row is None or row.due_at != due_at or row.state == TimerState.CANCELLED):
            # a reminder only looks ahead: none for a moment already past (a pending one stays)
            if row is not None and row.state == TimerState.PENDING:
                changes.append((row, {"due_at": row.due_at, "state": TimerState.CANCELLED, "fired_at": row.fired_at}))
            continue
        if row is None:
            new_rows.append({"kind": kind, "instance_id": instance.id, "task_id": task_id, "bpmn_id": bpmn_id,
                             "due_at": due_at, "state": TimerState.PENDING})
        elif row.due_at != due_at or row.state == TimerState.CANCELLED:
            # re-armed (a cycle) or moved (an extension): pending again at the new time
            changes.append((row, {"due_at": due_at, "state": TimerState.PENDING, "fired_at": None}))
    writes.update_timers(session, changes)
    writes.insert_timers(session, new_rows)
