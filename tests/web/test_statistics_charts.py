"""统计's charts: the page carries the numbers of its charts as JSON (the same numbers as its
tables, checked against the hand counts of tests/integration/test_statistics.py's data set) and
loads the ECharts bundle that the setup step builds into web/static/vendor/ (never committed)."""

from __future__ import annotations

import json
import re

from tests.conftest import REPO_ROOT
from tests.integration.test_statistics import seed
from web import database

QUERY = "process=proposal&from=2027-01-01&to=2027-06-30"


def chart_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html, re.S)
    assert found, "no chart data on the page"
    return json.loads(found.group(1))


def test_the_charts_hold_the_hand_counted_figures(app, as_user):
    seed(database.session_factory(app))
    html = as_user("supervisor").get(f"/statistics/?{QUERY}").get_data(as_text=True)
    data = chart_data(html)

    bar = data["bar"]
    series = {s["key"]: s for s in bar["series"]}
    assert set(series) >= {"received", "replied"}
    per_unit = {unit: {key: s["data"][i] for key, s in series.items()} for i, unit in enumerate(bar["units"]) if unit}
    assert {u: (f["received"], f["replied"]) for u, f in per_unit.items()} == {
        "finance": (10, 8),
        "land": (8, 6),
        "civil_affairs": (4, 3),
    }
    # units named on the axis as in the table, the figures named as in the table
    assert bar["categories"][bar["units"].index("finance")] == "财政所"
    assert series["received"]["name"] == "收到" and series["replied"]["name"] == "已答复（答复率）"

    pie = {d["key"]: d["value"] for d in data["pie"]["data"]}
    assert pie == {"class_a": 8, "class_b": 4, "class_c": 3, "class_d": 2}
    assert [d["name"] for d in data["pie"]["data"]] == ["A 类（办成率）", "B 类", "C 类", "D 类"]

    # each chart box is labelled; the card is shown only by the bundle, once drawn
    for box in re.findall(r"<div data-chart=[^>]*>", html):
        assert re.search(r'aria-label="[^"]+"', box), box
    assert re.search(r'<section class="card" id="charts" hidden>', html)
    assert 'id="units"' in html  # the table stays, under the charts


def test_a_petition_period_charts_the_channels(app, as_user):
    seed(database.session_factory(app))
    response = as_user("supervisor").get("/statistics/?process=petition&from=2027-01-01&to=2027-06-30")
    pie = {d["key"]: d["value"] for d in chart_data(response.get_data(as_text=True))["pie"]["data"]}
    assert pie == {"channel_letter": 2, "channel_visit": 3, "channel_opinion_box": 1}  # p1 p2; p3 p4 p6; p5


def test_the_page_loads_the_bundle_the_setup_step_built(app, as_user):
    client = as_user("supervisor")
    html = client.get(f"/statistics/?{QUERY}").get_data(as_text=True)
    sources = re.findall(r'<script src="(/static/vendor/charts/[^"]+)"', html)
    assert sources == ["/static/vendor/charts/charts.js"]
    assert (REPO_ROOT / "web" / sources[0].lstrip("/")).is_file(), "run `make setup` (npm run build)"
    response = client.get(sources[0])
    assert response.status_code == 200 and len(response.data) > 10_000
    response.close()


def test_the_chart_texts_follow_the_language(app, as_user):
    seed(database.session_factory(app))
    client = as_user("supervisor")
    client.get("/lang/en")
    data = chart_data(client.get(f"/statistics/?{QUERY}").get_data(as_text=True))
    cjk = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
    texts = [data["bar"]["title"], data["pie"]["title"]]
    texts += [s["name"] for s in data["bar"]["series"]] + [d["name"] for d in data["pie"]["data"]]
    assert not [t for t in texts if cjk.search(t)]
    assert data["bar"]["title"] == "Deputies' proposals · By unit"  # plain text, not HTML-escaped
