"""The date helpers every BPMN expression can call (documented in ``bpmn/README.md``).

They take and return aware ISO-8601 strings, so what they produce can be stored in task
data, used directly as a timer's ``timeDate`` or a user task's ``camunda:dueDate``.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from .. import clock
from .calendar import LOCAL_TZ, WorkingCalendar


def parse_when(value: str | datetime) -> datetime:
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:
        when = when.replace(tzinfo=LOCAL_TZ)
    return when


def _iso(when: datetime) -> str:
    return when.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def _add_months(when: datetime, n: int) -> datetime:
    local = when.astimezone(LOCAL_TZ)
    month_index = local.month - 1 + n
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


# The longest step ``add_working_days`` takes: it walks the calendar a day at a time, so a
# huge (or fractional, which never reaches zero) count would run on past any script budget.
MAX_WORKING_DAYS = 10_000


def _working_days(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"a number of working days must be a whole number, got {n!r}")
    if abs(n) > MAX_WORKING_DAYS:
        raise ValueError(f"{n} working days: at most {MAX_WORKING_DAYS} either way")
    return n


def make_helpers(
    calendar_provider: Callable[[], WorkingCalendar], settings_provider: Callable[[], dict[str, int]]
) -> dict[str, Any]:
    """The helper functions, bound to a calendar and settings that load only when used."""

    def now() -> str:
        return _iso(clock.now())

    def add_days(when: str, n: int) -> str:
        return _iso(parse_when(when) + timedelta(days=n))

    def add_months(when: str, n: int) -> str:
        return _iso(_add_months(parse_when(when), n))

    def add_working_days(when: str, n: int) -> str:
        return _iso(calendar_provider().add_working_days(parse_when(when), _working_days(n)))

    def setting(name: str) -> int:
        values = settings_provider()
        if name not in values:
            raise KeyError(f"unknown setting {name!r}; known: {', '.join(sorted(values))}")
        return values[name]

    return {
        "now": now,
        "add_days": add_days,
        "add_months": add_months,
        "add_working_days": add_working_days,
        "days_from_now": lambda n: add_days(now(), n),
        "months_from_now": lambda n: add_months(now(), n),
        "working_days_from_now": lambda n: add_working_days(now(), n),
        "setting": setting,
    }
