"""The engine's deploy messages in Chinese are one table (web/assets/lint/engine-messages-zh.json)
that the modeler's problem list (bundled by web/assets/lint/messages-zh.js) and the server's pages
(web/engine_messages.py) both read: each pattern must read alike in JavaScript and Python, each
$n and each element id name a group the pattern has, and the sentences come out filled in."""

from __future__ import annotations

import re

import pytest

from engine.bpmn.parsing import parse_bpmn
from engine.errors import InvalidBpmn
from tests.conftest import REPO_ROOT
from tests.unit.test_specs import doc
from web.engine_messages import engine_messages, in_chinese

LINT = REPO_ROOT / "web" / "assets" / "lint"


def name_of(element_id: str) -> str:
    """As the designer's pages name elements: 't' is named 办理, the others have no name."""
    return {"t": "办理"}.get(element_id, element_id)


def test_the_table_is_read_in_its_order_and_has_the_engines_warnings():
    entries = engine_messages()
    assert len(entries) > 40
    patterns = [e.pattern.pattern for e in entries]
    assert patterns[0].startswith("^a send task is not supported")
    assert "^the send task '(.+)' is run as an external service task$" in patterns


@pytest.mark.parametrize("entry", engine_messages(), ids=lambda e: e.pattern.pattern[:50])
def test_each_pattern_reads_alike_in_javascript_and_python_and_fills_only_groups_it_has(entry):
    source = entry.pattern.pattern
    assert source.startswith("^") and source.endswith("$")  # a whole message, as fullmatch reads it
    # groups only plain or (?:…): no named group, lookaround or inline flag one side lacks
    assert re.findall(r"\(\?(?!:)", source) == []
    assert not re.search(r"\\[AZz]", source)  # Python's anchors, not JavaScript's
    placeholders = {int(n) for n in re.findall(r"\$(\d)", entry.zh)}
    assert placeholders <= set(range(entry.pattern.groups + 1)), entry.zh
    assert set(entry.ids) <= set(range(1, entry.pattern.groups + 1))
    assert not re.search(r"\$\d\d", entry.zh)  # the browser fills one digit: $10 would be $1 then 0


@pytest.mark.parametrize(
    "message, chinese",
    [
        (
            "2 sequence flows leave 't': all are taken (a parallel gateway 't_split' was added)",
            "有 2 条连线从「办理」引出，每条都会走（并行分支）：部署时自动加入并行网关「t_split」",
        ),
        (
            "sequence flow from 't' to 'e' has no id: given the id 'Flow_t_to_e'",
            "从「办理」到「e」的连线没有标识，已自动设为「Flow_t_to_e」",
        ),
        (
            "the message end event 'e' is run as an external service task; its path ends after the worker answers",
            "消息结束事件「e」按外部任务运行：外部程序答复后，这条路径结束",
        ),
        ("the message throw event 't' is run as an external service task", "消息抛出事件「办理」按外部任务运行"),
        (
            "subProcess without an id: given the id 'subProcess_12'",
            "subProcess 元素没有标识，已自动设为「subProcess_12」",
        ),
        ("timer expression: unexpected token", "定时表达式有误：unexpected token"),
        (
            "condition: expression 'approved ==' is not allowed: Line 1: SyntaxError: invalid syntax at statement: "
            "'approved =='",
            "条件有误：表达式「approved ==」有语法错误，无法计算",
        ),
        (
            "condition: expression '_x > 1' is not allowed: Line 1: \"_x\" is an invalid variable name because it "
            'starts with "_"',
            "条件有误：表达式「_x > 1」中的名称「_x」以下划线开头，流程中不能使用",
        ),
        (
            "script: script is not allowed: Line 2: SyntaxError: invalid syntax at statement: 'a ='",
            "脚本有误：第 2 行有语法错误",
        ),
        ("empty loopCardinality", "循环次数是空的"),
        (
            "expression '${deadline_in_workdays(5)}' calls deadline_in_workdays(), which is no function a process "
            "can call (the date helpers: bpmn/README.md); did you mean deadline_in_working_days()?",
            "expression '${deadline_in_workdays(5)}' 调用了不存在的函数 deadline_in_workdays()：是否应为 "
            "deadline_in_working_days()？（流程可用的日期函数见 bpmn/README.md）",
        ),
        (
            "help names {setting:proposal.reply_days}, which is not a deadline setting (期限设置)",
            "帮助文字中的 {setting:proposal.reply_days} 不是期限设置的名称（见“期限设置”）",
        ),
        ("the document is empty", "文件是空的"),
        ('no executable process (isExecutable="true")', '没有可执行的流程（isExecutable="true"）'),
    ],
)
def test_a_message_is_said_in_chinese_naming_elements_by_name_or_by_id(message, chinese):
    assert in_chinese(message, name_of) == chinese


