"""A process's name and its elements' are shown in every list and page naming them: deploy
refuses one holding a control character (DEL or a C1 one: XML 1.0 has no place for the C0 ones)
or an invisible direction character, at the element (engine.bpmn.checks.name_problems)."""

from __future__ import annotations

import pytest

from engine.bpmn.parsing import parse_bpmn
from tests.unit.test_specs import LINEAR, doc, problems

DIRECTION = (
    "holds an invisible direction character (U+202A-U+202E, U+2066-U+2069), which shows the text after it reversed"
)


@pytest.mark.parametrize(
    "name, what, quoted",
    [
        ("审批\u202e表", DIRECTION, "审批\\u202e表"),
        ("\u2067审批表", DIRECTION, "\\u2067审批表"),
        ("审批\x85表", "holds a control character", "审批\\u0085表"),
        ("审批表\x7f", "holds a control character", "审批表\\u007f"),
    ],
)
def test_a_process_name_holding_one_is_refused_at_the_process(name, what, quoted):
    source = doc(LINEAR).replace('id="p"', f'id="p" name="{name}"')
    [problem] = problems(source)
    assert (problem.file, problem.line, problem.element_id) == ("x.bpmn", 3, "p")
    assert problem.message == f"the name of 'p' {what}: delete it from '{quoted}'"


def test_a_task_name_holding_one_is_refused_at_the_task():
    [problem] = problems(doc(LINEAR.replace('name="办理"', 'name="办理\u202d"')))
    assert (problem.line, problem.element_id, problem.message) == (
        6,
        "t",
        f"the name of 't' {DIRECTION}: delete it from '办理\\u202d'",
    )


def test_line_breaks_tabs_and_marks_in_a_name_are_taken():
    source = doc(LINEAR).replace('id="p"', 'id="p" name="审批&#10;表&#9;\u200e\u200b"')
    [process] = parse_bpmn(source, "x.bpmn")
    assert process.name == "审批\n表\t\u200e\u200b"
