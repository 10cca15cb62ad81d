"""``congressflow migrate-cases``: the dry run, the move, the map, exit codes and --json, as
a designer or the operator; an officer refused (SQLite, and PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import json

import pytest

from engine.usecases import cases, tasks
from tests.conftest import FIXTURES
from tests.world import act, build_world, deploy


def run(runner, *args):
    return runner.invoke(args=["migrate-cases", *args], catch_exceptions=False)


@pytest.fixture
def town(make_app, db_url, frozen_clock):
    app = make_app(db_url, BPMN_DIR=str(FIXTURES))
    build_world(app, "clerk", "designer")
    deploy(app, "migrate_v1.bpmn")
    at_accept = act(app, "clerk", cases.start_instance, "migrate", {"subject": "来信甲"})
    at_handle = act(app, "clerk", cases.start_instance, "migrate", {"subject": "来信乙"})
    act(app, "clerk", tasks.complete, at_handle.open_tasks[0].task_id, {})
    deploy(app, "migrate_v2.bpmn")
    runner = app.test_cli_runner()
    return runner, at_accept.id, at_handle.id


def test_the_dry_run_says_which_cases_can_move_and_writes_nothing(town):
    runner, at_accept, at_handle = town
    result = run(runner, "migrate", "--from", "1", "--to", "2", "--dry-run", "--user", "designer")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "migrate (来信办理（迁移测试）): v1 -> v2"
    assert lines[1] == "  map handle (办理) -> (none)  (suggested: review)"
    assert any(line.startswith(str(at_accept)) and " yes " in line and "来信甲" in line for line in lines)
    assert any(line.startswith(str(at_handle)) and " no " in line and "办理" in line for line in lines)
    assert "正在办理的「办理」（handle）在新版本中已删除，也没有映射到新版本的环节。" in result.output
    assert lines[-1] == "1 can move, 1 cannot"

    as_json = json.loads(run(runner, "migrate", "--from", "1", "--to", "2", "--dry-run", "--operator", "--json").output)
    assert [(c["instance_id"], c["movable"]) for c in as_json["cases"]] == [(at_accept, True), (at_handle, False)]
    assert as_json["cases"][1]["reasons"][0]["code"] == "task_removed"
    again = json.loads(run(runner, "migrate", "--from", "1", "--to", "2", "--dry-run", "--operator", "--json").output)
    assert again["cases"] == as_json["cases"]  # nothing moved


def test_the_move_the_map_and_exit_codes(town):
    runner, at_accept, at_handle = town
    moved = run(runner, "migrate", "--from", "1", "--to", "2", "--user", "designer")
    assert moved.exit_code == 1  # one case did not move
    assert f"case {at_accept} 来信甲: moved" in moved.output
    assert f"case {at_handle} 来信乙: refused" in moved.output
    assert moved.output.splitlines()[-1] == "1 moved, 1 refused, 0 failed"

    mapped = run(
        runner, "migrate", "--from", "1", "--to", "2", "--map", "handle=review", "--user", "designer", "--json"
    )
    assert mapped.exit_code == 0, mapped.output
    report = json.loads(mapped.output)
    assert [(c["instance_id"], c["outcome"]) for c in report["cases"]] == [(at_handle, "moved")]
    assert report["plan"]["mapping"]["handle"] == "review"
    nothing_left = run(runner, "migrate", "--from", "1", "--to", "2", "--user", "designer")
    assert nothing_left.exit_code == 0 and nothing_left.output.splitlines()[-1] == "0 moved, 0 refused, 0 failed"


def test_bad_input_and_who_may(town):
    runner, _at_accept, _at_handle = town
    officer = run(runner, "migrate", "--from", "1", "--to", "2", "--dry-run", "--user", "clerk")
    assert officer.exit_code == 4
    assert "may not move running cases to another version (needs the permission process.migrate)" in officer.output
    assert run(runner, "migrate", "--from", "1", "--to", "2", "--map", "handle", "--operator").exit_code == 2
    unknown = run(runner, "migrate", "--from", "1", "--to", "2", "--map", "nope=review", "--operator", "--json")
    assert unknown.exit_code == 1
    assert json.loads(unknown.output)["fields"] == {"map.nope": "version 1 of 'migrate' has no element 'nope'"}
    assert run(runner, "migrate", "--from", "1", "--to", "9", "--dry-run", "--operator").exit_code == 5
    assert run(runner, "migrate", "--from", "2", "--to", "2", "--dry-run", "--operator").exit_code == 1
