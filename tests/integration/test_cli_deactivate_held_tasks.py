"""``congressflow users deactivate`` deactivates as asked (the users page asks first), and says
each open task the person still holds, which nobody else can do until it is handed on: a
``warning:`` line each, and ``held_tasks`` / ``held_count`` with ``--json``."""

from __future__ import annotations

import json

import pytest

from engine.usecases import people, tasks
from engine.usecases.context import SYSTEM
from tests.world import REVIEW_SUBJECT, act, build_world, session_factory_of, start_review
from web.cli import main


@pytest.fixture(autouse=True)
def _flask_cli_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    # FlaskGroup marks the process as run from the command line: not beyond the test
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    monkeypatch.delenv("CONGRESSFLOW_CLI_LANG", raising=False)


def run(app, *args: str):
    return app.test_cli_runner().invoke(main, args=list(args), prog_name="congressflow")


@pytest.fixture
def app(db_url, make_app, frozen_clock):
    made = make_app(db_url)
    build_world(made, "admin", "office1", "finance1", "finance2")
    return made


def held_reply(app) -> tuple[int, str]:
    """finance1 holds the reply of a review case: its case and task."""
    case = start_review(app, "office1")
    [reply] = act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    act(app, "finance1", tasks.claim, reply.task_id)
    return case.id, reply.task_id


def is_active(app, username: str) -> bool:
    with session_factory_of(app)() as s:
        return people.get_user(s, SYSTEM, username).active


def test_deactivating_a_holder_warns_of_each_task_they_hold(app):
    first_case, first = held_reply(app)
    second_case, second = held_reply(app)
    done = run(app, "users", "deactivate", "finance1", "--user", "admin")
    assert done.exit_code == 0, done.output
    assert not is_active(app, "finance1")  # deactivated as asked
    lines = done.stdout.splitlines()
    assert lines[0] == "deactivated user finance1: they can no longer sign in, and their sessions have ended"
    assert sorted(lines[1:]) == sorted(
        f"warning: finance1 still holds 答复 ({task_id}) in case {case_id} ({REVIEW_SUBJECT}): "
        "nobody else can do it until it is handed to someone (task.reassign)"
        for case_id, task_id in ((first_case, first), (second_case, second))
    )


def test_deactivating_a_holder_as_json_lists_the_tasks_they_hold(app):
    case_id, task_id = held_reply(app)
    done = run(app, "users", "deactivate", "finance1", "--operator", "--json")
    assert done.exit_code == 0, done.output
    said = json.loads(done.stdout)
    assert said["active"] is False
    assert said["held_tasks"] == [{"task_id": task_id, "name": "答复", "instance_id": case_id}]
    assert said["held_count"] == 1


def test_deactivating_someone_who_holds_nothing_warns_of_nothing(app):
    held_reply(app)  # finance1's, not finance2's
    done = run(app, "users", "deactivate", "finance2", "--user", "admin")
    assert done.exit_code == 0, done.output
    assert done.stdout == "deactivated user finance2: they can no longer sign in, and their sessions have ended\n"
    as_json = json.loads(run(app, "users", "activate", "finance2", "--user", "admin", "--json").stdout)
    assert "held_tasks" not in as_json and as_json["active"] is True  # activating says no tasks
    again = json.loads(run(app, "users", "deactivate", "finance2", "--user", "admin", "--json").stdout)
    assert (again["held_tasks"], again["held_count"]) == ([], 0)


def test_every_held_task_is_said_not_only_the_pages_first(app, monkeypatch: pytest.MonkeyPatch):
    """The users page lists the first few (``HELD_LISTED``); the command line has no page to
    keep short."""
    monkeypatch.setattr(people, "HELD_LISTED", 1)
    held = {held_reply(app)[1] for _ in range(2)}
    done = json.loads(run(app, "users", "deactivate", "finance1", "--user", "admin", "--json").stdout)
    assert {t["task_id"] for t in done["held_tasks"]} == held
    assert done["held_count"] == 2
