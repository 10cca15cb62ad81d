"""In a real browser, the board's refresh every minute (QA walk B, finding 2): the unit's
overdue count and the 督办 still open change with the rows, so that the page never says one
thing in its counts and another in its rows; an open 督办 form holds all of them back.

Every test fails on any script error or content-security-policy violation in the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engine.usecases import supervision, tasks
from tests.e2e.test_officer_flow import sign_in
from tests.e2e.test_supervisor_desk import OPINION, overdue_case
from tests.world import REVIEW_SUBJECT, act

pytestmark = pytest.mark.browser


def test_the_refresh_brings_the_counts_and_the_open_supervisions_with_the_rows(app, live_server, browser):
    case = overdue_case(app)
    task_id = act(app, "supervisor", supervision.board).rows[0].task_id
    act(app, "supervisor", supervision.issue, case.id, task_id, OPINION, None)
    page, problems = sign_in(browser, live_server, "supervisor")
    page.clock.install()  # the page's timers on a clock the test moves
    page.goto(f"{live_server}/board/")
    counts, open_ones = page.locator("#unit-counts"), page.locator("#open-supervisions")
    assert "逾期 1" in counts.locator('li[data-unit="finance"]').inner_text()
    assert open_ones.locator("tbody tr", has_text=OPINION).count() == 1

    # finance answers elsewhere: a minute later the row, its unit's count and its 督办 are gone
    act(app, "finance1", tasks.complete, task_id, {"reply_class": "A", "pages": "1"})
    page.clock.run_for(61_000)
    expect(page.locator("#board tbody tr", has_text=REVIEW_SUBJECT)).to_have_count(0, timeout=5_000)
    expect(counts).to_contain_text("没有逾期或即将到期的任务。")
    expect(counts.locator('li[data-unit="finance"]')).to_have_count(0)
    expect(open_ones).to_contain_text("没有未办结的督办。")
    assert (
        page.locator("#unit-counts").count() == page.locator("#open-supervisions").count() == 1
    )  # replaced, not added
    assert problems == []


def test_an_open_supervision_form_holds_the_whole_refresh_back(app, live_server, browser):
    case = overdue_case(app)
    task_id = act(app, "supervisor", supervision.board).rows[0].task_id
    page, problems = sign_in(browser, live_server, "supervisor")
    page.clock.install()
    page.goto(f"{live_server}/board/")
    row = page.locator("#board tbody tr", has_text=REVIEW_SUBJECT)
    row.locator("details.supervise summary").click()
    page.locator("#board details.supervise[open] textarea").fill(OPINION)

    act(app, "supervisor", supervision.issue, case.id, task_id, "另一位督查员的督办", None)
    page.clock.run_for(61_000)
    page.wait_for_timeout(500)
    # nothing taken in: the form as it was, and counts and 督办 that still agree with the rows
    assert page.locator("#board details.supervise[open] textarea").input_value() == OPINION
    assert "没有未办结的督办" in page.locator("#open-supervisions").inner_text()
    assert "逾期 1" in page.locator('#unit-counts li[data-unit="finance"]').inner_text()
    assert problems == []


def test_a_refresh_that_fails_is_said_retried_and_said_again_when_it_works(app, live_server, browser):
    """No network, the server's error, a session that ended: each said above the rows, in a live
    region, and tried again a minute later; the first refresh that works says so, and takes in
    what changed meanwhile."""
    overdue_case(app)
    task_id = act(app, "supervisor", supervision.board).rows[0].task_id
    page, problems = sign_in(browser, live_server, "supervisor")
    page.clock.install()
    page.goto(f"{live_server}/board/")
    status = page.locator("#board-refresh")
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    assert status.inner_text() == ""

    def refresh(url: str) -> bool:  # the board's own refresh, not the page
        return "partial=1" in url

    page.route(refresh, lambda route: route.abort("internetdisconnected"))
    page.clock.run_for(61_000)
    expect(status).to_have_text(
        "督查台自动刷新失败：无法连接服务器或服务器出错，下方显示的可能不是最新情况。每分钟会自动重试。", timeout=5_000
    )
    page.unroute(refresh)
    page.route(refresh, lambda route: route.fulfill(status=502, body="Bad Gateway"))
    page.clock.run_for(60_000)
    page.wait_for_timeout(300)
    expect(status).to_contain_text("无法连接服务器或服务器出错")  # still failing: still said
    page.unroute(refresh)
    page.route(refresh, lambda route: route.fulfill(status=200, content_type="text/html", body="<form id=login-form>"))
    page.clock.run_for(60_000)
    expect(status).to_contain_text("登录已失效", timeout=5_000)
    page.unroute(refresh)

    act(app, "finance1", tasks.complete, task_id, {"reply_class": "A", "pages": "1"})  # meanwhile
    page.clock.run_for(60_000)
    expect(status).to_have_text("督查台已恢复自动刷新，下方为最新情况。", timeout=5_000)
    expect(page.locator("#board tbody tr", has_text=REVIEW_SUBJECT)).to_have_count(0)
    page.clock.run_for(60_000)
    expect(status).to_have_text("", timeout=5_000)  # said once; the next refresh takes the line away
    # the browser's own lines for the requests refused on purpose, nothing else
    assert [p for p in problems if "Failed to load resource" not in p] == []
