"""In a real browser, the designer's workbench on the proposal process (bpmn/proposal.bpmn, key
``proposal``): renaming a task and a form field's label in the properties panel, a gateway's
branch left without a condition shown by the lint on the diagram and in the list (deploy held
back), fixed, saved as a draft, deployed; a case started before keeps version 1, one started
after runs version 2; the diff marks the rename on the diagram and lists it. And a warning asks
before deploying."""

from __future__ import annotations

import pytest

from engine.bpmn.layout import with_diagram
from engine.usecases import cases, drafts
from storage import repositories as repo
from storage.models import ProcessInstance
from tests.conftest import REPO_ROOT
from tests.e2e.held_requests import HeldRequests
from tests.e2e.test_officer_flow import sign_in
from tests.world import act, deploy
from web import database

pytestmark = pytest.mark.browser

BRANCH = "Flow_Gateway_Kind_Task_AgendaDecision"  # 议案: kind == 'motion', out of 议案还是建议？
PROPOSAL = {
    "kind": "suggestion",
    "title": "修缮村道",
    "content": "村道破损",
    "deputy": "deputy",
    "submitted_during": "recess",
}


def click_connection(page, element_id: str) -> None:
    """Click on a sequence flow's line, where nothing (the palette, a label) lies over it."""
    page.keyboard.press("Escape")
    # the whole process is in view, its left edge under the palette: move the canvas right
    box = page.locator("#modeler").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] - 40)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6 + 250, box["y"] + box["height"] - 40, steps=5)
    page.mouse.up()
    point = page.evaluate(
        """(id) => {
          const path = document.querySelector(`#modeler g.djs-element[data-element-id="${id}"] .djs-hit`);
          const m = path.getScreenCTM();
          for (const t of [0.5, 0.6, 0.4, 0.7, 0.3, 0.8, 0.2, 0.9]) {
            const p = path.getPointAtLength(path.getTotalLength() * t);
            const x = p.x * m.a + p.y * m.c + m.e, y = p.x * m.b + p.y * m.d + m.f;
            const hit = document.elementFromPoint(x, y);
            const owner = hit && hit.closest('g.djs-element');
            if (owner && owner.dataset.elementId === id) { return {x, y}; }
          }
          return null;
        }""",
        element_id,
    )
    assert point, f"no visible point on {element_id}"
    page.mouse.click(point["x"], point["y"])


def open_group(page, group_id: str) -> None:
    header = page.locator(f'#properties [data-group-id="group-{group_id}"] > .bio-properties-panel-group-header')
    if "open" not in (header.get_attribute("class") or "").split():
        header.click()


def edit_review(page, base: str) -> None:
    """The review process's latest version open in the modeler, from the designer's list."""
    page.goto(f"{base}/designer/")
    page.locator('#definitions tr[data-key="review"] a.button').click()
    page.wait_for_selector("#modeler[data-ready=true]")


def shown_after_click(box) -> bool:
    """Whether the checkbox ``box`` shows checked right after a click: after the panel's
    render (a microtask after the change), before its effects (after the next paint)."""
    return box.evaluate(
        """async (input) => {
             input.click();
             for (let i = 0; i < 5; i += 1) { await Promise.resolve(); }
             return input.checked;
           }"""
    )


def settled(page) -> None:
    """The engine's check has answered for the diagram as it is now."""
    page.wait_for_selector("#modeler[data-checked=true]")


