"""Who is told what the engine did, for figures kept outside it (the web app's Prometheus
metrics, ``web.metrics``): a task completed, a timer fired and how late, this process taking
or leaving the scheduler's leadership. The engine imports no metrics library; whoever keeps
the figures registers a callback here, once per process.

A completion is told only once its transaction has committed (a refused or rolled-back one
is never counted): the use case notes it on the session, and the note is handed over after
the commit (or dropped with a rollback of the whole transaction). The scheduler tells its
events itself, after each firing committed. An observer that fails is logged, never lets the
engine's work fail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session, SessionTransaction

from .session_events import on_every_session

log = logging.getLogger(__name__)
T = TypeVar("T")

TaskCompleted = Callable[[str], None]  # the process key
TimerFired = Callable[[float], None]  # seconds between its due moment and its firing committed
LeadershipChanged = Callable[[bool], None]  # True: this process now runs the scheduler

_completed: list[TaskCompleted] = []
_fired: list[TimerFired] = []
_leadership: list[LeadershipChanged] = []

_PENDING = "congressflow.observers.completed"  # session.info: process keys completed, not yet committed


def on_task_completed(observer: TaskCompleted) -> None:
    if observer not in _completed:
        _completed.append(observer)


def on_timer_fired(observer: TimerFired) -> None:
    if observer not in _fired:
        _fired.append(observer)


def on_leadership_changed(observer: LeadershipChanged) -> None:
    if observer not in _leadership:
        _leadership.append(observer)


def task_completed(session: Session, process_key: str) -> None:
    """A task of ``process_key`` was completed in ``session``'s transaction: observers are
    told when it commits."""
    if not _completed:
        return
    session.info.setdefault(_PENDING, []).append(process_key)
    on_every_session("after_commit", _tell_completed)
    on_every_session("after_transaction_end", _forget_completed)


def timer_fired(late_by: float) -> None:
    _tell(_fired, late_by)


def leadership_changed(active: bool) -> None:
    _tell(_leadership, active)


def _tell_completed(session: Session) -> None:
    for process_key in session.info.pop(_PENDING, []):
        _tell(_completed, process_key)


def _forget_completed(session: Session, transaction: SessionTransaction) -> None:
    # after_commit came first for a commit; what is left belonged to a rolled-back transaction
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def _tell(observers: list[Callable[[T], None]], value: T) -> None:
    for observer in list(observers):
        try:
            observer(value)
        except Exception:
            log.exception("an observer of the engine failed (%r); the engine goes on", observer)
