"""Camunda's cron timer cycles (Quartz syntax) read by engine.deadlines.cron: the next fire
time in the congress's zone (Beijing), Quartz's day-of-week numbers and ?, L and #, and a
refusal naming the field that is wrong."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.deadlines.cron import CronError, looks_like_cron, next_fire

MONDAY_0902 = datetime(2026, 3, 2, 1, 2, 3, tzinfo=UTC)  # Monday 09:02:03 in Beijing


@pytest.mark.parametrize(
    ("cron", "expected"),
    [
        ("0 0/5 * * * ?", datetime(2026, 3, 2, 1, 5, tzinfo=UTC)),  # every five minutes, on the minute
        ("0 0 9 ? * MON-FRI", datetime(2026, 3, 3, 1, 0, tzinfo=UTC)),  # 09:00 Beijing is 01:00 UTC
        ("0 0 9 ? * 2-6", datetime(2026, 3, 3, 1, 0, tzinfo=UTC)),  # Quartz: 2 = Monday, 6 = Friday
        ("0 15 10 ? * 1/2", datetime(2026, 3, 3, 2, 15, tzinfo=UTC)),  # Sun, Tue, Thu, Sat
        ("0 0 10 L * ?", datetime(2026, 3, 31, 2, 0, tzinfo=UTC)),  # the last day of the month
        ("0 0 10 ? * 6#3", datetime(2026, 3, 20, 2, 0, tzinfo=UTC)),  # the third Friday
        ("0 0 10 ? * 6L", datetime(2026, 3, 27, 2, 0, tzinfo=UTC)),  # the last Friday
        ("0 0/5 14,18 * * ?", datetime(2026, 3, 2, 6, 0, tzinfo=UTC)),
        ("0 0 12 * * ? 2025", None),  # a past year: never again
    ],
)
def test_the_next_fire_time_is_quartz_s_in_beijing(cron, expected):
    assert next_fire(cron, MONDAY_0902) == expected


def test_the_next_fire_time_is_strictly_after_the_given_moment():
    assert next_fire("0 0/5 * * * ?", datetime(2026, 3, 2, 1, 5, tzinfo=UTC)) == datetime(2026, 3, 2, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        (
            "0 61 * * * ?",
            "minute '61': Error validating expression '61': the last value (61) is higher than the maximum value (59)",
        ),
        (
            "0 0 25 * * ?",
            "hour '25': Error validating expression '25': the last value (25) is higher than the maximum value (23)",
        ),
        ("0 0 9 ? * 8", "day-of-week '8': Quartz numbers the days 1 (Sunday) to 7 (Saturday)"),
        ("0 0 9 15W * ?", "day-of-month '15W': W (nearest weekday) and L-n are not supported"),
        ("0 0 9 1 * 2", "'0 0 9 1 * 2': give a day-of-month or a day-of-week, and '?' for the other"),
    ],
)
def test_a_cron_this_engine_cannot_run_is_refused_naming_the_field(cron, message):
    with pytest.raises(CronError) as info:
        next_fire(cron, MONDAY_0902)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "cron"),
    [("0 0/5 * * * ?", True), ("0 0 12 * * ? 2030", True), ("R3/PT10M", False), ("PT5M", False), ("x + 1", False)],
)
def test_what_a_timer_cycle_is_read_as_cron(text, cron):
    assert looks_like_cron(text) is cron
