"""A case's run-time error in the reader's language: after the element (its id and name) the
engine's detail was its English on the Chinese pages too ("script failed: ZeroDivisionError:
…"). The common ones (a variable the case does not have, values of types that do not go
together, a division by zero, a gateway none of whose branches is taken) are said in Chinese
by the engine's table (web/assets/lint/engine-messages-zh.json), the technical detail kept
after them in brackets; the English pages and the API's ``message`` keep the engine's words."""

from __future__ import annotations

import pytest

from engine.access import OPERATOR
from engine.errors import ScriptError
from engine.usecases import cases, definitions, tasks
from tests.processes.conftest import bpmn_process
from tests.world import act
from web import database
from web.engine_messages import in_chinese

from .conftest import text_of
from .test_incidents_page import failing_case

ZERO_ZH = "compute：「计算」脚本运行出错：除数为零（ZeroDivisionError: integer division or modulo by zero）"
ZERO_EN = "compute: 「计算」 script failed: ZeroDivisionError: integer division or modulo by zero"


def test_an_incidents_error_is_said_in_chinese_with_its_detail_and_in_english_as_written(app, as_user):
    case_id = failing_case(app)  # its timer fired into a script dividing by zero
    client = as_user("head")
    assert ZERO_ZH in text_of(client.get(f"/cases/{case_id}"))
    assert ZERO_ZH in text_of(client.get("/admin/incidents/"))
    client.get("/lang/en")
    english = text_of(client.get(f"/cases/{case_id}"))
    assert ZERO_EN in english and "除数为零" not in english


def after_a_task(script: str, condition: str) -> str:
    """A process whose task ``t`` leads to a script task and a gateway without a default: one
    branch taken on ``condition``, the other when the amount is under 5."""
    return bpmn_process(
        "failing",
        f"""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t" />
    <bpmn:userTask id="t" name="办理" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="calc" />
    <bpmn:scriptTask id="calc" name="计算"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="calc" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" name="金额大吗？" />
    <bpmn:sequenceFlow id="big" sourceRef="gw" targetRef="end">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="small" sourceRef="gw" targetRef="end">
      <bpmn:conditionExpression>amount &lt; 5</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:endEvent id="end" />""",
    )


@pytest.mark.parametrize(
    ("script", "condition", "chinese"),
    [
        (
            "note = 'x'",
            "amount &gt; 10",
            "gw：「金额大吗？」表达式「amount > 10」无法计算：案件中还没有变量「amount」"
            "（NameError: name 'amount' is not defined）",
        ),
        (
            "total = '共' + 3",
            "True",
            "calc：「计算」脚本运行出错：参与运算的值类型不符，例如文字与数字相加，或空值参与比较"
            '（TypeError: can only concatenate str (not "int") to str）',
        ),
        (
            "amount = 7",
            "amount &gt; 10",
            "gw：「金额大吗？」网关没有可走的出口：各出口连线的条件都不成立，也没有默认连线"
            "（No conditions satisfied for gw）",
        ),
        (
            "amount = 5",
            "amount / 0 &gt; 1",
            "gw：「金额大吗？」表达式「amount / 0 > 1」无法计算：除数为零（ZeroDivisionError: division by zero）",
        ),
    ],
    ids=["unknown_variable", "type_error", "no_branch_taken", "division_by_zero"],
)
def test_the_common_run_time_errors_are_said_in_chinese(app, script, condition, chinese):
    xml = after_a_task(script, condition)
    with database.session_factory(app).begin() as s:
        definitions.deploy(s, xml.encode(), "failing.bpmn", OPERATOR)
    case = act(app, "office1", cases.start_instance, "failing", {})
    [task] = case.open_tasks
    with pytest.raises(ScriptError) as failed:
        act(app, "office1", tasks.complete, task.task_id, {})
    assert in_chinese(failed.value.message) == chinese
