"""Timer start events: when their next occurrence is.

Occurrences of a cycle ``R[n]/start/duration`` are ``start + k × duration`` with calendar
arithmetic (``P1M`` from January 31 gives the last day of February, then March 31: no
drift, unlike SpiffWorkflow's fixed-seconds cycles). A cycle written as a cron expression
(Camunda's Quartz syntax) fires at each of its times, in the congress's zone
(engine.deadlines.cron).
"""

from __future__ import annotations

from calendar import monthrange
from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .cron import looks_like_cron, next_fire
from .date_functions import parse_when

_APPROX_MONTH = timedelta(days=30.44)


def _duration(text: str) -> tuple[int, timedelta]:
    """``P1Y2M3DT4H`` -> (14 months, 3 days 4 hours)."""
    try:
        parts = TimerEventDefinition.parse_iso_duration(text.strip())
    except Exception as exc:  # SpiffWorkflow raises a bare Exception for a malformed duration
        raise ValueError(f"{text!r} is not an ISO 8601 duration: {exc}") from None
    months = int(parts.pop("years", 0)) * 12 + int(parts.pop("months", 0))
    return months, timedelta(**parts)


def _add_months(when: datetime, n: int) -> datetime:
    index = when.month - 1 + n
    year, month = when.year + index // 12, index % 12 + 1
    return when.replace(year=year, month=month, day=min(when.day, monthrange(year, month)[1]))


def _occurrence(start: datetime, months: int, rest: timedelta, k: int) -> datetime:
    return _add_months(start, k * months) + k * rest


def _is_duration(text: str) -> bool:
    return text.strip().upper().startswith("P")


def next_occurrence(kind: str, value: str, after: datetime, base: datetime) -> datetime | None:
    """The first occurrence strictly after ``after`` of a start timer whose expression gave
    ``value``; ``base`` anchors durations (the deployment time). None: no more occurrences."""
    value = value.strip()
    if kind == "timeDate":
        when = parse_when(value)
    elif kind == "timeDuration":
        months, rest = _duration(value)
        when = _add_months(base, months) + rest
    elif kind == "timeCycle" and looks_like_cron(value):
        return next_fire(value, after)
    elif kind == "timeCycle":
        return _next_in_cycle(value, after, base)
    else:
        raise ValueError(f"unknown timer kind {kind!r}")
    when = when.astimezone(UTC)
    return when if when > after else None


def _next_in_cycle(value: str, after: datetime, base: datetime) -> datetime | None:
    parts = value.upper().replace("--", "/").split("/")
    if not parts[0].startswith("R") or len(parts) not in (2, 3):
        raise ValueError(f"{value!r} is not a repeating interval (R[n]/start/duration)")
    count = int(parts[0][1:]) if parts[0][1:] else -1
    if len(parts) == 2:  # R/P1D: every day from base + 1 day
        months, rest = _duration(parts[1])
        start = _add_months(base, months) + rest
    elif _is_duration(parts[1]):  # R/P1D/end: counted back from the end
        months, rest = _duration(parts[1])
        end = parse_when(parts[2])
        start = _add_months(end, -months) - rest
    else:  # R/start/P1D
        start = parse_when(parts[1])
        months, rest = _duration(parts[2])
    if months == 0 and rest <= timedelta(0):
        raise ValueError(f"{value!r}: the interval must be positive")
    step = months * _APPROX_MONTH + rest
    k = max(0, int((after - start) / step) - 2) if after > start else 0
    while count < 0 or k < count:
        when = _occurrence(start, months, rest, k)
        if when > after:
            return when.astimezone(UTC)
        k += 1
    return None
