"""In a real browser, the case page from the keyboard, as a walk with a screen reader found it:

- the diagram's zoom buttons (＋ and －) are named by what they do, in Chinese and in English,
  and zoom from the keyboard (Enter, Space) as by a click;
- Esc folds the 发出督办 form away, focus back on its summary, as the board's does (it stayed
  open, focus in its field); what was typed is still there when it is opened again.

Every test fails on any script error or content-security-policy violation in the browser."""

from __future__ import annotations

import pytest

from tests.e2e.test_officer_flow import sign_in
from tests.e2e.test_supervisor_desk import overdue_case

pytestmark = pytest.mark.browser

# the diagram's scale: the first value of its viewport's transform (bpmn-js draws in a <g class="viewport">)
SCALE = "() => document.querySelector('#diagram .viewport').transform.baseVal.consolidate().matrix.a"


@pytest.mark.parametrize(("language", "names"), [("zh_CN", ("放大", "缩小")), ("en", ("Zoom in", "Zoom out"))])
def test_the_zoom_buttons_have_names_and_work_from_the_keyboard(app, live_server, browser, language, names):
    case = overdue_case(app)
    page, problems = sign_in(browser, live_server, "office1")
    page.goto(f"{live_server}/lang/{language}")
    page.goto(f"{live_server}/cases/{case.id}")
    page.wait_for_selector("#diagram[data-ready=true]")
    zoom_in = page.get_by_role("button", name=names[0], exact=True)
    zoom_out = page.get_by_role("button", name=names[1], exact=True)
    assert (zoom_in.count(), zoom_out.count()) == (1, 1)
    assert zoom_in.get_attribute("data-zoom") == "in" and zoom_out.get_attribute("data-zoom") == "out"

    before = page.evaluate(SCALE)
    zoom_in.focus()
    page.keyboard.press("Enter")
    assert page.evaluate(SCALE) == pytest.approx(before * 1.25, rel=0.01)
    page.keyboard.press("Tab")  # the next button: 缩小
    assert zoom_out.evaluate("b => b === document.activeElement")
    page.keyboard.press("Space")
    assert page.evaluate(SCALE) == pytest.approx(before, rel=0.01)
    assert problems == []


def test_esc_folds_the_supervision_form_away_and_focus_returns_to_its_summary(app, live_server, browser):
    case = overdue_case(app)
    page, problems = sign_in(browser, live_server, "supervisor")
    page.goto(f"{live_server}/cases/{case.id}")
    fold = page.locator("#supervisions details")
    summary = fold.locator(":scope > summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert fold.evaluate("d => d.open")
    page.keyboard.press("Tab")  # the task it presses on
    page.keyboard.press("Tab")  # its opinion
    assert page.evaluate("() => document.activeElement.name") == "opinion"
    page.keyboard.type("请今日内答复")
    page.keyboard.press("Escape")
    assert not fold.evaluate("d => d.open")
    assert summary.evaluate("s => s === document.activeElement")

    page.keyboard.press("Enter")  # opened again: what was typed is kept
    assert fold.evaluate("d => d.open")
    assert fold.locator("textarea[name=opinion]").input_value() == "请今日内答复"
    assert problems == []