def test_lint_blocks_deploy_then_the_fixed_draft_deploys_and_the_diff_marks_the_rename(
    app, live_server, browser, artifacts
):
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    before = act(app, "office1", cases.start_instance, "proposal", PROPOSAL)
    assert before.version == 1
    base = live_server
    page, problems = sign_in(browser, base, "designer")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.goto(f"{base}/designer/")
    page.locator('#definitions tr[data-key="proposal"] a.button').click()
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)
    assert page.locator("#lint-list li[data-severity=error]").count() == 0  # the library's process is sound

    # rename a task and a form field's label in the properties panel
    page.click('#modeler g.djs-element[data-element-id="Task_Classify"]')
    open_group(page, "general")
    name = page.locator("#properties #bio-properties-panel-name")
    assert name.input_value() == "整理分类并交办"
    name.fill("整理分类并交办主办单位")
    name.press("Tab")
    open_group(page, "CamundaPlatform__FormData")
    label = page.locator("#properties #bio-properties-panel-Task_Classify-formField-3-formFieldLabel")
    if not label.is_visible():
        page.click(
            '#properties [data-entry-id="Task_Classify-formField-3"] > .bio-properties-panel-collapsible-entry-header'
        )
    assert label.input_value() == "交办意见"
    label.fill("交办意见（写明办理要求）")
    label.press("Tab")
    # the panel offers only what the engine runs: no listeners, no async continuations
    groups = page.locator("#properties [data-group-id]").evaluate_all("gs => gs.map(g => g.dataset.groupId)")
    assert "group-CamundaPlatform__UserAssignment" in groups
    assert not any("Listener" in g or "Asynchronous" in g or "JobExecution" in g for g in groups)

    # take the condition off the 议案 branch: an error on the diagram and in the list
    click_connection(page, BRANCH)
    open_group(page, "CamundaPlatform__Condition")
    page.select_option("#properties #bio-properties-panel-conditionType", "")
    settled(page)
    row = page.locator(f'#lint-list li[data-element="{BRANCH}"][data-severity=error]')
    assert row.count() == 1  # bpmnlint and the engine's deploy check found it: one row
    assert row.get_attribute("data-source") == "both"
    texts = row.inner_text()
    assert "网关「议案还是建议？」的分支没有条件，也不是默认分支" in texts  # in Chinese, the gateway by name
    assert "连线「议案」" in texts and BRANCH in texts  # the element by its name, its id beside
    overlays = f'#modeler .djs-overlays[data-container-id="{BRANCH}"]'
    assert page.locator(f"{overlays} .bjsl-icon-error").count() == 1  # one mark on the element
    assert page.locator(f'{overlays} .cf-engine-badge[data-element="{BRANCH}"]').count() == 0
    page.screenshot(path=str(artifacts / "40-workbench-lint-error.png"), full_page=True)

    # deploy is held back, saying why; nothing is deployed
    page.click("button[data-action=deploy]")
    page.wait_for_selector("#deploy-blocked:not([hidden])")
    assert page.url.startswith(f"{base}/designer/") and "/drafts/" not in page.url
    with database.session_factory(app)() as s:
        assert repo.latest_definition(s, "proposal").version == 1

    # a row of the list selects its element
    page.click('#modeler g.djs-element[data-element-id="Task_Classify"]')
    row.first.click()
    page.wait_for_selector(f'#modeler g.djs-element.selected[data-element-id="{BRANCH}"]')

    # fixed in the panel: the condition again
    page.select_option("#properties #bio-properties-panel-conditionType", "expression")
    condition = page.locator("#properties #bio-properties-panel-conditionExpression")
    condition.fill("kind == 'motion'")
    condition.press("Tab")  # the panel writes a typed value a moment later
    page.wait_for_selector("#lint-list li[data-severity=error]", state="detached")
    settled(page)
    assert page.locator("#lint-list li[data-severity=error]").count() == 0
    assert page.locator("#deploy-blocked").is_hidden()

    page.fill("#note", "整理分类改名，交办意见写明要求")
    page.click("button[data-action=save-draft]")
    page.wait_for_url(f"{base}/designer/drafts/*")
    assert "草稿已保存" in page.locator(".flash").first.inner_text()
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)
    page.click("button[data-action=deploy]")
    page.wait_for_url(f"{base}/designer/")
    assert "已部署" in page.locator(".flash").first.inner_text()
    assert dialogs == []  # no warnings to confirm

    with database.session_factory(app)() as s:
        v2 = repo.latest_definition(s, "proposal")
        assert v2.version == 2
        assert 'name="整理分类并交办主办单位"' in v2.bpmn_xml and "交办意见（写明办理要求）" in v2.bpmn_xml
        assert "kind == &#39;motion&#39;" in v2.bpmn_xml or "kind == 'motion'" in v2.bpmn_xml
    after = act(app, "office1", cases.start_instance, "proposal", PROPOSAL)
    assert (after.version, before.version) == (2, 1)
    office, _ = sign_in(browser, base, "office1")
    office.goto(f"{base}/cases/{after.id}")
    assert "v2" in office.locator("dl.facts").first.inner_text()
    office.goto(f"{base}/cases/{before.id}")
    assert "v1" in office.locator("dl.facts").first.inner_text()

    # the diff: the rename in the list and amber on the newer diagram
    page.goto(f"{base}/designer/processes/proposal/diff?old=1&new=2")
    page.wait_for_selector("#diagram-new[data-ready=true]")
    page.wait_for_selector("#diagram-old[data-ready=true]")
    renamed = page.locator('#diff tr[data-element="Task_Classify"]')
    assert renamed.get_attribute("data-status") == "changed"
    assert "整理分类并交办主办单位" in renamed.inner_text() and "原名：整理分类并交办" in renamed.inner_text()
    assert "交办意见（写明办理要求）" in renamed.inner_text()
    assert page.locator('#diagram-new g.djs-element.cf-changed[data-element-id="Task_Classify"]').count() == 1
    assert page.locator('#diagram-old g.djs-element.cf-changed[data-element-id="Task_Classify"]').count() == 1
    assert page.locator("#diagram-new g.cf-added, #diagram-old g.cf-removed").count() == 0
    page.screenshot(path=str(artifacts / "41-workbench-diff.png"), full_page=True)

    # the case started on v1 moves to v2 after a dry run (from the version list)
    page.goto(f"{base}/designer/processes/proposal")
    page.locator('a[data-action=migrate][href*="/v1/migrate"]').first.click()
    page.wait_for_selector("#migration-plan")
    page.click("button[data-action=dry-run]")
    page.wait_for_selector("#dry-run")
    row = page.locator(f'#dry-run tr[data-case="{before.id}"]')
    assert "可以迁移" in row.inner_text()
    with database.session_factory(app)() as s:  # a dry run writes nothing
        assert s.get(ProcessInstance, before.id).definition_id != v2.id
    page.check('#migrate-confirm input[name="confirm"]')
    page.click("button[data-action=migrate]")
    page.wait_for_selector("#migration-result")
    assert page.locator(f'#migration-result tr[data-case="{before.id}"]').get_attribute("data-outcome") == "moved"
    page.screenshot(path=str(artifacts / "44-workbench-migrated.png"), full_page=True)
    office.goto(f"{base}/cases/{before.id}")
    assert "v2" in office.locator("dl.facts").first.inner_text()
    assert "迁移到新版本" in office.locator("#history").inner_text()
    assert problems == []


