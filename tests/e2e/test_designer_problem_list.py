"""In a real browser, the designer's problem list on the proposal process (bpmn/proposal.bpmn) is
one list a designer can trust: a problem that bpmnlint and the engine's deploy check both find
is one row (and one mark on the diagram), the counts over the list, on bpmnlint's button and in
deploy's question are those of the rows, every message is in Chinese and names elements by
their names (the id beside). The properties panel names element types in Chinese; a start or
end event without a name is a warning that deploys once confirmed."""

from __future__ import annotations

import re

import pytest

from engine.bpmn.layout import with_diagram
from engine.usecases import drafts
from storage import repositories as repo
from tests.conftest import REPO_ROOT
from tests.e2e.test_designer_workbench import settled
from tests.e2e.test_officer_flow import sign_in
from tests.world import act, deploy
from web import database

pytestmark = pytest.mark.browser

BRANCHES = (
    "Flow_Gateway_ReplyAction_Task_ApproveExtension",
    "Flow_Gateway_ReplyAction_Task_Reply",
    "Flow_Gateway_ReplyAction_Script_Replied",
    "Flow_Gateway_ReplyAction_Task_ReviewReturn",
)
# a second way out of 办理并书面答复, drawn below it, to 记录书面答复 (both in the handling
# subprocess, Sub_Handling: the flow goes in beside its first one)
FIRST_FLOW_IN_HANDLING = '<bpmn:sequenceFlow id="Flow_Start_Handling_Gateway_Split"'
SECOND_FLOW = (
    '<bpmn:sequenceFlow id="Flow_Task_Reply_Script_Replied" sourceRef="Task_Reply" targetRef="Script_Replied" />'
)
SECOND_EDGE = (
    '<bpmndi:BPMNEdge id="Flow_Task_Reply_Script_Replied_di" bpmnElement="Flow_Task_Reply_Script_Replied">'
    '<di:waypoint x="2160" y="728" /><di:waypoint x="2160" y="780" /><di:waypoint x="2950" y="780" />'
    '<di:waypoint x="2950" y="728" /></bpmndi:BPMNEdge>'
)


def edit_xml(page, change) -> None:
    """Change the document in the XML view, then back to the diagram, checked again."""
    page.click("#toggle-xml")
    page.wait_for_selector("#xml:not([hidden])")
    xml = page.input_value("#xml")
    changed = change(xml)
    assert changed != xml
    page.fill("#xml", changed)
    page.click("#toggle-xml")
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)


def second_way_out(xml: str) -> str:
    assert xml.count(FIRST_FLOW_IN_HANDLING) == 1
    xml = xml.replace(FIRST_FLOW_IN_HANDLING, SECOND_FLOW + FIRST_FLOW_IN_HANDLING, 1)
    return xml.replace("</bpmndi:BPMNPlane>", SECOND_EDGE + "</bpmndi:BPMNPlane>", 1)


def gateway_without_conditions(xml: str) -> str:
    xml = xml.replace(' default="Flow_Gateway_ReplyAction_Script_Replied"', "")
    return re.sub(
        r'(<bpmn:sequenceFlow id="Flow_Gateway_ReplyAction_[^"]*"[^>]*?)>\s*'
        r"<bpmn:conditionExpression[^<]*</bpmn:conditionExpression>\s*</bpmn:sequenceFlow>",
        r"\1 />",
        xml,
    )


def rows(page) -> list[dict]:
    return page.locator("#lint-list li").evaluate_all(
        """items => items.map(li => ({
             element: li.dataset.element, severity: li.dataset.severity, source: li.dataset.source,
             where: li.querySelector('b').textContent, id: (li.querySelector('code.lint-id') || {}).textContent,
             message: li.querySelector('.lint-message').textContent, text: li.textContent}))"""
    )


