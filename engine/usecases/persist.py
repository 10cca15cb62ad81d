"""After the engine moved an instance: write its state, and bring its work items and
timers in line with what the workflow now waits for. One place, used by every use case."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from storage import repositories as repo
from storage import writes
from storage.enums import InstanceStatus, TimerKind, TimerState, WorkItemState
from storage.models import ProcessInstance, Timer
from storage.repositories import ItemRow

from .. import clock
from ..errors import Conflict
from ..reminders import reminder_time
from ..runtime import Runtime
from ..serialization import SERIALIZER_VERSION
from ..specs import ParsedProcess

CHANGED_MEANWHILE = "this case was changed by someone else meanwhile; reload it and try again"


def save_instance(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, runtime: Runtime,
                  process: ParsedProcess, ready_before: Sequence[ItemRow] | None = None) -> list[ItemRow]:
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
        ready_before = repo.ready_item_rows(session, instance.id)
    ready_items = sync_work_items(session, instance, workflow, runtime, process, now, ready_before)
    desired = {(t.task_id, TimerKind.BPMN): (t.bpmn_id, t.due_at) for t in runtime.waiting_timers(workflow)}
    desired |= {(w.task_id, TimerKind.TASK_DUE): (w.bpmn_id, w.due_at) for w in ready_items if w.due_at is not None}
    desired |= reminder_timers(runtime, ready_items)
    sync_timers(session, instance, desired, now)
    return ready_items


def sync_work_items(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, runtime: Runtime,
                    process: ParsedProcess, now: datetime, ready_before: Sequence[ItemRow]) -> list[ItemRow]:
    """Create a work item for each newly ready user task, cancel those whose task went away
    without being completed (boundary event, cancel); return the ready ones."""
    # (an item this use case completed is in ``ready_before`` no longer READY)
    existing = {w.task_id: w for w in ready_before if w.state == WorkItemState.READY}
    ready_ids = runtime.ready_task_ids(workflow)
    writes.close_items(session, [w for w in existing.values() if w.task_id not in ready_ids],
                       WorkItemState.CANCELLED, now)
    ready_items: list[ItemRow] = []
    for task_id in ready_ids:
        if task_id in existing:
            ready_items.append(existing[task_id])
            continue
        task = runtime.describe(workflow, process, task_id)
        groups = task.candidate_groups or (() if task.candidate_users or task.assignee else
                                           ((task.lane,) if task.lane else ()))
        item = ItemRow(id=0, instance_id=instance.id, task_id=task.task_id, bpmn_id=task.bpmn_id, name=task.name,
                       lane=task.lane, assignee=task.assignee, due_at=task.due_at, state=WorkItemState.READY,
                       created_at=now, claimed_at=now if task.assignee else None,
                       candidate_groups=sorted(set(groups)), candidate_users=sorted(set(task.candidate_users)))
        writes.insert_item(session, item)
        ready_items.append(item)
    return ready_items


def reminder_timers(runtime: Runtime, items: list[ItemRow]) -> dict[tuple[str, TimerKind], tuple[str, datetime]]:
    """A reminder some working days before each due date (setting ``reminder.working_days_before``)."""
    desired = {}
    for item in items:
        at = reminder_time(runtime, item.due_at) if item.due_at is not None else None
        if at is not None:
            desired[(item.task_id, TimerKind.REMINDER)] = (item.bpmn_id, at)
    return desired


def sync_timers(session: Session, instance: ProcessInstance,
                desired: dict[tuple[str, TimerKind], tuple[str, datetime]], now: datetime | None = None) -> None:
    """Make the case's pending timers what ``desired`` says, reading only the pending ones:
    a fired or cancelled row of a desired timer is re-armed by ``writes.arm_timers``."""
    now = now or clock.now()
    pending = {(t.task_id, t.kind): t for t in repo.pending_timers_of_instance(session, instance.id)}
    changes: list[tuple[Timer, dict]] = []

    def cancel(row: Timer) -> None:
        changes.append((row, {"due_at": row.due_at, "state": TimerState.CANCELLED, "fired_at": row.fired_at}))

    for key, row in pending.items():
        if key not in desired:
            cancel(row)
    to_arm = []
    for (task_id, kind), (bpmn_id, due_at) in desired.items():
        row = pending.get((task_id, kind))
        if kind == TimerKind.REMINDER and due_at <= now:
            # a reminder only looks ahead: none for a moment already past (a pending one
            # for that very moment stays: the scheduler is about to send it)
            if row is not None and row.due_at != due_at:
                cancel(row)
            continue
        if row is None:
            to_arm.append({"kind": kind, "instance_id": instance.id, "task_id": task_id, "bpmn_id": bpmn_id,
                           "due_at": due_at})
        elif row.due_at != due_at:
            # moved (an extension): pending at the new time
            changes.append((row, {"due_at": due_at, "state": TimerState.PENDING, "fired_at": None}))
    writes.update_timers(session, changes)
    writes.arm_timers(session, to_arm)
