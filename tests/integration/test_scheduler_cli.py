"""The operating commands: an administrator enters the official schedule and changes deadline
settings; `congressflow serve` answers on its port with the scheduler in-process."""

import json
import os
import subprocess
import sys
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest

from engine import clock
from engine.usecases import deadlines
from tests.conftest import REPO_ROOT
from tests.servers import free_port
from tests.world import create_people

from .scheduler_helpers import wait_for


@pytest.fixture
def app(make_app, db_url):
    return make_app(db_url)


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_calendar_commands(app, session_factory):
    assert run(app, "calendar", "check", "2027-02-13").output.splitlines()[0] == "2027-02-13: day off (estimate)"
    result = run(app, "calendar", "set", "2027-02-13", "--working", "--note", "春节调休", "--operator")
    assert result.exit_code == 0, result.output
    assert "2027-02-13 is now a working day" in result.output
    assert (
        run(app, "calendar", "check", "2027-02-13").output.splitlines()[0]
        == "2027-02-13: working day (administrator entry: 春节调休)"
    )
    assert run(app, "calendar", "set", "2027-02-11", "--holiday", "--operator").exit_code == 0
    listed = json.loads(run(app, "calendar", "list", "--year", "2027", "--json").output)
    assert [(e["day"], e["is_working"], e["note"]) for e in listed if e["source"] == "administrator"] == [
        ("2027-02-11", False, ""),
        ("2027-02-13", True, "春节调休"),
    ]
    assert run(app, "calendar", "unset", "2027-02-11", "--operator").exit_code == 0
    assert run(app, "calendar", "unset", "2027-02-11", "--operator").exit_code == 5  # nothing left to remove
    with session_factory() as s:
        assert deadlines.is_working_day(s, date(2027, 2, 11))
    assert run(app, "calendar", "set", "2027-13-01", "--working", "--operator").exit_code == 2  # not a date


def test_calendar_check_without_a_date_checks_today_in_the_offices_time_zone(app, frozen_clock):
    clock.advance(timedelta(hours=-8))  # Monday 2026-12-07, 01:00 in Beijing: still Sunday in UTC
    checked = run(app, "calendar", "check")
    assert checked.exit_code == 0, checked.output
    assert checked.output.splitlines()[0] == "2026-12-07: working day (official)"
    assert json.loads(run(app, "calendar", "check", "--json").output)["day"] == "2026-12-07"


def test_settings_commands(app, session_factory):
    listed = json.loads(run(app, "settings", "list", "--json").output)
    reminder = next(s for s in listed if s["name"] == "reminder.working_days_before")
    assert (reminder["value"], reminder["overridden"]) == (3, False)
    result = run(app, "settings", "set", "reminder.working_days_before", "5", "--operator")
    assert result.exit_code == 0 and "reminder.working_days_before = 5 working days" in result.output
    assert "(default 3)" in run(app, "settings", "list").output
    bad = run(app, "settings", "set", "reminder.working_days_before", "soon", "--operator")
    assert bad.exit_code == 1 and "not a whole number" in bad.output
    assert run(app, "settings", "set", "no.such.setting", "1", "--operator").exit_code == 1
    assert run(app, "settings", "reset", "reminder.working_days_before", "--operator").exit_code == 0
    with session_factory() as s:
        assert {v.name: v.value for v in deadlines.list_settings(s)}["reminder.working_days_before"] == 3


def test_only_an_admin_changes_them(app, session_factory):
    create_people(session_factory, "clerk")
    result = run(app, "settings", "set", "reminder.working_days_before", "5", "--user", "clerk")
    assert result.exit_code == 4 and "may not change" in result.output
    unsaid = run(app, "settings", "set", "reminder.working_days_before", "5")
    assert unsaid.exit_code == 2 and "--operator" in unsaid.output


@pytest.mark.slow
def test_serve_runs_the_web_app_with_the_scheduler(db_url, tmp_path):
    if not db_url.startswith("sqlite"):
        pytest.skip("one run is enough")
    port = free_port()
    env = {**os.environ, "CONGRESSFLOW_DATABASE_URL": db_url, "CONGRESSFLOW_INSTANCE_PATH": str(tmp_path)}
    command = str(Path(sys.executable).parent / "congressflow")
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [command, "serve", "--port", str(port)], cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:

        def answers():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                    return response.status == 200
            except OSError:
                return False

        assert wait_for(answers, 30), log.read_text()
        assert wait_for(lambda: "scheduler active" in log.read_text(), 10), log.read_text()
        second = subprocess.run(
            [command, "scheduler"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 1 and "another scheduler is already running" in second.stderr
    finally:
        server.terminate()
        server.wait(10)