def counted(page, found: list[dict]) -> str:
    """The summary over the list says the rows' own counts, and bpmnlint's button says the same."""
    summary = page.inner_text("#lint-summary")
    by = {s: sum(1 for r in found if r["severity"] == s) for s in ("error", "warning", "info")}
    assert summary == f"{by['error']} 个错误，{by['warning']} 个警告，{by['info']} 条提示"
    assert page.inner_text("#modeler .bjsl-button").strip() == summary
    return summary


def open_proposal(page, base: str) -> None:
    page.goto(f"{base}/designer/")
    page.locator('#definitions tr[data-key="proposal"] a.button').click()
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)


def test_a_problem_both_checkers_find_is_one_row_in_chinese_named_by_name_and_the_counts_agree(
    app, live_server, browser, artifacts
):
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    open_proposal(page, live_server)

    # a second flow out of a task: taken as well (deploy adds a parallel gateway and warns;
    # bpmlint says it splits implicitly): one warning, in Chinese, the task by its name
    edit_xml(page, second_way_out)
    found = rows(page)
    assert [r["element"] for r in found] == ["Task_Reply"], found
    split = found[0]
    assert (split["severity"], split["source"]) == ("warning", "both")
    assert split["where"] == "用户任务「办理并书面答复」" and split["id"] == "Task_Reply"
    assert "有 2 条连线从「办理并书面答复」引出，每条都会走" in split["message"]
    assert "并行网关「Task_Reply_split」" in split["message"] and "sequence flows" not in split["text"]
    assert counted(page, found) == "0 个错误，1 个警告，0 条提示"
    # deploy asks about the one warning the list shows (nothing blocks it), and is declined
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    with page.expect_event("dialog"):
        page.click("button[data-action=deploy]")
    assert asked == ["还有 1 个警告。仍要部署吗？"]
    assert page.locator("#deploy-blocked").is_hidden()

    # the gateway's branches lose their conditions and its default: each branch once
    edit_xml(page, gateway_without_conditions)
    found = rows(page)
    errors = [r for r in found if r["severity"] == "error"]
    assert sorted(r["element"] for r in errors) == sorted(BRANCHES), found
    for row in errors:
        assert row["source"] == "both"
        assert row["message"] == "：网关「答复、延期还是退回？」的分支没有条件，也不是默认分支"
        assert row["where"].startswith("连线「") and row["id"] == row["element"]
    keys = [(r["element"], r["message"]) for r in found]
    assert len(keys) == len(set(keys))  # nothing twice
    assert not any("Gateway_ReplyAction" in r["message"] for r in found)  # the gateway by its name
    assert not [r for r in found if re.search(r"[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}", r["message"])]  # no English
    summary = counted(page, found)
    assert summary.startswith(f"{len(BRANCHES)} 个错误")
    # on the diagram: bpmnlint's mark on each branch, no second badge of the engine's for it
    for branch in BRANCHES:
        overlays = f'#modeler .djs-overlays[data-container-id="{branch}"]'
        assert page.locator(f"{overlays} .bjsl-icon-error").count() == 1
        assert page.locator(f"{overlays} .cf-engine-badge").count() == 0
    page.screenshot(path=str(artifacts / "45-designer-one-problem-list.png"), full_page=True)
    page.click("button[data-action=deploy]")
    page.wait_for_selector("#deploy-blocked:not([hidden])")
    with database.session_factory(app)() as s:
        assert repo.latest_definition(s, "proposal").version == 1
    assert problems == []


def test_a_problem_only_the_engine_finds_keeps_its_badge_and_its_row(app, live_server, browser):
    """A condition the engine cannot read is the deploy check's alone: its row and its badge stay."""
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    open_proposal(page, live_server)
    condition = "handling_action == 'extend' and bool(extension_reason)"
    edit_xml(page, lambda xml: xml.replace(condition, "handling_action ==", 1))
    found = [r for r in rows(page) if r["element"] == BRANCHES[0]]
    assert len(found) == 1 and found[0]["source"] == "engine" and found[0]["severity"] == "error"
    assert found[0]["message"].startswith("：条件有误")
    overlays = f'#modeler .djs-overlays[data-container-id="{BRANCHES[0]}"]'
    assert page.locator(f"{overlays} .cf-engine-badge").count() == 1
    counted(page, rows(page))
    assert problems == []


