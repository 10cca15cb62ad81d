"""Working days over a year the holidays package only half knows (2027: holidays yes,
make-up working days no), administrator entries, reminder moments, and the occurrences of
timer start events."""

from datetime import UTC, date, datetime, timedelta

import pytest

from engine.bpmn.runtime import Runtime
from engine.deadlines.calendar import LOCAL_TZ, WorkingCalendar
from engine.deadlines.date_functions import make_helpers
from engine.deadlines.recurrence import next_occurrence
from engine.deadlines.reminders import reminder_time
from engine.deadlines.settings import resolve


def local(y, m, d, hour=9):
    return datetime(y, m, d, hour, tzinfo=LOCAL_TZ)


def test_a_deadline_across_spring_festival_2027_does_not_crash():
    # from Wednesday 2027-02-03: Feb 4, then the holiday Feb 5-10 and the weekend Feb 13-14
    due = WorkingCalendar().add_working_days(local(2027, 2, 3), 5)
    assert due == local(2027, 2, 16)


def test_an_official_make_up_day_entered_by_the_administrator_changes_the_result():
    # 2027's make-up working days (调休) are not in the package yet: enter one
    calendar = WorkingCalendar({date(2027, 2, 13): True})
    assert calendar.is_working_day(date(2027, 2, 13))
    assert calendar.add_working_days(local(2027, 2, 3), 5) == local(2027, 2, 15)
    # and a day off the package does not know moves a deadline later
    assert WorkingCalendar({date(2027, 2, 11): False}).add_working_days(local(2027, 2, 3), 5) == local(2027, 2, 17)


def test_counting_backwards_for_reminders_skips_holidays():
    # 3 working days before Monday 2027-02-15 09:00: Feb 12, 11, then back over the holiday to Feb 4
    assert WorkingCalendar().add_working_days(local(2027, 2, 15), -3) == local(2027, 2, 4)


def test_years_far_ahead_still_count():
    assert WorkingCalendar().add_working_days(local(2035, 12, 28), 10).year == 2036


def runtime(overrides=None, settings=None):
    return Runtime(make_helpers(lambda: WorkingCalendar(overrides or {}), lambda: resolve(settings or {})))


def test_reminder_time_follows_setting_and_calendar():
    due = local(2027, 2, 15).astimezone(UTC)
    assert reminder_time(runtime().environment.globals, due) == local(2027, 2, 4).astimezone(UTC)
    assert reminder_time(runtime(settings={"reminder.working_days_before": "1"}).environment.globals, due) == local(
        2027, 2, 12
    ).astimezone(UTC)
    assert reminder_time(
        runtime({date(2027, 2, 12): False}, {"reminder.working_days_before": "1"}).environment.globals, due
    ) == local(2027, 2, 11).astimezone(UTC)
    assert reminder_time(runtime(settings={"reminder.working_days_before": "0"}).environment.globals, due) is None


# -- timer start events ------------------------------------------------------------------
DEPLOYED = local(2026, 12, 7).astimezone(UTC)


def utc(when):
    return when.astimezone(UTC)


def test_date_occurs_once():
    assert next_occurrence("timeDate", "2027-03-20T09:00:00+08:00", DEPLOYED, DEPLOYED) == utc(local(2027, 3, 20))
    assert next_occurrence("timeDate", "2027-03-20T09:00:00+08:00", utc(local(2027, 3, 20)), DEPLOYED) is None
    assert next_occurrence("timeDate", "2027-03-20T09:00:00", DEPLOYED, DEPLOYED) == utc(local(2027, 3, 20))


def test_yearly_cycle_for_the_voter_reception_day():
    cycle = "R/2027-03-20T09:00:00+08:00/P1Y"
    assert next_occurrence("timeCycle", cycle, DEPLOYED, DEPLOYED) == utc(local(2027, 3, 20))
    assert next_occurrence("timeCycle", cycle, utc(local(2027, 3, 20)), DEPLOYED) == utc(local(2028, 3, 20))
    assert next_occurrence("timeCycle", cycle, utc(local(2040, 1, 1)), DEPLOYED) == utc(local(2040, 3, 20))


def test_monthly_cycle_keeps_to_the_calendar():
    cycle = "R/2027-01-31T09:00:00+08:00/P1M"
    first = next_occurrence("timeCycle", cycle, DEPLOYED, DEPLOYED)
    second = next_occurrence("timeCycle", cycle, first, DEPLOYED)
    third = next_occurrence("timeCycle", cycle, second, DEPLOYED)
    assert [first, second, third] == [utc(local(2027, 1, 31)), utc(local(2027, 2, 28)), utc(local(2027, 3, 31))]


def test_a_counted_cycle_ends():
    cycle = "R2/2027-01-05T09:00:00+08:00/P1M"
    assert next_occurrence("timeCycle", cycle, utc(local(2027, 1, 5)), DEPLOYED) == utc(local(2027, 2, 5))
    assert next_occurrence("timeCycle", cycle, utc(local(2027, 2, 5)), DEPLOYED) is None


def test_cycles_and_durations_relative_to_deployment():
    assert next_occurrence("timeCycle", "R/P1D", DEPLOYED, DEPLOYED) == DEPLOYED + timedelta(days=1)
    assert next_occurrence(
        "timeCycle", "R/PT1H", DEPLOYED + timedelta(hours=5, minutes=1), DEPLOYED
    ) == DEPLOYED + timedelta(hours=6)
    assert next_occurrence("timeDuration", "P1M", DEPLOYED, DEPLOYED) == utc(local(2027, 1, 7))
    # duration/end: as SpiffWorkflow reads it, the cycle starts one interval before the end
    assert next_occurrence("timeCycle", "R/P1D/2027-01-01T09:00:00+08:00", DEPLOYED, DEPLOYED) == utc(
        local(2026, 12, 31)
    )


@pytest.mark.parametrize(
    "kind,value",
    [
        ("timeCycle", "2027-01-01"),
        ("timeCycle", "R/2027-01-01T00:00:00/PT0S"),
        ("timeDate", "next monday"),
        ("timeCycle", "R/P1X"),
    ],
)
def test_nonsense_is_refused(kind, value):
    with pytest.raises(ValueError):
        next_occurrence(kind, value, DEPLOYED, DEPLOYED)
