"""Cron cycles in timers, as Camunda writes them: Quartz syntax, ``seconds minutes hours
day-of-month month day-of-week [year]`` (``0 0/5 * * * ?``: every five minutes on the
minute), in the congress's time zone (:data:`engine.deadlines.calendar.LOCAL_TZ`).

The next fire times are APScheduler's :class:`CronTrigger`'s; this module translates
Quartz's dialect into its fields: ``?`` (no specific value) is ``*``; day-of-week numbers
are Quartz's (1 = Sunday … 7 = Saturday), given to APScheduler by name; ``L`` (the last day
of the month), ``5L`` (its last Thursday) and ``5#3`` (its third Thursday) become APScheduler's
``last``, ``last thu`` and ``3rd thu`` day expressions. ``W`` (nearest weekday) and ``L-n``
have no APScheduler equivalent and are refused, as is giving both a day of the month and a
day of the week (Quartz refuses it too).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from apscheduler.triggers.cron import CronTrigger

from .calendar import LOCAL_TZ

_FIELDS = ("second", "minute", "hour", "day-of-month", "month", "day-of-week", "year")
_TOKEN = re.compile(r"^[0-9A-Za-z*?/,#\-]+$")
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # Quartz's 1..7
_ORDINALS = {"1": "1st", "2": "2nd", "3": "3rd", "4": "4th", "5": "5th"}


class CronError(ValueError):
    """A cron expression this engine cannot run; the message names the field."""


def looks_like_cron(text: str) -> bool:
    """Whether ``text`` has the shape of a Quartz cron expression (six or seven fields of
    cron characters): what a timer cycle is read as instead of an ISO interval or an
    expression."""
    fields = text.split()
    return len(fields) in (6, 7) and all(_TOKEN.match(f) for f in fields) and not text.strip().startswith("R")


def _day_of_week_name(value: str) -> str:
    if value.isdigit():
        number = int(value)
        if not 1 <= number <= 7:
            raise CronError(f"day-of-week {value!r}: Quartz numbers the days 1 (Sunday) to 7 (Saturday)")
        return _DAY_NAMES[number - 1]
    if value.lower()[:3] in _DAY_NAMES and len(value) == 3:
        return value.lower()
    raise CronError(f"day-of-week {value!r} is not a day (1-7 or SUN-SAT)")


def _day_of_week(field: str) -> tuple[str, str | None]:
    """Quartz's day-of-week field → (APScheduler's day_of_week, its day expression or None)."""
    if field in ("*", "?"):
        return "*", None
    if "#" in field:
        day, nth = field.split("#", 1)
        if nth not in _ORDINALS:
            raise CronError(f"day-of-week {field!r}: the week of the month after # is 1 to 5")
        return "*", f"{_ORDINALS[nth]} {_day_of_week_name(day)}"
    if field.upper().endswith("L"):
        return "*", f"last {_day_of_week_name(field[:-1])}"
    parts = []
    for part in field.split(","):
        step = ""
        if "/" in part:
            part, step = part.split("/", 1)
            if not step.isdigit():
                raise CronError(f"day-of-week {field!r}: the step after / must be a number")
            part = part if part not in ("*", "?") else "1-7"
            if "-" not in part:
                part = f"{part}-7"
        if "-" in part:
            first, last = part.split("-", 1)
            a, b = _DAY_NAMES.index(_day_of_week_name(first)), _DAY_NAMES.index(_day_of_week_name(last))
            if a > b:
                raise CronError(f"day-of-week {field!r}: the range must run from Sunday (1) towards Saturday (7)")
            days = list(range(a, b + 1))[:: int(step) if step else 1]
            parts += [_DAY_NAMES[d] for d in days]
        else:
            parts.append(_day_of_week_name(part))
    return ",".join(dict.fromkeys(parts)), None


def _day_of_month(field: str) -> str:
    if field in ("*", "?"):
        return "*"
    if field.upper() == "L":
        return "last"
    if "W" in field.upper() or "L" in field.upper():
        raise CronError(f"day-of-month {field!r}: W (nearest weekday) and L-n are not supported")
    return field


_MAX = {"second": 59, "minute": 59, "hour": 23, "day": 31, "month": 12, "year": 9999}
_QUARTZ_NAMES = {"second": "second", "minute": "minute", "hour": "hour", "day": "day-of-month", "month": "month"}
_START_STEP = re.compile(r"^(\d+)/(\d+)$")


def _apscheduler_field(name: str, value: str) -> str:
    """Quartz's ``0/5`` (from 0, every 5) is APScheduler's ``0-59/5``; ``?`` is ``*``."""
    if value == "?":
        return "*"
    parts = []
    for part in value.split(","):
        match = _START_STEP.match(part)
        parts.append(f"{match[1]}-{_MAX[name]}/{match[2]}" if match else part)
    return ",".join(parts)


def trigger(text: str, zone: tzinfo = LOCAL_TZ) -> CronTrigger:
    """The APScheduler trigger of a Quartz cron expression, or CronError naming the field."""
    fields = text.split()
    if len(fields) not in (6, 7):
        raise CronError(f"{text!r}: a cron expression has 6 or 7 fields (seconds to day-of-week, then a year)")
    second, minute, hour, dom, month, dow = fields[:6]
    year = fields[6] if len(fields) == 7 else "*"
    if dom not in ("?", "*") and dow not in ("?", "*"):
        raise CronError(f"{text!r}: give a day-of-month or a day-of-week, and '?' for the other")
    day_of_week, day_expression = _day_of_week(dow)
    day = day_expression or _day_of_month(dom)
    quartz = {"second": second, "minute": minute, "hour": hour, "day": day, "month": month, "year": year}
    values = {name: _apscheduler_field(name, value) for name, value in quartz.items()}
    for name, value in values.items():
        try:  # one field at a time, so that the message names the one that is wrong
            CronTrigger(timezone=zone, **{name: value})
        except ValueError as exc:
            raise CronError(f"{_QUARTZ_NAMES.get(name, name)} {quartz[name]!r}: {exc}") from None
    try:
        return CronTrigger(day_of_week=day_of_week, timezone=zone, **values)
    except ValueError as exc:
        raise CronError(f"{text!r}: {exc}") from None


def next_fire(text: str, after: datetime, zone: tzinfo = LOCAL_TZ) -> datetime | None:
    """The first time strictly after ``after`` (aware) the cron expression fires, in UTC; None
    if it never fires again (a past year)."""
    when = trigger(text, zone).get_next_fire_time(None, after + timedelta(microseconds=1))
    return when.astimezone(UTC) if when is not None else None
