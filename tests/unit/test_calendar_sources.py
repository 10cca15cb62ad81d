"""Where a day's answer comes from (the holidays package's official table, its rule-based
estimate for a year it has no table of, an administrator's entry), which years are
published, the schedule lines an administrator types, and the settings' bounds."""

from datetime import UTC, date, datetime

import pytest

from engine.bpmn import sandbox
from engine.deadlines.calendar import MAKE_UP_DAY, OFFICIAL_YEARS, DaySource, WorkingCalendar, is_official_year
from engine.deadlines.settings import DEFAULTS, out_of_range, resolve
from engine.errors import InvalidData
from engine.usecases.deadlines import (
    CalendarEntry,
    HolidayRange,
    MakeUpDay,
    YearSchedule,
    due_day,
    parse_schedule,
    schedule_text,
)

D = date.fromisoformat


# -- sources ---------------------------------------------------------------------------------
def test_the_package_has_official_tables_up_to_2026_and_estimates_after():
    assert {2024, 2025, 2026} <= OFFICIAL_YEARS and 2027 not in OFFICIAL_YEARS
    assert is_official_year(2025) and not is_official_year(2027)


def test_a_2025_holiday_is_official_with_its_name():
    status = WorkingCalendar().day_status(D("2025-10-01"))
    assert (status.is_working, status.source, status.name) == (False, DaySource.OFFICIAL, "国庆节")
    assert WorkingCalendar().day_status(D("2025-10-01"), "en_US").name == "National Day"


def test_a_2025_make_up_day_is_official_and_called_tiaoxiu():
    status = WorkingCalendar().day_status(D("2025-09-28"))  # a Sunday worked before National Day
    assert (status.is_working, status.source, status.name, status.make_up_day) == (
        True,
        DaySource.OFFICIAL,
        MAKE_UP_DAY,
        True,
    )


def test_a_2027_day_is_an_estimate():
    calendar = WorkingCalendar()
    holiday = calendar.day_status(D("2027-02-09"))  # the package's "observed" day after the Spring Festival
    assert (holiday.is_working, holiday.source) == (False, DaySource.ESTIMATE)
    assert "春节" in holiday.name
    ordinary = calendar.day_status(D("2027-03-03"))
    assert (ordinary.is_working, ordinary.source, ordinary.name, ordinary.ordinary) == (
        True,
        DaySource.ESTIMATE,
        None,
        True,
    )
    assert calendar.source(D("2027-03-03")) == DaySource.ESTIMATE
    # the estimate has no make-up working days: Saturday the 13th is off
    assert not calendar.is_working_day(D("2027-02-13"))


def test_an_administrator_entry_wins_and_says_so():
    calendar = WorkingCalendar(
        {D("2027-02-13"): True, D("2025-10-01"): True, D("2027-02-11"): False},
        {D("2027-02-13"): "春节调休", D("2025-10-01"): "", D("2027-02-11"): "春节"},
    )
    worked = calendar.day_status(D("2027-02-13"))
    assert (worked.is_working, worked.source, worked.name, worked.note) == (
        True,
        DaySource.ADMINISTRATOR,
        "春节调休",
        "春节调休",
    )
    official_overridden = calendar.day_status(D("2025-10-01"))  # over the official table too
    assert (official_overridden.is_working, official_overridden.source) == (True, DaySource.ADMINISTRATOR)
    assert calendar.source(D("2025-10-02")) == DaySource.OFFICIAL
    # an entry without a note on a weekend worked is a 调休
    assert WorkingCalendar({D("2027-02-14"): True}).day_status(D("2027-02-14")).name == MAKE_UP_DAY


def test_a_year_is_published_when_official_or_its_notice_entered():
    calendar = WorkingCalendar({D("2028-01-31"): False, D("2030-05-06"): False}, notice_years={2028})
    assert calendar.year_source(2025) == DaySource.OFFICIAL and calendar.is_published(2025)
    assert calendar.year_source(2027) == DaySource.ESTIMATE and not calendar.is_published(2027)
    assert calendar.year_source(2028) == DaySource.ADMINISTRATOR and calendar.is_published(2028)
    # a day set on its own in 2030 says nothing of the rest of the year: still an estimate
    assert calendar.year_source(2030) == DaySource.ESTIMATE and not calendar.is_published(2030)
    assert calendar.estimated_years_between(D("2029-03-01"), D("2025-06-30")) == [2027, 2029]
    assert WorkingCalendar().estimated_years_between(D("2026-01-01"), D("2026-12-31")) == []


