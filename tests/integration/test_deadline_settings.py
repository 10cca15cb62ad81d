"""The administrator's deadline controls on a database: a year's calendar with its sources,
the warning while pending due dates fall in an estimated year, entering a year's schedule
(previewed first, all or nothing), the settings' bounds, and the commands that show them.
The clock stands at Monday 2026-12-07 09:00 in Beijing; 2027 is the first estimated year."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from engine.access import SYSTEM
from engine.deadlines.calendar import LOCAL_TZ, DaySource
from engine.errors import InvalidData, NotAllowed
from engine.usecases import cases, deadlines
from engine.usecases.context import runtime_for
from storage.enums import TimerKind, TimerState
from storage.models import AuditEntry, CalendarDay, Setting, Timer, WorkItem
from tests.world import act, create_people, deploy, statements_sent

# the people, rows of tests.world.ROSTER: an administrator in no department and an office clerk
ADMIN = "admin"
CLERK = "clerk"


def start_deadline(factory, wait_until, handle_due):
    """A case of deadline.bpmn whose task, due ``handle_due``, is ready once ``wait_until`` passed."""
    with factory.begin() as s:
        detail = cases.start_instance(
            s, SYSTEM, "deadline", {"wait_until": wait_until.isoformat(), "handle_due": handle_due.isoformat()}
        )
    return detail.id


D = date.fromisoformat

SCHEDULE_2027 = """2027-01-01 元旦
2027-02-06..2027-02-13 春节
2027-02-14 调休
2027-04-05 清明节
2027-05-01..2027-05-05 劳动节
2027-05-08 调休
2027-06-09 端午节
2027-09-15 中秋节
2027-09-26 调休
2027-10-01..2027-10-07 国庆节
2027-10-09 调休
"""


def local(y, m, d, hour=9):
    return datetime(y, m, d, hour, tzinfo=LOCAL_TZ).astimezone(UTC)


@pytest.fixture
def world(session_factory, frozen_clock):
    create_people(session_factory, ADMIN, CLERK)
    deploy(session_factory, "deadline.bpmn")
    return session_factory


def entries(factory):
    with factory() as s:
        return [(r.day, r.is_working, r.note) for r in s.scalars(select(CalendarDay).order_by(CalendarDay.day))]


# -- the year view -------------------------------------------------------------------------------
def test_a_years_special_days_with_their_sources(world):
    with world.begin() as s:
        deadlines.set_calendar_day(s, SYSTEM, D("2025-03-12"), False, "植树停工")
    with world() as s:
        y2025 = deadlines.calendar_year(s, 2025)
        y2027 = deadlines.calendar_year(s, 2027)
        every = deadlines.calendar_year(s, 2027, every_day=True)
    days = {d.day: d for d in y2025.days}
    assert (y2025.source, y2025.published) == (DaySource.OFFICIAL, True)
    assert (days[D("2025-10-01")].source, days[D("2025-10-01")].name) == (DaySource.OFFICIAL, "国庆节")
    assert (days[D("2025-03-12")].source, days[D("2025-03-12")].note) == (DaySource.ADMINISTRATOR, "植树停工")
    assert (y2027.source, y2027.published) == (DaySource.ESTIMATE, False)
    assert all(d.source == DaySource.ESTIMATE for d in y2027.days)
    assert D("2027-02-09") in {d.day for d in y2027.days} and len(every.days) == 365
    with world() as s, pytest.raises(InvalidData) as info:
        deadlines.calendar_year(s, 2100)
    assert info.value.codes["year"].code == "max"


# -- the warning ------------------------------------------------------------------------------------
def test_pending_due_dates_in_an_estimated_year_are_warned_about_until_it_is_entered(world, frozen_clock):
    start_deadline(world, frozen_clock - timedelta(seconds=1), local(2027, 2, 11))
    start_deadline(world, frozen_clock - timedelta(seconds=1), local(2026, 12, 24))  # an official year
    with world() as s:
        warnings = deadlines.estimated_year_warnings(s)
        reminder = deadlines.working_calendar(s).add_working_days(local(2027, 2, 11), -3)
    # the task, its 督办 boundary timer and its reminder (3 working days earlier, in 2027 too)
    assert [(w.year, w.tasks, w.timers) for w in warnings] == [(2027, 1, 2)]
    assert warnings[0].first_due == reminder
    with world.begin() as s:
        deadlines.enter_year_schedule(s, SYSTEM, deadlines.parse_schedule(2027, SCHEDULE_2027))
    with world() as s:
        assert deadlines.estimated_year_warnings(s) == []
        assert deadlines.calendar_year(s, 2027).source == DaySource.ADMINISTRATOR


def test_a_due_date_at_24_00_of_new_years_eve_belongs_to_the_old_year(world, frozen_clock):
    start_deadline(world, frozen_clock - timedelta(seconds=1), datetime(2027, 1, 1, tzinfo=LOCAL_TZ))
    with world() as s:
        warnings = deadlines.estimated_year_warnings(s)
    assert [(w.year, w.tasks) for w in warnings] == []  # due 24:00 of 2026-12-31; its reminder too


# -- entering a year --------------------------------------------------------------------------------
def test_the_preview_lists_the_changes_and_the_due_dates_on_them_and_saves_nothing(world, frozen_clock):
    case = start_deadline(world, frozen_clock - timedelta(seconds=1), local(2027, 2, 11))
    on_midnight = start_deadline(world, frozen_clock - timedelta(seconds=1), datetime(2027, 2, 13, tzinfo=LOCAL_TZ))
    with world.begin() as s:
        deadlines.set_calendar_day(s, SYSTEM, D("2027-03-01"), False, "old entry")
    before = entries(world)
    preview = act(world, ADMIN, deadlines.preview_year_schedule, deadlines.parse_schedule(2027, SCHEDULE_2027))
    assert entries(world) == before  # nothing saved
    assert not preview.saved and not preview.stored_due_dates_move and preview.replaced == 1
    changes = {c.day: c for c in preview.changes}
    assert changes[D("2027-02-11")].before.is_working and not changes[D("2027-02-11")].after.is_working
    assert changes[D("2027-02-11")].before.source == DaySource.ESTIMATE
    assert changes[D("2027-02-14")].after.is_working  # 调休
    # the estimate's Chinese New Year's Eve is no holiday in the schedule: a working day again
    assert (
        changes[D("2027-02-05")].after.is_working and changes[D("2027-02-05")].after.note == deadlines.ENTERED_WORKING
    )
    assert changes[D("2027-03-01")].after.is_working  # the old entry goes
    assert D("2027-02-09") not in changes  # off before, off after
    affected = {(a.what, a.instance_id, a.day, a.moves_to) for a in preview.affected}
    # the task due on 2027-02-11 and its 督办 timer; the one due at 24:00 of the 12th (a Friday
    # that turns holiday) likewise; their reminders fall on ordinary days, but move: 3 working
    # days before the 11th are the 4th, 3rd and 2nd on the estimate (off 5th to 10th), the 5th,
    # 4th and 3rd on the schedule (off 6th to 13th); before 00:00 of the 13th the 12th, 11th and
    # 4th on the estimate, the 5th, 4th and 3rd on the schedule
    assert affected == {
        ("task", case, D("2027-02-11"), None),
        ("bpmn", case, D("2027-02-11"), None),
        ("reminder", case, D("2027-02-02"), local(2027, 2, 3)),
        ("task", on_midnight, D("2027-02-12"), None),
        ("bpmn", on_midnight, D("2027-02-12"), None),
        ("reminder", on_midnight, D("2027-02-03"), datetime(2027, 2, 3, tzinfo=LOCAL_TZ)),
    }
    assert preview.reminders_moved == 2
    task = next(a for a in preview.affected if a.what == "task" and a.instance_id == case)
    assert (task.was_working, task.now_working, task.name, task.case_title) == (
        True,
        False,
        "办理",
        "限期办理（测试） 2026-12-07",
    )
    assert task.due_at == local(2027, 2, 11)


def test_entering_a_year_replaces_its_entries_and_keeps_stored_due_dates(world, frozen_clock):
    case = start_deadline(world, frozen_clock - timedelta(seconds=1), local(2027, 2, 11))
    with world.begin() as s:
        deadlines.set_calendar_day(s, SYSTEM, D("2027-03-01"), False, "old entry")
        deadlines.set_calendar_day(s, SYSTEM, D("2028-01-03"), False, "another year")
    result = act(world, ADMIN, deadlines.enter_year_schedule, deadlines.parse_schedule(2027, SCHEDULE_2027))
    assert result.saved and result.replaced == 1
    stored = {day: (working, note) for day, working, note in entries(world)}
    assert D("2027-03-01") not in stored and stored[D("2028-01-03")] == (False, "another year")
    assert stored[D("2027-02-06")] == (False, "春节") and stored[D("2027-02-13")] == (False, "春节")
    assert stored[D("2027-02-14")] == (True, "调休")
    assert stored[D("2027-02-05")] == (True, deadlines.ENTERED_WORKING)
    with world() as s:
        assert not deadlines.is_working_day(s, D("2027-02-11"))
        status = deadlines.day_status(s, D("2027-02-11"))
        assert (status.source, status.name) == (DaySource.ADMINISTRATOR, "春节")
        assert deadlines.calendar_entries(s, 2027)[0].note == "元旦"
        # the stored due date did not move
        assert next(a for a in result.affected if a.what == "task").due_at == local(2027, 2, 11)
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "calendar_year_set")).one()
        assert audit.data["year"] == 2027 and "2027-02-11" in audit.data["changed_days"]
        # deadlines computed from now on follow it: 3 working days from Wednesday 2027-02-03 are
        # the 4th, the 5th (no longer the estimate's New Year's Eve) and Sunday the 14th (调休)
        helpers = runtime_for(s).environment.globals
        assert helpers["add_working_days"](local(2027, 2, 3).isoformat(), 3).startswith("2027-02-14")
    with world() as s:
        item = s.scalars(select(WorkItem).where(WorkItem.instance_id == case)).one()
        assert item.due_at == local(2027, 2, 11)
    # entering the same lines again changes nothing
    with world.begin() as s:
        again = deadlines.enter_year_schedule(s, SYSTEM, deadlines.parse_schedule(2027, SCHEDULE_2027))
    assert again.changes == [] and again.replaced == len(result.entries)


def test_entering_a_year_counts_pending_reminders_again_on_its_days(world, frozen_clock):
    """A task due Tuesday 2027-02-16 09:00 is reminded 3 working days before. On the estimate
    (春节 off Friday 5th to Wednesday 10th, Thursday 11th and Friday 12th working, the weekend
    off): Monday 15th, Friday 12th, Thursday 11th, at 09:00. On the State Council's schedule
    (off 6th to 13th, Sunday 14th a 调休 working day, Friday 5th working): Monday 15th, Sunday
    14th, Friday 5th. A task due before the year keeps its reminder."""
    after_new_year = start_deadline(world, frozen_clock - timedelta(seconds=1), local(2027, 2, 16))
    this_year = start_deadline(world, frozen_clock - timedelta(seconds=1), local(2026, 12, 30))

    def reminders() -> dict[int, datetime]:
        with world() as s:
            rows = s.execute(
                select(Timer.instance_id, Timer.due_at).where(
                    Timer.kind == TimerKind.REMINDER, Timer.state == TimerState.PENDING
                )
            )
            return {case: due.replace(tzinfo=UTC) if due.tzinfo is None else due for case, due in rows}

    before = reminders()
    assert before[after_new_year] == local(2027, 2, 11)
    assert before[this_year] == local(2026, 12, 25)  # 3 working days before Wed 30th: 29th, 28th, Fri 25th
    result = act(world, ADMIN, deadlines.enter_year_schedule, deadlines.parse_schedule(2027, SCHEDULE_2027))
    assert result.reminders_moved == 1
    after = reminders()
    assert after[after_new_year] == local(2027, 2, 5)
    assert after[this_year] == local(2026, 12, 25)


def test_the_preview_says_which_reminders_move_and_entering_moves_those(world, frozen_clock):
    """A task due Wednesday 2027-01-06 09:00 is reminded 3 working days before: on the
    estimate (元旦 off on Friday 1st only) Tuesday 5th, Monday 4th, Thursday 2026-12-31; with
    元旦 entered as Friday 1st to Tuesday 5th, Thursday 31st, Wednesday 30th, Tuesday 29th. The
    reminder is in 2026 before and after, its due date in 2027: the preview lists it with the
    moment it moves to, and entering the year moves it there; the due date stays."""
    case = start_deadline(world, frozen_clock - timedelta(seconds=1), local(2027, 1, 6))
    schedule = deadlines.parse_schedule(2027, "2027-01-01..2027-01-05 元旦")

    def reminder() -> tuple[int, datetime]:
        with world() as s:
            return s.execute(
                select(Timer.id, Timer.due_at).where(
                    Timer.kind == TimerKind.REMINDER, Timer.state == TimerState.PENDING, Timer.instance_id == case
                )
            ).one()

    timer_id, stored = reminder()
    assert stored == local(2026, 12, 31)
    preview = act(world, ADMIN, deadlines.preview_year_schedule, schedule)
    assert preview.reminders_moved == 1
    listed = [a for a in preview.affected if a.what == "reminder"]
    assert [(a.id, a.due_at, a.day, a.moves_to) for a in listed] == [
        (timer_id, local(2026, 12, 31), D("2026-12-31"), local(2026, 12, 29))
    ]
    assert reminder() == (timer_id, local(2026, 12, 31))  # a preview moves nothing
    result = act(world, ADMIN, deadlines.enter_year_schedule, schedule)
    assert result.reminders_moved == 1
    assert reminder() == (timer_id, local(2026, 12, 29))
    with world() as s:
        assert s.scalars(select(WorkItem.due_at).where(WorkItem.instance_id == case)).one() == local(2027, 1, 6)


def test_a_deadline_reads_the_changed_settings_and_the_entered_days_in_one_statement(world):
    """A period's setting and the working days to count it on are what the administrator
    changed and entered, read together: one round trip to a database server, not two."""
    with world.begin() as s:
        deadlines.set_setting(s, SYSTEM, "reminder.working_days_before", 5)
        deadlines.set_calendar_day(s, SYSTEM, D("2027-03-04"), False, "entered holiday")
    with world() as s, statements_sent(s.get_bind()) as statements:
        helpers = runtime_for(s).environment.globals
        assert helpers["setting"]("reminder.working_days_before") == 5
        # Wednesday 2027-03-03 and one working day: not the entered Thursday but Friday the 5th
        assert helpers["add_working_days"](local(2027, 3, 3).isoformat(), 1).startswith("2027-03-05")
        assert helpers["setting"]("proposal.evaluation_working_days") == 20  # a default, unchanged
    reads = [q for q in statements if "settings" in q or "calendar_days" in q]
    assert len(reads) == 1 and "settings" in reads[0] and "calendar_days" in reads[0], reads


def test_entering_a_year_is_all_or_nothing(world):
    with world.begin() as s:
        deadlines.set_calendar_day(s, SYSTEM, D("2027-03-01"), False, "old entry")
    before = entries(world)
    bad = SCHEDULE_2027 + "2027-02-10 补假\n2027-02-15 调休\n"
    with pytest.raises(InvalidData) as info, world.begin() as s:
        deadlines.enter_year_schedule(s, SYSTEM, deadlines.parse_schedule(2027, bad))
    assert {k: e.code for k, e in info.value.codes.items()} == {
        "lines.12": "calendar_overlap",
        "lines.13": "make_up_on_weekday",
    }
    schedule = deadlines.YearSchedule(2027, (deadlines.HolidayRange(D("2027-02-06"), D("2027-02-13"), "春节"),))
    overlapping = deadlines.YearSchedule(
        2027, schedule.holidays, (deadlines.MakeUpDay(D("2027-02-07")), deadlines.MakeUpDay(D("2026-02-07")))
    )
    with pytest.raises(InvalidData) as info, world.begin() as s:
        deadlines.enter_year_schedule(s, SYSTEM, overlapping)
    assert {k: e.code for k, e in info.value.codes.items()} == {
        "make_up_days.0": "calendar_overlap",
        "make_up_days.1": "not_in_year",
    }
    assert entries(world) == before


def test_only_an_administrator_enters_or_previews(world):
    schedule = deadlines.parse_schedule(2027, SCHEDULE_2027)
    for call in (deadlines.preview_year_schedule, deadlines.enter_year_schedule):
        with pytest.raises(NotAllowed):
            act(world, CLERK, call, schedule)
    with pytest.raises(NotAllowed):
        act(world, CLERK, deadlines.calendar_overview, 2027)
    with pytest.raises(NotAllowed):
        act(world, CLERK, deadlines.admin_settings)


def test_a_viewer_without_every_case_sees_no_titles(world, frozen_clock, monkeypatch):
    from engine import access

    start_deadline(world, frozen_clock - timedelta(seconds=1), local(2027, 2, 11))
    monkeypatch.setattr(access, "sees_every_case", lambda actor: False)
    with world() as s:
        preview = deadlines.preview_year_schedule(s, SYSTEM, deadlines.parse_schedule(2027, SCHEDULE_2027))
    assert preview.affected and all(a.case_title is None for a in preview.affected)


# -- settings' bounds -------------------------------------------------------------------------------
def test_settings_refuse_values_out_of_range_with_codes(world):
    def refused(name, value):
        with pytest.raises(InvalidData) as info, world.begin() as s:
            deadlines.set_setting(s, SYSTEM, name, value)
        error = info.value.codes["value"]
        return error.code, error.params

    assert refused("petition.accept_days", 0) == ("min", {"min": 1})
    assert refused("petition.accept_days", "100000") == ("max", {"max": 365})
    assert refused("proposal.reply_months", 25) == ("max", {"max": 24})
    assert refused("proposal.evaluation_working_days", 121) == ("max", {"max": 120})
    assert refused("reminder.working_days_before", 31) == ("max", {"max": 30})
    assert refused("script.time_budget_ms", 10) == ("min", {"min": 50})
    assert refused("script.step_budget", 9_999) == ("min", {"min": 10_000})
    assert refused("petition.accept_days", "1e3") == ("not_a_number", {})
    assert refused("petition.accept_days", "9" * 40) == ("max", {"max": 365})  # a whole number, too large
    with world.begin() as s:
        assert deadlines.set_setting(s, SYSTEM, "petition.max_extension_days", 0).value == 0  # no extension
        assert deadlines.set_setting(s, SYSTEM, "reminder.working_days_before", "0").value == 0
        assert deadlines.set_setting(s, SYSTEM, "petition.accept_days", " 365 ").value == 365
    with world() as s:
        assert s.get(Setting, "petition.accept_days").value == "365"


def test_a_stored_value_out_of_range_is_clamped_and_shown(world, frozen_clock):
    with world.begin() as s:  # stored before the bounds existed
        s.add(Setting(name="petition.accept_days", value="0", updated_by="old", updated_at=frozen_clock))
        s.add(Setting(name="petition.handle_days", value="100000", updated_by="old", updated_at=frozen_clock))
    with world() as s:
        views = {v.name: v for v in deadlines.list_settings(s)}
        helpers = runtime_for(s).environment.globals
        assert (helpers["setting"]("petition.accept_days"), helpers["setting"]("petition.handle_days")) == (1, 365)
    accept = views["petition.accept_days"]
    assert (accept.value, accept.stored, accept.out_of_range, accept.minimum, accept.maximum) == (1, "0", True, 1, 365)
    assert views["petition.handle_days"].value == 365 and views["petition.handle_days"].stored == "100000"
    assert not views["petition.review_days"].out_of_range
    with world.begin() as s:
        deadlines.set_setting(s, SYSTEM, "petition.accept_days", 15)
    with world() as s:
        assert not {v.name: v for v in deadlines.list_settings(s)}["petition.accept_days"].out_of_range


# -- the commands ------------------------------------------------------------------------------------
@pytest.fixture
def app(make_app, db_url):
    return make_app(db_url)


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_calendar_check_says_the_source_and_warns_about_estimates(app, world, frozen_clock):
    official = run(app, "calendar", "check", "2025-10-01").output
    assert official.strip() == "2025-10-01: day off (official: 国庆节)"
    estimated = run(app, "calendar", "check", "2027-02-13").output.splitlines()
    assert estimated[0] == "2027-02-13: day off (estimate)"
    assert estimated[1].startswith("warning: 2027 has no official schedule here yet")
    start_deadline(world, frozen_clock - timedelta(seconds=1), local(2027, 2, 11))
    warned = run(app, "calendar", "check", "2026-12-08").output.splitlines()
    assert warned[0] == "2026-12-08: working day (official)"
    assert warned[1].startswith("warning: 3 pending due dates (1 tasks, 2 timers) fall in 2027")
    as_json = json.loads(run(app, "calendar", "check", "2027-02-13", "--json").output)
    assert as_json["source"] == "estimate" and as_json["year_published"] is False
    assert [(y["year"], y["due_dates"]) for y in as_json["estimated_years"]] == [(2027, 3)]
    run(app, "calendar", "set", "2027-02-13", "--working", "--note", "春节调休", "--operator")
    entered = run(app, "calendar", "check", "2027-02-13").output.splitlines()
    assert entered[0] == "2027-02-13: working day (administrator entry: 春节调休)"
    # one day set on its own is not the State Council's notice: 2027 is still an estimate
    assert entered[1].startswith("warning: 2027 has no official schedule here yet")


def test_calendar_list_shows_sources(app, world):
    run(app, "calendar", "set", "2027-02-13", "--working", "--note", "春节调休", "--operator")
    listed = json.loads(run(app, "calendar", "list", "--year", "2027", "--json").output)
    by_day = {e["day"]: e for e in listed}
    assert by_day["2027-02-13"] == {
        "day": "2027-02-13",
        "is_working": True,
        "source": "administrator",
        "name": "春节调休",
        "note": "春节调休",
    }
    assert by_day["2027-02-09"]["source"] == "estimate" and not by_day["2027-02-09"]["is_working"]
    text = run(app, "calendar", "list", "--year", "2025").output
    assert "2025-10-01  holiday  official" in text and "国庆节" in text and "warning" not in text
    assert "warning: 2028 has no official schedule" in run(app, "calendar", "list", "--year", "2028").output
    entries_only = json.loads(run(app, "calendar", "list", "--json").output)
    assert [(e["day"], e["source"]) for e in entries_only] == [("2027-02-13", "administrator")]
    assert len(json.loads(run(app, "calendar", "list", "--year", "2027", "--every-day", "--json").output)) == 365


def test_calendar_enter_previews_then_enters(app, world, frozen_clock, tmp_path):
    start_deadline(world, frozen_clock - timedelta(seconds=1), local(2027, 2, 11))
    path = tmp_path / "2027.txt"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    preview = run(app, "calendar", "enter", "2027", str(path), "--preview", "--user", ADMIN)
    assert preview.exit_code == 0, preview.output
    assert "would be stored" in preview.output and "2027-02-11 becomes a day off (春节)" in preview.output
    assert "stored due dates do not move" in preview.output
    assert entries(world) == []
    refused = run(app, "calendar", "enter", "2027", "-", "--user", CLERK, input=SCHEDULE_2027)
    assert refused.exit_code == 4
    bad = run(app, "calendar", "enter", "2027", "-", "--operator", "--json", input="2027-02-15 调休\n")
    assert bad.exit_code == 1
    assert json.loads(bad.output)["codes"]["lines.1"]["code"] == "make_up_on_weekday"
    done = run(app, "calendar", "enter", "2027", "-", "--operator", "--json", input=SCHEDULE_2027)
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["saved"] is True
    assert "warning" not in run(app, "calendar", "check", "2027-02-11").output


def test_settings_list_shows_bounds_and_values_out_of_range(app, world, frozen_clock):
    with world.begin() as s:
        s.add(Setting(name="petition.accept_days", value="0", updated_by="old", updated_at=frozen_clock))
    text = run(app, "settings", "list").output
    line = next(x for x in text.splitlines() if x.startswith("petition.accept_days"))
    assert "[1..365]" in line and "OUT OF RANGE: stored '0', 1 in effect" in line
    listed = {s["name"]: s for s in json.loads(run(app, "settings", "list", "--json").output)}
    assert listed["petition.accept_days"]["out_of_range"] is True and listed["petition.accept_days"]["minimum"] == 1
    bad = run(app, "settings", "set", "petition.accept_days", "100000", "--operator", "--json")
    assert bad.exit_code == 1 and json.loads(bad.output)["codes"]["value"] == {"code": "max", "params": {"max": 365}}
