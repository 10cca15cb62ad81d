"""The designer's problem list (and the warnings the designer's page flashes) say the engine's
deploy checks in Chinese by the table web/assets/lint/engine-messages-zh.json: each warning deploy
gives (what it reads the BPMN way: an implicit split or end, an errorRef naming no <error>) and
the gateway error must have one, or the list shows that message in English. And a problem both
checkers find is shown once by the keys of web/assets/lint/same-problems.js: the engine's side of
each must match what it says."""

from __future__ import annotations

import re

import pytest

from engine.bpmn.parsing import parse_bpmn
from engine.errors import InvalidBpmn
from tests.conftest import REPO_ROOT
from tests.unit.test_specs import doc
from web.engine_messages import engine_messages

LINT = REPO_ROOT / "web" / "assets" / "lint"


def js_patterns(path, start: str) -> list[re.Pattern[str]]:
    """The regular expression literals of the array ``start`` opens (written so that Python
    reads them alike: no flags, no named groups)."""
    block = path.read_text().split(start, 1)[1].split("\n];", 1)[0]
    return [re.compile(literal) for literal in re.findall(r"/(\^.*?)/[,\]]", block)]


def chinese_for(message: str) -> bool:
    return any(entry.pattern.fullmatch(message) for entry in engine_messages())


def engine_side_of_same(message: str) -> bool:
    """Whether same-problems.js pairs this engine message with a bpmnlint one (the third item
    of each entry: every second pattern of the table)."""
    patterns = js_patterns(LINT / "same-problems.js", "var SAME = [")
    return any(p.match(message) for p in patterns[1::2])


SPLIT = (
    '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
    '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="a"/><bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="b"/>'
    '<bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
)
INCLUSIVE = SPLIT.replace(
    '<bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="b"/>',
    '<bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="b">'
    '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">x == 1</bpmn:conditionExpression>'
    "</bpmn:sequenceFlow>",
)
DEAD_END = (
    '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
    '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"/>'
)
ERROR_CODE = (
    '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
    '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>'
    '<bpmn:endEvent id="e"><bpmn:errorEventDefinition errorRef="E42"/></bpmn:endEvent>'
)


@pytest.mark.parametrize(
    "body, said, same",
    [
        (SPLIT, "2 sequence flows leave 't': all are taken (a parallel gateway 't_split' was added)", True),
        (INCLUSIVE, "those whose condition holds are taken (an inclusive gateway 't_split' was added)", True),
        (DEAD_END, "no sequence flow leaves 't': its path ends there", True),
        (ERROR_CODE, "errorRef 'E42' names no <error>", False),
    ],
)
def test_each_warning_of_deploy_has_its_chinese(body, said, same):
    [process] = parse_bpmn(doc(body), "x.bpmn")
    [warning] = [w for w in process.warnings if said in w.message]
    assert chinese_for(warning.message), warning.message
    assert engine_side_of_same(warning.message) is same


def test_a_gateway_branch_without_a_condition_has_its_chinese_and_is_one_problem_with_bpmnlints():
    body = (
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>'
        '<bpmn:exclusiveGateway id="g" name="哪条路？"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="a"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="b"/>'
        '<bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
    )
    with pytest.raises(InvalidBpmn) as refused:
        parse_bpmn(doc(body), "x.bpmn")
    messages = {p.message for p in refused.value.problems}
    assert messages == {"branch of gateway 'g' has no condition and is not its default"}
    assert all(chinese_for(m) and engine_side_of_same(m) for m in messages)


def test_a_timer_without_a_value_is_one_problem_of_both_checkers_in_chinese():
    """A timer event with no type chosen: deploy refuses it in SpiffWorkflow's words, bpmnlint's
    timer-value says 'Timer has no date, duration or cycle': one row, in Chinese."""
    body = (
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
        '<bpmn:userTask id="t" name="审核" camunda:candidateGroups="office"/>'
        '<bpmn:boundaryEvent id="late" attachedToRef="t"><bpmn:timerEventDefinition/></bpmn:boundaryEvent>'
        '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:sequenceFlow id="f3" sourceRef="late" '
        'targetRef="e"/><bpmn:endEvent id="e"/>'
    )
    with pytest.raises(InvalidBpmn) as refused:
        parse_bpmn(doc(body), "x.bpmn")
    [problem] = [p for p in refused.value.problems if p.element_id == "late"]
    assert chinese_for(problem.message), problem.message
    assert engine_side_of_same(problem.message)
