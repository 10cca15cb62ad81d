"""In a real browser, the designer opens a file as it is written or says why it cannot: an
uploaded file with an id written twice (QA's dupid2.bpmn: the end event 小额结束 has the id of
the user task 填写意见) is not drawn without its second element (bpmn-js would leave it out and
connect the gateway's default branch to the task): it opens in the XML view as uploaded, what
the modeler could not read an error (读入检查) beside the engine's check of the text, which names
each element by its own line; deploy is held back while the text is the one it could not read, a
draft saves the text as it is, and once the id is fixed in the XML the diagram opens and deploys
the file's process. A nameless service task is a warning (Camunda's own files have them), and a
timer with no type is one row in Chinese, both checkers' finding."""

from __future__ import annotations

import pytest

from engine.bpmn.layout import with_diagram
from engine.usecases import drafts
from storage import repositories as repo
from tests.e2e.test_designer_problem_list import counted, rows
from tests.e2e.test_designer_workbench import settled
from tests.e2e.test_officer_flow import sign_in
from tests.world import act
from web import database

pytestmark = pytest.mark.browser

# QA's dupid2.bpmn: the end event 小额结束 has the id of the user task 填写意见
ID_TWICE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs" targetNamespace="http://example.cn/qa">
  <bpmn:process id="qa_dupid2" name="QA检查" isExecutable="true">
    <bpmn:startEvent id="Start_1" name="开始">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="amount" label="金额" type="long"/>
      </camunda:formData></bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start_1" targetRef="Task_Fill"/>
    <bpmn:userTask id="Task_Fill" name="填写意见" camunda:candidateGroups="office">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="opinion" label="意见" type="string"/>
      </camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Fill" targetRef="Script_Calc"/>
    <bpmn:scriptTask id="Script_Calc" name="计算结果" scriptFormat="python">
      <bpmn:script>doubled = (amount or 0) * 2</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="F3" sourceRef="Script_Calc" targetRef="GW"/>
    <bpmn:exclusiveGateway id="GW" name="金额大吗？" default="F_small"/>
    <bpmn:sequenceFlow id="F_big" name="大" sourceRef="GW" targetRef="End_Big">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${amount &gt; 5}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="F_small" name="小" sourceRef="GW" targetRef="Task_Fill"></bpmn:sequenceFlow>
    <bpmn:endEvent id="End_Big" name="大额结束"/>
    <bpmn:endEvent id="Task_Fill" name="小额结束"/>
  </bpmn:process>
