"""Fire due timers. Idempotent: a timer fires once; firing it again changes nothing."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from storage import repositories as repo
from storage.enums import InstanceStatus, TimerKind, TimerState
from storage.models import Timer

from .. import clock
from ..errors import Conflict, EngineError
from .context import SYSTEM, audit, processes, runtime_for
from .persist import save_instance

log = logging.getLogger(__name__)

# Extra work per timer kind after it fired (notifications, starting instances...).
# Each runs in the same transaction as the firing.
FireHook = Callable[[Session, Timer], None]
fire_hooks: dict[TimerKind, list[FireHook]] = {kind: [] for kind in TimerKind}


def fire_timer(session: Session, timer_id: int, now: datetime | None = None) -> bool:
    """Fire one timer if it is pending and due; True if it fired now."""
    now = now or clock.now()
    timer = repo.timer_for_update(session, timer_id)
    if timer is None or timer.state != TimerState.PENDING or timer.due_at > now:
        return False
    if timer.kind == TimerKind.BPMN:
        if not _fire_bpmn_timer(session, timer, now):
            return False
    else:
        timer.state, timer.fired_at = TimerState.FIRED, now
        action = {TimerKind.TASK_DUE: "task_overdue", TimerKind.REMINDER: "reminder",
                  TimerKind.START: "start_timer"}[timer.kind]
        audit(session, SYSTEM, action, instance_id=timer.instance_id, task_id=timer.task_id,
              bpmn_id=timer.bpmn_id, data={"timer_id": timer.id, "due_at": timer.due_at.isoformat()})
    for hook in fire_hooks[timer.kind]:
        hook(session, timer)
    session.flush()
    return True


def _fire_bpmn_timer(session: Session, timer: Timer, now: datetime) -> bool:
    assert timer.instance_id is not None
    instance = repo.instance_for_update(session, timer.instance_id)
    if instance is None or instance.status != InstanceStatus.RUNNING:
        timer.state = TimerState.CANCELLED
        return False
    process = processes.get_by_id(session, instance.definition_id)
    runtime = runtime_for(session)
    workflow = runtime.restore(process, instance.workflow_json)
    timer.state, timer.fired_at = TimerState.FIRED, now
    due_at = timer.due_at
    runtime.fire_timers(workflow)
    save_instance(session, instance, workflow, runtime, process)
    audit(session, SYSTEM, "timer_fired", instance_id=instance.id, task_id=timer.task_id, bpmn_id=timer.bpmn_id,
          data={"timer_id": timer.id, "due_at": due_at.isoformat()})
    return True


def fire_due(session_factory: sessionmaker, now: datetime | None = None, limit: int = 500) -> int:
    """Fire every timer due at ``now``, each in its own transaction; return how many fired."""
    now = now or clock.now()
    with session_factory() as session:
        ids = repo.due_timer_ids(session, now, limit)
    fired = 0
    for timer_id in ids:
        try:
            with session_factory.begin() as session:
                fired += fire_timer(session, timer_id, now)
        except Conflict:
            log.info("timer %s: the case changed meanwhile; it will be retried", timer_id)
        except EngineError as exc:
            log.error("timer %s could not fire: %s", timer_id, exc)
    return fired
