"""After the engine moved an instance: write its state, and bring its work items and
timers in line with what the workflow now waits for. One place, used by every use case."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from storage import repositories as repo
from storage import writes
from storage.enums import IncidentKind, InstanceStatus, SubscriptionKind, TimerKind, TimerState, WorkItemState
from storage.models import ProcessInstance, Subscription, WorkItem
from storage.repositories import ItemRow, TimerRow

from .. import clock
from ..bpmn.camunda import TaskMeta
from ..bpmn.parsing import ParsedProcess
from ..bpmn.runtime import FiredTimer, ReadyTask, Runtime
from ..bpmn.serialization import SERIALIZER_VERSION
from ..bpmn.timer_paths import opened_on_its_path
from ..bpmn.withdrawals import withdrawn_by
from ..deadlines.reminders import reminder_time
from ..errors import Conflict, EngineError
from . import (
    calls,
    case_facts,
    external_tasks,
    incidents,
    notifications,
    outgoing_mails,
    supervision,
    thrown_signals,
    workflow_cache,
)
from .case_deadlines import CLOSED_ROUNDS, CLOSED_TASK, TIMER_FIRED
from .context import SYSTEM, audit
from .labels import form_answers, people_names

CHANGED_MEANWHILE = "this case was changed by someone else meanwhile; reload it and try again"


def save_instance(
    session: Session,
    instance: ProcessInstance,
    workflow: BpmnWorkflow,
    runtime: Runtime,
    process: ParsedProcess,
    ready_before: Sequence[ItemRow] | None = None,
    acting: str | None = None,
    *,
    fresh: bool = False,
) -> list[ItemRow]:
    """Store the workflow, sync work items and timers; return the ready work items.

    ``instance`` must already have its id (flushed). ``ready_before``: its ready items, if
    the caller read them after locking it (saves reading them again). ``acting``: the person
    whose action this is (not told of the tasks it gives them: they see them at once). What the caller
    changed through the session is flushed first; the rest is written by prebuilt
    statements (``storage.writes``). ``fresh``: the case was just inserted with this very
    workflow (``create_case``): nothing of it is stored yet to read or to write again."""
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(CHANGED_MEANWHILE, "changed_meanwhile") from None
    now = clock.now()
    fired = runtime.fired_timers(workflow)
    status = instance.status if fresh else _store(session, instance, workflow, runtime, now)
    workflow_cache.hold(session, instance, workflow, process)  # as just written: nothing has read it since
    case_facts.write(session, instance, process.key, runtime.variables(workflow), workflow)
    if ready_before is None:
        ready_before = [] if fresh else repo.ready_item_rows(session, instance.id)
    was_open = [w for w in ready_before if w.state == WorkItemState.READY]  # (one completed now is not)
    ready_items = sync_work_items(session, instance, workflow, runtime, process, now, ready_before, acting)
    desired = {(t.task_id, TimerKind.BPMN): (t.bpmn_id, t.due_at) for t in runtime.waiting_timers(workflow)}
    desired |= {(w.task_id, TimerKind.TASK_DUE): (w.bpmn_id, w.due_at) for w in ready_items if w.due_at is not None}
    desired |= reminder_timers(runtime, ready_items)
    fired_rows = sync_timers(session, instance, desired, now, fired={f.task_id for f in fired}, fresh=fresh)
    running = workflow if status == InstanceStatus.RUNNING else None
    # A process that never waits for a message, signal or trigger has no subscription row
    # to read or write (none of the congress's does): a statement less on every save. A case
    # moved from another version waited for nothing the new one lacks (case migration
    # refuses to remove a waiting element), so its rows are the new version's too.
    if runtime.may_wait_for_events(process.spec, process.subprocess_specs):
        awaited = sync_subscriptions(session, instance, runtime, running, fresh=fresh)
    else:
        awaited = 0
    # an external task waits for a worker, who fetches it (the external tasks use cases): not stuck
    if external_tasks.used_by(process):
        running = workflow if status == InstanceStatus.RUNNING else None
        awaited += external_tasks.sync(session, instance, runtime, running)
    if status == InstanceStatus.RUNNING:
        awaited += calls.waiting_count(runtime, workflow)  # each waits for the case it called
    lapsed_rounds: set[str] = set()
    if fired:
        # the tasks just made are among those a timer fired on: a deadline already past when
        # its task was reached fires in these very steps, and its 督办 presses on that item
        known = [*ready_before, *ready_items]
        made = {w.task_id for w in ready_items} - {w.task_id for w in ready_before}
        lapsed_rounds = record_fired(
            session, instance, workflow, runtime, process, fired, fired_rows, known, now, acting, opened=made
        )
    withdrawn = [w for w in was_open if w.state == WorkItemState.CANCELLED]
    # a decision that gave a request's task up (改办) takes it with what it withdrew: one change
    given_up = tell_who_asked(session, instance, workflow, runtime, process, ready_before, ready_items, acting)
    if withdrawn and status != InstanceStatus.CANCELLED:
        # a boundary timer on the task itself told its holders already (record_fired: 督办, 期限届满),
        # and a window on a multi-instance the holders of the rounds it closed (期限届满)
        told = {f.attached_to for f in fired if f.interrupting} | lapsed_rounds
        tell_withdrawn(session, instance, workflow, [w for w in withdrawn if w.task_id not in told], status, acting)
    else:
        withdrawn = []  # (a person cancelling the case tells the issuers: cases.cancel_instance)
    if given_up or withdrawn:
        # a 督办 on any of them ended, a boundary timer's withdrawal too: whoever issued it hears
        taken: list[WorkItem | ItemRow] = [*given_up, *withdrawn]
        supervision.tell_issuers_withdrawn(
            session,
            instance,
            taken,
            lambda w: withdrawn_by(workflow, w.task_id, w.bpmn_id),
            case_ended=status != InstanceStatus.RUNNING,
            acting=acting,
            # whatever took them (改办, a deadline on the task or around it, a message, an
            # error): their units will never answer by them, so their parts of a 督办 on the
            # case as a whole end, rather than stand till the case ends
            given_up=taken,
        )
    opened = [] if fresh else [w for w in ready_items if w.task_id not in {b.task_id for b in ready_before}]
    if (
        opened
        and status == InstanceStatus.RUNNING
        and (not ready_before or any(w.case_supervised for w in ready_before))
    ):
        # a 督办 on the case as a whole that stands reaches the tasks opened now (none stands
        # when no task open before read one open: ItemRow.case_supervised; a case just created has none)
        supervision.reach_opened(session, instance.id, opened)
    outgoing_mails.queue(session, instance.id, runtime.take_queued_mails(workflow))  # its mail tasks' mail
    armed = any(k == TimerKind.BPMN for _, k in desired)
    # a message or signal it waits for can be delivered (the messages use case): not stuck
    if status == InstanceStatus.RUNNING and not ready_items and not armed and not awaited:
        _record_stuck(session, instance, workflow, runtime)
    calls.after_save(session, instance, workflow, runtime, process)
    thrown_signals.relay(session, instance, workflow, runtime)
    return ready_items


def _outcome(
    workflow: BpmnWorkflow, instance: ProcessInstance, now: datetime
) -> tuple[InstanceStatus, datetime | None]:
    """The case's status and end once the engine moved it: completed when its workflow is."""
    if workflow.completed and instance.status == InstanceStatus.RUNNING:
        return InstanceStatus.COMPLETED, now
    return instance.status, instance.ended_at


