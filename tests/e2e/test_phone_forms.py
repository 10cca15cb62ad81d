"""In a real browser on a phone (390 × 844), the phone walk's (QA "mobile") follow-ups: a refused
start form opens on what went wrong, as a refused task form does; and every field's text is
16 px, under which iOS zooms the page in when the field takes the focus.

Every test fails on any script error or content-security-policy violation in the browser."""

from __future__ import annotations

import pytest

from tests.e2e.test_officer_flow import sign_in
from tests.e2e.test_phone_and_keyboard import PHONE, claimed_reply, focused

pytestmark = pytest.mark.browser

IOS_NO_ZOOM = 16  # px: iOS Safari zooms in on a focused field whose text is smaller


def test_a_refused_start_form_opens_on_its_error_summary(app, live_server, browser, artifacts):
    page, problems = sign_in(browser, live_server, "office1")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/start/review")
    page.click("button[data-action=start]")  # 标题 left empty
    page.wait_for_selector("#form-errors")
    page.screenshot(path=str(artifacts / "phone-start-refused.png"))

    # the summary has the focus (a screen reader reads it) and is on the phone's screen
    assert focused(page)["id"] == "form-errors"
    box = page.locator("#form-errors").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    # the next Tab is the summary's link to the first refused field (事由), which takes it there
    page.keyboard.press("Tab")
    assert focused(page)["href"] == "#f-subject"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "f-subject"
    assert problems == []


def font_size(page, selector: str) -> float:
    return page.locator(selector).evaluate("(e) => parseFloat(getComputedStyle(e).fontSize)")


def test_every_field_is_16px_on_a_phone(app, live_server, browser):
    task_id = claimed_reply(app)
    page, problems = sign_in(browser, live_server, "finance1")
    fields = {
        "转交给": "form.handover select",
        "转交说明": "form.handover input[name=comment]",
        "答复类别": "#f-reply_class",
        "页数": "#f-pages",
        "意见": "#comments textarea",
    }
    page.goto(f"{live_server}/tasks/{task_id}")
    assert font_size(page, fields["转交说明"]) < IOS_NO_ZOOM  # the desktop's compact hand-over row stays

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/tasks/{task_id}")
    sizes = {name: font_size(page, selector) for name, selector in fields.items()}
    assert {name: size for name, size in sizes.items() if size < IOS_NO_ZOOM} == {}

    page.goto(f"{live_server}/")  # the inbox's search box and filters
    sizes = page.eval_on_selector_all(
        "main input:not([type=hidden]):not([type=checkbox]), main select, main textarea",
        "(all) => all.map((e) => [e.name, parseFloat(getComputedStyle(e).fontSize)])",
    )
    assert sizes and [(name, size) for name, size in sizes if size < IOS_NO_ZOOM] == []
    assert problems == []
