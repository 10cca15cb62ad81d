"""In a real browser: a designer opens a deployed process in the bpmn-js Modeler and
deploys it as a new version; a broken document comes back with its problems."""
from __future__ import annotations

import pytest

from tests.e2e.test_officer_flow import sign_in

pytestmark = pytest.mark.browser


def test_designer_deploys_from_the_modeler(live_server, browser, artifacts):
    base = live_server
    page, problems = sign_in(browser, base, "designer")
    page.click("nav.mainnav >> text=流程设计")
    page.locator('#definitions tr[data-key="review"] a.button').click()
    page.wait_for_selector("#modeler[data-ready=true]")
    assert page.locator('#modeler g.djs-element[data-element-id="register"]').count() == 1
    assert page.locator("#modeler .djs-palette").count() == 1          # the editing palette is there
    page.screenshot(path=str(artifacts / "08-designer.png"), full_page=True)
    page.click("button[data-action=deploy]")
    page.wait_for_url(f"{base}/designer/")
    assert "已部署" in page.locator(".flash").first.inner_text()
    assert "v2" in page.locator('#definitions tr[data-key="review"]').inner_text()
    assert problems == []          # no script errors, no content-security-policy violations

    # break the document in the XML view: deploying shows the problem and marks the element
    page.locator('#definitions tr[data-key="review"] a.button').click()
    page.wait_for_selector("#modeler[data-ready=true]")
    page.click("#toggle-xml")
    page.wait_for_selector("#xml:not([hidden])")
    xml = page.input_value("#xml").replace('targetRef="set_due"', 'targetRef="nowhere"', 1)
    page.fill("#xml", xml)
    page.click("button[data-action=deploy]")
    page.wait_for_selector("#problems")
    assert "nowhere" in page.locator("#problems").inner_text()
    page.screenshot(path=str(artifacts / "09-designer-problems.png"), full_page=True)
    page.goto(f"{base}/designer/")
    assert "v2" in page.locator('#definitions tr[data-key="review"]').inner_text()   # nothing deployed
