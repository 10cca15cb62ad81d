"""``congressflow complete`` leaving out a required field the case already holds takes the
case's value, as the task page does (its form starts filled with the case's values); a
``fresh`` one answered in an earlier round is still asked again, as the page's form starts it
empty."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import FIXTURES
from tests.integration.test_cli import _clerk, run

# fresh_rounds, its 归档 asking again for the 标题 the start gave (required, not fresh)
ARCHIVE_ASKS_THE_SUBJECT = (
    '<bpmn:userTask id="archive" name="归档" camunda:candidateGroups="office">'
    "<bpmn:extensionElements><camunda:formData>"
    '<camunda:formField id="subject" label="标题" type="string">'
    '<camunda:validation><camunda:constraint name="required" /></camunda:validation>'
    "</camunda:formField>"
    '<camunda:formField id="filed_as" label="归档号" type="string" />'
    "</camunda:formData></bpmn:extensionElements></bpmn:userTask>"
)


@pytest.fixture
def runner(make_app, db_url, tmp_path, frozen_clock):
    bpmn_dir = tmp_path / "bpmn"
    bpmn_dir.mkdir()
    shutil.copy(FIXTURES / "review.bpmn", bpmn_dir)
    app = make_app(db_url, BPMN_DIR=str(bpmn_dir))
    return app.test_cli_runner()


@pytest.fixture
def archive(runner, tmp_path) -> tuple[int, str]:
    """A fresh_rounds case at its 归档 (its form asking the 标题 again): (case id, task id)."""
    source = (FIXTURES / "fresh_rounds.bpmn").read_text(encoding="utf-8")
    plain = '<bpmn:userTask id="archive" name="归档" camunda:candidateGroups="office" />'
    assert plain in source
    bpmn = tmp_path / "fresh_rounds.bpmn"
    bpmn.write_text(source.replace(plain, ARCHIVE_ASKS_THE_SUBJECT), encoding="utf-8")
    run(runner, "init")
    _clerk(runner)
    assert run(runner, "deploy", str(bpmn), "--operator").exit_code == 0
    case = json.loads(
        run(runner, "start", "fresh_rounds", "--var", "subject=年度报告", "--user", "clerk", "--json").output
    )
    review = case["open_tasks"][0]["task_id"]
    done = run(runner, "complete", review, "--user", "clerk", "--data", '{"decision": "done"}', "--json")
    assert done.exit_code == 0, done.stderr
    [task] = json.loads(done.output)["open_tasks"]
    return case["id"], task["task_id"]


def variables(runner, case_id: int) -> dict:
    return json.loads(run(runner, "instance", str(case_id), "--user", "clerk", "--json").output)["variables"]


def test_a_required_field_the_case_holds_is_taken_from_the_case(runner, archive):
    case_id, task_id = archive
    done = run(runner, "complete", task_id, "--user", "clerk", "--data", '{"filed_as": "2026-07"}', "--json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.output)["open_tasks"] == []
    found = variables(runner, case_id)
    assert (found["subject"], found["filed_as"]) == ("年度报告", "2026-07")


def test_a_value_sent_still_replaces_the_cases(runner, archive):
    case_id, task_id = archive
    done = run(runner, "complete", task_id, "--user", "clerk", "--data", '{"subject": "年度报告（修订）"}')
    assert done.exit_code == 0, done.stderr
    assert variables(runner, case_id)["subject"] == "年度报告（修订）"


def test_sent_empty_it_is_refused_as_the_page_refuses_it(runner, archive):
    case_id, task_id = archive
    refused = run(runner, "complete", task_id, "--user", "clerk", "--data", '{"subject": ""}', "--json")
    assert refused.exit_code == 1
    assert json.loads(refused.stderr)["codes"] == {"subject": {"code": "required", "params": {}}}
    assert variables(runner, case_id)["subject"] == "年度报告"
