"""The legal counting of periods (engine/deadlines/legal.py), against cases worked out by
hand from the civil code's rules and the State Council's holiday schedules:

2024: 春节 02-10..02-17 off, 02-04 (Sun) and 02-18 (Sun) worked.
2025: 元旦 01-01; 春节 01-28..02-04 off, 01-26 (Sun) and 02-08 (Sat) worked; 劳动节 05-01..05-05
      off, 04-27 (Sun) worked; 端午 05-31..06-02; 国庆·中秋 10-01..10-08 off, 09-28 (Sun) and
      10-11 (Sat) worked.
2026: 元旦 01-01..01-03 off, 01-04 (Sun) worked; 春节 02-15..02-23 off, 02-14 (Sat) and 02-28
      (Sat) worked; 国庆 10-01..10-07 off, 09-20 (Sun) and 10-10 (Sat) worked.
2027: not published when this was written: the calendar's estimate (weekends off, 01-01 off).

A period ends at 24:00 of its last day, written as 00:00 of the next day, Beijing time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from engine.deadlines import legal
from engine.deadlines.calendar import LOCAL_TZ, WorkingCalendar

CAL = WorkingCalendar()
D = date.fromisoformat

# (start, amount, the last day by hand, whether a holiday moved it)
DAYS = [
    ("2025-03-03", 10, "2025-03-13", False),  # a plain Thursday
    ("2025-03-03", 0, "2025-03-03", False),  # nothing to count: the start day itself
    ("2025-03-05", 10, "2025-03-17", True),  # Saturday 03-15 → Monday
    ("2025-03-06", 10, "2025-03-17", True),  # Sunday 03-16 → Monday
    ("2025-09-20", 15, "2025-10-09", True),  # Sunday 10-05, inside 国庆 → the first working day after it
    ("2025-09-16", 15, "2025-10-09", True),  # 10-01, 国庆's first day
    ("2025-09-23", 15, "2025-10-09", True),  # 10-08, 国庆's last day
    ("2025-09-24", 15, "2025-10-09", False),  # 10-09 is a working Thursday
    ("2025-09-26", 2, "2025-09-28", False),  # Sunday 09-28 is a 调休 working day: no roll
    ("2025-10-09", 2, "2025-10-11", False),  # Saturday 10-11 is a 调休 working day
    ("2025-01-10", 16, "2025-01-26", False),  # Sunday 01-26 is a 调休 working day
    ("2025-01-10", 18, "2025-02-05", True),  # 01-28, 春节 → 02-05
    ("2025-01-20", 14, "2025-02-05", True),  # 02-03, inside 春节
    ("2025-01-22", 15, "2025-02-06", False),
    ("2025-04-29", 2, "2025-05-06", True),  # 05-01, 劳动节 until 05-05
    ("2025-04-20", 7, "2025-04-27", False),  # Sunday 04-27 is a 调休 working day
    ("2026-02-01", 15, "2026-02-24", True),  # 02-16, 春节 until 02-23
    ("2026-02-04", 10, "2026-02-14", False),  # Saturday 02-14 is a 调休 working day
    ("2026-02-18", 10, "2026-02-28", False),  # counted from inside the holiday; 02-28 is worked
    ("2026-09-16", 15, "2026-10-08", True),  # 10-01, 国庆 until 10-07
    ("2026-09-25", 15, "2026-10-10", False),  # Saturday 10-10 is a 调休 working day
    ("2026-12-17", 15, "2027-01-04", True),  # 01-01 into an unpublished year: 元旦, then a weekend
    ("2027-01-02", 15, "2027-01-18", True),  # Sunday 01-17 → Monday (a petition received 01-02)
    ("2027-01-04", 15, "2027-01-19", False),  # a visit registered 01-04: the 15th day is 01-19
]

MONTHS = [
    ("2025-01-31", 1, "2025-02-28", False),  # no 02-31: the month's last day
    ("2024-01-31", 1, "2024-02-29", False),  # a leap year
    ("2023-12-31", 2, "2024-02-29", False),
    ("2025-03-31", 1, "2025-04-30", False),
    ("2025-08-31", 1, "2025-09-30", False),
    ("2025-05-31", 1, "2025-06-30", False),  # counted from a holiday (端午)
    ("2025-07-01", 3, "2025-10-09", True),  # 10-01 → after 国庆
    ("2025-06-04", 4, "2025-10-09", True),  # Saturday 10-04, inside 国庆
    ("2025-12-31", 2, "2026-02-28", False),  # Saturday 02-28 is a 调休 working day
    ("2025-11-30", 3, "2026-02-28", False),
    ("2025-10-31", 4, "2026-02-28", False),  # no 02-31
    ("2025-11-17", 3, "2026-02-24", True),  # 02-17, inside 春节
    ("2025-01-29", 12, "2026-01-29", False),  # a year, counted from a holiday
    ("2026-09-30", 1, "2026-10-30", False),
    ("2026-07-05", 3, "2026-10-08", True),  # Monday 10-05, inside 国庆
    ("2027-03-16", 3, "2027-06-16", False),  # a proposal assigned 03-16 answers by 06-16 24:00
]

WORKING_DAYS = [
    ("2025-03-03", 5, "2025-03-10"),  # Tue..Fri, then Monday
    ("2025-03-07", 1, "2025-03-10"),  # Friday → Monday
    ("2025-09-26", 1, "2025-09-28"),  # the 调休 Sunday counts
    ("2025-09-29", 3, "2025-10-10"),  # 09-30, then 国庆 skipped: 10-09, 10-10
    ("2025-10-09", 2, "2025-10-11"),  # 10-10 and the 调休 Saturday
    ("2026-02-12", 3, "2026-02-24"),  # 02-13, the 调休 Saturday 02-14, then 02-24 after 春节
    ("2026-02-23", 5, "2026-02-28"),  # 02-24..02-27 and the 调休 Saturday 02-28
    ("2025-01-24", 20, "2025-02-27"),  # across 春节 and both of its 调休 days
    ("2026-12-30", 3, "2027-01-05"),  # 12-31, then 元旦 and a weekend of an unpublished year
]


def _ends(day: str) -> datetime:
    return datetime.combine(D(day) + timedelta(days=1), datetime.min.time(), LOCAL_TZ)


@pytest.mark.parametrize("start, days, last, rolled", DAYS)
def test_days(start, days, last, rolled):
    deadline = legal.after_days(D(start), days, CAL)
    assert (deadline.last_day, deadline.rolled) == (D(last), rolled)
    assert deadline.ends_at == _ends(last)
    assert deadline.nominal_last_day == D(start) + timedelta(days=days)


@pytest.mark.parametrize("start, months, last, rolled", MONTHS)
def test_months(start, months, last, rolled):
    deadline = legal.after_months(D(start), months, CAL)
    assert (deadline.last_day, deadline.rolled) == (D(last), rolled)
    assert deadline.ends_at == _ends(last)


@pytest.mark.parametrize("start, working_days, last", WORKING_DAYS)
def test_working_days(start, working_days, last):
    deadline = legal.after_working_days(D(start), working_days, CAL)
    assert (deadline.last_day, deadline.rolled, deadline.ends_at) == (D(last), False, _ends(last))


def test_enough_cases_were_worked_out_by_hand():
    assert len(DAYS) + len(MONTHS) + len(WORKING_DAYS) >= 40


def test_the_start_is_the_day_in_beijing_whatever_the_time():
    late = datetime(2025, 3, 3, 23, 30, tzinfo=LOCAL_TZ)
    assert legal.after_days(late, 1, CAL).last_day == D("2025-03-04")  # 23:30 is still 03-03
    utc = datetime(2025, 3, 3, 16, 30, tzinfo=UTC)  # 00:30 on 03-04 in Beijing
    assert legal.after_days(utc, 1, CAL).last_day == D("2025-03-05")
    naive = datetime(2025, 3, 3, 9, 0)  # no zone: Beijing time
    assert legal.after_days(naive, 1, CAL).last_day == D("2025-03-04")


def test_done_during_the_last_day_is_in_time():
    deadline = legal.after_months(datetime(2027, 3, 16, 9, 0, tzinfo=LOCAL_TZ), 3, CAL)
    replied = datetime(2027, 6, 16, 15, 0, tzinfo=LOCAL_TZ)
    assert replied < deadline.ends_at
    assert datetime(2027, 6, 17, 0, 0, tzinfo=LOCAL_TZ) >= deadline.ends_at
    assert deadline.ends_at.isoformat() == "2027-06-17T00:00:00+08:00"


def test_an_administrators_entry_moves_the_end():
    holiday = WorkingCalendar({D("2025-03-13"): False})  # say the day were declared off
    assert legal.after_days(D("2025-03-03"), 10, holiday).last_day == D("2025-03-14")
    worked = WorkingCalendar({D("2025-03-15"): True})  # a Saturday declared worked
    assert legal.after_days(D("2025-03-05"), 10, worked).last_day == D("2025-03-15")


def test_a_typed_date_ends_at_24_00_and_is_not_moved():
    deadline = legal.on_date(D("2025-10-03"))  # inside 国庆: the person chose the day
    assert (deadline.last_day, deadline.ends_at) == (D("2025-10-03"), _ends("2025-10-03"))


def test_working_days_before_a_moment():
    due = datetime(2025, 10, 9, 9, 0, tzinfo=LOCAL_TZ)
    assert legal.working_days_before(due, 3, CAL) == datetime(2025, 9, 28, 9, 0, tzinfo=LOCAL_TZ)


@pytest.mark.parametrize(
    "count, fn",
    [(-1, legal.after_days), (1.5, legal.after_days), (True, legal.after_months), (10_000, legal.after_months)],
)
def test_nonsense_periods_are_refused(count, fn):
    with pytest.raises((TypeError, ValueError)):
        fn(D("2025-03-03"), count, CAL)


def test_round_trip_for_storage():
    deadline = legal.after_days(D("2025-09-20"), 15, CAL)
    assert legal.Deadline.from_dict(deadline.to_dict()) == deadline


def test_a_period_running_into_a_year_whose_holidays_are_estimated_says_which():
    """2027's schedule is the package's estimate until an administrator enters the State
    Council's notice: a period ending there says so, and keeps saying it once stored."""
    crossing = legal.after_days(D("2026-12-20"), 30, CAL)  # to Tuesday 2027-01-19
    assert (crossing.last_day, crossing.estimated_years) == (D("2027-01-19"), (2027,))
    assert legal.Deadline.from_dict(crossing.to_dict()).estimated_years == (2027,)
    assert legal.after_working_days(D("2026-12-28"), 5, CAL).estimated_years == (2027,)
    assert legal.after_months(D("2026-10-20"), 3, CAL).estimated_years == (2027,)

    within = legal.after_days(D("2026-11-20"), 30, CAL)  # to Sunday 12-20 → Monday 12-21
    assert (within.last_day, within.estimated_years) == (D("2026-12-21"), ())
    assert "estimated_years" not in within.to_dict()  # rules stored before read the same
    assert legal.on_date(D("2027-03-01")).estimated_years == ()  # a day someone chose is not counted

    entered = WorkingCalendar({D("2027-01-01"): False}, notice_years={2027})  # 2027's notice entered
    assert legal.after_days(D("2026-12-20"), 30, entered).estimated_years == ()


