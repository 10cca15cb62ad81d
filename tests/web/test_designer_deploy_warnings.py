"""What deploy read the BPMN way and went ahead with (a split without a gateway, a path without
an end, a flow without an id, an errorRef naming no <error>) is flashed on the designer's front
page in the reader's language, as the modeler's problem list says it (one table of the engine's
messages in Chinese, web/assets/lint/engine-messages-zh.json): in Chinese the elements by their
names (by id when they have none), in English the engine's own words; at the file and line."""

from __future__ import annotations

import html
import re

from tests.web.conftest import text_of

WARNED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="warned_defs" targetNamespace="http://congressflow.example/test">
  <bpmn:process id="warned" name="提示（测试）" isExecutable="true">
    <bpmn:startEvent id="start" name="开始" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sort" />
    <bpmn:userTask id="sort" name="分办" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f2" sourceRef="sort" targetRef="reply" />
    <bpmn:sequenceFlow id="f3" sourceRef="sort" targetRef="file" />
    <bpmn:userTask id="reply" name="答复" camunda:candidateGroups="finance" />
    <bpmn:sequenceFlow sourceRef="reply" targetRef="done" />
    <bpmn:endEvent id="done" name="办结" />
    <bpmn:userTask id="file" name="归档" camunda:candidateGroups="office" />
    <bpmn:endEvent id="failed" name="出错"><bpmn:errorEventDefinition errorRef="E42" /></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def flashed(response, category: str) -> list[str]:
    page = text_of(response)
    # a warning is an alert; the first message takes the focus (base.html)
    said = re.findall(rf'<div class="flash {category}" role="(?:status|alert)"[^>]*>(.*?)</div>', page)
    return [html.unescape(part) for part in said]


def test_deploy_warnings_are_said_in_chinese_naming_elements_by_name_then_in_the_engines_english(as_user):
    client = as_user("designer")
    deployed = client.post("/designer/deploy", data={"xml": WARNED, "filename": "warned.bpmn"}, follow_redirects=True)
    assert flashed(deployed, "success") == ["已部署：提示（测试）（warned）v1"]
    assert flashed(deployed, "warning") == [
        "「warned.bpmn」第 12 行：从「答复」到「办结」的连线没有标识，已自动设为「Flow_reply_to_done」",
        "「warned.bpmn」第 14 行：「归档」没有出口连线，流程走到这里即结束：部署时自动加入结束事件「file_end」",
        "「warned.bpmn」第 8 行：有 2 条连线从「分办」引出，每条都会走（并行分支）："
        "部署时自动加入并行网关「sort_split」",
        "「warned.bpmn」第 15 行：errorRef「E42」没有对应的 <error>：按 Camunda 的做法读作错误代码「E42」",
    ]

    client.get("/lang/en")
    again = client.post("/designer/deploy", data={"xml": WARNED, "filename": "warned.bpmn"}, follow_redirects=True)
    assert flashed(again, "warning") == [
        "“warned.bpmn”, line 12: sequence flow from 'reply' to 'done' has no id: given the id 'Flow_reply_to_done'",
        "“warned.bpmn”, line 14: no sequence flow leaves 'file': its path ends there "
        "(an end event 'file_end' was added)",
        "“warned.bpmn”, line 8: 2 sequence flows leave 'sort': all are taken "
        "(a parallel gateway 'sort_split' was added)",
        "“warned.bpmn”, line 15: errorRef 'E42' names no <error>: read as the error code 'E42' (as Camunda reads it)",
    ]


HANDED_OUT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="handed_defs" targetNamespace="http://congressflow.example/test">
  <bpmn:process id="handed" name="外部（测试）" isExecutable="true">
    <bpmn:startEvent id="start" name="开始" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="notify" />
    <bpmn:sendTask id="notify" camunda:type="external" camunda:topic="sms" />
    <bpmn:sequenceFlow id="f2" sourceRef="notify" targetRef="rate" />
    <bpmn:businessRuleTask id="rate" name="评分" camunda:type="external" camunda:topic="rates" />
    <bpmn:sequenceFlow id="f3" sourceRef="rate" targetRef="done" />
    <bpmn:endEvent id="done" name="办结" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_an_element_without_a_name_is_said_by_its_id(as_user):
    client = as_user("designer")
    deployed = client.post(
        "/designer/deploy", data={"xml": HANDED_OUT, "filename": "handed.bpmn"}, follow_redirects=True
    )
    assert flashed(deployed, "warning") == [
        "「handed.bpmn」第 8 行：发送任务「notify」按外部任务运行",
        "「handed.bpmn」第 10 行：业务规则任务「评分」按外部任务运行",
    ]


def test_a_group_or_user_no_one_here_is_deploys_with_a_warning_naming_the_task(as_user):
    """Offered to a unit code that does not exist, or a user with no account: deployed (the
    unit or account may come later), and the designer is told no one would get the task."""
    nobody = WARNED.replace(
        '<bpmn:userTask id="reply" name="答复" camunda:candidateGroups="finance" />',
        '<bpmn:userTask id="reply" name="答复" camunda:candidateGroups="finance,zhengfuban" />',
    ).replace(
        '<bpmn:userTask id="file" name="归档" camunda:candidateGroups="office" />',
        '<bpmn:userTask id="file" name="归档" camunda:assignee="zhangsan_nobody" />',
    )
    client = as_user("designer")
    deployed = client.post("/designer/deploy", data={"xml": nobody, "filename": "warned.bpmn"}, follow_redirects=True)
    assert flashed(deployed, "success") == ["已部署：提示（测试）（warned）v1"]
    warned = flashed(deployed, "warning")
    assert (
        "「warned.bpmn」：用户任务「答复」交给的组「zhengfuban」不是本系统的单位（代码或名称），也不是角色：没有人会收到这项任务"
        in warned
    )
    assert (
        "「warned.bpmn」：用户任务「归档」指定的用户「zhangsan_nobody」在本系统没有账号：没有人会收到这项任务" in warned
    )
    assert not [w for w in warned if "finance" in w or "office" in w]  # a unit's code, a role: no warning