def test_warnings_deploy_only_once_confirmed_and_an_empty_process_never(app, live_server, browser, artifacts):
    """A user task without a form is a warning: deploy asks, and goes ahead only when told
    to. A new process with nothing after its start is an error: deploy is held back."""
    base = live_server
    page, problems = sign_in(browser, base, "designer")
    page.goto(f"{base}/designer/new")
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)
    errors = page.locator("#lint-list li[data-severity=error]").all_inner_texts()
    assert any("是空的：开始事件之后什么也没有" in e for e in errors)  # the engine's check
    assert any("流程缺少结束事件" in e for e in errors)  # bpmnlint's
    page.click("button[data-action=deploy]")
    page.wait_for_selector("#deploy-blocked:not([hidden])")
    page.screenshot(path=str(artifacts / "42-workbench-empty-process.png"), full_page=True)

    edit_review(page, base)
    page.click('#modeler g.djs-element[data-element-id="check"]')
    open_group(page, "CongressFlow__Form")
    page.uncheck("#properties #bio-properties-panel-cfFormData")  # 使用表单 off: the form goes
    settled(page)
    # one row (bpmnlint's and the engine's, which names the formKey the task keeps): no form fields
    warning = page.locator('#lint-list li[data-element="check"][data-severity=warning]')
    assert "用户任务「审核答复」" in warning.inner_text() and "表单字段" in warning.inner_text()
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    with page.expect_event("dialog"):
        page.click("button[data-action=deploy]")
    assert asked == ["还有 1 个警告。仍要部署吗？"]
    with database.session_factory(app)() as s:
        assert repo.latest_definition(s, "review").version == 1  # declined: nothing deployed
    page.once("dialog", lambda d: d.accept())
    page.click("button[data-action=deploy]")
    page.wait_for_url(f"{base}/designer/")
    with database.session_factory(app)() as s:
        latest = repo.latest_definition(s, "review")
        assert latest.version == 2 and 'formField id="accepted"' not in latest.bpmn_xml
    assert problems == []


