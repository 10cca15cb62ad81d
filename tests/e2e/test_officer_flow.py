"""In a real browser: an officer of the congress office starts a case, claims its first
task, submits the form with a mistake, sees the error, corrects it and completes it; the
handling unit's officer finds the new task in the inbox; the case page draws the diagram
with what is done, what is active and, later, what is overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import clock
from tests.world import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(browser, base: str, username: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    # a 422 answer is the form coming back with its errors: expected, not a problem
    page.on(
        "console", lambda m: problems.append(m.text) if m.type == "error" and "UNPROCESSABLE" not in m.text else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{base}/")
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page, problems


def test_officer_flow(live_server, browser, artifacts):
    base = live_server
    office, office_problems = sign_in(browser, base, "office1")
    office.screenshot(path=str(artifacts / "01-inbox-empty.png"), full_page=True)

    # start a case from the list of startable processes
    office.click("nav.mainnav >> text=发起")
    office.click("#startable >> text=意见办理（测试）")
    office.fill("#f-subject", "关于修缮村道的意见")
    office.screenshot(path=str(artifacts / "02-start-form.png"), full_page=True)
    office.click("button[data-action=start]")
    office.wait_for_selector("#case-status")

    # the first task waits in the group tab; claim it
    office.goto(f"{base}/?tab=group")
    row = office.locator("#inbox tbody tr", has_text="关于修缮村道的意见")
    assert row.count() == 1
    office.screenshot(path=str(artifacts / "03-inbox-group.png"), full_page=True)
    row.locator("button[data-action=claim]").click()
    office.wait_for_selector(".flash.success")
    assert office.locator(".flash.success").inner_text().startswith("已签收")

    # submit with a mistake: the required unit is missing
    office.goto(f"{base}/?tab=mine")
    office.locator("#inbox tbody tr", has_text="关于修缮村道的意见").locator("td.title a").click()
    office.wait_for_selector("#task-form")
    office.check("#f-urgent")
    office.click("button[data-action=complete]")
    office.wait_for_selector("#form-errors")
    error = office.locator('[data-field="lead_unit"] .field-error')
    assert error.inner_text() == "必填"
    assert office.is_checked("#f-urgent")  # what was typed is kept
    office.screenshot(path=str(artifacts / "04-task-with-error.png"), full_page=True)

    # correct it and complete
    office.fill("#f-lead_unit", "finance")
    office.click("button[data-action=complete]")
    office.wait_for_url(f"{base}/")
    assert "已提交。下一步：财政所「答复」" in office.locator(".flash.success").inner_text()

    # the handling unit's officer sees the new task
    finance, finance_problems = sign_in(browser, base, "finance1")
    finance.goto(f"{base}/?tab=group")
    row = finance.locator("#inbox tbody tr", has_text="关于修缮村道的意见")
    assert row.count() == 1 and "答复" in row.inner_text()
    assert "即将到期" not in row.inner_text() and "已逾期" not in row.inner_text()
    finance.screenshot(path=str(artifacts / "05-inbox-next-lane.png"), full_page=True)

    # the case page: the diagram with completed and active elements marked
    row.locator("td:nth-child(2) a").click()
    finance.wait_for_selector("#diagram[data-ready=true]")
    for done in ("start", "register", "set_due"):
        assert finance.locator(f'#diagram g.djs-element.cf-completed[data-element-id="{done}"]').count() == 1
    assert finance.locator('#diagram g.djs-element.cf-active[data-element-id="reply"]').count() == 1
    assert finance.locator("#diagram g.djs-element.cf-active").count() >= 1
    assert finance.locator('#diagram g.djs-element.cf-completed[data-element-id="check"]').count() == 0
    assert finance.locator("#diagram g.djs-element.cf-overdue").count() == 0
    finance.screenshot(path=str(artifacts / "06-case-diagram.png"), full_page=True)

    # sixteen days later the reply is overdue: marked in the inbox and on the diagram
    clock.advance(timedelta(days=16))
    finance.goto(f"{base}/?tab=group")
    assert "已逾期" in finance.locator("#inbox tbody tr", has_text="关于修缮村道的意见").inner_text()
    finance.locator("#inbox tbody tr", has_text="关于修缮村道的意见").locator("td:nth-child(2) a").click()
    finance.wait_for_selector("#diagram[data-ready=true]")
    assert finance.locator('#diagram g.djs-element.cf-overdue[data-element-id="reply"]').count() == 1
    finance.screenshot(path=str(artifacts / "07-case-overdue.png"), full_page=True)

    # no script errors, no content-security-policy violations on any page
    assert office_problems == [] and finance_problems == []
