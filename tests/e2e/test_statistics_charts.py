"""In a real browser: a supervisor opens 统计 and sees its two charts (ECharts, from the bundle
the setup step builds) drawn above the per-unit table, under the page's strict CSP, with no
error in the console. The data set is tests/integration/test_statistics.py's."""

from __future__ import annotations

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
