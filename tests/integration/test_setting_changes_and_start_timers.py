"""A setting's value is refused naming the bound it passes, however many digits it has; its
audit entry keeps the value before; and a process's timer start event is no due date to warn
about in an estimated year. The clock stands at 2026-12-07 09:00 in Beijing; 2027 is the first
estimated year."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.access import SYSTEM
from engine.errors import InvalidData
from engine.usecases import deadlines
from storage.enums import TimerKind
from storage.models import AuditEntry, Setting, Timer
from tests.world import create_people, deploy

from .test_deadline_settings import local, start_deadline


@pytest.fixture
def world(session_factory, frozen_clock):
    create_people(session_factory, "admin")
    return session_factory


def refused(factory, name, value):
    with pytest.raises(InvalidData) as info, factory.begin() as s:
        deadlines.set_setting(s, SYSTEM, name, value)
    error = info.value.codes["value"]
    return error.code, error.params


def test_a_whole_number_past_the_bounds_is_refused_by_the_bound_however_long(world):
    assert refused(world, "script.step_budget", "9999999999999999999999") == ("max", {"max": 100_000_000})
    assert refused(world, "script.step_budget", 10**30) == ("max", {"max": 100_000_000})
    assert refused(world, "petition.accept_days", "-" + "9" * 5000) == ("min", {"min": 1})
    assert refused(world, "petition.accept_days", "9" * 5000) == ("max", {"max": 365})
    assert refused(world, "petition.accept_days", "9.5") == ("not_a_number", {})
    assert refused(world, "petition.accept_days", "") == ("not_a_number", {})
    with world.begin() as s:  # leading zeros are a whole number too
        assert deadlines.set_setting(s, SYSTEM, "petition.accept_days", "0000000000000000020").value == 20
    with world() as s:
        assert s.get(Setting, "petition.accept_days").value == "20"


def test_a_setting_changed_and_reset_keeps_the_value_before_in_the_audit_log(world):
    with world.begin() as s:
        deadlines.set_setting(s, SYSTEM, "petition.handle_days", 90)
    with world.begin() as s:
        deadlines.set_setting(s, SYSTEM, "petition.handle_days", 45)
    with world.begin() as s:
        deadlines.reset_setting(s, SYSTEM, "petition.handle_days")
    with world() as s:
        entries = s.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(("setting_set", "setting_reset"))).order_by(AuditEntry.id)
        )
        data = [(e.action, e.data) for e in entries]
    assert data == [
        ("setting_set", {"name": "petition.handle_days", "value": 90, "before": {"value": 60}}),
        ("setting_set", {"name": "petition.handle_days", "value": 45, "before": {"value": 90}}),
        ("setting_reset", {"name": "petition.handle_days", "value": 60, "before": {"value": 45}}),
    ]


def test_a_timer_start_event_in_an_estimated_year_is_no_due_date_to_warn_about(world):
    deploy(world, "monthly_report.bpmn")  # its next start: 2027-01-05, of no case
    with world() as s:
        assert [t.due_at for t in s.scalars(select(Timer).where(Timer.kind == TimerKind.START))] == [local(2027, 1, 5)]
        assert deadlines.estimated_year_warnings(s) == []


def test_a_cases_timers_in_an_estimated_year_are_still_warned_about_beside_a_start_event(world, frozen_clock):
    deploy(world, "deadline.bpmn", "monthly_report.bpmn")
    start_deadline(world, frozen_clock - timedelta(seconds=1), local(2027, 2, 11))
    with world() as s:
        warnings = deadlines.estimated_year_warnings(s)
    # the task, its 督办 boundary timer and its reminder; not the monthly report's next start
    assert [(w.year, w.tasks, w.timers) for w in warnings] == [(2027, 1, 2)]


# -- the command -------------------------------------------------------------------------------------
@pytest.fixture
def app(make_app, db_url):
    return make_app(db_url)


def test_settings_set_says_the_bound_a_long_number_passes(app, world):
    runner = app.test_cli_runner()
    said = runner.invoke(args=["settings", "set", "script.step_budget", "9999999999999999999999", "--operator"])
    assert said.exit_code == 1
    assert "value: at most 100000000" in said.output and "not a whole number" not in said.output
    as_json = runner.invoke(
        args=["settings", "set", "script.step_budget", "9999999999999999999999", "--operator", "--json"]
    )
    assert json.loads(as_json.output)["codes"]["value"] == {"code": "max", "params": {"max": 100_000_000}}