def test_an_unchecked_form_box_stays_unchecked_from_the_first_render(app, live_server, browser):
    """Unchecking 使用表单 removes the form, and the box shows it at the panel's next render, not
    checked again for a frame (the panel's own checkbox did: it kept the input's value, "on")."""
    page, problems = sign_in(browser, live_server, "designer")
    edit_review(page, live_server)
    page.click('#modeler g.djs-element[data-element-id="check"]')
    open_group(page, "CongressFlow__Form")
    box = page.locator("#properties #bio-properties-panel-cfFormData")
    assert box.is_checked()
    assert shown_after_click(box) is False
    settled(page)
    assert not box.is_checked()
    # one row (bpmnlint's and the engine's, which names the formKey the task keeps): no form fields
    warning = page.locator('#lint-list li[data-element="check"][data-severity=warning]')
    assert "用户任务「审核答复」" in warning.inner_text() and "表单字段" in warning.inner_text()
    assert problems == []


def test_the_executable_box_too_shows_the_models_value_from_the_first_render(app, live_server, browser):
    """可执行 (Camunda's entry, on our checkbox): unchecked, it stays unchecked, and the XML says so."""
    page, problems = sign_in(browser, live_server, "designer")
    edit_review(page, live_server)
    open_group(page, "general")  # nothing selected: the process's own properties
    box = page.locator("#properties #bio-properties-panel-isExecutable")
    assert box.is_checked()
    assert shown_after_click(box) is False
    page.click("#toggle-xml")
    assert 'isExecutable="false"' in page.locator("#xml").input_value()
    assert problems == []


