"""In a real browser: what an officer typed into a task's form survives an action elsewhere on
the same page (a comment, an attachment), which posts and reloads the page: the form is kept
as the officer's draft first, and the reloaded page loads it; leaving by a link with unsaved
input asks first."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from engine.usecases import tasks
from tests.e2e.test_officer_flow import sign_in
from tests.world import act, start_review

pytestmark = pytest.mark.browser


def until(page: Any, done: Callable[[], object], seconds: float = 15) -> None:
    """Let the page run until ``done()`` (a dialog the page opened was answered), not for a
    fixed time: on a loaded machine the page's script may take longer to ask."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        page.wait_for_timeout(50)


@pytest.fixture
def reply_task(app) -> str:
    case = start_review(app, "office1", "关于修缮村道的意见")
    [reply] = act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    act(app, "finance1", tasks.claim, reply.task_id)
    return reply.task_id


def test_a_comment_posted_keeps_what_was_typed_into_the_form(live_server, browser, artifacts, reply_task):
    page, problems = sign_in(browser, live_server, "finance1")
    page.goto(f"{live_server}/tasks/{reply_task}")
    page.select_option("#f-reply_class", "B")
    page.fill("#f-pages", "3")
    page.locator("form[action$='/comments'] textarea[name=body]").fill("已联系交通站，下周现场查看")
    page.locator("form[action$='/comments'] button[type=submit]").click()
    page.wait_for_selector("text=已联系交通站，下周现场查看")
    page.screenshot(path=str(artifacts / "unsaved-kept-as-draft.png"), full_page=True)
    assert page.input_value("#f-reply_class") == "B" and page.input_value("#f-pages") == "3"
    assert "已载入草稿" in page.locator("form#task-form").locator("xpath=..").inner_text()

    # leaving by a link with input not kept: the browser asks, and staying keeps it
    page.fill("#f-pages", "4")
    asked: list[str] = []

    def stay(dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.locator("nav.mainnav a").first.click()
    until(page, lambda: asked)
    page.wait_for_timeout(300)  # (staying: no navigation follows the answer)
    assert asked == ["beforeunload"] and f"/tasks/{reply_task}" in page.url
    assert page.input_value("#f-pages") == "4"
    assert problems == []


def test_a_draft_saved_in_another_tab_meanwhile_is_overwritten_only_when_the_officer_says_so(
    app, live_server, browser, reply_task
):
    """A comment posted from a tab whose form has unsaved input keeps the input as the draft
    first; another tab saved a draft after this one read its own: the officer is asked (who
    saved it, when) whether to overwrite it. No: nothing is posted, the input stays. Yes: the
    draft is this tab's, and the comment goes on."""
    page, problems = sign_in(browser, live_server, "finance1")
    page.goto(f"{live_server}/tasks/{reply_task}")
    other = page.context.new_page()  # the second tab, read now too
    other.goto(f"{live_server}/tasks/{reply_task}")
    other.select_option("#f-reply_class", "A")
    other.locator("button[data-action=draft]").click()
    other.wait_for_selector("text=草稿已保存。")

    page.select_option("#f-reply_class", "B")
    page.fill("#f-pages", "3")
    comment = page.locator("form[action$='/comments']")
    comment.locator("textarea[name=body]").fill("已联系交通站")
    asked: list[str] = []

    def answer(yes: bool):
        def said(dialog) -> None:
            asked.append(dialog.message)
            dialog.accept() if yes else dialog.dismiss()

        return said

    page.once("dialog", answer(False))
    comment.locator("button[type=submit]").click()
    until(page, lambda: asked)
    page.wait_for_timeout(300)  # (no: nothing is posted after the answer)
    [question] = asked
    assert question.startswith("您打开此页后，又于 2026-12-07 09:00 保存过「答复」的草稿")
    assert question.endswith("要用本页填写的内容覆盖那一份草稿，再继续吗？")
    assert page.input_value("#f-reply_class") == "B" and comment.locator("textarea").input_value() == "已联系交通站"
    assert act(app, "finance1", tasks.task_page, reply_task).values["reply_class"] == "A"  # not overwritten

    page.once("dialog", answer(True))
    comment.locator("button[type=submit]").click()
    page.wait_for_selector("#comments >> text=已联系交通站")
    assert len(asked) == 2
    assert page.input_value("#f-reply_class") == "B" and page.input_value("#f-pages") == "3"  # this tab's draft
    assert act(app, "finance1", tasks.task_page, reply_task).values["reply_class"] == "B"
    # the browser's own line for the refused save (409), nothing else
    assert [p for p in problems if "status of 409" not in p] == []
