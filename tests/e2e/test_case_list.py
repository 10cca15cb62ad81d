"""In a real browser: an officer of the congress office opens the case list from the main
navigation, filters it by status (the filter lands in the URL), and opens a case from it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import clock
from engine.usecases import cases, tasks
from tests.e2e.test_officer_flow import sign_in
from tests.world import act, start_petition, start_review

pytestmark = pytest.mark.browser


def test_case_list(app, live_server, browser, artifacts):
    base = live_server
    running = start_review(app, "office1", "关于修缮村道的意见")
    clock.advance(timedelta(minutes=5))
    petition = start_petition(app, "petition1", unit="office")  # handled by the office: office1 sees it
    act(app, "office1", tasks.complete, petition.task_id, {"answer": "已核实", "answered_on": "2026-12-08"})
    clock.advance(timedelta(minutes=5))
    cancelled = start_review(app, "office1", "重复登记的意见")
    act(app, "office1", cases.cancel_instance, cancelled.id, "重复")

    page, problems = sign_in(browser, base, "office1")
    page.click("nav.mainnav >> text=案件")
    page.wait_for_selector("#cases")
    assert page.locator("nav.mainnav a.on").inner_text() == "案件"
    rows = page.locator("#cases tbody tr")
    assert [rows.nth(i).get_attribute("data-case-id") for i in range(rows.count())] == [
        str(cancelled.id),
        str(petition.id),
        str(running.id),
    ]  # newest first
    page.screenshot(path=str(artifacts / "10-case-list.png"), full_page=True)

    # filter by status: the choice goes into the URL, so the list can be bookmarked
    page.select_option("#case-filters select[name=status]", "completed")
    page.click("#case-filters button[type=submit]")
    page.wait_for_url("**/cases?*status=completed*")
    assert rows.count() == 1 and rows.first.get_attribute("data-status") == "completed"
    assert "已办结" in rows.first.inner_text() and "反映低保评定问题" in rows.first.inner_text()
    assert page.locator("#case-filters select[name=status]").input_value() == "completed"
    page.screenshot(path=str(artifacts / "11-case-list-completed.png"), full_page=True)

    # open the case from the list
    rows.first.locator("td.title a").click()
    page.wait_for_url(f"{base}/cases/{petition.id}")
    assert page.locator("#case-status").inner_text() == "已办结"
    page.wait_for_selector("#diagram[data-ready=true]")
    page.screenshot(path=str(artifacts / "12-case-from-list.png"), full_page=True)

    assert problems == []
