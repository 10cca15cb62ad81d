"""In a real browser at a phone's width (390 × 844), in English, where the English words are
longer than the Chinese: the audit log's 操作 list (its longest choice, "Reminder not sent
(already past the deadline)"), the figures table's 件数 header ("Count") and the task page's
hand-over note ("Note for the colleague") each fit their place, and the page does not scroll
sideways.

Every test fails on any script error or content-security-policy violation in the browser."""

from __future__ import annotations

import pytest

from engine.usecases.context import SYSTEM, audit
from tests.e2e.test_officer_flow import sign_in
from tests.e2e.test_phone_and_keyboard import PHONE, claimed_reply
from tests.e2e.test_phone_lists import in_view, no_sideways_scroll
from tests.integration.test_statistics import seed
from web import database

pytestmark = pytest.mark.browser


def in_english_on_a_phone(browser, live_server, username: str):
    page, problems = sign_in(browser, live_server, username)
    page.goto(f"{live_server}/lang/en")
    page.set_viewport_size(PHONE)
    return page, problems


# the placeholder's text against the room its field has for text (its width but the padding)
PLACEHOLDER_FITS = """(field) => { const style = getComputedStyle(field);
  const pen = document.createElement('canvas').getContext('2d');
  pen.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = field.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return [pen.measureText(field.placeholder).width, room]; }"""


def test_the_audit_logs_action_list_fits_a_phone_in_english(app, live_server, browser, artifacts):
    with database.session_factory(app).begin() as s:  # the longest action names in English
        audit(s, SYSTEM, "reminder_late")
        audit(s, SYSTEM, "sign_in_throttled")
    page, problems = in_english_on_a_phone(browser, live_server, "admin")
    page.goto(f"{live_server}/audit/")
    actions = page.locator("#audit-filters select[name=action]")
    assert "Reminder not sent (already past the deadline)" in actions.inner_text()
    page.screenshot(path=str(artifacts / "phone-audit-en.png"))
    no_sideways_scroll(page)
    in_view(page, actions, "the action list")
    actions.select_option("reminder_late")  # still chosen from, and filters
    page.click("#audit-filters button[type=submit]")
    assert page.locator("#audit tbody tr").count() == 1
    assert problems == []


def test_the_figures_count_header_fits_its_column_in_english(app, live_server, browser, artifacts):
    seed(database.session_factory(app))
    page, problems = in_english_on_a_phone(browser, live_server, "supervisor")
    page.goto(f"{live_server}/statistics/?process=proposal&from=2027-01-01&to=2027-06-30")
    count = page.locator("#figures thead th").nth(1)
    assert count.inner_text() == "Count"
    page.screenshot(path=str(artifacts / "phone-figures-en.png"))
    no_sideways_scroll(page)
    # its word within its cell, not running into the rate's header beside it
    overflow = count.evaluate("(th) => th.scrollWidth - th.clientWidth")
    assert overflow <= 0, f"Count runs {overflow} px past its column"
    rate = page.locator("#figures thead th").nth(2).bounding_box()
    box = count.bounding_box()
    assert box["x"] + box["width"] <= rate["x"] + 0.5
    assert problems == []


def test_the_hand_over_notes_placeholder_fits_in_english(app, live_server, browser, artifacts):
    task_id = claimed_reply(app)
    page, problems = in_english_on_a_phone(browser, live_server, "finance1")
    page.goto(f"{live_server}/tasks/{task_id}")
    note = page.locator("form.handover input[name=comment]")
    assert note.get_attribute("placeholder") == "Note for the colleague"
    note.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "phone-hand-over-en.png"))
    no_sideways_scroll(page)
    in_view(page, note, "the hand-over's note")
    text, room = note.evaluate(PLACEHOLDER_FITS)
    assert text <= room, f"the placeholder takes {text:.0f} px, its field has {room:.0f}"
    in_view(page, page.locator("form.handover button[data-action=handover]"), "Hand over")
    assert problems == []
