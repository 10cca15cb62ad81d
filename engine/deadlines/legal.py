"""Periods counted the way the law counts them (中华人民共和国民法典 第二百零一条至第二百零四条),
unless a statute says otherwise:

* the day the period starts is not counted (第二百零一条: 开始的当日不计入，自下一日开始计算);
* a period in months (or years) ends on the corresponding day of its last month, or on that
  month's last day when it has none (第二百零二条: 到期月的对应日为期间的最后一日；没有对应日的，
  月末日为期间的最后一日);
* when the last day is a statutory holiday or rest day (法定休假日, weekends included, 调休
  make-up working days not), the period ends on the first working day after it (第二百零三条);
* a period ends at 24:00 of its last day (第二百零三条: 期间的最后一日的截止时间为二十四时),
  stored as the first instant of the next day, local time, so that "done before the end"
  is the exact comparison ``done_at < ends_at``;
* a period in working days (工作日) counts working days only, 调休 make-up days included, and
  so always ends on a working day;
* a period extended (延长期限) is the one period made longer, not a second period after the
  first: the roll-forward off a holiday applies to the longer period's own last day only, the
  old last day being no longer a last day (so three months extended by three end when six
  months from the same start end, within the "at most six months" such a rule sets).

Every deadline of every process is one of these functions (through the expression
functions of ``date_functions``); no process does date arithmetic of its own.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from .calendar import LOCAL_TZ, WorkingCalendar

# The longest period a process may count: far past any statute (the longest here are
# months), and a bound on the walk over working days.
MAX_DAYS = 3660
MAX_MONTHS = 120
MAX_WORKING_DAYS = 2500


class Unit(StrEnum):
    DAYS = "days"
    MONTHS = "months"
    WORKING_DAYS = "working_days"
    DATE = "date"  # a date someone set (typed into a form): it ends at 24:00 of that day


@dataclass(frozen=True)
class Deadline:
    """When a period ends, and how that was counted (for the case page and the hover)."""

    start: date  # the day the period is counted from (itself not counted)
    amount: int
    unit: Unit
    nominal_last_day: date  # the last day as counted, before any holiday roll-forward
    last_day: date  # the last day after the roll-forward
    ends_at: datetime  # 24:00 of the last day: 00:00 of the next day, Beijing time
    # the years of the period whose holidays were the package's estimate when it was counted
    # (WorkingCalendar.is_published): the State Council's notice may still move the last day
    estimated_years: tuple[int, ...] = ()

    @property
    def rolled(self) -> bool:
        """The nominal last day was a holiday or rest day."""
        return self.last_day != self.nominal_last_day

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "amount": self.amount,
            "unit": self.unit.value,
            "nominal_last_day": self.nominal_last_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            **({"estimated_years": list(self.estimated_years)} if self.estimated_years else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Deadline:
        return cls(
            date.fromisoformat(data["start"]),
            int(data["amount"]),
            Unit(data["unit"]),
            date.fromisoformat(data["nominal_last_day"]),
            date.fromisoformat(data["last_day"]),
            datetime.fromisoformat(data["ends_at"]),
            tuple(int(year) for year in data.get("estimated_years", ())),
        )


def local_day(when: datetime | date) -> date:
    """The calendar day (Beijing time) of a moment; a date is its own day."""
    if isinstance(when, datetime):
        return (when if when.tzinfo else when.replace(tzinfo=LOCAL_TZ)).astimezone(LOCAL_TZ).date()
    return when


def end_of(day: date) -> datetime:
    """24:00 of ``day``, Beijing time: the first instant of the next day."""
    return datetime.combine(day + timedelta(days=1), time(0), LOCAL_TZ)


def _check(amount: Any, limit: int, unit: str) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"a period is a whole number of {unit}, got {amount!r}")
    if not 0 <= amount <= limit:
        raise ValueError(f"a period of {amount} {unit}: between 0 and {limit}")
    return amount


def _first_working_day_from(day: date, calendar: WorkingCalendar) -> date:
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def _deadline(start: date, amount: int, unit: Unit, nominal: date, calendar: WorkingCalendar) -> Deadline:
    last = _first_working_day_from(nominal, calendar)
    return Deadline(start, amount, unit, nominal, last, end_of(last), _estimated(start, last, calendar))


def _estimated(start: date, last: date, calendar: WorkingCalendar) -> tuple[int, ...]:
    """The years from the day after ``start`` to ``last`` whose holidays are an estimate."""
    return tuple(calendar.estimated_years_between(start + timedelta(days=1), last)) if last > start else ()


def after_days(start: datetime | date, days: int, calendar: WorkingCalendar) -> Deadline:
    """A period of ``days`` days from ``start`` (the day of ``start`` not counted)."""
    day = local_day(start)
    days = _check(days, MAX_DAYS, "days")
    return _deadline(day, days, Unit.DAYS, day + timedelta(days=days), calendar)


def after_months(start: datetime | date, months: int, calendar: WorkingCalendar) -> Deadline:
    """A period of ``months`` months from ``start``: the corresponding day of the last month,
    or its last day when it has none (01-31 + 1 month → 02-28, or 02-29 in a leap year)."""
    day = local_day(start)
    months = _check(months, MAX_MONTHS, "months")
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    nominal = date(year, month, min(day.day, monthrange(year, month)[1]))
    return _deadline(day, months, Unit.MONTHS, nominal, calendar)


def after_working_days(start: datetime | date, working_days: int, calendar: WorkingCalendar) -> Deadline:
    """A period of ``working_days`` working days from ``start``: the days after it that are
    working days (调休 make-up days count, holidays and weekends do not)."""
    day = local_day(start)
    remaining = _check(working_days, MAX_WORKING_DAYS, "working days")
    last = day
    while remaining:
        last += timedelta(days=1)
        if calendar.is_working_day(last):
            remaining -= 1
    return Deadline(day, working_days, Unit.WORKING_DAYS, last, last, end_of(last), _estimated(day, last, calendar))


def extended(period: Deadline, amount: int, unit: Unit, calendar: WorkingCalendar) -> Deadline:
    """``period`` made longer by ``amount`` ``unit``: in its own unit, the same start with the
    amounts together; in another unit (or a date someone set), counted on from its last day
    as counted, before any roll-forward off a holiday."""
    if unit == period.unit:
        lengthen = {Unit.DAYS: after_days, Unit.MONTHS: after_months, Unit.WORKING_DAYS: after_working_days}
        return lengthen[unit](period.start, period.amount + amount, calendar)
    if unit == Unit.DAYS:
        return after_days(period.nominal_last_day, amount, calendar)
    if unit == Unit.MONTHS:
        return after_months(period.nominal_last_day, amount, calendar)
    raise ValueError(f"a period cannot be extended by {unit.value}")


def on_date(day: datetime | date) -> Deadline:
    """A date someone set (a deadline typed into a form): it ends at 24:00 of that day, as a
    statutory period does; it is not moved off a holiday (the person chose the day)."""
    day = local_day(day)
    return Deadline(day, 0, Unit.DATE, day, day, end_of(day))


def recount(period: Deadline, calendar: WorkingCalendar) -> Deadline:
    """``period`` counted again on ``calendar``: the same start, amount and unit (a period
    extended in its own unit keeps its start and the amounts together, one extended in
    another unit starts from the last day it was counted on: either way its rule says all
    there is to count it again). A date someone set is kept as it is."""
    count = {Unit.DAYS: after_days, Unit.MONTHS: after_months, Unit.WORKING_DAYS: after_working_days}
    if period.unit not in count:
        return period
    return count[period.unit](period.start, period.amount, calendar)


@dataclass(frozen=True)
class CountedNow:
    """A stored period as the calendar counts it now (stored due dates do not move when the
    calendar changes, so what the rule said when it was counted may no longer hold)."""

    # the years of the period whose holidays are still an estimate (not yet published)
    estimated_years: tuple[int, ...]
    # how the calendar counts the period now, when it ends elsewhere than the stored end
    differs: Deadline | None


def counted_now(period: Deadline, calendar: WorkingCalendar) -> CountedNow:
    """How ``calendar`` (today's, with the administrator's entries) counts ``period``."""
    again = recount(period, calendar)
    return CountedNow(again.estimated_years, again if again.ends_at != period.ends_at else None)


def due_text(moment: datetime) -> str:
    """A due moment as the pages say it, Beijing time: a period's end (00:00, the end of the
    day before) is "2027-02-11 24:00", any other moment "2027-02-11 09:30". For text with no
    reader's time zone to follow (the command line)."""
    local = moment.astimezone(LOCAL_TZ)
    if local.time() == time(0):
        return f"{(local.date() - timedelta(days=1)).isoformat()} 24:00"
    return local.strftime("%Y-%m-%d %H:%M")


def working_days_before(moment: datetime, working_days: int, calendar: WorkingCalendar) -> datetime:
    """The moment ``working_days`` working days before ``moment``, same time of day (for
    reminders ahead of a deadline)."""
    local = moment.astimezone(LOCAL_TZ)
    day, remaining = local.date(), _check(working_days, MAX_WORKING_DAYS, "working days")
    while remaining:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            remaining -= 1
    return datetime.combine(day, local.timetz())
