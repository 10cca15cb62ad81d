"""The command line, as people and scripts use it: exit codes, stderr, --json."""

import json
import re
import shutil

import pytest

from engine import clock
from tests.conftest import FIXTURES, REPO_ROOT


@pytest.fixture
def runner(make_app, db_url, tmp_path, frozen_clock):
    bpmn_dir = tmp_path / "bpmn"
    bpmn_dir.mkdir()
    shutil.copy(FIXTURES / "review.bpmn", bpmn_dir)
    app = make_app(db_url, BPMN_DIR=str(bpmn_dir))
    return app.test_cli_runner(mix_stderr=False) if _supports_mix_stderr() else app.test_cli_runner()


def _supports_mix_stderr() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def run(runner, *args):
    return runner.invoke(args=list(args), catch_exceptions=False)


def test_init_twice_does_no_harm(runner):
    first = run(runner, "init")
    assert first.exit_code == 0, first.output
    assert "deployed review v1" in first.output and "DEMO ONLY" in first.output
    second = run(runner, "init")
    assert second.exit_code == 0
    assert "unchanged review v1" in second.output and "DEMO ONLY" not in second.output


def test_start_values_are_read_by_their_fields_type(runner):
    """A number typed for a text field stays text (a telephone number, a year as a title);
    for a number field it is a number."""
    run(runner, "init")
    made = ("users", "create", "clerk", "--name", "办事员", "--password", "Qing-he-73-jie~", "--role", "officer")
    made += ("--department", "office")
    assert run(runner, *made, "--operator").exit_code == 0
    started = run(runner, "start", "review", "--var", "subject=2026", "--var", "rounds=2", "--user", "clerk", "--json")
    assert started.exit_code == 0, started.stderr
    case = json.loads(started.output)
    assert case["title"] == "2026"
    shown = json.loads(run(runner, "instance", str(case["id"]), "--user", "clerk", "--json").output)
    assert (shown["variables"]["subject"], shown["variables"]["rounds"]) == ("2026", 2)
    wrong = run(runner, "start", "review", "--var", "subject=x", "--var", "rounds=two", "--user", "clerk")
    assert wrong.exit_code == 1 and "rounds" in wrong.stderr


def test_a_start_value_for_a_field_of_several_choices_is_a_json_list(runner):
    run(runner, "init")
    assert run(runner, "deploy", str(REPO_ROOT / "bpmn" / "proposal.bpmn"), "--operator").exit_code == 0
    for made in (("clerk", "officer", "--department", "office"), ("wang", "deputy"), ("li", "deputy")):
        user, role, *more = made
        account = ("users", "create", user, "--name", user, "--password", "Qing-he-73-jie~", "--role", role)
        created = run(runner, *account, *more, "--operator")
        assert created.exit_code == 0, created.output
    values = ("kind=suggestion", "title=修缮村道", "content=村道破损", "deputy=wang", "submitted_during=recess")
    started = run(
        runner,
        "start",
        "proposal",
        *(f"--var={v}" for v in values),
        '--var=joint_deputies=["li"]',
        "--user",
        "clerk",
        "--json",
    )
    assert started.exit_code == 0, started.stderr
    shown = json.loads(
        run(runner, "instance", str(json.loads(started.output)["id"]), "--user", "clerk", "--json").output
    )
    assert shown["variables"]["joint_deputies"] == ["li"]


