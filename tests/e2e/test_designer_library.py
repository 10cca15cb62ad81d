"""In a real browser: a designer saves a draft from the modeler, reopens it from the
library, deploys it with a note, sees version 2 with that note, and rolls back to version 1."""

from __future__ import annotations

import pytest

from tests.e2e.test_officer_flow import sign_in

pytestmark = pytest.mark.browser


def test_draft_deploy_and_roll_back(live_server, browser, artifacts):
    base = live_server
    page, problems = sign_in(browser, base, "designer")
    page.goto(f"{base}/designer/")
    page.locator('#definitions tr[data-key="review"] a.button').click()
    page.wait_for_selector("#modeler[data-ready=true]")
    page.fill("#note", "登记改为登记分类")
    page.click("#toggle-xml")  # edit in the XML view: the XML is the truth while it is open
    page.wait_for_selector("#xml:not([hidden])")
    page.fill("#xml", page.input_value("#xml").replace('name="登记"', 'name="登记分类"', 1))
    page.click("button[data-action=save-draft]")
    page.wait_for_url(f"{base}/designer/drafts/*")
    page.wait_for_selector("#draft-info")
    assert "草稿已保存" in page.locator(".flash").first.inner_text()

    page.goto(f"{base}/designer/")
    page.locator("#drafts a[data-action=open-draft]").first.click()
    page.wait_for_selector("#modeler[data-ready=true]")
    assert page.input_value("#note") == "登记改为登记分类"
    assert page.locator('#modeler g.djs-element[data-element-id="register"]').text_content().strip() == "登记分类"
    page.click("button[data-action=deploy]")
    page.wait_for_url(f"{base}/designer/")
    assert "已部署" in page.locator(".flash").first.inner_text()
    assert page.locator("#drafts").count() == 0  # the draft became the version

    page.locator('#definitions tr[data-key="review"] td.title a').click()
    v2 = page.locator('#versions tr[data-version="2"]')
    assert "登记改为登记分类" in v2.inner_text()
    page.screenshot(path=str(artifacts / "30-designer-versions.png"), full_page=True)
    page.locator('#versions tr[data-version="1"] input[name=note]').fill("先用回旧版")
    page.locator('#versions tr[data-version="1"] button[data-action=rollback]').click()
    # a page asks first, saying what goes live; nothing is deployed until it is confirmed
    assert "v1" in page.locator("#rollback-confirm").inner_text()
    page.locator("#rollback-confirm button[data-action=rollback-confirm]").click()
    page.wait_for_selector('#versions tr[data-version="3"]')
    assert "v1 的内容已部署为 v3" in page.locator(".flash").first.inner_text()
    assert "回滚：重新部署 v1。先用回旧版" in page.locator('#versions tr[data-version="3"]').inner_text()
    assert problems == []
