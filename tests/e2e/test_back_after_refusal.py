"""In a real browser (QA walk P, defect 2): the petition's 审查是否受理并告知信访人 refused for a
告知信访人日期 after today, then the browser's Back. The browser restores the choice 不予受理 and
what was typed; the field that choice shows (不予受理理由, required) must show again with its
text, not stay hidden and empty until a submission says 必填 on a field nobody can see."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from engine.usecases import cases, tasks
from tests.conftest import REPO_ROOT
from tests.e2e.test_officer_flow import sign_in
from tests.world import act, deploy

pytestmark = pytest.mark.browser

PETITION = {
    "channel": "visit",
    "petitioner_name": "周大福",
    "petitioner_phone": "13812345678",
    "petition_subject": "反映道路积水",
    "petition_content": "村口道路雨后积水，出行困难",
    "received_on": "2026-12-07",
    "disposition": "register",
}
REASON = "不属于人大信访受理范围"


@pytest.fixture
def accept_task(app, frozen_clock) -> str:
    deploy(app, REPO_ROOT / "bpmn" / "petition.bpmn")
    case = act(app, "office1", cases.start_instance, "petition", PETITION)
    [accept] = case.open_tasks
    act(app, "office1", tasks.claim, accept.task_id)
    return accept.task_id


def test_back_after_a_refusal_shows_the_chosen_fields_with_their_text(live_server, browser, artifacts, accept_task):
    page, problems = sign_in(browser, live_server, "office1")
    page.goto(f"{live_server}/tasks/{accept_task}")
    reason = '[data-field="acceptance_reason"]'
    assert not page.is_visible(reason)
    page.select_option("#f-acceptance", "not_accept")
    page.fill("#f-acceptance_reason", REASON)
    page.fill("#f-notified_on", "2026-12-25")  # after today (the frozen clock's 2026-12-07): refused
    page.click("button[data-action=complete]")
    page.wait_for_selector("#form-errors")
    assert page.locator('[data-field="notified_on"] .field-error').is_visible()

    page.go_back()
    page.wait_for_load_state("load")
    expect(page.locator(reason)).to_be_visible(timeout=3000)  # the rule runs again once restored
    page.screenshot(path=str(artifacts / "back-after-refusal.png"), full_page=True)
    assert page.input_value("#f-acceptance") == "not_accept"
    assert page.is_enabled("#f-acceptance_reason")
    assert page.input_value("#f-acceptance_reason") == REASON
    # what Back restored is input not kept: leaving by a link asks first, as after typing it
    asked: list[str] = []

    def stay(dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.locator("nav.mainnav a").first.click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"] and f"/tasks/{accept_task}" in page.url
    page.remove_listener("dialog", stay)

    # a choice that hides it again keeps it out of what is sent (the server would ignore it)
    page.select_option("#f-acceptance", "accept")
    assert not page.is_visible(reason)
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith(accept_task)) as sent:
        page.click("button[data-action=complete]")  # the date still refused: the task stays open
    page.wait_for_selector("#form-errors")
    fields = parse_qs(sent.value.post_data or "")
    assert fields["acceptance"] == ["accept"] and "acceptance_reason" not in fields
    assert problems == []
