"""In a real browser, with the keyboard alone (QA-A, items 1 and 2): a refused form opens on a
summary naming each field, whose links take the keyboard to the field; what an action did takes
the focus, so a screen reader reads it, and after an upload (the page opened at #attachments,
where the browser skips autofocus) it is moved into the attachments' section and focused there,
in view, not left unread at the top of the page.

Every test fails on any script error or content-security-policy violation in the browser."""

from __future__ import annotations

import pytest

from engine.usecases import tasks
from tests.e2e.test_officer_flow import sign_in
from tests.e2e.test_phone_and_keyboard import claimed_reply, focused
from tests.world import act

pytestmark = pytest.mark.browser


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.evaluate("() => window.innerHeight")
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_the_error_summary_links_each_field_and_the_start_is_said(app, live_server, browser, artifacts):
    page, problems = sign_in(browser, live_server, "office1")
    page.goto(f"{live_server}/start/review")
    page.click("button[data-action=start]")  # 标题 left empty
    page.wait_for_selector("#form-errors")
    assert focused(page)["id"] == "form-errors"
    assert page.locator("#form-errors").inner_text().startswith("有 1 项需要修改：")

    # the next Tab is the summary's link to the field; Enter takes the keyboard there
    page.keyboard.press("Tab")
    link = focused(page)
    assert (link["tag"], link["href"], link["text"]) == ("a", "#f-subject", "标题：必填")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'f-subject'")
    page.screenshot(path=str(artifacts / "a11y-summary-link.png"))

    page.keyboard.type("关于路灯的意见")
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_selector("#flash-said")
    # the case page opens on what happened: focused, read out, in view
    page.wait_for_function("() => document.activeElement.id === 'flash-said'")
    assert focused(page)["text"] == "已发起：关于路灯的意见"
    assert in_view(page, "#flash-said")
    assert problems == []


def test_an_upload_is_said_beside_the_attachments_and_focused(app, live_server, browser, artifacts):
    task_id = claimed_reply(app)
    page, problems = sign_in(browser, live_server, "finance1")
    page.goto(f"{live_server}/tasks/{task_id}")
    page.locator("#attachments input[type=file]").set_input_files(
        {"name": "答复函.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"x" * 200}
    )
    page.locator("#attachments button[type=submit]").click()
    page.wait_for_url(f"{live_server}/tasks/{task_id}#attachments")
    page.wait_for_selector("#attachments #flash-said")  # moved into the section it speaks of
    page.wait_for_function("() => document.activeElement.id === 'flash-said'")
    page.wait_for_timeout(300)  # any late scroll to the fragment
    page.screenshot(path=str(artifacts / "a11y-upload-said.png"))
    assert focused(page)["text"] == "附件已上传。"
    assert in_view(page, "#flash-said")
    # under the section's heading, above the list that now holds the file
    assert page.evaluate("() => document.querySelector('#attachments > h2').nextElementSibling.id === 'flash-said'")
    assert "答复函.pdf" in page.locator("#attachments").inner_text()
    assert problems == []


def test_a_refused_task_form_names_both_fields_and_a_claim_is_said(app, live_server, browser):
    task_id = claimed_reply(app)
    act(app, "finance1", tasks.unclaim, task_id)
    page, problems = sign_in(browser, live_server, "finance1")
    page.goto(f"{live_server}/?tab=group")
    page.locator(f'tr[data-task-id="{task_id}"] button[data-action=claim]').click()
    page.wait_for_selector("#flash-said")
    page.wait_for_function("() => document.activeElement.id === 'flash-said'")
    assert focused(page)["text"].startswith("已签收：")

    page.goto(f"{live_server}/tasks/{task_id}")
    page.fill("#f-pages", "0")
    page.click("button[data-action=complete]")
    page.wait_for_selector("#form-errors")
    links = page.locator("#form-errors li a")
    assert links.all_inner_texts() == ["答复类别：必填", "页数：不能小于 1"]
    links.nth(1).click()
    page.wait_for_function("() => document.activeElement.id === 'f-pages'")
    # the field names its error (aria-describedby): read with it once there
    assert page.get_attribute("#f-pages", "aria-describedby") == "f-pages-error"
    assert problems == []