</bpmn:definitions>
"""


# as a modeler would have drawn it: the generated layout (written in after the file's own lines:
# 填写意见 is at line 12 of the file and of the page's text, 小额结束 at line 28), and a shape
# for 小额结束 beside 大额结束
SECOND_END_SHAPE = (
    '<bpmndi:BPMNShape id="Small_di" bpmnElement="Task_Fill"><dc:Bounds x="900" y="300" width="36" height="36"/>'
    "</bpmndi:BPMNShape>"
)


def drawn_with_the_id_twice() -> str:
    xml = with_diagram(ID_TWICE)
    return xml.replace("</bpmndi:BPMNPlane>", SECOND_END_SHAPE + "</bpmndi:BPMNPlane>", 1)


def fixed(xml: str) -> str:
    """The end event given an id of its own (and its shape), the default branch led to it."""
    xml = xml.replace(
        '<bpmn:endEvent id="Task_Fill" name="小额结束"', '<bpmn:endEvent id="End_Small" name="小额结束"', 1
    )
    xml = xml.replace('id="Small_di" bpmnElement="Task_Fill"', 'id="Small_di" bpmnElement="End_Small"', 1)
    return xml.replace('sourceRef="GW" targetRef="Task_Fill"', 'sourceRef="GW" targetRef="End_Small"', 1)


def test_a_file_with_an_id_twice_opens_as_written_in_the_xml_view_and_is_not_deployed_as_the_modeler_reads_it(
    app, live_server, browser, artifacts
):
    draft = act(app, "designer", drafts.upload_draft, drawn_with_the_id_twice().encode(), "dupid2.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.goto(f"{live_server}/designer/drafts/{draft.id}")
    page.wait_for_selector("#modeler[data-ready=unread]")
    settled(page)

    # said in the page, the XML view open on the file as uploaded (both end events), no diagram
    assert "设计器无法照原样读入此文件" in page.inner_text("#load-error")
    assert page.locator("#xml").is_visible()
    shown = page.input_value("#xml")
    assert 'name="小额结束"' in shown and 'sourceRef="GW" targetRef="Task_Fill"' in shown
    assert page.locator("#modeler g.djs-element").count() == 0

    found = rows(page)
    [unread] = [r for r in found if r["source"] == "import"]
    assert (unread["element"], unread["severity"], unread["where"]) == ("Task_Fill", "error", "结束事件「小额结束」")
    assert unread["message"] == (
        "：设计器无法照原样读入此处的 <bpmn:endEvent>：标识「Task_Fill」前面已有元素使用，"
        "在流程图中打开会丢掉它，请在 XML 中改用另一个标识"
    )
    assert "第 28 行" in unread["text"] and "读入检查" in unread["text"]
    # the engine's check of the text: each element of the id by its own name and line
    twice = [(r["where"], r["text"]) for r in found if r["message"] == "：标识「Task_Fill」重复"]
    assert [where for where, _text in twice] == ["用户任务「填写意见」", "结束事件「小额结束」"], found
    assert "第 12 行" in twice[0][1] and "第 28 行" in twice[1][1]
    assert all(r["severity"] == "error" for r in found)
    assert counted(page, found) == "3 个错误，0 个警告，0 条提示"
    page.screenshot(path=str(artifacts / "48-designer-id-twice.png"), full_page=True)

    # deploy is held back in the page: nothing posted, nothing deployed
    page.click("button[data-action=deploy]")
    page.wait_for_selector("#deploy-blocked:not([hidden])")
    assert page.url == f"{live_server}/designer/drafts/{draft.id}" and dialogs == []
    with database.session_factory(app)() as s:
        assert repo.latest_definition(s, "qa_dupid2") is None

    # a draft saves the text as it is: the second end event is still there
    with page.expect_navigation():
        page.click("button[data-action=save-draft]")
    page.wait_for_selector("#modeler[data-ready=unread]")
    saved = act(app, "designer", drafts.get_draft, draft.id)
    assert saved.draft.revision == draft.revision + 1
    assert saved.xml.count('id="Task_Fill"') == 2 and 'name="小额结束"' in saved.xml

    # fixed in the XML: the diagram opens with both end events, and deploys that process
    settled(page)
    page.fill("#xml", fixed(page.input_value("#xml")))
    page.click("#toggle-xml")
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)
    assert page.locator("#load-error").is_hidden()
    assert page.locator('#modeler g.djs-element[data-element-id="End_Small"]').count() == 1
    assert not [r for r in rows(page) if r["severity"] == "error" or r["source"] == "import"], rows(page)
    page.click("button[data-action=deploy]")
    page.wait_for_url(f"{live_server}/designer/")
    with database.session_factory(app)() as s:
        deployed = repo.latest_definition(s, "qa_dupid2")
        assert deployed is not None and deployed.version == 1
        assert 'targetRef="End_Small"' in deployed.bpmn_xml and 'name="小额结束"' in deployed.bpmn_xml
    assert problems == []


NAMELESS_SERVICE_TASK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="external_work" name="外部任务" isExecutable="true">
    <bpmn:startEvent id="start" name="开始" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="externalTask" />
    <bpmn:serviceTask id="externalTask" camunda:type="external" camunda:topic="billing" />
    <bpmn:sequenceFlow id="f2" sourceRef="externalTask" targetRef="end" />
    <bpmn:endEvent id="end" name="结束" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_nameless_service_task_is_a_warning_and_deploys_once_confirmed(app, live_server, browser):
    """As Camunda's oneExternalTaskProcess.bpmn20.xml: deploy takes it, so the page does too."""
    draft = act(app, "designer", drafts.create_draft, with_diagram(NAMELESS_SERVICE_TASK), "external_work.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    asked: list[str] = []
    page.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    page.goto(f"{live_server}/designer/drafts/{draft.id}")
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)
    found = rows(page)
    assert [(r["element"], r["severity"], r["source"]) for r in found] == [("externalTask", "warning", "lint")], found
    assert found[0]["where"] == "服务任务 externalTask" and found[0]["message"].startswith("：缺少名称")
    assert counted(page, found) == "0 个错误，1 个警告，0 条提示"
    page.click("button[data-action=deploy]")
    page.wait_for_url(f"{live_server}/designer/")
    assert asked == ["还有 1 个警告。仍要部署吗？"]
    with database.session_factory(app)() as s:
        assert repo.latest_definition(s, "external_work").version == 1
    assert problems == []


TIMER_WITHOUT_VALUE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="timed_review" name="限时审核" isExecutable="true">
    <bpmn:startEvent id="start" name="开始" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:userTask id="review" name="审核" camunda:candidateGroups="office">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="opinion" label="意见" type="string" />
      </camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="late" name="审核超时" attachedToRef="review">
      <bpmn:timerEventDefinition />
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" />
    <bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="end" />
    <bpmn:endEvent id="end" name="结束" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_timer_without_a_value_is_one_row_in_chinese(app, live_server, browser):
    draft = act(app, "designer", drafts.create_draft, with_diagram(TIMER_WITHOUT_VALUE), "timed_review.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    page.goto(f"{live_server}/designer/drafts/{draft.id}")
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)
    found = [r for r in rows(page) if r["element"] == "late"]
    assert [(r["severity"], r["source"], r["where"], r["message"]) for r in found] == [
        ("error", "both", "边界事件「审核超时」", "：定时没有设置日期、时长或周期")
    ], rows(page)
    counted(page, rows(page))
    assert problems == []


def test_an_id_twice_in_a_file_without_a_diagram_fixed_in_the_xml_is_drawn(app, live_server, browser):
    """The file as written by hand (no diagram): the layout made when it opens draws the id
    once; given an id of its own in the XML view, 小额结束 is drawn too (it had no shape)."""
    draft = act(app, "designer", drafts.upload_draft, ID_TWICE.encode(), "dupid2.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    page.goto(f"{live_server}/designer/drafts/{draft.id}")
    page.wait_for_selector("#modeler[data-ready=unread]")
    settled(page)
    page.fill("#xml", fixed(page.input_value("#xml")))
    page.click("#toggle-xml")
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)
    for element in ("Task_Fill", "End_Small", "F_small"):
        assert page.locator(f'#modeler g.djs-element[data-element-id="{element}"]').count() == 1, element
    assert problems == []
