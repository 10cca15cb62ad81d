"""After the engine moved an instance: write its state, and bring its work items and
timers in line with what the workflow now waits for. One place, used by every use case."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn import BpmnWorkflow

from storage import repositories as repo
from storage.enums import InstanceStatus, TimerKind, TimerState, WorkItemState
from storage.models import ProcessInstance, Timer, WorkItem, WorkItemGroup

from .. import clock
from ..errors import Conflict
from ..reminders import reminder_time
from ..runtime import Runtime
from ..serialization import SERIALIZER_VERSION
from ..specs import ParsedProcess


def save_instance(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, runtime: Runtime,
                  process: ParsedProcess) -> list[WorkItem]:
    """Store the workflow, sync work items and timers; return the ready work items.

    ``instance`` must already have its id (flushed)."""
    try:
        return _save(session, instance, workflow, runtime, process)
    except StaleDataError:
        raise Conflict("this case was changed by someone else meanwhile; reload it and try again") from None


def _save(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, runtime: Runtime,
          process: ParsedProcess) -> list[WorkItem]:
    now = clock.now()
    instance.workflow_json = runtime.dump(workflow)
    instance.serializer_version = SERIALIZER_VERSION
    instance.updated_at = now
    if workflow.completed and instance.status == InstanceStatus.RUNNING:
        instance.status = InstanceStatus.COMPLETED
        instance.ended_at = now
    # Everything is decided on the objects in the session and written by one flush at the
    # end: each autoflush in between costs a unit-of-work pass.
    with session.no_autoflush:
        ready_items = sync_work_items(session, instance, workflow, runtime, process, now)
        desired = {(t.task_id, TimerKind.BPMN): (t.bpmn_id, t.due_at) for t in runtime.waiting_timers(workflow)}
        desired |= {(w.task_id, TimerKind.TASK_DUE): (w.bpmn_id, w.due_at)
                    for w in ready_items if w.due_at is not None}
        desired |= reminder_timers(runtime, ready_items)
        sync_timers(session, instance, desired, now)
    session.flush()
    return ready_items


def sync_work_items(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, runtime: Runtime,
                    process: ParsedProcess, now: datetime) -> list[WorkItem]:
    """Create a work item for each newly ready user task, cancel those whose task went away
    without being completed (boundary event, cancel); return the ready ones."""
    # Ready in the database, and not completed or cancelled in this session (not flushed yet).
    existing = {w.task_id: w for w in repo.ready_work_items(session, instance.id) if w.state == WorkItemState.READY}
    ready_ids = runtime.ready_task_ids(workflow)
    for item in existing.values():
        if item.task_id not in ready_ids:
            item.state = WorkItemState.CANCELLED
            item.completed_at = now
    ready_items = []
    for task_id in ready_ids:
        if task_id in existing:
            ready_items.append(existing[task_id])
            continue
        task = runtime.describe(workflow, process, task_id)
        item = WorkItem(instance_id=instance.id, task_id=task.task_id, bpmn_id=task.bpmn_id, name=task.name,
                        lane=task.lane, assignee=task.assignee, due_at=task.due_at,
                        state=WorkItemState.READY, created_at=now, claimed_at=now if task.assignee else None)
        groups = task.candidate_groups or (() if task.candidate_users or task.assignee else
                                           ((task.lane,) if task.lane else ()))
        item.groups = [WorkItemGroup(group=g, is_user=False) for g in dict.fromkeys(groups)]
        item.groups += [WorkItemGroup(group=u, is_user=True) for u in dict.fromkeys(task.candidate_users)]
        session.add(item)
        ready_items.append(item)
    return ready_items


def reminder_timers(runtime: Runtime, items: list[WorkItem]) -> dict[tuple[str, TimerKind], tuple[str, datetime]]:
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
    rows = {(t.task_id, t.kind): t for t in repo.timers_of_instance(session, instance.id)}
    for key, row in rows.items():
        if row.state == TimerState.PENDING and key not in desired:
            row.state = TimerState.CANCELLED
    new_rows = []
    for (task_id, kind), (bpmn_id, due_at) in desired.items():
        row = rows.get((task_id, kind))
        if kind == TimerKind.REMINDER and due_at <= now and (
                row is None or row.due_at != due_at or row.state == TimerState.CANCELLED):
            # a reminder only looks ahead: none for a moment already past (a pending one stays)
            if row is not None and row.state == TimerState.PENDING:
                row.state = TimerState.CANCELLED
            continue
        if row is None:
            new_rows.append({"kind": kind, "instance_id": instance.id, "task_id": task_id, "bpmn_id": bpmn_id,
                             "due_at": due_at, "state": TimerState.PENDING})
        elif row.due_at != due_at or row.state == TimerState.CANCELLED:
            # re-armed (a cycle) or moved (an extension): pending again at the new time
            row.due_at, row.state, row.fired_at = due_at, TimerState.PENDING, None
    if new_rows:
        # One executemany; as ORM objects each new row would be an INSERT ... RETURNING of its own.
        session.execute(insert(Timer), new_rows)
