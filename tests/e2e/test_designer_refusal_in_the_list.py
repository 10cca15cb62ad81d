"""In a real browser, the designer's one problem list holds everything: a file uploaded without
a diagram (no bpmndi: written by hand or by another tool) opens laid out, its problems in the
list (one on an element the layout cannot draw, a flow to an element that is not there, named
and located by its line), the reference kept as the file wrote it, deploy held back in the
page; and what the server refused a deploy for comes back in that same list (no second table
in other words), counted with it, deploy then held back in the page while it stands, even a
problem only deploy finds (a called process not deployed)."""

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

# no diagram interchange; a flow to `nowhere`, a gateway's branches without conditions, user
# tasks nobody may hold (QA's bad2.bpmn)
WITHOUT_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="qa_bad" name="QA坏流程" isExecutable="true">
    <bpmn:startEvent id="start" name="开始"/>
    <bpmn:userTask id="t1" name="审核"/>
    <bpmn:userTask id="t1b" name="复核"/>
    <bpmn:exclusiveGateway id="gw" name="是否通过？"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t1"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t1" targetRef="gw"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="t1b"/>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="nowhere"/>
  </bpmn:process>
</bpmn:definitions>
"""
MISSING_TARGET = "连线的 targetRef「nowhere」不是本流程的元素"

# fine by every check the page runs; deploy refuses it: the process it calls is not deployed
CALLS_UNDEPLOYED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="calls_round" name="调用汇总" isExecutable="true">
    <bpmn:startEvent id="start" name="开始" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
    <bpmn:callActivity id="call" name="各单位报送" calledElement="unit_survey" />
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end" />
    <bpmn:endEvent id="end" name="结束" />
  </bpmn:process>
</bpmn:definitions>
"""


def open_draft(page, base: str, draft_id: int) -> None:
    page.goto(f"{base}/designer/drafts/{draft_id}")
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)


def one_list(page) -> list[dict]:
    """The list as a designer reads it: nothing twice, every row in Chinese, its counts."""
    found = rows(page)
    keys = [(r["element"], r["message"]) for r in found]
    assert len(keys) == len(set(keys)), found
    assert not [r for r in found if "names no element" in r["text"] or "not deployed" in r["text"]], found
    counted(page, found)
    assert page.locator("#problems").count() == 0  # no second table beside it
    return found


