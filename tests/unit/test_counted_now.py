"""A stored period counted again on today's calendar (legal.recount, legal.counted_now), and a
due moment said as the pages say it without a reader's zone (legal.due_text, the command line).
Dates by hand from the 2026 schedule (国办发明电〔2025〕7号: 春节 02-15..02-23, 02-14 and 02-28 上班)
and the holidays package's 2027 estimate (02-05, 02-08..02-10 off, no 调休)."""

from datetime import UTC, date, datetime

from engine.deadlines import legal
from engine.deadlines.calendar import LOCAL_TZ, WorkingCalendar

D = date.fromisoformat


def test_a_rule_counted_on_the_estimate_is_counted_again_on_the_entered_notice():
    estimate = WorkingCalendar()
    stored = legal.after_months(D("2026-11-30"), 3, estimate)
    # Sunday 2027-02-28 rolled to Monday 03-01 on the estimate, 2027 an estimate
    assert (stored.last_day, stored.estimated_years) == (D("2027-03-01"), (2027,))
    entered = WorkingCalendar({D("2027-02-28"): True, D("2027-02-11"): False}, notice_years={2027})
    now = legal.counted_now(stored, entered)
    assert now.estimated_years == () and now.differs is not None
    assert now.differs.last_day == D("2027-02-28") and now.differs.ends_at == datetime(2027, 3, 1, tzinfo=LOCAL_TZ)
    # the same calendar counts the same end: nothing to say but what is still estimated
    assert legal.counted_now(stored, estimate) == legal.CountedNow((2027,), None)
    # one day set in 2027 is not its notice: still an estimate
    assert legal.counted_now(stored, WorkingCalendar({D("2027-02-28"): True})).estimated_years == (2027,)


def test_working_days_and_typed_dates_counted_again():
    stored = legal.after_working_days(D("2027-01-29"), 20, WorkingCalendar())
    assert stored.last_day == D("2027-03-04")
    off = {D(f"2027-02-{day:02}"): False for day in range(5, 14)}
    again = legal.recount(stored, WorkingCalendar({**off, D("2027-02-28"): True}, notice_years={2027}))
    assert again.last_day == D("2027-03-05")  # lost 02-11 and 02-12, gained Sunday 02-28
    typed = legal.on_date(D("2027-02-11"))
    assert legal.recount(typed, WorkingCalendar(off)) is typed  # a date someone set stays


def test_due_text_is_beijing_time_with_24_00_for_a_periods_end():
    assert legal.due_text(datetime(2026, 2, 14, 16, 0, tzinfo=UTC)) == "2026-02-14 24:00"
    assert legal.due_text(datetime(2026, 2, 14, 1, 30, tzinfo=UTC)) == "2026-02-14 09:30"
    assert legal.due_text(legal.after_days(D("2026-01-30"), 15, WorkingCalendar()).ends_at) == "2026-02-14 24:00"
