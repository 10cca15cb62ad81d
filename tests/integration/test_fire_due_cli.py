"""``congressflow fire-due`` by hand: a timer that fails to fire is not read as nothing due. Its
failure is listed (``failed`` with ``--json``, an ``error:`` line on stderr otherwise), the
command ends with exit code 1, and the incident is recorded as the scheduler records it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from engine import clock
from engine.usecases import cases, incidents
from tests.world import act, build_world, deploy
from web.cli import main


@pytest.fixture
def failing(db_url, make_app, frozen_clock):
    """timer_script.bpmn's case, its hour's wait due, its script failing (a division by zero)."""
    app = make_app(db_url)
    build_world(app, "office1", "head")
    deploy(app, "timer_script.bpmn")
    case_id = act(app, "office1", cases.start_instance, "timer_script", {}).id
    clock.advance(timedelta(hours=2))
    return app, case_id


def run(app, *args: str):
    return app.test_cli_runner().invoke(main, args=list(args), prog_name="congressflow")


def test_a_timer_that_fails_is_listed_as_json_and_the_command_fails(failing):
    app, case_id = failing

    result = run(app, "fire-due", "--json")

    assert result.exit_code == 1
    said = json.loads(result.stdout)
    assert said["fired"] == 0
    [failed] = said["failed"]
    assert failed["case"] == case_id and isinstance(failed["timer"], int)
    assert "ZeroDivisionError" in failed["message"]
    [incident] = act(app, "head", incidents.list_incidents)
    assert incident.instance_id == case_id


def test_a_timer_that_fails_is_an_error_line_on_stderr(failing):
    app, case_id = failing

    result = run(app, "fire-due")

    assert result.exit_code == 1
    assert result.stdout == "fired 0 timers\n"
    assert f" of case {case_id} could not fire: " in result.stderr
    assert "(see congressflow incidents)" in result.stderr


def test_nothing_failing_ends_well(db_url, make_app, frozen_clock):
    app = make_app(db_url)
    result = run(app, "fire-due", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"fired": 0, "failed": []}
