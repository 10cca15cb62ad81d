"""In a real browser: the deputy's 评价 form after a refusal. A 必填 under a field goes once he
changes it, or once his choice hides it (a hidden field is not sent: nothing is refused in it),
and does not come back with the field; the summary above the form goes with the last of them.
The server still refuses the next submission that leaves a shown required field empty."""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT
from tests.e2e.test_officer_flow import sign_in
from tests.web.test_my_proposals import assign, register, reply
from tests.world import create_people, deploy

pytestmark = pytest.mark.browser


def refusals(page) -> dict[str, str]:
    """The refusals the page shows, by field: those under a hidden field are not shown."""
    said = page.locator(".field-error")
    return {
        said.nth(i).evaluate("e => e.closest('.field').dataset.field"): said.nth(i).inner_text()
        for i in range(said.count())
        if said.nth(i).is_visible()
    }


def test_a_refusal_goes_once_the_deputy_changes_his_choice(app, live_server, browser, frozen_clock):
    create_people(app, "wang", "li", "landy")
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    case_id = register(app, "修缮村道")
    assign(app, case_id, [])
    reply(app, case_id, "B")
    page, problems = sign_in(browser, live_server, "wang")
    page.goto(f"{live_server}/?tab=mine")
    page.locator("#inbox tbody tr", has_text="修缮村道").locator("td.title a").click()
    page.wait_for_selector("#task-form")

    page.click("button[data-action=complete]")  # nothing chosen
    page.wait_for_selector("#form-errors")
    assert refusals(page) == {"evaluation": "必填"}
    page.select_option("#f-evaluation", "不满意")
    assert refusals(page) == {} and not page.is_visible("#form-errors")
    assert page.get_attribute("#f-evaluation", "aria-invalid") is None
    assert page.is_visible('[data-field="unsatisfied_reason"] .req')  # required now it is shown

    page.click("button[data-action=complete]")  # 不满意 without the reason
    page.wait_for_selector("#form-errors")
    assert refusals(page) == {"unsatisfied_reason": "必填"}
    page.select_option("#f-evaluation", "满意")  # the reason is hidden, not sent: nothing refused
    assert refusals(page) == {} and not page.is_visible("#form-errors")
    page.select_option("#f-evaluation", "不满意")  # back: the field is shown again, unrefused
    assert refusals(page) == {} and page.input_value("#f-unsatisfied_reason") == ""
    assert page.is_visible('[data-field="unsatisfied_reason"] .req')

    page.click("button[data-action=complete]")  # still empty: the server refuses it again
    page.wait_for_selector("#form-errors")
    assert refusals(page) == {"unsatisfied_reason": "必填"}
    page.fill("#f-unsatisfied_reason", "未见动工")
    assert refusals(page) == {}
    page.click("button[data-action=complete]")
    page.wait_for_selector(".flash.success")
    assert problems == []
