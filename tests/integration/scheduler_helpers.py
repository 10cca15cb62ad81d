"""Helpers shared by the scheduler and notification tests."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from engine.usecases import cases
from engine.usecases.context import SYSTEM
from storage.enums import NotificationKind, TimerKind, TimerState
from storage.models import AuditEntry, Notification, Timer
from tests.world import deploy  # noqa: F401 (the scheduler tests deploy tests/fixtures/ files by name)

FIRING_ACTIONS = ("timer_fired", "task_overdue", "reminder", "reminder_late", "start_timer")


def start_deadline(factory, wait_until: datetime, handle_due: datetime) -> int:
    """A case of deadline.bpmn: an intermediate timer until ``wait_until``, then a task due
    (with an interrupting boundary timer) at ``handle_due``."""
    with factory.begin() as s:
        detail = cases.start_instance(
            s, SYSTEM, "deadline", {"wait_until": wait_until.isoformat(), "handle_due": handle_due.isoformat()}
        )
    return detail.id


def fired_counts(factory) -> Counter:
    """How often each timer row fired, according to the audit log. A timer the engine fired
    before any row of it was stored (a case started under load after its first wait was due
    already) is audited with no timer id: it has no row to fire twice, and is not counted."""
    with factory() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action.in_(FIRING_ACTIONS))).all()
    return Counter(r.data["timer_id"] for r in rows if r.data["timer_id"] is not None)


def timers(factory, instance_id: int | None = None, kind: TimerKind | None = None) -> list[Timer]:
    query = select(Timer).order_by(Timer.id)
    if instance_id is not None:
        query = query.where(Timer.instance_id == instance_id)
    if kind is not None:
        query = query.where(Timer.kind == kind)
    with factory() as s:
        return list(s.scalars(query))


def pending(factory) -> list[Timer]:
    with factory() as s:
        return list(s.scalars(select(Timer).where(Timer.state == TimerState.PENDING)))


def notifications(factory, task_arrivals: bool = False) -> list[Notification]:
    """The notices deadlines gave (reminders, overdue, 督办), oldest first; with
    ``task_arrivals`` the "new task" notices too (tests/integration/test_task_notifications.py)."""
    query = select(Notification).order_by(Notification.id)
    if not task_arrivals:
        query = query.where(Notification.kind != NotificationKind.TASK)
    with factory() as s:
        return list(s.scalars(query))


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
