"""What deploy read the BPMN way and went ahead with (a split without a gateway, a path without
an end, a flow without an id, an errorRef naming no <error>) is flashed on the designer's front
page in the reader's language, as the modeler's problem list says it: Chinese first, English
for whoever reads the pages in English; at the file and line, the elements by their ids."""

from __future__ import annotations

import html

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
    return [
        html.unescape(part.split("</div>", 1)[0])
        for part in page.split(f'<div class="flash {category}" role="status">')[1:]
    ]


def test_deploy_warnings_are_said_in_chinese_then_in_english(as_user):
    client = as_user("designer")
    deployed = client.post("/designer/deploy", data={"xml": WARNED, "filename": "warned.bpmn"}, follow_redirects=True)
    assert flashed(deployed, "success") == ["已部署：提示（测试）（warned）v1"]
    assert flashed(deployed, "warning") == [
        "「warned.bpmn」第 12 行：从「reply」到「done」的连线没有标识，已自动设为「Flow_reply_to_done」",
        "「warned.bpmn」第 14 行：「file」没有出口连线，流程走到这里即结束：部署时自动加入结束事件「file_end」",
        "「warned.bpmn」第 8 行：有 2 条连线从「sort」引出，每条都会走（并行分支）："
        "部署时自动加入并行网关「sort_split」",
        "「warned.bpmn」第 15 行：errorRef「E42」没有对应的 <error>：按 Camunda 的做法读作错误代码「E42」",
    ]

    client.get("/lang/en")
    again = client.post("/designer/deploy", data={"xml": WARNED, "filename": "warned.bpmn"}, follow_redirects=True)
    assert flashed(again, "warning") == [
        "“warned.bpmn”, line 12: the sequence flow from “reply” to “done” has no id: it was given the id "
        "“Flow_reply_to_done”",
        "“warned.bpmn”, line 14: no sequence flow leaves “file”: its path ends there "
        "(deploy added the end event “file_end”)",
        "“warned.bpmn”, line 8: 2 sequence flows leave “sort”, and each is taken (a parallel split): "
        "deploy added the parallel gateway “sort_split”",
        "“warned.bpmn”, line 15: errorRef “E42” names no <error>: read as the error code “E42”, as Camunda reads it",
    ]