def _store(
    session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, runtime: Runtime, now: datetime
) -> InstanceStatus:
    """Write the workflow and the status it gives the case, if no one else wrote the case
    since it was read (Conflict otherwise); the status."""
    status, ended_at = _outcome(workflow, instance, now)
    runtime.keep_deadlines(workflow)
    if not writes.update_case(
        session,
        instance,
        workflow_json=runtime.dump(workflow),
        serializer_version=SERIALIZER_VERSION,
        updated_at=now,
        status=status,
        ended_at=ended_at,
    ):
        raise Conflict(CHANGED_MEANWHILE, "changed_meanwhile")
    return status


def create_case(
    session: Session,
    definition_id: int,
    workflow: BpmnWorkflow,
    runtime: Runtime,
    process: ParsedProcess,
    *,
    title: str,
    started_by: str,
    starter_unit: str | None,
    business_key: str | None = None,
    acting: str | None = None,
    on_created: Callable[[ProcessInstance], None] | None = None,
    **links: Any,
) -> tuple[ProcessInstance, list[ItemRow]]:
    """Store a case whose workflow was just started (``links``: a called case's caller,
    see engine/usecases/calls.py) and save it; the case and its ready work items.
    ``on_created``: what to record once it has its id, before the save moves anything on."""
    now = clock.now()
    runtime.keep_deadlines(workflow)
    instance = ProcessInstance(
        definition_id=definition_id,
        business_key=business_key,
        title=title,
        status=InstanceStatus.RUNNING,
        started_by=started_by,
        starter_unit=starter_unit,
        started_at=now,
        updated_at=now,
        **links,
    )
    # written once, as the engine left it: no empty row first and the workflow after
    instance.status, instance.ended_at = _outcome(workflow, instance, now)
    instance.workflow_json, instance.serializer_version = runtime.dump(workflow), SERIALIZER_VERSION
    writes.insert_case(session, instance)
    if on_created is not None:
        on_created(instance)
    return instance, save_instance(session, instance, workflow, runtime, process, acting=acting, fresh=True)


