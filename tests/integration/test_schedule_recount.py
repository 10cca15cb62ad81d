"""Entering a year's schedule recounts every pending deadline that has a rule: the preview
lists each whose end the schedule moves (not only those due on a changed day), with the
stored and the recounted end and the step by its name; only entering the whole notice makes
a year published; the command line says due dates as the pages do (Beijing, 24:00).

The clock stands at Monday 2026-12-07 09:00 in Beijing; 2027 is an estimate (holidays 0.109:
元旦 01-01, 农历除夕 02-05, 春节 02-06..02-08 with 02-09 and 02-10 in lieu, no 调休 day). The
schedule entered below keeps 元旦, makes 02-05..02-13 春节 and Sunday 02-28 a 调休 working day."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from engine.access import SYSTEM
from engine.deadlines.calendar import LOCAL_TZ, DaySource
from engine.usecases import cases, deadlines
from storage.models import CalendarDay, WorkItem
from tests.world import act, create_people, deploy

ADMIN = "admin"

SCHEDULE = """2027-01-01 元旦
2027-02-05..2027-02-13 春节
2027-02-28 调休
"""


def end_of(y, m, d):
    """24:00 of that day, Beijing time, as stored: 00:00 of the next day."""
    return datetime(y, m, d, tzinfo=LOCAL_TZ) + timedelta(days=1)


@pytest.fixture
def world(session_factory, frozen_clock):
    create_people(session_factory, ADMIN)
    deploy(session_factory, "legal_periods.bpmn")
    return session_factory


def start(factory, number, assigned_on, receipt_from, wait_from):
    with factory.begin() as s:
        data = {"assigned_on": assigned_on, "receipt_from": receipt_from, "wait_from": wait_from}
        return cases.start_instance(s, SYSTEM, "legal_periods", data, title=f"案件{number}", business_key=number).id


@pytest.fixture
def two_cases(world):
    # reply: 2026-11-30 + 3 months = Sunday 2027-02-28, rolled to Monday 03-01 on the estimate;
    # receipt: 20 working days from Friday 2027-01-29 end on Thursday 03-04 on the estimate
    # (02-05 and 02-08..02-10 off); notice: 30 days from 01-12 = Thursday 02-11, a working day
    first = start(world, "2026-建-001", "2026-11-30", "2027-01-29", "2027-01-12")
    # reply: 2026-11-11 + 3 months = Thursday 2027-02-11, a working day on the estimate; the
    # receipt (from 2026-12-01) and the notice (to 2026-12-31) end in 2026, an official year
    second = start(world, "2026-建-002", "2026-11-11", "2026-12-01", "2026-12-01")
    return first, second


def test_the_preview_lists_every_deadline_the_schedule_counts_to_another_end(world, two_cases):
    first, second = two_cases
    preview = act(world, ADMIN, deadlines.preview_year_schedule, deadlines.parse_schedule(2027, SCHEDULE))
    listed = {
        (a.instance_id, a.what, a.name): (a.due_at, a.recounted_at) for a in preview.affected if a.what != "reminder"
    }
    assert listed == {
        # 02-28 is a 调休 working day: the last day is not rolled, the reply is due 02-28 24:00
        (first, "task", "办理并书面答复"): (end_of(2027, 3, 1), end_of(2027, 2, 28)),
        (first, "bpmn", "答复期满"): (end_of(2027, 3, 1), end_of(2027, 2, 28)),
        # 02-11 and 02-12 are off now, 02-28 worked: Feb 1-4, 15-19, 22-26, 28 and Mar 1-5
        (first, "task", "回执"): (end_of(2027, 3, 4), end_of(2027, 3, 5)),
        # an intermediate timer no task shares: its rule is the one the case kept (02-11 is
        # 春节 now, rolled to Monday 02-15)
        (first, "bpmn", "公示期满"): (end_of(2027, 2, 11), end_of(2027, 2, 15)),
        # 02-11 is 春节 now: rolled past the holiday and Sunday 02-14 to Monday 02-15
        (second, "task", "办理并书面答复"): (end_of(2027, 2, 11), end_of(2027, 2, 15)),
        (second, "bpmn", "答复期满"): (end_of(2027, 2, 11), end_of(2027, 2, 15)),
    }
    # and the replies' reminders, no deadlines: they move, to stay 3 working days before the
    # stored ends (before 03-02 00:00: 03-01, 02-26, 02-25 on the estimate, 03-01, 02-28 and
    # 02-26 once 02-28 is worked; before 02-12 00:00: 02-11, 02-04, 02-03 on the estimate,
    # 02-04, 02-03, 02-02 once 02-05..02-13 are off); the receipt's (03-04, 03-03, 03-02) stays
    reminders = {(a.instance_id, a.name): (a.due_at, a.moves_to) for a in preview.affected if a.what == "reminder"}
    assert reminders == {
        (first, "办理并书面答复"): (end_of(2027, 2, 24), end_of(2027, 2, 25)),
        (second, "办理并书面答复"): (end_of(2027, 2, 2), end_of(2027, 2, 1)),
    }
    reply = next(a for a in preview.affected if a.instance_id == first and a.what == "task" and a.recounted_at)
    assert (reply.case_title, reply.case_number, reply.day) == ("案件2026-建-001", "2026-建-001", date(2027, 3, 1))
    assert reply.was_working and reply.now_working  # the due day itself does not change
    moved_day = next(a for a in preview.affected if a.instance_id == second and a.what == "task")
    assert (moved_day.day, moved_day.was_working, moved_day.now_working) == (date(2027, 2, 11), True, False)


def test_entering_keeps_the_stored_ends_and_the_preview_still_lists_them(world, two_cases):
    first, _ = two_cases
    act(world, ADMIN, deadlines.enter_year_schedule, deadlines.parse_schedule(2027, SCHEDULE))
    with world() as s:
        reply = s.scalars(
            select(WorkItem).where(WorkItem.instance_id == first, WorkItem.name == "办理并书面答复")
        ).one()
        assert reply.due_at == end_of(2027, 3, 1)  # stored due dates do not move
    again = act(world, ADMIN, deadlines.preview_year_schedule, deadlines.parse_schedule(2027, SCHEDULE))
    assert again.changes == []
    # still to be corrected by hand: listed until someone does
    assert (first, "task", "办理并书面答复", end_of(2027, 2, 28)) in {
        (a.instance_id, a.what, a.name, a.recounted_at) for a in again.affected
    }


def test_only_entering_the_notice_makes_a_year_published(world):
    with world.begin() as s:
        deadlines.set_calendar_day(s, SYSTEM, date(2028, 3, 1), False, "本地停工")
    with world() as s:
        year = deadlines.calendar_year(s, 2028)
        assert (year.source, year.published) == (DaySource.ESTIMATE, False)
        assert deadlines.day_status(s, date(2028, 3, 1)).source == DaySource.ADMINISTRATOR
    act(world, ADMIN, deadlines.enter_year_schedule, deadlines.parse_schedule(2027, SCHEDULE))
    with world() as s:
        assert deadlines.calendar_year(s, 2027).published
        assert not deadlines.calendar_year(s, 2028).published
        entered = {r.day: r.from_notice for r in s.scalars(select(CalendarDay))}
    assert entered[date(2028, 3, 1)] is False and entered[date(2027, 2, 28)] is True


def test_a_deadline_counted_into_a_year_with_a_day_set_still_says_estimate(world, frozen_clock):
    """The runtime's calendar: one day set in 2028 leaves 2028 an estimate for new deadlines."""
    with world.begin() as s:
        deadlines.set_calendar_day(s, SYSTEM, date(2028, 3, 1), False, "本地停工")
    case = start(world, "2027-建-009", "2027-12-01", "2026-12-01", "2026-12-01")
    with world() as s:
        reply = s.scalars(select(WorkItem).where(WorkItem.instance_id == case, WorkItem.name == "办理并书面答复")).one()
    # 2027-12-01 + 3 months = Wednesday 2028-03-01, the day set off: Thursday 03-02
    assert reply.due_at == end_of(2028, 3, 2)
    assert reply.due_rule["estimated_years"] == [2027, 2028]


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