# (the period: start, amount, unit; the extension; the last day by hand)
EXTENSIONS = [
    # three months from 2025-12-30: 2026-03-30 (Mon); three more: six months from the same
    # start, 06-30 (Tue), the most "at most six months" allows
    ("2025-12-30", 3, "months", 3, "months", "2026-06-30"),
    # three months from 2025-11-30 end on 2026-02-28, a 调休 Saturday worked: no roll; three
    # more: 05-30, a Saturday → Monday 06-01
    ("2025-11-30", 3, "months", 3, "months", "2026-06-01"),
    # 60 days from 2025-12-20 end on 02-18, inside 春节 → 02-24; 30 days more are 90 days from
    # the start, 03-20 (Fri), not 30 days on from 02-24 (03-26)
    ("2025-12-20", 60, "days", 30, "days", "2026-03-20"),
    # a period in months lengthened by days: on from its last day as counted (02-18, before
    # the roll to 02-24), 10 days → 02-28, a 调休 Saturday worked
    ("2025-11-18", 3, "months", 10, "days", "2026-02-28"),
    # nothing granted: the period as it was, roll included
    ("2025-12-20", 60, "days", 0, "days", "2026-02-24"),
]


@pytest.mark.parametrize("start, amount, unit, more, more_unit, last", EXTENSIONS)
def test_an_extension_lengthens_the_period_itself(start, amount, unit, more, more_unit, last):
    count = legal.after_months if unit == "months" else legal.after_days
    period = count(D(start), amount, CAL)
    longer = legal.extended(period, more, legal.Unit(more_unit), CAL)
    assert longer.last_day == D(last)
    assert longer.ends_at == datetime.combine(D(last) + timedelta(days=1), datetime.min.time(), LOCAL_TZ)