def test_without_names_the_ids_stay_and_a_message_the_table_does_not_know_stays_english():
    assert in_chinese("no sequence flow leaves 't': its path ends there (an end event 't_end' was added)") == (
        "「t」没有出口连线，流程走到这里即结束：部署时自动加入结束事件「t_end」"
    )
    assert in_chinese("something the engine says for the first time 't'", name_of) == (
        "something the engine says for the first time 't'"
    )
    # \w is ASCII, as in the browser: a kind in Chinese is no kind of element the engine names
    assert in_chinese("子流程 without an id: given the id 'x'") == "子流程 without an id: given the id 'x'"


def test_the_modeler_reads_the_same_table():
    script = (LINT / "messages-zh.js").read_text(encoding="utf-8")
    assert "import engineMessages from './engine-messages-zh.json';" in script
    assert "engineMessages.messages.map(" in script
    # the engine's messages are in the table alone, not a second time in the script
    for entry in engine_messages():
        assert entry.pattern.pattern not in script, entry.pattern.pattern


def _refusals(body: str) -> list[str]:
    """What deploy refuses ``body`` (a process's elements) for, in the engine's words."""
    with pytest.raises(InvalidBpmn) as refused:
        parse_bpmn(doc(body), "x.bpmn")
    return [p.message for p in refused.value.problems]


def _script_task(script: str) -> str:
    return (
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="calc"/>'
        f'<bpmn:scriptTask id="calc" name="计算" scriptFormat="python"><bpmn:script>{script}</bpmn:script>'
        '</bpmn:scriptTask><bpmn:sequenceFlow id="f2" sourceRef="calc" targetRef="e"/><bpmn:endEvent id="e"/>'
    )


def _gateway(condition: str) -> str:
    return (
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="gw"/>'
        '<bpmn:exclusiveGateway id="gw" default="f3"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="e">'
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>'
        '</bpmn:sequenceFlow><bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="e"/><bpmn:endEvent id="e"/>'
    )


TIMER_WITHOUT_VALUE = (
    '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
    '<bpmn:userTask id="t" name="审核" camunda:candidateGroups="office"/>'
    '<bpmn:boundaryEvent id="late" name="审核超时" attachedToRef="t">'
    "<bpmn:timerEventDefinition/></bpmn:boundaryEvent>"
    '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>'
    '<bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="e"/><bpmn:endEvent id="e"/>'
)


@pytest.mark.parametrize(
    "body, chinese",
    [
        (_script_task("doubled = eval('1 + 1')"), "脚本有误：第 1 行调用了 eval()，流程脚本中不允许"),
        (
            _script_task("doubled = ().__class__.__bases__[0].__subclasses__()"),
            "脚本有误：第 1 行的属性名「__subclasses__」以下划线开头，流程脚本中不能使用",
        ),
        (_script_task("import os"), "脚本有误：第 1 行导入了模块（import），流程脚本中不允许"),
        (
            _script_task("x = opn('f')"),
            "脚本调用了不存在的函数 opn()：流程只能调用内置函数和日期函数（见 bpmn/README.md），"
            "否则每个走到这里的案件都会停住",
        ),
        (_gateway("${amount &gt;&gt; 5}"), "条件「${amount >> 5}」不在支持的 JUEL 子集内：第 9 列的「>」无法识别"),
        # a condition with a quote in it is written in the message between double quotes
        (
            _gateway("${kind == 'a' &amp;&amp;}"),
            "条件「${kind == 'a' &&}」不在支持的 JUEL 子集内：表达式不完整，提前结束了",
        ),
        (
            _gateway("${_secret}"),
            "条件「${_secret}」不在支持的 JUEL 子集内：名称「_secret」以下划线开头，流程中不能使用",
        ),
        (TIMER_WITHOUT_VALUE, "定时没有设置日期、时长或周期"),
    ],
)
def test_what_deploy_refuses_a_script_a_condition_or_a_timer_for_is_said_wholly_in_chinese(body, chinese):
    said = [in_chinese(message) for message in _refusals(body)]
    assert chinese in said, said