def sync_subscriptions(
    session: Session,
    instance: ProcessInstance,
    runtime: Runtime,
    workflow: BpmnWorkflow | None,
    *,
    fresh: bool = False,
) -> int:
    """Make the case's ``subscriptions`` rows what the workflow now waits for (none when it
    is not running): the index messages and signals are correlated by. Returns how many.
    ``fresh``: a case just inserted, which has none yet."""
    wanted = {
        (e.task_id, SubscriptionKind(e.kind), e.name[:200]): e.bpmn_id[:200]
        for e in (runtime.waiting_events(workflow) if workflow is not None else ())
    }
    have = (
        {}
        if fresh
        else {(row.task_id, row.kind, row.name): row.id for row in repo.subscriptions_of_case(session, instance.id)}
    )
    gone = [row_id for key, row_id in have.items() if key not in wanted]
    if gone:
        session.execute(delete(Subscription).where(Subscription.id.in_(gone)))
    new = [
        {"instance_id": instance.id, "task_id": task_id, "bpmn_id": bpmn_id, "kind": kind, "name": name}
        for (task_id, kind, name), bpmn_id in wanted.items()
        if (task_id, kind, name) not in have
    ]
    if new:
        session.execute(insert(Subscription), new)
    return len(wanted)


def _record_stuck(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, runtime: Runtime) -> None:
    """Running, with no user task open, no timer armed and no message or signal awaited:
    nothing the product does can move the case on (a join waiting for a branch that ended
    elsewhere, an event the engine cannot arm).
    Recorded as an incident rather than left "running" silently."""
    waiting = runtime.waiting_elements(workflow)
    where = ", ".join(waiting) if waiting else "no element"
    incidents.record(
        session,
        instance.id,
        IncidentKind.STUCK,
        waiting[0] if waiting else "",
        f"the case is stuck: no open task and no timer can move it on (waiting at {where})",
    )


def sync_work_items(
    session: Session,
    instance: ProcessInstance,
    workflow: BpmnWorkflow,
    runtime: Runtime,
    process: ParsedProcess,
    now: datetime,
    ready_before: Sequence[ItemRow],
    acting: str | None = None,
) -> list[ItemRow]:
    """Create a work item for each newly ready user task (its holders are told, but
    ``acting``), cancel those whose task went away without being completed (boundary event,
    cancel); return the ready ones."""
    # (an item this use case completed is in ``ready_before`` no longer READY)
    existing = {w.task_id: w for w in ready_before if w.state == WorkItemState.READY}
    ready_ids = runtime.ready_task_ids(workflow)
    writes.close_items(
        session, [w for w in existing.values() if w.task_id not in ready_ids], WorkItemState.CANCELLED, now
    )
    ready_items: list[ItemRow] = []
    units: dict[str, str] | None = None
    for task_id in ready_ids:
        if task_id in existing:
            ready_items.append(existing[task_id])
            continue
        task = runtime.describe(workflow, process, task_id)
        if task.item is not None:  # one of a multi-instance's rounds: its item in its title
            units = repo.department_choices(session) if units is None else units
            task = replace(task, name=round_name(session, task.name, task.item, units))
        item = _item_row(instance, task, now)
        writes.insert_item(session, item, task.due_rule.to_dict() if task.due_rule else None)
        taken = notifications.notify_task(session, item, but=acting, case_title=instance.title, case=instance)
        item.nobody_to_take = taken is False
        ready_items.append(item)
    return ready_items


