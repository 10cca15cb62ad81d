"""In a real browser: a supervisor opens 统计 and sees its two charts (ECharts, from the bundle
the setup step builds) drawn above the per-unit table, under the page's strict CSP, with no
error in the console. The data set is tests/integration/test_statistics.py's."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_officer_flow import sign_in
from tests.integration.test_statistics import seed
from web import database

pytestmark = pytest.mark.browser


def test_the_statistics_page_draws_its_charts(app, live_server, browser, artifacts):
    seed(database.session_factory(app))
    page, problems = sign_in(browser, live_server, "supervisor")
    page.goto(f"{live_server}/statistics/?process=proposal&from=2027-01-01&to=2027-06-30")
    page.wait_for_selector("#charts[data-ready=true]")
    assert page.locator("#charts").is_visible()
    for box in ("#chart-units", "#chart-share"):
        assert page.locator(box).get_attribute("aria-label")
        canvas = page.locator(f"{box} canvas")
        assert canvas.count() >= 1
        size = canvas.first.bounding_box()
        assert size and size["width"] > 200 and size["height"] > 200, size
    assert page.locator("#units tbody tr").count() == 4  # the table is still there, under the charts
    page.screenshot(path=str(artifacts / "30-statistics-charts.png"), full_page=True)
    assert problems == []


def test_without_the_bundle_the_page_is_its_tables(app, live_server, browser):
    seed(database.session_factory(app))
    page, problems = sign_in(browser, live_server, "supervisor")
    page.route("**/vendor/charts/charts.js", lambda route: route.abort())
    page.goto(f"{live_server}/statistics/?process=proposal&from=2027-01-01&to=2027-06-30")
    page.wait_for_selector("#units")
    assert page.locator("#charts").is_hidden()
    assert page.locator("#figures").is_visible() and page.locator("#units").is_visible()
    assert [p for p in problems if "charts.js" not in p and "ERR_FAILED" not in p] == []


# the rates of the seeded proposals per unit, counted by hand from tests/integration/
# test_statistics.py's PROPOSALS (u1 u2, not assigned, have no rate and are not charted):
# finance f1–f10: replied 8/10, on time 6/10 (f1 f2 f3 f4 f6 f8), late 3/10 (f5 f7 f9),
#   final 满意 or 基本满意 6 of 7 evaluated (f1–f7: f1 f2 f3 f4 f6 f7), class A 4/8 (f1 f2 f6 f8)
# land l1–l8: replied 6/8, on time 4/8 (l1 l2 l3 l6), late 3/8 (l4 l5 l7), satisfied 4 of 5
#   evaluated (l1–l4, l6; l5 gave none: l1 l2 l3 l6), class A 2/6 (l1 l6)
# civil affairs c1–c4: replied 3/4, on time 3/4, late 0/4, satisfied 2/2 (c1 c2), class A 2/3
UNIT_RATES = {
    "答复率": {"财政所": 80.0, "国土所": 75.0, "民政办": 75.0},
    "按期答复率": {"财政所": 60.0, "国土所": 50.0, "民政办": 75.0},
    "逾期率": {"财政所": 30.0, "国土所": 37.5, "民政办": 0.0},
    "满意率（最终评价）": {"财政所": 85.7, "国土所": 80.0, "民政办": 100.0},
    "办成率": {"财政所": 50.0, "国土所": 33.3, "民政办": 66.7},
}
# the texts a chart's canvas draws, with where they are drawn (zrender's display list)
DRAWN_TEXTS = """box => {
  const chart = window.CongressFlowCharts.chartOf(box);
  const texts = [];
  chart.getZr().storage.getDisplayList(true).forEach(el => {
    const text = el.style && el.style.text;
    if (typeof text !== 'string' || !text) { return; }
    const rect = el.getBoundingRect().clone();
    rect.applyTransform(el.getComputedTransform());
    texts.push({ text: text, left: rect.x, right: rect.x + rect.width });
  });
  return { width: chart.getWidth(), texts: texts };
}"""


def test_the_unit_chart_plots_the_rates_it_names(app, live_server, browser):
    seed(database.session_factory(app))
    page, problems = sign_in(browser, live_server, "supervisor")
    page.goto(f"{live_server}/statistics/?process=proposal&from=2027-01-01&to=2027-06-30")
    page.wait_for_selector("#charts[data-ready=true]")
    option = page.locator("#chart-units").evaluate("box => window.CongressFlowCharts.chartOf(box).getOption()")
    units = option["xAxis"][0]["data"]
    plotted = {s["name"]: dict(zip(units, s["data"], strict=True)) for s in option["series"]}
    assert plotted == UNIT_RATES
    assert option["yAxis"][0]["max"] == 100 and option["yAxis"][0]["axisLabel"]["formatter"] == "{value}%"
    assert problems == []


def test_the_trend_chart_shows_its_first_and_last_month(app, live_server, browser):
    seed(database.session_factory(app))
    page, problems = sign_in(browser, live_server, "supervisor")
    for period, first, last in (
        ("from=2027-01-01&to=2027-06-30", "2027-01", "2027-06"),
        ("from=2026-01-01&to=2026-12-31", "2026-01", "2026-12"),
    ):
        page.goto(f"{live_server}/statistics/?process=proposal&{period}")
        page.wait_for_selector("#charts[data-ready=true]")
        drawn = page.locator("#chart-trend").evaluate(DRAWN_TEXTS)
        labels = {t["text"]: t for t in drawn["texts"] if re.fullmatch(r"\d{4}-\d{2}", t["text"])}
        assert first in labels and last in labels, labels
        # drawn inside the canvas: not cut off ("2026-1") at its right edge, nor at its left
        assert labels[first]["left"] >= 0, labels[first]
        assert labels[last]["right"] <= drawn["width"], (labels[last], drawn["width"])
    assert problems == []


@pytest.mark.parametrize("media, width", [("screen", 1280), ("print", 794)], ids=["screen", "print_a4"])
def test_the_period_report_fits_its_page_in_english(app, live_server, browser, artifacts, media, width):
    """The English report's tables ran past the page (1400 px at 1280, 1320 px on A4's 794):
    their long headers did not wrap, the units' names did, a character a line."""
    seed(database.session_factory(app))
    page, problems = sign_in(browser, live_server, "supervisor")
    page.set_viewport_size({"width": width, "height": 1100})
    page.emulate_media(media=media)
    page.goto(f"{live_server}/lang/en")
    page.goto(f"{live_server}/statistics/report?from=2027-01-01&to=2027-06-30")
    page.screenshot(path=str(artifacts / f"report-en-{media}.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    finance = page.locator("table.report-table tbody th", has_text="财政所").first
    lines = "el => { const r = document.createRange(); r.selectNodeContents(el); return r.getClientRects().length }"
    assert finance.evaluate(lines) == 1  # its name on one line
    assert problems == []