def test_drive_a_process_end_to_end(runner):
    run(runner, "init")
    assert (
        run(
            runner,
            "users",
            "create",
            "clerk",
            "--name",
            "办事员",
            "--password",
            "Qing-he-73-jie~",
            "--role",
            "officer",
            "--department",
            "office",
            "--operator",
        ).exit_code
        == 0
    )
    defs = json.loads(run(runner, "definitions", "--operator", "--json").output)
    assert [d["key"] for d in defs] == ["review"]

    started = run(runner, "start", "review", "--var", "subject=路灯不亮", "--user", "clerk", "--json")
    assert started.exit_code == 0, started.output
    case = json.loads(started.output)
    task_id = case["open_tasks"][0]["task_id"]

    listed = json.loads(run(runner, "tasks", "--user", "clerk", "--json").output)
    assert listed["total"] == 1 and listed["tasks"][0]["task_id"] == task_id
    assert run(runner, "claim", task_id, "--user", "clerk").exit_code == 0

    bad = run(runner, "complete", task_id, "--user", "clerk", "--data", '{"lead_unit": "", "x": 1}')
    assert bad.exit_code == 1
    assert "lead_unit" in bad.stderr and "x: unknown field" in bad.stderr

    done = run(runner, "complete", task_id, "--user", "clerk", "--data", '{"lead_unit": "finance"}', "--json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.output)["open_tasks"][0]["bpmn_id"] == "reply"

    again = run(runner, "complete", task_id, "--user", "clerk", "--data", '{"lead_unit": "finance"}')
    assert again.exit_code == 3 and "already completed by clerk" in again.stderr  # a conflict

    from datetime import timedelta

    clock.advance(timedelta(days=16))
    fired = json.loads(run(runner, "fire-due", "--json").output)
    assert fired == {"fired": 3, "failed": []}  # reminder, boundary timer, due date

    shown = json.loads(run(runner, "instance", str(case["id"]), "--user", "clerk", "--json").output)
    assert shown["status"] == "running"
    assert {t["bpmn_id"] for t in shown["open_tasks"]} == {"reply", "supervise"}
    assert [h["action"] for h in shown["history"]] == [
        "start",
        "claim",
        "complete",
        "reminder_late",  # it fired with the due date itself: too late to remind anyone
        "timer_fired",
        "task_overdue",
    ]
    assert shown["started_at"] == "2026-12-07T01:00:00+00:00"  # --json speaks UTC
    human = run(runner, "instance", str(case["id"]), "--user", "clerk").output
    assert "started 2026-12-07 09:00 +0800 by clerk" in human  # people read local time
    # a deadline as the pages and the law say it: the reply's period ends at 24:00 of 2026-12-22
    assert re.search(r"答复 .* due 2026-12-22 24:00 \+0800  OVERDUE", human)


def test_errors_are_readable_and_exit_non_zero(runner):
    run(runner, "init")
    unknown_user = run(runner, "tasks", "--user", "ghost")
    assert unknown_user.exit_code == 5 and "no active user 'ghost'" in unknown_user.stderr
    assert "Traceback" not in unknown_user.stderr
    bad_json = run(runner, "complete", "t", "--user", "admin", "--data", "{nope")
    assert bad_json.exit_code == 2 and "Invalid value for '--data': not JSON" in bad_json.stderr


def test_deploy_refuses_bad_bpmn_with_location(runner, tmp_path):
    bad = tmp_path / "bad.bpmn"
    bad.write_bytes((FIXTURES / "review.bpmn").read_bytes().replace(b'targetRef="check" />', b'targetRef="ghost" />'))
    result = run(runner, "deploy", str(bad), "--operator")
    assert result.exit_code == 1
    assert "bad.bpmn:80 [f4]: targetRef 'ghost' names no element of this process" in result.stderr
    assert json.loads(run(runner, "definitions", "--operator", "--json").output) == []


def test_deploy_keeps_the_files_name_not_the_servers_folder(runner, tmp_path):
    """The library's 文件 column reads as after `init` or an upload: the file's name only (it
    was the full path the command was given, a folder of the server no designer knows)."""
    folder = tmp_path / "from" / "somewhere"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "review.bpmn", folder / "x.bpmn")
    assert run(runner, "deploy", str(folder / "x.bpmn"), "--operator").exit_code == 0
    [deployed] = json.loads(run(runner, "definitions", "--operator", "--json").output)
    assert (deployed["key"], deployed["source_file"]) == ("review", "x.bpmn")


def test_deploy_refuses_a_default_group_that_is_no_group_name_saying_why(runner):
    # it was a traceback: the refusal was built without the text its code takes
    result = run(runner, "deploy", str(FIXTURES / "review.bpmn"), "--default-group", "office,finance", "--operator")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "default_group: a unit's code or a role: at most 64 characters, none of , $ { }" in result.stderr
    refused = run(runner, "deploy", str(FIXTURES / "review.bpmn"), "--default-group", "${x}", "--operator", "--json")
    assert json.loads(refused.stderr)["codes"] == {"default_group": {"code": "group_name", "params": {"max": 64}}}
    assert json.loads(run(runner, "definitions", "--operator", "--json").output) == []


