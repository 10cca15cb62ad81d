"""Chinese working days.

The statutory holidays and make-up working days (调休) come from the maintained
``holidays`` package; an administrator's entries (``calendar_days`` table) win over it,
so the State Council's schedule can be entered the day it is published. A year the
package does not know yet falls back to "weekends off", never to a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


@lru_cache(maxsize=64)
def _china(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=year)


class WorkingCalendar:
    def __init__(self, overrides: Mapping[date, bool] | None = None):
        self.overrides = dict(overrides or {})

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _china(day.year).is_working_day(day)

    def add_working_days(self, when: datetime, n: int) -> datetime:
        """The moment ``n`` working days after ``when`` (local calendar, same time of day).

        Counting starts the day after ``when``, as deadlines do in Chinese rules
        (期间开始的当日不计入)."""
        local = when.astimezone(LOCAL_TZ)
        day = local.date()
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return datetime.combine(day, local.timetz()).astimezone(when.tzinfo)