def test_special_days_are_holidays_make_up_days_and_entries():
    calendar = WorkingCalendar({D("2025-03-12"): False}, {D("2025-03-12"): "植树停工"})
    days = {d.day: d for d in calendar.special_days(2025)}
    assert days[D("2025-10-01")].name == "国庆节" and days[D("2025-09-28")].name == MAKE_UP_DAY
    assert days[D("2025-03-12")].source == DaySource.ADMINISTRATOR
    assert D("2025-03-11") not in days  # an ordinary Tuesday
    assert all(not d.ordinary for d in days.values())
    assert len(calendar.year_days(2025)) == 365 and len(calendar.year_days(2028)) == 366


# -- due dates stand for a day ------------------------------------------------------------------
def test_a_due_moment_at_midnight_is_24_00_of_the_day_before():
    assert due_day(datetime(2027, 2, 11, 16, 0, tzinfo=UTC)) == D("2027-02-11")  # 00:00 on the 12th, Beijing
    assert due_day(datetime(2027, 2, 11, 16, 1, tzinfo=UTC)) == D("2027-02-12")
    assert due_day(datetime(2027, 2, 11, 1, 0, tzinfo=UTC)) == D("2027-02-11")  # 09:00


# -- the schedule lines -------------------------------------------------------------------------
SCHEDULE_2027 = """
# 国务院办公厅关于2027年部分节假日安排的通知 (made up for the tests)
2027-01-01 元旦
2027-02-06..2027-02-13 春节
2027-02-14 调休
2027-05-01..2027-05-05 劳动节
2027-05-08 上班 劳动节调休
2027-10-01 ~ 2027-10-07 国庆节、中秋节
"""


def test_schedule_lines_are_read():
    schedule = parse_schedule(2027, SCHEDULE_2027)
    assert schedule.year == 2027
    assert [(h.start, h.end, h.name) for h in schedule.holidays] == [
        (D("2027-01-01"), D("2027-01-01"), "元旦"),
        (D("2027-02-06"), D("2027-02-13"), "春节"),
        (D("2027-05-01"), D("2027-05-05"), "劳动节"),
        (D("2027-10-01"), D("2027-10-07"), "国庆节、中秋节"),
    ]
    assert [(m.day, m.note) for m in schedule.make_up_days] == [(D("2027-02-14"), ""), (D("2027-05-08"), "劳动节调休")]
    assert schedule.holidays[1].key == "lines.4"


def codes(year, text):
    with pytest.raises(InvalidData) as info:
        parse_schedule(year, text)
    return {k: (e.code, e.params) for k, e in info.value.codes.items()}


def test_schedule_lines_are_checked_each_on_its_own_line():
    assert codes(
        2027,
        "\n".join(
            [
                "2027-02-06..2027-02-13 春节",  # 1: fine
                "2027-02-30 春节",  # 2
                "2026-12-31 元旦",  # 3
                "2027-02-13..2027-02-06 春节",  # 4
                "2027-02-10 补假",  # 5: already in line 1
                "2027-02-15 调休",  # 6: a Monday
                "2027-02-20",  # 7: a Saturday, no name
                "hello",  # 8
                "2027-01-01..2027-03-01 寒假",  # 9
                "2027-03-06 working",  # 10: fine, a Saturday
            ]
        ),
    ) == {
        "lines.2": ("no_such_date", {"day": "2027-02-30"}),  # written right, but no such day
        "lines.3": ("not_in_year", {"year": 2027}),
        "lines.4": ("range_backwards", {}),
        "lines.5": ("calendar_overlap", {"day": "2027-02-10"}),
        "lines.6": ("make_up_on_weekday", {"day": "2027-02-15"}),
        "lines.7": ("holiday_on_weekend", {"day": "2027-02-20"}),
        "lines.8": ("calendar_line", {}),
        "lines.9": ("range_too_long", {"max": 31}),
    }
    # a weekday worked with a reason, a weekend holiday with its name: taken
    parse_schedule(2027, "2027-02-15 调休 按县里统一安排\n2027-02-20 春节")
    assert codes(2027, "") == {"holidays": ("required", {})}
    assert codes(2027, "2027-02-14 调休") == {"holidays": ("required", {})}
    assert codes(1999, "1999-10-01 国庆节") == {"year": ("min", {"min": 2000})}
    assert codes(2027, "2027-01-01 " + "长" * 201) == {"lines.1": ("max_length", {"max": 200})}