@pytest.fixture
def app(make_app, db_url, world):
    return make_app(db_url)


def test_the_command_line_says_the_ends_in_beijing_time_by_name(app, world, two_cases, tmp_path):
    first, second = two_cases
    path = tmp_path / "2027.txt"
    path.write_text(SCHEDULE, encoding="utf-8")
    out = run(app, "calendar", "enter", "2027", str(path), "--preview", "--user", ADMIN)
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert (
        f"  task 办理并书面答复 of case #{first} 2026-建-001 案件2026-建-001: stored due 2027-03-01 24:00, "
        "by its rule now 2027-02-28 24:00 (2027-03-01 working day)"
    ) in lines
    assert (
        f"  timer 答复期满 of case #{second} 2026-建-002 案件2026-建-002: stored due 2027-02-11 24:00, "
        "by its rule now 2027-02-15 24:00 (2027-02-11 working day → day off)"
    ) in lines
    assert "+00:00" not in out.output and "Timer_" not in out.output
    check = run(app, "calendar", "check", "2026-12-08").output
    # the first due date in 2027: the second case's reply reminder, 3 working days before 02-11
    # 24:00 on the estimate (02-11, 02-04, 02-03): 2027-02-03 00:00
    assert "fall in 2027 (the first 2027-02-02 24:00)" in check
