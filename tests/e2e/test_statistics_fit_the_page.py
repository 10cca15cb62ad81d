"""In a real browser, QA walk B's statistics follow-ups: in English at a desktop's width the
proposals' per-unit table ran past its card (1354 px in a 1222 px card: the page scrolled
sideways), and at a phone's width the charts were cramped (a pie label broken a few letters a
line, "Clas / s A / (res…", the legend's last item cut off). The data set is
tests/integration/test_statistics.py's (three units and the cases of no unit)."""

from __future__ import annotations

import pytest

from tests.e2e.test_officer_flow import sign_in
from tests.integration.test_statistics import seed
from web import database

pytestmark = pytest.mark.browser

DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
PERIOD = "from=2027-01-01&to=2027-06-30"
TABS = ("proposal", "petition", "inspection", "plan")
# the texts a chart's canvas shows, with where they are drawn (zrender's display list, but for
# those kept hidden: a scrolling legend's page counter, "1/1", when every item fits)
SHOWN_TEXTS = """box => {
  const chart = window.CongressFlowCharts.chartOf(box);
  const texts = [];
  chart.getZr().storage.getDisplayList(true).forEach(el => {
    const text = el.style && el.style.text;
    if (typeof text !== 'string' || !text || el.invisible) { return; }
    const rect = el.getBoundingRect().clone();
    rect.applyTransform(el.getComputedTransform());
    texts.push({ text: text, left: rect.x, right: rect.x + rect.width });
  });
  return { width: chart.getWidth(), texts: texts };
}"""


def english_proposals_at(size, app, live_server, browser):
    """The proposals' statistics of the seeded cases, in English, at ``size``, its charts drawn:
    (the page, the browser's problems)."""
    seed(database.session_factory(app))
    page, problems = sign_in(browser, live_server, "supervisor")
    page.set_viewport_size(size)
    page.goto(f"{live_server}/lang/en")
    page.goto(f"{live_server}/statistics/?process=proposal&{PERIOD}")
    page.wait_for_selector("#charts[data-ready=true]")
    return page, problems


def test_the_proposals_per_unit_table_fits_a_desktop_in_english(app, live_server, browser, artifacts):
    page, problems = english_proposals_at(DESKTOP, app, live_server, browser)
    page.screenshot(path=str(artifacts / "statistics-en-1280.png"), full_page=True)
    assert page.locator("#units tbody tr").count() == 4  # three units and the cases of none
    assert page.evaluate("() => document.documentElement.scrollWidth") <= DESKTOP["width"]
    # the table within its card, its long headers on a few lines rather than on one
    table, card = page.locator("#units").bounding_box(), page.locator("#units").locator("xpath=..").bounding_box()
    assert table["x"] + table["width"] <= card["x"] + card["width"] + 1, (table, card)
    header = page.locator("#units th", has_text="on-time reply rate")
    line = header.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert header.evaluate("e => e.getBoundingClientRect().height") > 1.5 * line
    assert problems == []


def test_no_statistics_tab_widens_the_page(app, live_server, browser, artifacts):
    """Every tab (proposals, petitions, inspections, the year plan) in either language at a
    desktop's and at a phone's width: a table too wide scrolls inside its own box."""
    seed(database.session_factory(app))
    page, problems = sign_in(browser, live_server, "supervisor")
    wider = []
    for language in ("zh", "en"):
        page.goto(f"{live_server}/lang/{language}")
        for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            for tab in TABS:
                page.goto(f"{live_server}/statistics/?process={tab}&{PERIOD}")
                page.wait_for_selector("#charts[data-ready]", state="attached")
                width = page.evaluate("() => document.documentElement.scrollWidth")
                if width > size["width"]:
                    wider.append((language, name, tab, width))
                    page.screenshot(path=str(artifacts / f"statistics-{language}-{name}-{tab}.png"), full_page=True)
    assert wider == []
    assert problems == []


def test_the_charts_fit_a_phone_in_english(app, live_server, browser, artifacts):
    page, problems = english_proposals_at(PHONE, app, live_server, browser)
    page.locator("#charts").screenshot(path=str(artifacts / "statistics-charts-en-390.png"))
    for box in ("#chart-units", "#chart-share", "#chart-trend"):
        drawn = page.locator(box).evaluate(SHOWN_TEXTS)
        # every text drawn whole inside its canvas: no legend item cut at the edge, no month
        # label cut at the left
        cut = [t for t in drawn["texts"] if t["left"] < 0 or t["right"] > drawn["width"] + 0.5]
        assert cut == [], (box, cut)
    pie = page.locator("#chart-share").evaluate(SHOWN_TEXTS)
    # no labels beside the slices, each class on a legend line of its own with its count
    # (the seeded replies' classes, counted from PROPOSALS: A f1 f2 f6 f8 l1 l6 c1 c2, B f3 f7 l2
    # l3, C f4 l4 c3, D f5 l5)
    assert sorted(t["text"] for t in pie["texts"]) == [
        "Class A (resolution rate): 8",
        "Class B: 4",
        "Class C: 3",
        "Class D: 2",
        "Deputies' proposals · Replied",
    ]
    assert problems == []