def test_a_mappings_local_box_too_shows_the_models_value_from_the_first_render(app, live_server, browser):
    """局部 of a call activity's input mapping (Camunda's entry, on our checkbox): unchecked
    again, it stays unchecked from the first render, and the XML says so."""
    draft = act(app, "designer", drafts.create_draft, with_diagram(ENGINE_ELEMENTS), "letters.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    page.goto(f"{live_server}/designer/drafts/{draft.id}")
    page.wait_for_selector("#modeler[data-ready=true]")
    page.click('#modeler g.djs-element[data-element-id="file"]')
    open_group(page, "CamundaPlatform__InMapping")
    page.click('#properties [data-entry-id="file-inMapping-0"] .bio-properties-panel-collapsible-entry-header')
    box = page.locator("#properties #bio-properties-panel-file-inMapping-0-local")
    assert not box.is_checked()
    assert shown_after_click(box) is True
    assert box.is_checked()
    assert shown_after_click(box) is False
    assert not box.is_checked()
    page.click("#toggle-xml")
    assert 'local="true"' not in page.locator("#xml").input_value()
    assert problems == []


ENGINE_ELEMENTS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="letters" name="来信转办" isExecutable="true">
    <bpmn:startEvent id="start" name="收到来信" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="reply" />
    <bpmn:userTask id="reply" name="答复" camunda:candidateGroups="office" camunda:dueDate="${reply_due}">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="answer" label="答复" type="string" />
      </camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="late" name="逾期" attachedToRef="reply" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeDate>reply_due</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f_late" sourceRef="late" targetRef="late_end" />
    <bpmn:endEvent id="late_end" name="记录逾期" />
    <bpmn:sequenceFlow id="f2" sourceRef="reply" targetRef="post" />
    <bpmn:serviceTask id="post" name="寄出" camunda:type="external" camunda:topic="mail" />
    <bpmn:sequenceFlow id="f3" sourceRef="post" targetRef="file" />
    <bpmn:callActivity id="file" name="归档" calledElement="archive">
      <bpmn:extensionElements><camunda:in source="answer" target="text" /></bpmn:extensionElements>
    </bpmn:callActivity>
    <bpmn:sequenceFlow id="f4" sourceRef="file" targetRef="note" />
    <bpmn:scriptTask id="note" name="记录" scriptFormat="python">
      <bpmn:script>done = True</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f5" sourceRef="note" targetRef="end" />
    <bpmn:endEvent id="end" name="办结" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_the_panel_offers_what_the_engine_runs_with_date_suggestions(app, live_server, browser, artifacts):
    """Due dates come with the date functions and the deadline settings as suggestions; a
    service task is an external task's topic, a call activity the process it calls and what it
    passes in; a script is Python, with no format to choose."""
    draft = act(app, "designer", drafts.create_draft, with_diagram(ENGINE_ELEMENTS), "letters.bpmn")
    base = live_server
    page, problems = sign_in(browser, base, "designer")
    page.goto(f"{base}/designer/drafts/{draft.id}")
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)

    page.click('#modeler g.djs-element[data-element-id="reply"]')
    open_group(page, "CamundaPlatform__UserAssignment")
    due = page.locator("#properties #bio-properties-panel-dueDate")
    assert due.input_value() == "${reply_due}"
    due.click()
    assert due.get_attribute("list") == "cf-due-dates"
    offered = page.locator("#cf-due-dates option").evaluate_all("os => os.map(o => o.value)")
    assert "${deadline_in_working_days(10)}" in offered
    assert "${deadline_in_months(setting('proposal.reply_months'))}" in offered
    assert page.locator("#properties #bio-properties-panel-followUpDate").count() == 0  # not run here
    page.screenshot(path=str(artifacts / "43-workbench-due-date.png"), full_page=True)
    # a form field's types in the designer's words, each beside the type the form engine reads
    open_group(page, "CamundaPlatform__FormData")
    page.click('#properties [data-entry-id="reply-formField-0"] .bio-properties-panel-collapsible-entry-header')
    types = page.locator("#properties #bio-properties-panel-reply-formField-0-formFieldType option")
    assert types.all_inner_texts() == [
        "是/否（boolean）",
        "日期（date）",
        "选项（enum）",
        "整数（long）",
        "文本（string）",
        "<其他类型>",
    ]
    # left of centre: the generated layout draws the event's outgoing flow through its middle
    page.click('#modeler g.djs-element[data-element-id="late"]', position={"x": 7, "y": 18})
    open_group(page, "timer")
    when = page.locator("#properties #bio-properties-panel-timerEventDefinitionValue")
    assert when.input_value() == "reply_due"
    when.click()
    assert when.get_attribute("list") == "cf-timer-dates"  # a timer takes the expression itself
    timers = page.locator("#cf-timer-dates option").evaluate_all("os => os.map(o => o.value)")
    assert "deadline_in_months(setting('proposal.reply_months'))" in timers

    page.click('#modeler g.djs-element[data-element-id="post"]')
    groups = page.locator("#properties [data-group-id]").evaluate_all("gs => gs.map(g => g.dataset.groupId)")
    assert "group-CamundaPlatform__ExternalTask" in groups and "group-CamundaPlatform__Implementation" not in groups
    open_group(page, "CamundaPlatform__ExternalTask")
    assert page.locator("#properties #bio-properties-panel-externalTaskPriority").count() == 1
    topic = page.locator("#properties #bio-properties-panel-cfExternalTopic")
    assert topic.input_value() == "mail"
    topic.fill("post_letters")
    topic.press("Tab")

    page.click('#modeler g.djs-element[data-element-id="file"]')
    open_group(page, "CamundaPlatform__CallActivity")
    assert page.locator("#properties #bio-properties-panel-cfCalledElement").input_value() == "archive"
    groups = page.locator("#properties [data-group-id]").evaluate_all("gs => gs.map(g => g.dataset.groupId)")
    assert "group-CamundaPlatform__InMapping" in groups
    assert "group-CamundaPlatform__Input" in groups and "group-CamundaPlatform__Output" in groups  # parameters
    assert not any("Listener" in g or g.endswith("__ConnectorInput") for g in groups)

    page.click('#modeler g.djs-element[data-element-id="note"]')
    open_group(page, "CamundaPlatform__Script")
    assert page.locator("#properties #bio-properties-panel-scriptValue").input_value() == "done = True"
    assert page.locator("#properties #bio-properties-panel-scriptFormat").count() == 0

    page.click("button[data-action=save-draft]")
    page.wait_for_url(f"{base}/designer/drafts/*")
    saved = act(app, "designer", drafts.get_draft, draft.id).xml
    assert 'camunda:type="external"' in saved and 'camunda:topic="post_letters"' in saved
    assert problems == []


