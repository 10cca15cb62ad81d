"""Fire due timers. Idempotent: a timer fires once; firing it again changes nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage import repositories as repo
from storage.db import readers_of
from storage.enums import InstanceStatus, TimerKind, TimerState
from storage.models import ProcessInstance, Timer

from .. import clock
from ..errors import Conflict, EngineError
from . import incidents, notifications, start_timers
from .context import SYSTEM, audit, processes, runtime_for
from .persist import save_instance
from .workflow_cache import restore_case

log = logging.getLogger(__name__)

# Extra work per timer kind after it fired (notifications, starting instances...).
# Each runs in the same transaction as the firing.
FireHook = Callable[[Session, Timer], None]
fire_hooks: dict[TimerKind, list[FireHook]] = {kind: [] for kind in TimerKind}


# What each kind does besides being marked fired, in the same transaction (a reminder reminds
# before its entry is written, which says whether it reached anyone: _fire_locked).
_AFTER_FIRE: dict[TimerKind, FireHook] = {
    TimerKind.TASK_DUE: notifications.notify_overdue,
    TimerKind.START: start_timers.start_from_timer,
}


def fire_timer(session: Session, timer_id: int, now: datetime | None = None) -> bool:
    """Fire one timer if it is pending and due; True if it fired now."""
    return fire_timers(session, [timer_id], now)[timer_id]


def fire_timers(session: Session, timer_ids: Sequence[int], now: datetime | None = None) -> dict[int, bool]:
    """Fire several timers in the caller's transaction (a burst due together): the cases
    and timers are locked with two statements for all, then each fires as it would alone.
    Returns, per timer, whether it fired now."""
    now = now or clock.now()
    locked = _lock_timers(session, timer_ids)
    return {timer_id: _fire_locked(session, locked.get(timer_id), now) for timer_id in dict.fromkeys(timer_ids)}


def _fire_locked(session: Session, timer: Timer | None, now: datetime) -> bool:
    if timer is None or timer.state != TimerState.PENDING or timer.due_at > now:
        return False
    if timer.kind == TimerKind.BPMN:
        if not _fire_bpmn_timer(session, timer):
            return False
    else:
        timer.state, timer.fired_at = TimerState.FIRED, now
        action = {TimerKind.TASK_DUE: "task_overdue", TimerKind.REMINDER: "reminder", TimerKind.START: "start_timer"}[
            timer.kind
        ]
        if timer.kind == TimerKind.REMINDER and not notifications.notify_reminder(session, timer):
            action = "reminder_late"  # fired after the due date itself: nobody is reminded, history says so
        audit(
            session,
            SYSTEM,
            action,
            instance_id=timer.instance_id,
            task_id=timer.task_id,
            bpmn_id=timer.bpmn_id,
            data={"timer_id": timer.id, "due_at": timer.due_at.isoformat()},
        )
        if timer.kind in _AFTER_FIRE:
            _AFTER_FIRE[timer.kind](session, timer)
    for hook in fire_hooks[timer.kind]:
        hook(session, timer)
    return True  # the writes go with the caller's next flush or commit


def _lock_timers(session: Session, timer_ids: Sequence[int]) -> dict[int, Timer]:
    """The timers, read current and locked until commit."""
    ids = sorted(set(timer_ids))
    query = select(Timer).where(Timer.id.in_(ids)).order_by(Timer.id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "sqlite":
        # storage.db starts every SQLite writer's transaction with BEGIN IMMEDIATE: this one already
        # holds the database's write lock, so what it reads is current and stays so.
        return {t.id: t for t in session.scalars(query)}
    instance_ids = sorted(
        {i for i in session.scalars(select(Timer.instance_id).where(Timer.id.in_(ids))) if i is not None}
    )
    if instance_ids:
        # Lock the cases first (in id order), then the timers: the order every use case on a
        # case follows (completing a task locks the instance, then cancels its timers). The
        # other order deadlocks on PostgreSQL when a user completes a task as its timer fires.
        session.execute(
            select(ProcessInstance.id)
            .where(ProcessInstance.id.in_(instance_ids))
            .order_by(ProcessInstance.id)
            .with_for_update()
        )
    return {t.id: t for t in session.scalars(query.with_for_update())}


def _fire_bpmn_timer(session: Session, timer: Timer) -> bool:
    """Fire the case's due timers; ``save_instance`` marks what fired, audits it and tells
    people (督办) about it, this timer and any other that fired with it alike."""
    assert timer.instance_id is not None
    instance = repo.instance_for_update(session, timer.instance_id)
    if instance is None or instance.status != InstanceStatus.RUNNING:
        timer.state = TimerState.CANCELLED
        return False
    process = processes.get_by_id(session, instance.definition_id)
    runtime = runtime_for(session)
    workflow = restore_case(session, runtime, process, instance)
    due_at = timer.due_at
    runtime.fire_timers(workflow)
    if any(w.task_id == timer.task_id and w.due_at == due_at for w in runtime.waiting_timers(workflow)):
        # SpiffWorkflow fires a timer strictly after its moment; at the very moment it still
        # waits. Stay pending (nothing was saved): the scheduler comes back for it.
        return False
    save_instance(session, instance, workflow, runtime, process)
    incidents.resolve_timer(session, instance.id, timer.bpmn_id)
    return timer.state == TimerState.FIRED or timer.due_at != due_at  # fired, or a cycle's next time


@dataclass(frozen=True)
class FailedTimer:
    """A due timer that could not fire: its transaction rolled back, an incident recorded on its
    case (``record_failure``); it stays pending and is tried again."""

    timer_id: int
    instance_id: int | None  # None: a timer start event's (no case yet)
    message: str


@dataclass(frozen=True)
class Firing:
    """What one pass over the due timers did (``fire_due_reporting``)."""

    fired: int
    failed: tuple[FailedTimer, ...] = ()


def fire_due(session_factory: sessionmaker[Session], now: datetime | None = None, limit: int = 500) -> int:
    """Fire every timer due at ``now``, each in its own transaction; return how many fired."""
    return fire_due_reporting(session_factory, now, limit).fired


def fire_due_reporting(session_factory: sessionmaker[Session], now: datetime | None = None, limit: int = 500) -> Firing:
    """``fire_due``, saying also which timers failed to fire (the command line reports them:
    an operator firing by hand must not read a failure as nothing due). A timer whose case
    changed meanwhile is no failure: it is retried."""
    now = now or clock.now()
    with readers_of(session_factory)() as session:
        ids = repo.due_timer_ids(session, now, limit)
    fired, failed = 0, []
    for timer_id in ids:
        try:
            with session_factory.begin() as session:
                fired += fire_timer(session, timer_id, now)
        except Conflict:
            log.info("timer %s: the case changed meanwhile; it will be retried", timer_id)
        except EngineError as exc:
            log.error("timer %s could not fire: %s", timer_id, exc)
            record_failure(session_factory, timer_id, exc)
            with readers_of(session_factory)() as session:
                instance_id = session.scalar(select(Timer.instance_id).where(Timer.id == timer_id))
            failed.append(FailedTimer(timer_id, instance_id, exc.message))
    return Firing(fired, tuple(failed))


def record_failure(session_factory: sessionmaker[Session], timer_id: int, error: EngineError) -> None:
    """A timer failed to fire and its transaction was rolled back: the failure is recorded in
    a transaction of its own, as an incident on the timer's case (the timer stays pending, and
    is tried again; firing it after the cause is fixed resolves the incident)."""
    try:
        with session_factory.begin() as session:
            incidents.record_timer_failure(session, timer_id, error.message)
    except Exception:  # the failure stays in the log: recording it must not stop the firing of others
        log.exception("the failure of timer %s could not be recorded", timer_id)