def test_deploy_says_its_warnings_one_line_each_as_text_and_as_json(runner, tmp_path):
    """What deploy read the BPMN way (a flow without an id, given one) is said, not kept quiet."""
    loose = tmp_path / "loose.bpmn"
    loose.write_bytes(
        (FIXTURES / "review.bpmn").read_bytes().replace(b'<bpmn:sequenceFlow id="f4" ', b"<bpmn:sequenceFlow ")
    )
    warning = "loose.bpmn:80 [Flow_reply_to_check]: sequence flow from 'reply' to 'check' has no id: given the id "
    text = run(runner, "deploy", str(loose), "--operator")
    assert text.exit_code == 0 and f"\nwarning: {warning}'Flow_reply_to_check'" in text.output
    [deployed] = json.loads(run(runner, "deploy", str(loose), "--operator", "--json").output)
    assert (deployed["created"], deployed["warnings"]) == (False, [f"{warning}'Flow_reply_to_check'"])


def _clerk(runner) -> None:
    account = ("users", "create", "clerk", "--name", "办事员", "--password", "Qing-he-73-jie~", "--role", "officer")
    assert run(runner, *account, "--department", "office", "--operator").exit_code == 0


def test_complete_answers_a_fresh_field_left_out_empty_as_the_page_sends_it(runner):
    """The second round of fresh_rounds' 复核, completed leaving the opinion out: not the first
    round's opinion kept, but none, as the page's form (which starts it empty) sends it; the
    note, not fresh, keeps the case's value."""
    run(runner, "init")
    _clerk(runner)
    assert run(runner, "deploy", str(FIXTURES / "fresh_rounds.bpmn"), "--operator").exit_code == 0
    case = json.loads(
        run(runner, "start", "fresh_rounds", "--var", "subject=年度报告", "--user", "clerk", "--json").output
    )
    first = case["open_tasks"][0]["task_id"]
    round_one = json.dumps({"decision": "again", "opinion": "材料不全", "note": "见附件"})
    sent_back = run(runner, "complete", first, "--user", "clerk", "--data", round_one, "--json")
    assert sent_back.exit_code == 0, sent_back.stderr
    [second] = json.loads(sent_back.output)["open_tasks"]
    done = run(runner, "complete", second["task_id"], "--user", "clerk", "--data", '{"decision": "done"}')
    assert done.exit_code == 0, done.stderr
    variables = json.loads(run(runner, "instance", str(case["id"]), "--user", "clerk", "--json").output)["variables"]
    assert (variables["decision"], variables["opinion"], variables["note"]) == ("done", None, "见附件")


def test_complete_warns_of_a_task_no_active_person_can_take(runner):
    """国土所 has nobody (the demo users have no one there): the reply opens all the same, and
    the command says so, as the task page does; finance's reply (张所长 is there) goes unsaid."""
    run(runner, "init")
    _clerk(runner)
    to_land = json.loads(
        run(runner, "start", "review", "--var", "subject=宅基地纠纷", "--user", "clerk", "--json").output
    )
    done = run(
        runner, "complete", to_land["open_tasks"][0]["task_id"], "--user", "clerk", "--data", '{"lead_unit": "land"}'
    )
    assert done.exit_code == 0, done.stderr
    [reply] = json.loads(run(runner, "instance", str(to_land["id"]), "--user", "clerk", "--json").output)["open_tasks"]
    assert done.output.endswith(
        f"\nwarning: no active person can take 答复 ({reply['task_id']}): put someone in its unit, "
        "or have the task handed to someone (task.reassign)\n"
    )
    to_finance = json.loads(run(runner, "start", "review", "--var", "subject=路灯", "--user", "clerk", "--json").output)
    task_id = to_finance["open_tasks"][0]["task_id"]
    answer = run(runner, "complete", task_id, "--user", "clerk", "--data", '{"lead_unit": "finance"}', "--json")
    assert answer.exit_code == 0 and json.loads(answer.output)["nobody_to_take"] == []
    assert "warning" not in answer.output