def test_the_properties_panel_names_element_types_in_chinese(app, live_server, browser):
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    open_proposal(page, live_server)
    header = page.locator("#properties .bio-properties-panel-header-type")
    assert header.inner_text() == "协作"  # nothing selected: the diagram's collaboration
    for element, kind in (
        ("Task_Reply", "用户任务"),
        ("Gateway_ReplyAction", "排他网关"),
        ("Timer_ReplyDue", "定时边界事件（非中断）"),
        ("Flow_Gateway_ReplyAction_Script_Replied", "默认连线"),
    ):
        page.evaluate(
            """id => document.querySelector(`#modeler g.djs-element[data-element-id="${id}"]`)
                 .dispatchEvent(new MouseEvent('click', {bubbles: true}))""",
            element,
        )
        page.wait_for_selector(f'#modeler g.djs-element.selected[data-element-id="{element}"]', state="attached")
        assert header.inner_text() == kind, element
        titles = page.locator("#properties .bio-properties-panel-group-header-title").all_inner_texts()
        assert titles and not [t for t in titles if re.fullmatch(r"[A-Za-z /-]+", t)], titles
    assert problems == []


NAMELESS_ENDS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="note_taking" name="记录意见" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="note" />
    <bpmn:userTask id="note" name="记录" camunda:candidateGroups="office">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="text" label="意见" type="string" />
      </camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="note" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_start_or_end_event_without_a_name_is_a_warning_and_deploys_once_confirmed(app, live_server, browser):
    draft = act(app, "designer", drafts.create_draft, with_diagram(NAMELESS_ENDS), "note_taking.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    page.goto(f"{live_server}/designer/drafts/{draft.id}")
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)
    found = rows(page)
    assert sorted((r["element"], r["severity"]) for r in found) == [("end", "warning"), ("start", "warning")], found
    assert all("没有名称" in r["message"] for r in found)
    assert counted(page, found) == "0 个错误，2 个警告，0 条提示"
    page.once("dialog", lambda d: d.accept())
    page.click("button[data-action=deploy]")
    page.wait_for_url(f"{live_server}/designer/")
    assert "已部署" in page.locator(".flash").first.inner_text()
    with database.session_factory(app)() as s:
        assert repo.latest_definition(s, "note_taking").version == 1
    assert problems == []


def test_what_deploy_refused_from_the_xml_view_is_said_in_chinese_named_by_name(app, live_server, browser):
    """In the XML view the server judges: what it refused is in the one list, like the rest."""
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    open_proposal(page, live_server)
    page.click("#toggle-xml")
    page.wait_for_selector("#xml:not([hidden])")
    page.fill("#xml", gateway_without_conditions(page.input_value("#xml")))
    page.click("button[data-action=deploy]")
    page.wait_for_selector("#refused")
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)
    assert page.locator("#problems").count() == 0
    found = rows(page)
    [refused] = [r for r in found if r["element"] == BRANCHES[0] and r["severity"] == "error"]
    assert (refused["where"], refused["id"]) == ("连线「申请延期」", BRANCHES[0])
    assert refused["message"] == "：网关「答复、延期还是退回？」的分支没有条件，也不是默认分支"
    counted(page, found)
    with database.session_factory(app)() as s:
        assert repo.latest_definition(s, "proposal").version == 1
    assert problems == []


def test_the_english_problem_list_names_element_types_in_words(app, live_server, browser):
    # as the properties panel names them ("User task"), not as the XML's type (UserTask)
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    page.goto(f"{live_server}/lang/en")
    open_proposal(page, live_server)
    edit_xml(page, second_way_out)
    [split] = rows(page)
    assert split["where"] == "User task “办理并书面答复”" and split["id"] == "Task_Reply"
    assert problems == []