def test_a_file_without_a_diagram_opens_laid_out_with_its_problems_in_one_list_and_deploy_held_back(
    app, live_server, browser, artifacts
):
    draft = act(app, "designer", drafts.upload_draft, WITHOUT_DIAGRAM.encode(), "bad2.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_draft(page, live_server, draft.id)

    # drawn by the generated layout, and said so; the flow to nowhere cannot be drawn
    assert page.locator("#laid-out").is_visible()
    for element in ("start", "t1", "t1b", "gw", "f1", "f2", "f3"):
        assert page.locator(f'#modeler g.djs-element[data-element-id="{element}"]').count() == 1, element
    assert page.locator('#modeler g.djs-element[data-element-id="f4"]').count() == 0
    assert page.locator("#xml").is_hidden() and page.locator("#load-error").is_hidden()

    found = one_list(page)
    # what is drawn is not called undrawn: only the flow the layout could not draw
    assert [r["element"] for r in found if "流程图中没有画出此元素" in r["message"]] == ["f4"], found
    # the missing target is in the list, the flow named, and where it is in the XML
    [missing] = [r for r in found if MISSING_TARGET in r["message"]]
    assert (missing["element"], missing["severity"], missing["source"]) == ("f4", "error", "engine")
    assert missing["where"] == "连线 f4" and "第 " in missing["text"]
    # a problem both checkers find is one row, in the engine's words, elements by name
    [branch] = [r for r in found if r["element"] == "f3" and "分支没有条件" in r["message"]]
    assert branch["source"] == "both" and branch["where"] == "从「是否通过？」到「复核」的连线"
    holders = sorted(r["where"] for r in found if "没有办理人" in r["message"])
    assert holders == ["用户任务「复核」", "用户任务「审核」"], found
    page.screenshot(path=str(artifacts / "46-designer-file-without-diagram.png"), full_page=True)

    # errors remain: deploy is held back in the page, nothing is posted
    page.click("button[data-action=deploy]")
    page.wait_for_selector("#deploy-blocked:not([hidden])")
    assert page.url == f"{live_server}/designer/drafts/{draft.id}"
    assert dialogs == [] and page.locator("#refused").count() == 0
    # what the modeler would save keeps the reference as the file wrote it
    page.click("#toggle-xml")
    page.wait_for_selector("#xml:not([hidden])")
    assert 'targetRef="nowhere"' in page.input_value("#xml")
    assert "<bpmndi:BPMNShape" in page.input_value("#xml")
    with database.session_factory(app)() as s:
        assert repo.latest_definition(s, "qa_bad") is None
    assert problems == []


def test_what_deploy_refused_from_the_xml_view_is_in_the_one_list_and_deploy_is_then_held_back(
    app, live_server, browser, artifacts
):
    draft = act(app, "designer", drafts.upload_draft, WITHOUT_DIAGRAM.encode(), "bad2.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    open_draft(page, live_server, draft.id)
    # in the XML view the server judges: it refuses
    page.click("#toggle-xml")
    page.wait_for_selector("#xml:not([hidden])")
    page.click("button[data-action=deploy]")
    page.wait_for_selector("#refused")
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)
    assert "流程文件有误，未部署" in page.inner_text("#refused")
    found = one_list(page)
    [missing] = [r for r in found if MISSING_TARGET in r["message"]]
    assert missing["element"] == "f4" and missing["where"] == "连线 f4"
    # every problem deploy refused is a row (each of the five): the branches, the holders
    refused = [r for r in found if r["source"] in ("engine", "both") and r["severity"] == "error"]
    assert sorted(r["element"] for r in refused) == ["f3", "f4", "f4", "t1", "t1b"], found
    page.screenshot(path=str(artifacts / "47-designer-refusal-in-the-list.png"), full_page=True)

    # the diagram view is back: deploy is held back in the page while the errors remain
    page.click("button[data-action=deploy]")
    page.wait_for_selector("#deploy-blocked:not([hidden])")
    assert page.url.endswith("/designer/deploy")  # still the refused page: nothing posted again
    with database.session_factory(app)() as s:
        assert repo.latest_definition(s, "qa_bad") is None
    assert problems == []


def test_a_problem_only_deploy_finds_stays_in_the_list_and_holds_deploy_back(app, live_server, browser):
    draft = act(app, "designer", drafts.create_draft, with_diagram(CALLS_UNDEPLOYED), "calls_round.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    open_draft(page, live_server, draft.id)
    assert rows(page) == []  # the page's checks find nothing: deploy posts it
    page.click("button[data-action=deploy]")
    page.wait_for_selector("#refused")
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)  # the check answered: it does not know the called process is missing
    found = one_list(page)
    assert [(r["element"], r["severity"], r["source"]) for r in found] == [("call", "error", "engine")], found
    assert found[0]["where"] == "调用活动「各单位报送」"
    assert found[0]["message"] == "：调用的流程「unit_survey」尚未部署：请先部署它，或与本流程一同部署"
    # the document is the one refused: deploy is held back in the page, not posted again
    page.click("button[data-action=deploy]")
    page.wait_for_selector("#deploy-blocked:not([hidden])")
    assert page.url.endswith("/designer/deploy")
    with database.session_factory(app)() as s:
        assert repo.latest_definition(s, "calls_round") is None
    assert problems == []


# a diagram bpmn-js cannot show (the first has no plane), and a task nobody may hold
UNDRAWABLE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    id="d" targetNamespace="x">
  <bpmn:process id="undrawable" name="画不出" isExecutable="true">
    <bpmn:startEvent id="start" name="开始"/>
    <bpmn:userTask id="t1" name="审核"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t1"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="empty_diagram"/>
  <bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="undrawable">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start">
      <dc:Bounds x="10" y="10" width="36" height="36"/></bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def test_a_file_the_modeler_cannot_draw_opens_in_the_xml_view_with_the_engines_problems(app, live_server, browser):
    draft = act(app, "designer", drafts.create_draft, UNDRAWABLE, "undrawable.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_server}/designer/drafts/{draft.id}")
    page.wait_for_selector("#modeler[data-ready=error]")
    settled(page)
    # said in the page (no alert), the XML view open, the engine's check of the text listed
    assert dialogs == []
    assert "已打开 XML 视图" in page.inner_text("#load-error") and page.locator("#xml").is_visible()
    found = rows(page)
    assert found and all(r["source"] == "engine" for r in found), found
    assert any(r["element"] == "empty_diagram" and "第 " in r["text"] for r in found), found
    counted(page, found)
    assert problems == []
