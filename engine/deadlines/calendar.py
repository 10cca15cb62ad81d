"""Chinese working days, and where each day's answer comes from.

The statutory holidays and make-up working days (调休) come from the maintained
``holidays`` package; an administrator's entries (``calendar_days`` table) win over it,
so the State Council's schedule can be entered the day it is published. A year the
package does not know yet falls back to "weekends off", never to a crash.

Every day's answer has a source (:class:`DaySource`):

* ``official``: the package's table of the State Council's schedule, which it has for the
  years of ``ChinaStaticHolidays.special_public_holidays`` (up to 2026 in holidays 0.109);
* ``estimate``: for any other year the package applies its rules: the fixed and lunar
  holidays with "observed" days in lieu, but no 调休 make-up working days, and rarely the
  State Council's actual arrangement;
* ``administrator``: an entry in ``calendar_days``.

**When a year counts as published** (:meth:`WorkingCalendar.is_published`): when the
package has its official table, or when an administrator has entered the State Council's
notice for it (the 工作日历 page or ``calendar enter`` enters the whole notice at once,
``engine.usecases.deadlines.enter_year_schedule``, and marks its entries ``from_notice``).
One day set on its own (``calendar set``: a local day off, a correction) is an entry like
any other but says nothing about the rest of the year, so it does not make the year
published: the year is still warned about as an estimate. The days of a published year
without an entry still follow the package.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# The name a make-up working day goes by (the package names holidays only).
MAKE_UP_DAY = "调休"


def _official_years() -> frozenset[int]:
    """The years whose State Council schedule the installed package has as a table."""
    try:
        from holidays.countries.china import ChinaStaticHolidays

        return frozenset(int(year) for year in ChinaStaticHolidays.special_public_holidays)
    except (ImportError, AttributeError):  # a package that keeps them elsewhere: no year is official
        return frozenset()


OFFICIAL_YEARS = _official_years()


class DaySource(StrEnum):
    OFFICIAL = "official"  # the package's table of the State Council's schedule
    ESTIMATE = "estimate"  # the package's rule-based estimate for a year it has no table of
    ADMINISTRATOR = "administrator"  # an administrator's entry


def is_official_year(year: int) -> bool:
    return year in OFFICIAL_YEARS


@dataclass(frozen=True)
class DayStatus:
    """One day: working or not, where that answer comes from, and the holiday's name (or
    调休 for a make-up working day) where the package or the entry has one."""

    day: date
    is_working: bool
    source: DaySource
    name: str | None = None
    note: str = ""  # the administrator's note, for an entry

    @property
    def weekend(self) -> bool:
        return self.day.weekday() >= 5

    @property
    def make_up_day(self) -> bool:
        """A Saturday or Sunday worked (调休)."""
        return self.is_working and self.weekend

    @property
    def ordinary(self) -> bool:
        """Monday to Friday worked, the weekend off, no holiday and no entry."""
        return self.is_working != self.weekend and self.name is None and self.source != DaySource.ADMINISTRATOR


# The package's names in Chinese unless asked otherwise (left to itself it may follow the
# process's locale).
NAMES_LANGUAGE = "zh_CN"


@lru_cache(maxsize=128)
def _china(year: int, language: str = NAMES_LANGUAGE) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=year, language=language)


def _weekend_workdays(table: holidays.HolidayBase) -> set[date]:
    """The Saturdays and Sundays worked (调休) the package knows."""
    return set(getattr(table, "weekend_workdays", ()) or ())


def days_of(year: int) -> Iterator[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


class WorkingCalendar:
    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        notes: Mapping[date, str] | None = None,
        notice_years: Iterable[int] = (),
    ):
        """``overrides``: the administrator's entries (day → is it a working day);
        ``notes``: their notes (day → note), for telling where a day comes from;
        ``notice_years``: the years whose State Council notice an administrator entered
        (published, see the module's doc)."""
        self.overrides = dict(overrides or {})
        self.notes = dict(notes or {})
        self.notice_years = frozenset(notice_years)

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _china(day.year).is_working_day(day)

    # -- where the answer comes from ------------------------------------------------------
    def source(self, day: date) -> DaySource:
        if day in self.overrides:
            return DaySource.ADMINISTRATOR
        return DaySource.OFFICIAL if is_official_year(day.year) else DaySource.ESTIMATE

    def year_source(self, year: int) -> DaySource:
        """Where ``year``'s schedule comes from: the package's table, an administrator
        (who entered the State Council's notice), or else the package's estimate."""
        if is_official_year(year):
            return DaySource.OFFICIAL
        return DaySource.ADMINISTRATOR if year in self.notice_years else DaySource.ESTIMATE

    def is_published(self, year: int) -> bool:
        """Whether ``year``'s schedule is known (official, or entered by an administrator)
        rather than estimated."""
        return self.year_source(year) != DaySource.ESTIMATE

    def estimated_years_between(self, start: date, end: date) -> list[int]:
        """The years from ``start``'s to ``end``'s (both local dates, either order) whose
        schedule is only an estimate."""
        first, last = sorted((start.year, end.year))
        return [year for year in range(first, last + 1) if not self.is_published(year)]

    def day_status(self, day: date, language: str | None = None) -> DayStatus:
        """``day``'s status and source; ``language`` the package's names are in
        (``zh_CN`` by default, or ``en_US``)."""
        if day in self.overrides:
            working, note = self.overrides[day], self.notes.get(day, "")
            name = note or (MAKE_UP_DAY if working and day.weekday() >= 5 else None)
            return DayStatus(day, working, DaySource.ADMINISTRATOR, name, note)
        table = _china(day.year, language or NAMES_LANGUAGE)
        holiday: str | None = table.get(day)
        if holiday is None and day in _weekend_workdays(table):
            holiday = MAKE_UP_DAY
        return DayStatus(day, table.is_working_day(day), self.source(day), holiday)

    def special_days(self, year: int, language: str | None = None) -> list[DayStatus]:
        """``year``'s days that are not ordinary: holidays (weekends included), make-up
        working days and the administrator's entries, in order."""
        table = _china(year, language or NAMES_LANGUAGE)
        days: set[Any] = {d for d in table if d.year == year}
        days |= {d for d in _weekend_workdays(table) if d.year == year}
        days |= {d for d in self.overrides if d.year == year}
        return [self.day_status(day, language) for day in sorted(days)]

    def year_days(self, year: int, language: str | None = None) -> list[DayStatus]:
        """Every day of ``year``."""
        return [self.day_status(day, language) for day in days_of(year)]

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