def test_structured_schedules_name_their_entries():
    from engine.usecases.deadlines import _problems

    problems = _problems(
        YearSchedule(
            2027,
            (HolidayRange(D("2027-02-06"), D("2027-02-13"), "春节"), HolidayRange(D("2028-01-01"), D("2028-01-01"))),
            (MakeUpDay(D("2027-02-07")),),
        )
    )
    assert {k: e.code for k, e in problems.items()} == {
        "holidays.1": "not_in_year",
        "make_up_days.0": "calendar_overlap",
    }


def test_entries_read_back_as_schedule_lines():
    entries = [
        CalendarEntry(D("2027-01-01"), False, "元旦"),
        CalendarEntry(D("2027-02-05"), True, "按国务院安排上班"),  # made by entering a schedule: left out
        CalendarEntry(D("2027-02-06"), False, "春节"),
        CalendarEntry(D("2027-02-07"), False, "春节"),
        CalendarEntry(D("2027-02-08"), False, "春节"),
        CalendarEntry(D("2027-02-14"), True, MAKE_UP_DAY),
        CalendarEntry(D("2027-05-08"), True, "劳动节调休"),
    ]
    text = schedule_text(entries)
    assert text == "\n".join(
        [
            "2027-01-01 元旦",
            "2027-02-06..2027-02-08 春节",
            "2027-02-14 调休",
            "2027-05-08 调休 劳动节调休",
        ]
    )
    again = parse_schedule(2027, text)
    assert [(m.day, m.note) for m in again.make_up_days] == [(D("2027-02-14"), ""), (D("2027-05-08"), "劳动节调休")]


# -- settings' bounds ---------------------------------------------------------------------------
def test_every_setting_has_bounds_around_its_default():
    for name, spec in DEFAULTS.items():
        assert spec.minimum <= spec.default <= spec.maximum, name
        assert spec.label and spec.explanation, name  # "中文 English"
    bounds = {name: (spec.minimum, spec.maximum) for name, spec in DEFAULTS.items()}
    assert bounds["petition.accept_days"] == (1, 365)
    assert bounds["petition.max_extension_days"] == (0, 365)
    assert bounds["proposal.reply_months"] == (1, 24)
    assert bounds["proposal.evaluation_working_days"] == (1, 120)
    assert bounds["reminder.working_days_before"] == (0, 30)


def test_the_script_budgets_start_at_the_sandbox_floor():
    assert DEFAULTS["script.time_budget_ms"].minimum == sandbox.MIN_TIME_MS
    assert DEFAULTS["script.step_budget"].minimum == sandbox.MIN_STEPS


def test_stored_values_out_of_range_are_clamped_and_told():
    stored = {"petition.accept_days": "0", "petition.handle_days": "100000", "reminder.working_days_before": "0"}
    values = resolve(stored)
    assert (values["petition.accept_days"], values["petition.handle_days"]) == (1, 365)
    assert values["reminder.working_days_before"] == 0  # in range: as stored
    assert out_of_range(stored) == {"petition.accept_days": "0", "petition.handle_days": "100000"}
    assert resolve({"petition.review_days": "soon"})["petition.review_days"] == 30  # no number: the default
    assert out_of_range({"petition.review_days": "soon"}) == {"petition.review_days": "soon"}