def tell_withdrawn(
    session: Session,
    instance: ProcessInstance,
    workflow: BpmnWorkflow,
    withdrawn: Sequence[ItemRow],
    status: InstanceStatus,
    acting: str | None,
) -> None:
    """The open tasks the engine's steps closed undone (``withdrawn``: an interrupting event
    ended them, as 退回改办 ends the co-handling rounds): their holders are told, by what.
    A person cancelling the case tells them otherwise (``cases.cancel_instance``), not here."""
    for item in withdrawn:
        notifications.notify_withdrawn(
            session,
            item,
            withdrawn_by(workflow, item.task_id, item.bpmn_id),
            but=acting,
            case_title=instance.title,
            case_ended=status != InstanceStatus.RUNNING,
        )


def tell_who_asked(
    session: Session,
    instance: ProcessInstance,
    workflow: BpmnWorkflow,
    runtime: Runtime,
    process: ParsedProcess,
    ready_before: Sequence[ItemRow],
    ready_items: Sequence[ItemRow],
    acting: str | None,
) -> list[WorkItem]:
    """A task completed in this use case (in ``ready_before``, no longer open) that decides
    requests (its ``answers``: 审核退回申请 deciding the return 办理并书面答复 asked for):
    whoever submitted each request last hears the decision, its form's answers; a 督办 the
    request left open goes with the step the decision gave back (among ``ready_items``, made
    now), or ends (``supervision.after_decision``): those requests' tasks, given up, returned
    for their 督办's issuers to be told."""
    given_up: list[WorkItem] = []
    was_open = {w.task_id for w in ready_before}
    for done in ready_before:
        meta = process.tasks.get(done.bpmn_id)
        if done.state != WorkItemState.COMPLETED or meta is None or not meta.answers:
            continue
        answers = _answers(workflow, runtime, meta, done.task_id)
        for asked_id in meta.answers:
            asked = session.scalars(
                select(WorkItem)
                .where(
                    WorkItem.instance_id == instance.id,
                    WorkItem.bpmn_id == asked_id,
                    WorkItem.state == WorkItemState.COMPLETED,
                )
                .order_by(WorkItem.completed_at.desc(), WorkItem.id.desc())
                .limit(1)
            ).first()
            if asked is None:  # the request was never submitted in this case
                continue
            notifications.notify_answered(session, instance, done, asked, answers, but=acting)
            back = next((w for w in ready_items if w.bpmn_id == asked_id and w.task_id not in was_open), None)
            if not supervision.after_decision(session, instance, asked, back):
                given_up.append(asked)
    return given_up


def _answers(workflow: BpmnWorkflow, runtime: Runtime, meta: TaskMeta, task_id: str) -> list[tuple[str, str, Any]]:
    """What a completed task's form answered (``labels.form_answers``), read from the task's
    data, or, the task gone with its subprocess, the case's variables."""
    try:
        data = runtime.task(workflow, task_id).data
    except EngineError:
        data = runtime.variables(workflow)
    return form_answers(meta.form, data)


def round_name(session: Session, name: str, item: Any, units: dict[str, str]) -> str:
    """ "发出书面通知 · 财政所": the task's name and its round's item, a unit or a person by
    name, anything else as text (a list or a mapping is not a name: left out)."""
    if isinstance(item, (dict, list, tuple, set)):
        return name
    text = str(item)
    label = units.get(text) or people_names(session, [text]).get(text) or text
    return f"{name} · {label}"[:500]