def test_a_check_answered_after_a_later_change_is_not_taken_for_the_current_one(app, live_server, browser):
    """The engine's check of the diagram before a change may answer after it (a slow
    server): the list then still waits for the check of the diagram as it is now."""
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    page.goto(f"{live_server}/designer/")
    page.locator('#definitions tr[data-key="proposal"] a.button').click()
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)
    checks = HeldRequests(page, "**/api/v1/designer/check")

    # change A: a task renamed; its check goes out and is held
    page.click('#modeler g.djs-element[data-element-id="Task_Classify"]')
    open_group(page, "general")
    page.locator("#properties #bio-properties-panel-name").fill("整理分类并交办主办单位")
    page.locator("#properties #bio-properties-panel-name").press("Tab")
    check_a = checks.next()
    # change B: the 议案 branch loses its condition, while A's check is still out
    click_connection(page, BRANCH)
    open_group(page, "CamundaPlatform__Condition")
    page.select_option("#properties #bio-properties-panel-conditionType", "")
    with page.expect_response("**/api/v1/designer/check"):
        check_a.continue_()  # A's answer arrives now: sound, but for the diagram before B
    check_b = checks.next()  # B's check goes out well after A's answer was taken in
    assert page.locator("#modeler").get_attribute("data-checked") == "false"

    check_b.continue_()
    checks.stop()
    settled(page)  # B's own check
    texts = " ".join(page.locator(f'#lint-list li[data-element="{BRANCH}"]').all_inner_texts())
    assert "网关「议案还是建议？」的分支没有条件" in texts
    assert problems == []


@pytest.mark.parametrize("process", ["review", "unit_report"])
def test_a_process_opens_whole_and_clear_of_the_palette(app, live_server, browser, artifacts, process):
    """Every element in view and none under the tool palette, which lies over the canvas's left
    edge (fitting the viewport alone left the start events under it)."""
    if process != "review":
        deploy(app, REPO_ROOT / "bpmn" / f"{process}.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    page.goto(f"{live_server}/designer/")
    page.locator(f'#definitions tr[data-key="{process}"] a.button').click()
    page.wait_for_selector("#modeler[data-ready=true]")
    page.screenshot(path=str(artifacts / f"modeler-opens-{process}.png"))
    palette = page.locator("#modeler .djs-palette").bounding_box()
    canvas = page.locator("#modeler .djs-container").bounding_box()
    shapes = page.locator("#modeler g.djs-shape").evaluate_all(
        "gs => gs.map(g => { const r = g.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"
    )
    assert shapes
    left, top = min(s[0] for s in shapes), min(s[1] for s in shapes)
    right, bottom = max(s[2] for s in shapes), max(s[3] for s in shapes)
    assert left >= palette["x"] + palette["width"], (left, palette)
    assert right <= canvas["x"] + canvas["width"] and top >= canvas["y"] and bottom <= canvas["y"] + canvas["height"]
    assert problems == []
