"""In a real browser (QA-B, defects 3 to 5): the task page when nothing was typed, and when
the task changed while its page was open.

- A drop-down served with nothing chosen shows its "请选择": that is not input, so an untouched
  page neither asks before it is left nor saves an empty draft before a comment.
- A comment or file sent from a page with typed input first keeps the input as a draft; when
  that is refused (the task completed meanwhile, its case cancelled) the page says why, shows
  the input read-only to copy, and sends nothing: the comment stays in its form as typed. A
  comment then sent on a cancelled case's task opens the case page with it in the case's form.
- A refused submission's "任务已由他人办理" box takes the focus, so a phone scrolls to it.

Every test fails on any script error in the browser."""

from __future__ import annotations

import pytest

from engine.usecases import cases, tasks
from tests.e2e.test_officer_flow import sign_in
from tests.e2e.test_phone_and_keyboard import claimed_reply, focused
from tests.world import act

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
COMMENT = "form[action$='/comments']"


def unexpected(problems: list[str]) -> list[str]:
    """The browser's problems but its log of the 409s these tests provoke."""
    return [p for p in problems if "409 (CONFLICT)" not in p]


def test_an_untouched_page_is_not_unsaved_input(app, live_server, browser):
    task_id = claimed_reply(app)
    page, problems = sign_in(browser, live_server, "finance1")
    page.goto(f"{live_server}/tasks/{task_id}")
    assert page.input_value("#f-reply_class") == ""  # 请选择, as served
    page.click("h1")  # a click gives the page a user gesture, after which beforeunload may ask
    asked: list[str] = []

    def leave(dialog) -> None:
        asked.append(dialog.type)
        dialog.accept()

    page.on("dialog", leave)
    page.locator(f"{COMMENT} textarea[name=body]").fill("已收到，正在核实")
    page.locator(f"{COMMENT} button[type=submit]").click()
    page.wait_for_selector("#comments li:has-text('已收到，正在核实')")
    assert act(app, "finance1", tasks.task_page, task_id).has_draft is False

    page.locator("nav.mainnav a").first.click()
    page.wait_for_url(f"{live_server}/")
    assert asked == []
    assert problems == []


def test_a_refused_draft_says_why_and_keeps_both_texts(app, live_server, browser, artifacts):
    task_id = claimed_reply(app)
    page, problems = sign_in(browser, live_server, "finance1")
    page.goto(f"{live_server}/tasks/{task_id}")
    page.select_option("#f-reply_class", "B")
    page.fill("#f-pages", "3")
    # completed meanwhile in another tab
    act(app, "finance1", tasks.complete, task_id, {"reply_class": "A", "pages": "5"})
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator(f"{COMMENT} textarea[name=body]").fill("页数以盖章件为准")
    page.locator(f"{COMMENT} button[type=submit]").click()

    page.wait_for_selector("#task-taken")
    page.screenshot(path=str(artifacts / "unsaved-draft-refused.png"), full_page=True)
    assert asked == []  # no bare "未能保存为草稿" question
    assert "已于" in page.inner_text("#task-taken") and "办理完成" in page.inner_text("#task-taken")
    assert focused(page)["id"] == "task-taken"
    # the typed input, read-only to copy; the comment unsent, as typed
    assert page.input_value("#f-pages") == "3" and page.locator("#f-pages").get_attribute("readonly") is not None
    assert page.input_value("#f-reply_class") == "B"
    assert page.input_value(f"{COMMENT} textarea[name=body]") == "页数以盖章件为准"
    assert page.locator("#comments li[data-comment]").count() == 0

    # sent again, knowing why: a completed task takes comments
    page.locator(f"{COMMENT} button[type=submit]").click()
    page.wait_for_selector("#comments li:has-text('页数以盖章件为准')")
    assert unexpected(problems) == []


def test_a_comment_on_a_cancelled_cases_task_is_offered_to_the_case(app, live_server, browser, artifacts):
    task_id = claimed_reply(app)
    page, problems = sign_in(browser, live_server, "finance1")
    page.goto(f"{live_server}/tasks/{task_id}")
    page.fill("#f-pages", "3")
    case_id = act(app, "finance1", tasks.task_page, task_id).detail.summary.instance_id
    act(app, "office1", cases.cancel_instance, case_id, "代表撤回建议")
    page.locator(f"{COMMENT} textarea[name=body]").fill("已与代表沟通")
    page.locator(f"{COMMENT} button[type=submit]").click()

    page.wait_for_selector("#task-taken")
    said = page.inner_text("#task-taken")
    assert "撤销" in said and "代表撤回建议" in said
    assert page.input_value("#f-pages") == "3"
    assert page.input_value(f"{COMMENT} textarea[name=body]") == "已与代表沟通"

    # the task takes no more comments; the case page opens with it in its form, saying why
    page.locator(f"{COMMENT} button[type=submit]").click()
    page.wait_for_selector("#comment-error")
    page.screenshot(path=str(artifacts / "comment-offered-to-the-case.png"), full_page=True)
    assert "意见未发表在任务上" in page.inner_text("#comment-error")
    assert page.locator("#comments form").get_attribute("action").endswith(f"/cases/{case_id}/comments")
    assert page.input_value("#comment-body") == "已与代表沟通"
    page.locator("#comments button[type=submit]").click()
    page.wait_for_selector("#comments li:has-text('已与代表沟通')")
    assert f"/cases/{case_id}" in page.url
    assert unexpected(problems) == []


def test_the_task_taken_box_takes_the_focus_on_a_phone(app, live_server, browser, artifacts):
    task_id = claimed_reply(app)
    page, problems = sign_in(browser, live_server, "finance1")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/tasks/{task_id}")
    page.select_option("#f-reply_class", "B")
    page.fill("#f-pages", "3")
    act(app, "finance1", tasks.complete, task_id, {"reply_class": "A", "pages": "5"})
    page.click("button[data-action=complete]")
    page.wait_for_selector("#task-taken")
    page.wait_for_function("() => document.activeElement.id === 'task-taken'")
    page.screenshot(path=str(artifacts / "task-taken-phone.png"))
    box = page.locator("#task-taken").bounding_box()
    assert box is not None and 0 <= box["y"] < PHONE["height"]
    assert unexpected(problems) == []
