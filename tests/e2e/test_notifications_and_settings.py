"""In a real browser: a finance officer whose reply went overdue sees the unread badge,
reads the notices, opens the task from one; then chooses another time zone under 我的设置
and sees the same moments in it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from engine import clock
from engine.usecases import tasks
from engine.usecases import timers as timer_usecases
from tests.e2e.test_officer_flow import sign_in
from tests.world import act, start_review
from web import database

pytestmark = pytest.mark.browser


def test_notifications_and_time_zone(app, live_server, browser, artifacts):
    base = live_server
    case = start_review(app, "office1", "关于修缮村道的意见")
    (reply,) = act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    clock.advance(timedelta(days=30))
    assert timer_usecases.fire_due(database.session_factory(app)) >= 1

    page, problems = sign_in(browser, base, "finance1")
    unread = int(page.locator("#unread-count").inner_text())
    assert unread >= 1
    page.click("#notifications-link")
    page.wait_for_selector("#notifications")
    rows = page.locator("#notifications tbody tr[data-read=no]")
    assert rows.count() == unread
    assert "逾期" in page.locator("#notifications").inner_text()
    page.screenshot(path=str(artifacts / "13-notifications.png"), full_page=True)

    # opening a notice marks it read and leads to its task
    rows.first.locator("button[data-action=open]").click()
    page.wait_for_url(f"{base}/tasks/{reply.task_id}")
    badge = page.locator("#unread-count")
    assert (int(badge.inner_text()) if badge.count() else 0) == unread - 1

    # the same moment, first in Beijing time, then in New York time
    page.goto(f"{base}/notifications")
    shown = page.locator("#notifications tbody tr").first.locator("td").nth(2).inner_text()
    page.click("text=我的设置")
    page.select_option("#timezone", "America/New_York")
    page.click("#my-settings button[type=submit]")
    page.wait_for_url(f"{base}/settings")
    assert page.locator("#timezone").input_value() == "America/New_York"
    page.screenshot(path=str(artifacts / "14-my-settings.png"), full_page=True)
    page.goto(f"{base}/notifications")
    shown_in_new_york = page.locator("#notifications tbody tr").first.locator("td").nth(2).inner_text()
    beijing = re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", shown).group(0)
    new_york = re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", shown_in_new_york).group(0)
    assert beijing != new_york  # 12 or 13 hours apart, by the season

    assert problems == []
