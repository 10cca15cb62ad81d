"""``congressflow deploy --note``: the deploy note (说明) the designer's page takes, from the
command line too (QA walk "v", finding 7: CLI deploys showed an empty 说明 in the version list),
with the page's checks: spaces folded, at most 1000 characters, no control character."""

from __future__ import annotations

import json

from tests.conftest import FIXTURES

from .test_cli import run, runner  # noqa: F401  (the fixture)

REVIEW = str(FIXTURES / "review.bpmn")


def test_the_note_is_kept_with_the_version(runner):  # noqa: F811
    deployed = run(runner, "deploy", REVIEW, "--note", "  增加  复核环节 ", "--operator")
    assert deployed.exit_code == 0, deployed.output
    [version] = json.loads(run(runner, "versions", "review", "--operator", "--json").output)["versions"]
    assert (version["version"], version["note"]) == (1, "增加 复核环节")


def test_a_bad_note_is_refused_naming_it_and_nothing_is_deployed(runner):  # noqa: F811
    too_long = run(runner, "deploy", REVIEW, "--note", "长" * 1001, "--operator")
    assert too_long.exit_code == 1 and "note: at most 1000 characters" in too_long.stderr
    control = run(runner, "deploy", REVIEW, "--note", "a\x07b", "--operator", "--json")
    assert control.exit_code == 1 and json.loads(control.stderr)["codes"]["note"]["code"] == "control_character"
    assert json.loads(run(runner, "definitions", "--operator", "--json").output) == []
