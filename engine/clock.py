"""The one clock. Every time decision (timers, due dates, overdue) reads it; tests move it.

SpiffWorkflow's timer events call ``datetime.now(timezone.utc)`` themselves, so
:func:`bind_spiff_timers` points that module at this clock (done once by the runtime).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, tzinfo

_lock = threading.Lock()
_frozen: datetime | None = None


def now() -> datetime:
    """The current time, aware, in UTC."""
    frozen = _frozen
    return frozen if frozen is not None else datetime.now(UTC)


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
