"""The date functions every BPMN expression can call (documented in ``bpmn/README.md``).

They take and return aware ISO-8601 strings (a date ``YYYY-MM-DD`` is accepted as a start),
so what they produce can be stored in task data, used directly as a timer's ``timeDate``
or a user task's ``camunda:dueDate``.

Deadlines are counted as the law counts them (:mod:`engine.deadlines.legal`): the start
day is not counted, a period ends at 24:00 of its last day, a last day on a holiday moves
to the next working day. Each deadline function notes how it counted (into ``log``, keyed
by the end's instant), so that the case page can show the rule behind every due date.

The old arithmetic (``add_days`` & co.: the start's time of day, no holiday rule) stays
callable for the process versions deployed before, whose running cases keep their stored
due dates; a new deployment using it is refused, naming the function to use instead
(``LEGACY``).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable, MutableMapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .. import clock
from . import legal
from .calendar import LOCAL_TZ, WorkingCalendar

# the old names, and what a process deployed today calls instead
LEGACY = {
    "add_days": "deadline_after_days",
    "add_months": "deadline_after_months",
    "add_working_days": "deadline_after_working_days",
    "days_from_now": "deadline_in_days",
    "months_from_now": "deadline_in_months",
    "working_days_from_now": "deadline_in_working_days",
}


def parse_when(value: str | datetime | date) -> datetime:
    """A moment: an aware ISO string or datetime; without a zone, Beijing time; a date is
    the start of that day."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, datetime.min.time(), LOCAL_TZ)
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:
        when = when.replace(tzinfo=LOCAL_TZ)
    return when


def deadline_key(when: datetime) -> str:
    """How a deadline's end is looked up (an instant, whatever the zone it was written in)."""
    return when.astimezone(UTC).isoformat()


def _iso(when: datetime) -> str:
    return when.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def _add_months(when: datetime, n: int) -> datetime:
    local = when.astimezone(LOCAL_TZ)
    month_index = local.month - 1 + n
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


# The longest step the old ``add_working_days`` takes: it walks the calendar a day at a
# time, so a huge (or fractional, which never reaches zero) count would run on past any
# script budget.
MAX_WORKING_DAYS = 10_000


def _working_days(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"a number of working days must be a whole number, got {n!r}")
    if abs(n) > MAX_WORKING_DAYS:
        raise ValueError(f"{n} working days: at most {MAX_WORKING_DAYS} either way")
    return n


def make_helpers(
    calendar_provider: Callable[[], WorkingCalendar],
    settings_provider: Callable[[], dict[str, int]],
    log: MutableMapping[str, legal.Deadline] | None = None,
    counted: Callable[[str], legal.Deadline | None] | None = None,
    returned: Callable[[str, legal.Deadline], None] | None = None,
) -> dict[str, Any]:
    """The functions, bound to a calendar and settings that load only when used; every
    deadline they count is noted in ``log`` (when given) under ``deadline_key`` of its end.
    ``counted`` tells how the running case counted a deadline it holds (by that key), so
    that an extension lengthens the period itself (``legal.extended``). ``returned`` is told
    each end's very text with its rule: two periods ending at the same instant share the key,
    and only the text a due date was read from tells which of them it is."""

    def today() -> date:
        return clock.now().astimezone(LOCAL_TZ).date()

    def noted(deadline: legal.Deadline) -> str:
        if log is not None:
            log[deadline_key(deadline.ends_at)] = deadline
        text = _iso(deadline.ends_at)
        if returned is not None:
            returned(text, deadline)
        return text

    def now() -> str:
        return _iso(clock.now())

    def deadline_after_days(start: str, days: int) -> str:
        return noted(legal.after_days(parse_when(start), days, calendar_provider()))

    def deadline_after_months(start: str, months: int) -> str:
        return noted(legal.after_months(parse_when(start), months, calendar_provider()))

    def deadline_after_working_days(start: str, working_days: int) -> str:
        return noted(legal.after_working_days(parse_when(start), working_days, calendar_provider()))

    def last_day(deadline: str) -> date:
        """The last day of a period that ends at ``deadline`` (24:00 of that day)."""
        return (parse_when(deadline) - timedelta(microseconds=1)).astimezone(LOCAL_TZ).date()

    def extend(deadline: str, amount: int, unit: legal.Unit) -> str:
        period = counted(deadline_key(parse_when(deadline))) if counted is not None else None
        if period is not None:
            return noted(legal.extended(period, amount, unit, calendar_provider()))
        # a deadline the case did not count (typed in, or older than the record): on from
        # the last day it names
        after = legal.after_days if unit == legal.Unit.DAYS else legal.after_months
        return noted(after(last_day(deadline), amount, calendar_provider()))

    def deadline_extended_by_days(deadline: str, days: int) -> str:
        return extend(deadline, days, legal.Unit.DAYS)

    def deadline_extended_by_months(deadline: str, months: int) -> str:
        return extend(deadline, months, legal.Unit.MONTHS)

    def deadline_on(day: str) -> str:
        return noted(legal.on_date(parse_when(day)))

    def on_time(done_at: str, deadline: str) -> bool:
        """Done before the period ended (24:00 of its last day)."""
        return parse_when(done_at) < parse_when(deadline)

    # the old arithmetic, for process versions deployed before (see LEGACY)
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
        "today": lambda: today().isoformat(),
        "deadline_after_days": deadline_after_days,
        "deadline_after_months": deadline_after_months,
        "deadline_after_working_days": deadline_after_working_days,
        "deadline_in_days": lambda days: deadline_after_days(today().isoformat(), days),
        "deadline_in_months": lambda months: deadline_after_months(today().isoformat(), months),
        "deadline_in_working_days": lambda n: deadline_after_working_days(today().isoformat(), n),
        "deadline_extended_by_days": deadline_extended_by_days,
        "deadline_extended_by_months": deadline_extended_by_months,
        "deadline_on": deadline_on,
        "on_time": on_time,
        "working_days_before": lambda when, n: _iso(
            legal.working_days_before(parse_when(when), n, calendar_provider())
        ),
        "setting": setting,
        "add_days": add_days,
        "add_months": add_months,
        "add_working_days": add_working_days,
        "days_from_now": lambda n: add_days(now(), n),
        "months_from_now": lambda n: add_months(now(), n),
        "working_days_from_now": lambda n: add_working_days(now(), n),
    }


def helper_names() -> frozenset[str]:
    """The names of the functions :func:`make_helpers` gives a process's scripts (for the
    deploy check that a script calls only functions it will find)."""
    return frozenset(make_helpers(lambda: WorkingCalendar({}), dict))
