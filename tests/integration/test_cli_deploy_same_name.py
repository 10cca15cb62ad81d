"""``congressflow deploy`` given two files of one name from two folders: the process library
knows a file by its name alone, so two different files named x.bpmn would be two versions (or
two processes) nobody could tell apart; refused naming both paths, nothing deployed. The same
file given twice is deployed once."""

from __future__ import annotations

import json
import shutil

from tests.conftest import FIXTURES

from .test_cli import run, runner  # noqa: F401  (the fixture)


def test_two_different_files_of_one_name_are_refused_naming_both_paths(runner, tmp_path):  # noqa: F811
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    mine.mkdir(), theirs.mkdir()
    shutil.copy(FIXTURES / "review.bpmn", mine / "x.bpmn")
    (theirs / "x.bpmn").write_text((FIXTURES / "review.bpmn").read_text().replace('name="答复"', 'name="书面答复"'))
    refused = run(runner, "deploy", str(mine / "x.bpmn"), str(theirs / "x.bpmn"), "--operator")
    assert refused.exit_code == 1
    assert f"2 different files are named 'x.bpmn': {mine / 'x.bpmn'}, {theirs / 'x.bpmn'}" in refused.stderr
    assert "rename one, or deploy them one at a time" in refused.stderr
    assert json.loads(run(runner, "definitions", "--operator", "--json").output) == []


def test_the_same_file_given_twice_is_deployed_once(runner, tmp_path):  # noqa: F811
    folder = tmp_path / "here"
    folder.mkdir()
    shutil.copy(FIXTURES / "review.bpmn", folder / "x.bpmn")
    same = (str(folder / "x.bpmn"), str(tmp_path / "here" / ".." / "here" / "x.bpmn"))
    deployed = run(runner, "deploy", *same, "--operator", "--json")
    assert deployed.exit_code == 0, deployed.stderr
    assert [(d["key"], d["version"]) for d in json.loads(deployed.output)] == [("review", 1)]
    [version] = json.loads(run(runner, "versions", "review", "--operator", "--json").output)["versions"]
    assert (version["version"], version["source_file"]) == (1, "x.bpmn")
