"""In a real browser, what an accessibility walk found losing a keyboard or a zoomed reader:

- the board's 督办 fold-out closed with Esc, focus back on its 发出督办 (it stayed open, focus in
  its field); its date offers only the days the server takes (today by the one clock … 2099-12-31);
- at 640 CSS px (a 1280 px window at 200 %) the designer's page (921 px) and the settings
  page (929 px) scrolled sideways: their tables now scroll in their own box;
- a due date's rule in the inbox, a tooltip a keyboard could not reach, opened from the keyboard;
- the statistics pie with every class 0 drew four equal quarters: now no slice and "暂无数据".

Every test fails on any script error or content-security-policy violation in the browser."""

from __future__ import annotations

import pytest

from tests.e2e.test_officer_flow import sign_in
from tests.e2e.test_statistics_charts import DRAWN_TEXTS
from tests.e2e.test_supervisor_desk import overdue_case
from tests.integration.test_statistics import seed
from tests.world import REVIEW_SUBJECT
from web import database

pytestmark = pytest.mark.browser


def test_esc_folds_the_supervision_form_away_and_focus_returns_to_its_summary(app, live_server, browser):
    overdue_case(app)  # the clock now stands at 2026-12-23 09:00 in Beijing
    page, problems = sign_in(browser, live_server, "supervisor")
    page.goto(f"{live_server}/board/")
    row = page.locator("#board tbody tr.overdue", has_text=REVIEW_SUBJECT)
    summary = row.locator("details.supervise > summary")
    summary.focus()
    page.keyboard.press("Enter")
    fold = row.locator("details.supervise")
    assert fold.evaluate("d => d.open")
    page.keyboard.press("Tab")  # into the opinion
    assert page.evaluate("() => document.activeElement.name") == "opinion"
    page.keyboard.type("请今日内答复")
    page.keyboard.press("Escape")
    assert not fold.evaluate("d => d.open")
    assert summary.evaluate("s => s === document.activeElement")
    # its name says which task of which case it presses on, not 发出督办 alone
    assert summary.evaluate("s => s.textContent.replace(/\\s+/g, '')") == "发出督办：答复（" + REVIEW_SUBJECT + "）"
    date = row.locator("input[name=respond_by]")
    assert (date.get_attribute("min"), date.get_attribute("max")) == ("2026-12-23", "2099-12-31")
    assert problems == []


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("user, path", [("designer", "/designer/"), ("admin", "/admin/settings")])
def test_at_640_px_the_page_does_not_scroll_sideways(live_server, browser, artifacts, user, path, language):
    page, problems = sign_in(browser, live_server, user)
    page.goto(f"{live_server}/lang/{language}")
    page.set_viewport_size({"width": 640, "height": 900})
    page.goto(f"{live_server}{path}")
    page.screenshot(path=str(artifacts / f"w640-{user}-{language}.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 640
    table = "#definitions" if user == "designer" else "#settings"
    box = page.locator(table).evaluate("t => t.closest('.table-scroll').getBoundingClientRect().right")
    assert box <= 640
    if user == "admin":
        # 说明 a few characters a line at least, not one (its cell was 1 character wide)
        width = page.locator("#settings tbody td.setting-text").first.evaluate("td => td.clientWidth")
        assert width >= 100, width
    assert problems == []


def test_a_due_dates_rule_opens_from_the_keyboard(app, live_server, browser):
    overdue_case(app)
    page, problems = sign_in(browser, live_server, "finance1")
    page.goto(f"{live_server}/?tab=group")
    rule = page.locator("#inbox details.due-rule").first
    text = rule.locator(".due-rule-text")
    assert text.is_hidden()
    rule.locator("summary").focus()
    page.keyboard.press("Enter")
    assert text.is_visible() and "至 2026-12-22 24:00" in text.inner_text()
    assert problems == []


def test_a_pie_of_nothing_says_so_instead_of_four_quarters(app, live_server, browser, artifacts):
    seed(database.session_factory(app))  # nothing was received in 2026's January
    page, problems = sign_in(browser, live_server, "supervisor")
    page.goto(f"{live_server}/statistics/?process=proposal&from=2026-01-01&to=2026-01-31")
    page.wait_for_selector("#charts[data-ready=true]")
    box = page.locator("#chart-share")
    page.screenshot(path=str(artifacts / "pie-of-nothing.png"), full_page=True)
    texts = [t["text"] for t in box.evaluate(DRAWN_TEXTS)["texts"]]
    assert "暂无数据" in texts and not any("：0" in t or ": 0" in t for t in texts), texts
    # the slices drawn, each by the angle it spans (four quarters of 1.57 before)
    spans = box.evaluate(
        """box => window.CongressFlowCharts.chartOf(box).getZr().storage.getDisplayList(true)
             .filter(el => el.type === 'sector' && !el.invisible && !el.ignore)
             .map(el => Math.abs(el.shape.endAngle - el.shape.startAngle))"""
    )
    assert not [span for span in spans if span > 0], spans
    assert box.get_attribute("aria-label") == "代表建议 · 答复（暂无数据）"

    page.goto(f"{live_server}/statistics/?process=proposal&from=2027-01-01&to=2027-06-30")
    page.wait_for_selector("#charts[data-ready=true]")
    box = page.locator("#chart-share")
    # the hand counts of tests/integration/test_statistics.py: A 8, B 4, C 3, D 2
    assert box.get_attribute("aria-label") == "代表建议 · 答复（A 类（办成率）：8，B 类：4，C 类：3，D 类：2）"
    assert "暂无数据" not in [t["text"] for t in box.evaluate(DRAWN_TEXTS)["texts"]]
    assert problems == []