def _item_row(instance: ProcessInstance, task: ReadyTask, now: datetime) -> ItemRow:
    """The work item of a task: its lane is its group when it names no one else."""
    groups = task.candidate_groups or (
        () if task.candidate_users or task.assignee else ((task.lane,) if task.lane else ())
    )
    return ItemRow(
        id=0,
        instance_id=instance.id,
        task_id=task.task_id,
        bpmn_id=task.bpmn_id,
        name=task.name,
        lane=task.lane,
        assignee=task.assignee,
        due_at=task.due_at,
        state=WorkItemState.READY,
        created_at=now,
        claimed_at=now if task.assignee else None,
        candidate_groups=sorted(set(groups)),
        candidate_users=sorted(set(task.candidate_users)),
    )


def record_fired(
    session: Session,
    instance: ProcessInstance,
    workflow: BpmnWorkflow,
    runtime: Runtime,
    process: ParsedProcess,
    fired: Sequence[FiredTimer],
    rows: dict[str, tuple[int, datetime]],
    items_known: Sequence[ItemRow],
    now: datetime,
    acting: str | None = None,
    *,
    opened: Collection[str] = (),
) -> set[str]:
    """Each timer the engine fired goes into the audit log, and a boundary timer is a 督办
    about the task it is attached to: its holders and the supervisors are told. The same
    whether the scheduler came for it or it fired within other steps (a deadline already
    past when its task was reached, or due together with the one the scheduler came for).
    ``items_known``: the case's work items as they stand, those this save just made
    included, so that a 督办 on a task reached in these steps is recorded on its item too.
    A timer marked ``closes_window`` (``process.window_timers``) is no 督办: its holders are told
    the period ended, nobody else; on a multi-instance activity, the holders of each round it
    closed (returned: their task ids). ``acting``: the person whose action fired them, if any
    (as ``save_instance`` has it). ``opened``: the task ids of the items this save made, among
    which a non-interrupting timer's own path opened the office's 督办 task (its 督办 keeps
    which: ``supervision.record_automatic``)."""
    items = {w.task_id: w for w in items_known}
    told_rounds: set[str] = set()

    for timer in fired:
        timer_id, due_at = rows.get(timer.task_id, (None, None))
        closes_window = timer.interrupting and timer.bpmn_id in process.window_timers
        item = items.get(timer.attached_to) if timer.attached_to is not None else None
        rounds = _closed_rounds(workflow, runtime, timer, items_known) if closes_window and item is None else []
        data: dict[str, Any] = {"timer_id": timer_id, "due_at": due_at.isoformat() if due_at else None}
        if closes_window and item is not None and item.id:
            # the step whose period ended with it: it lapsed, it was not withdrawn (case_deadlines)
            data[CLOSED_TASK] = item.task_id
        if rounds:  # the rounds still open lapsed alike; those done before stay done
            data[CLOSED_ROUNDS] = [r.task_id for r in rounds]
        audit(
            session,
            SYSTEM,
            TIMER_FIRED,
            instance_id=instance.id,
            task_id=timer.task_id,
            bpmn_id=timer.bpmn_id,
            data=data,
        )
        if timer.attached_to is None:
            continue
        if rounds:
            for closed in rounds:
                notifications.notify_lapsed(session, timer_id, closed, timer.name, due_at)
            told_rounds.update(r.task_id for r in rounds)
            continue
        if item is None:  # no work item: a deadline passed before anyone had the task, or not a user task
            try:
                task = runtime.describe(workflow, process, timer.attached_to)
            except EngineError:  # who holds it cannot be worked out (an expression failed): the supervisors still hear
                task = ReadyTask(timer.attached_to, "", timer.attached_name, None, (), (), None, None)
            item = _item_row(instance, task, now)
        if closes_window:
            notifications.notify_lapsed(session, timer_id, item, timer.name, due_at)
            continue  # the period the task was open for ended: the normal path, no 督办
        # an interrupting timer withdraws the task: whoever issued a 督办 on it hears that theirs
        # ended and by what (save_instance: supervision.tell_issuers_withdrawn), and that only
        issuers = supervision.unanswered_issuers(session, [item.id], acting) if timer.interrupting and item.id else {}
        notifications.notify_supervision(
            session,
            timer_id,
            item,
            timer.name,
            timer.interrupting,
            told_its_supervision_ended=issuers.get(item.id, set()),
            timer_due=due_at,
        )
        if not timer.interrupting and item.id:  # the task stays open under a 督办: tracked like one issued
            # dated when the period lapsed (its row's moment, or, fired in the very steps that
            # reached its task, with no row, the timer's own), which the scheduler may come to long after
            followed = opened_on_its_path(workflow, timer.task_id, opened)
            supervision.record_automatic(
                session,
                instance.id,
                item.id,
                timer.name,
                now,
                lapsed_at=due_at or timer.due_at,
                followed_by=items[followed].id if followed is not None else None,  # (one this save made)
            )
            item.supervised = True  # as reading the ready items back would say: its completion answers it
    return told_rounds


