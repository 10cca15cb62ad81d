"""The one clock. Every time decision (timers, due dates, overdue) reads it; tests move it.

SpiffWorkflow's timer events call ``datetime.now(timezone.utc)`` themselves, so
:func:`bind_spiff_timers` points that module at this clock (done once by the runtime).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta, tzinfo

_lock = threading.Lock()
_frozen: datetime | None = None
# A moment in the past that this thread (context) acts at: a ledger's case replayed step by
# step at the dates the office recorded (``as_of``); other requests keep the real time.
_as_of: ContextVar[datetime | None] = ContextVar("as_of", default=None)


def now() -> datetime:
    """The current time, aware, in UTC."""
    moment = _as_of.get()
    if moment is not None:
        return moment
    frozen = _frozen
    return frozen if frozen is not None else datetime.now(UTC)


@contextmanager
def as_of(moment: datetime) -> Iterator[datetime]:
    """Within the block, for this context only, it is ``moment`` (aware): what is done in it
    is dated and counted then (a due date counted from the day a ledger says a proposal was
    assigned, say)."""
    if moment.tzinfo is None:
        raise ValueError("the clock needs an aware datetime")
    token = _as_of.set(moment.astimezone(UTC))
    try:
        yield moment
    finally:
        _as_of.reset(token)


def freeze(at: datetime) -> None:
    """Stop the clock at ``at`` (aware). For tests and benchmarks."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("the clock needs an aware datetime")
    with _lock:
        _frozen = at.astimezone(UTC)


def advance(delta: timedelta) -> datetime:
    """Move a frozen clock forward."""
    global _frozen
    with _lock:
        if _frozen is None:
            raise RuntimeError("advance() needs a frozen clock; call freeze() first")
        _frozen = _frozen + delta
        return _frozen


def unfreeze() -> None:
    global _frozen
    with _lock:
        _frozen = None


class _ClockDatetime(datetime):
    """A ``datetime`` whose ``now()`` reads this module's clock."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        current = now()
        return current if tz is None or tz is UTC else current.astimezone(tz)


def bind_spiff_timers() -> None:
    """Make SpiffWorkflow's timer events read this clock. Idempotent."""
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = _ClockDatetime
