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

    # per unit, the rate of each column of the unit table that has one, named as the rate it
    # plots (a count has no place on its % axis: 收到 is in the table only)
    bar = data["bar"]
    series = {s["key"]: s for s in bar["series"]}
    assert [(key, s["name"]) for key, s in series.items()] == [
        ("replied", "答复率"),
        ("replied_on_time", "按期答复率"),
        ("late", "逾期率"),
        ("satisfied_final", "满意率（最终评价）"),
        ("class_a", "办成率"),
    ]
    # the units not assigned yet (u1 u2) have no rate at all: in the table, not in the chart
    assert bar["units"] == ["civil_affairs", "finance", "land"]
    assert bar["categories"] == ["民政办", "财政所", "国土所"]  # named on the axis as in the table
    # hand counts (tests/integration/test_statistics.py's PROPOSALS): finance f1–f10 replied 8 of
    # 10, finally satisfied 6 of the 7 evaluated (f1–f7), class A 4 of 8 (f1 f2 f6 f8); land l1–l8
    # replied 6 of 8, satisfied 4 of 5 evaluated (l1 l2 l3 l6; l5 gave none), class A 2 of 6;
    # civil affairs c1–c4 replied 3 of 4, satisfied 2 of 2, class A 2 of 3
    by_unit = {
        key: {unit: (s["data"][i], s["counts"][i], s["bases"][i]) for i, unit in enumerate(bar["units"])}
        for key, s in series.items()
    }
    assert by_unit["satisfied_final"] == {
        "finance": (85.7, 6, 7),
        "land": (80.0, 4, 5),
        "civil_affairs": (100.0, 2, 2),
    }
    assert by_unit["replied"] == {"finance": (80.0, 8, 10), "land": (75.0, 6, 8), "civil_affairs": (75.0, 3, 4)}
    assert by_unit["class_a"] == {"finance": (50.0, 4, 8), "land": (33.3, 2, 6), "civil_affairs": (66.7, 2, 3)}

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
    data = chart_data(response.get_data(as_text=True))
    pie = {d["key"]: d["value"] for d in data["pie"]["data"]}
    assert pie == {"channel_letter": 2, "channel_visit": 3, "channel_opinion_box": 1}  # p1 p2; p3 p4 p6; p5
    # the rates per unit: civil affairs p1 p2 accepted and replied on time; finance p3 (replied
    # late) and p5 (accepted, not replied, not due yet); of no unit p4 (refused) and p6 (not
    # decided): accepted 0 of the 1 decided, and no reply rate over 0 accepted
    bar = data["bar"]
    assert bar["units"] == ["civil_affairs", "finance", None] and bar["categories"][2] == "无承办单位"
    assert {s["name"]: s["data"] for s in bar["series"]} == {
        "受理率": [100.0, 100.0, 0.0],
        "答复率": [100.0, 50.0, None],
        "按期答复率": [100.0, 0.0, None],
        "逾期率": [0.0, 50.0, None],
    }


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