def _closed_rounds(
    workflow: BpmnWorkflow, runtime: Runtime, timer: FiredTimer, items_known: Sequence[ItemRow]
) -> list[ItemRow]:
    """The work items of the rounds that ``timer``, on a multi-instance activity, closed: the
    user tasks open until these steps in that very run's rounds (``Runtime.runs_around``),
    whether each round is the task itself or a subprocess holding it, and nested ones; not
    those of another run of the same element (another unit's rounds, closed by its own
    window), which share its element ids. None: it is on no multi-instance, or every round
    was done before."""
    runs = runtime.runs_around(workflow)
    return [
        w
        for w in items_known
        if w.id and w.state == WorkItemState.CANCELLED and timer.attached_to in runs.get(w.task_id, ())
    ]


def reminder_timers(runtime: Runtime, items: list[ItemRow]) -> dict[tuple[str, TimerKind], tuple[str, datetime]]:
    """A reminder some working days before each due date (setting ``reminder.working_days_before``)."""
    desired = {}
    for item in items:
        at = reminder_time(runtime.environment.globals, item.due_at) if item.due_at is not None else None
        if at is not None:
            desired[(item.task_id, TimerKind.REMINDER)] = (item.bpmn_id, at)
    return desired


def sync_timers(
    session: Session,
    instance: ProcessInstance,
    desired: dict[tuple[str, TimerKind], tuple[str, datetime]],
    now: datetime | None = None,
    fired: Collection[str] = (),
    *,
    fresh: bool = False,
) -> dict[str, tuple[int, datetime]]:
    """Make the case's pending timers what ``desired`` says, reading only the pending ones:
    a fired or cancelled row of a desired timer is re-armed by ``writes.arm_timers``.

    ``fired``: the task ids of the BPMN timers the engine just fired; their rows are marked
    fired (a cycle's row waits for its next time). Returns those rows' (id, due time)."""
    now = now or clock.now()
    stored = () if fresh else repo.pending_timers_of_instance(session, instance.id)  # fresh: a new case has none
    pending = {(t.task_id, t.kind): t for t in stored}
    changes: list[tuple[TimerRow, dict[str, Any]]] = []
    fired_rows = {
        task_id: (row.id, row.due_at)
        for (task_id, kind), row in pending.items()
        if kind == TimerKind.BPMN and task_id in fired
    }

    def cancel(row: TimerRow) -> None:
        changes.append((row, {"due_at": row.due_at, "state": TimerState.CANCELLED, "fired_at": row.fired_at}))

    for key, row in pending.items():
        if key in desired:
            continue
        if key[1] == TimerKind.BPMN and key[0] in fired:
            changes.append((row, {"due_at": row.due_at, "state": TimerState.FIRED, "fired_at": now}))
        else:
            cancel(row)
    to_arm: list[dict[str, Any]] = []
    for (task_id, kind), (bpmn_id, due_at) in desired.items():
        wanted = pending.get((task_id, kind))
        if kind == TimerKind.REMINDER and due_at <= now:
            # a reminder only looks ahead: none for a moment already past (a pending one
            # for that very moment stays: the scheduler is about to send it)
            if wanted is not None and wanted.due_at != due_at:
                cancel(wanted)
            continue
        if wanted is None:
            to_arm.append(
                {"kind": kind, "instance_id": instance.id, "task_id": task_id, "bpmn_id": bpmn_id, "due_at": due_at}
            )
        elif wanted.due_at != due_at:
            # moved (an extension): pending at the new time
            changes.append((wanted, {"due_at": due_at, "state": TimerState.PENDING, "fired_at": None}))
    writes.update_timers(session, changes)
    writes.arm_timers(session, to_arm)
    return fired_rows
