"""In a real browser: a designer opens a deployed process in the bpmn-js Modeler and
deploys it as a new version; a broken document comes back with its problems."""

from __future__ import annotations

import pytest

from engine.usecases.context import processes
from storage import repositories as repo
from tests.e2e.test_officer_flow import sign_in
from web import database

pytestmark = pytest.mark.browser


def test_designer_deploys_from_the_modeler(live_server, browser, artifacts):
    base = live_server
    page, problems = sign_in(browser, base, "designer")
    page.click("nav.mainnav >> text=流程设计")
    page.locator('#definitions tr[data-key="review"] a.button').click()
    page.wait_for_selector("#modeler[data-ready=true]")
    assert page.locator('#modeler g.djs-element[data-element-id="register"]').count() == 1
    assert page.locator("#modeler .djs-palette").count() == 1  # the editing palette is there
    page.screenshot(path=str(artifacts / "08-designer.png"), full_page=True)
    page.click("button[data-action=deploy]")
    page.wait_for_url(f"{base}/designer/")
    assert "已部署" in page.locator(".flash").first.inner_text()
    assert "v2" in page.locator('#definitions tr[data-key="review"]').inner_text()
    assert problems == []  # no script errors, no content-security-policy violations

    # break the document in the XML view: deploying shows the problem in the list
    page.locator('#definitions tr[data-key="review"] a.button').click()
    page.wait_for_selector("#modeler[data-ready=true]")
    page.click("#toggle-xml")
    page.wait_for_selector("#xml:not([hidden])")
    xml = page.input_value("#xml").replace('targetRef="set_due"', 'targetRef="nowhere"', 1)
    page.fill("#xml", xml)
    page.click("button[data-action=deploy]")
    page.wait_for_selector("#refused")  # refused; the problems are in the page's one list
    page.wait_for_selector("#modeler[data-checked=true]")
    assert "「nowhere」" in page.locator("#lint-list").inner_text()
    page.screenshot(path=str(artifacts / "09-designer-problems.png"), full_page=True)
    page.goto(f"{base}/designer/")
    assert "v2" in page.locator('#definitions tr[data-key="review"]').inner_text()  # nothing deployed


def test_designer_edits_who_acts_and_the_form_in_the_properties_panel(app, live_server, browser, artifacts):
    """The properties panel edits what the engine reads (candidate groups, form fields)
    without XML; the deployed new version carries the edits."""
    base = live_server
    page, problems = sign_in(browser, base, "designer")
    page.goto(f"{base}/designer/")
    page.locator('#definitions tr[data-key="review"] a.button').click()
    page.wait_for_selector("#modeler[data-ready=true]")

    page.click('#modeler g.djs-element[data-element-id="supervise"]')
    assignment = page.locator(
        '#properties [data-group-id="group-CamundaPlatform__UserAssignment"] .bio-properties-panel-group-header'
    )
    assert "办理人" in assignment.inner_text()  # the panel speaks the page's language
    assignment.click()
    groups = page.locator("#properties #bio-properties-panel-candidateGroups")
    assert groups.input_value() == "office"
    groups.fill("office,presidium")
    groups.press("Tab")

    page.click('#modeler g.djs-element[data-element-id="reply"]')
    page.click('#properties [data-group-id="group-CamundaPlatform__FormData"] .bio-properties-panel-group-header')
    label = page.locator("#properties #bio-properties-panel-reply-formField-0-formFieldLabel")
    if not label.is_visible():  # the field's own entry is collapsed: open it
        page.click(
            '#properties [data-group-id="group-CamundaPlatform__FormData"] '
            ".bio-properties-panel-collapsible-entry-header >> nth=0"
        )
    assert label.input_value() == "答复类别"
    label.fill("答复类别（A/B）")
    label.press("Tab")
    page.screenshot(path=str(artifacts / "15-designer-properties.png"), full_page=True)

    page.click("button[data-action=deploy]")
    page.wait_for_url(f"{base}/designer/")
    assert "v2" in page.locator('#definitions tr[data-key="review"]').inner_text()
    with database.session_factory(app)() as s:
        process = processes.get(repo.latest_definition(s, "review"))
    assert process.tasks["supervise"].candidate_groups == ("office", "presidium")
    assert process.tasks["reply"].form.field("reply_class").label == "答复类别（A/B）"
    assert problems == []
