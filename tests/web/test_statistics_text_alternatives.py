"""统计 for a screen reader (the accessibility walk): each chart says its figures in words, as
the pie already did (the per-unit chart each unit's rates, the trend each month's counts), not
its title alone; and the list of the cases behind a number names each row by its case (a row
header), as the other statistics tables do. The figures are the hand counts of
tests/integration/test_statistics.py's data set."""

from __future__ import annotations

import lxml.html

from tests.integration.test_statistics import seed
from web import database

QUERY = "process=proposal&from=2027-01-01&to=2027-06-30"


def chart_labels(response) -> dict[str, str]:
    page = lxml.html.fromstring(response.get_data(as_text=True))
    return {box.get("data-chart"): box.get("aria-label") for box in page.xpath("//div[@data-chart]")}


def test_each_chart_says_its_figures(app, as_user):
    seed(database.session_factory(app))
    c = as_user("supervisor")
    labels = chart_labels(c.get(f"/statistics/?{QUERY}"))
    # per unit, each rate the chart plots: finance replied 8 of 10, finally satisfied 6 of 7,
    # class A 4 of 8; land 6 of 8, 4 of 5, 2 of 6; civil affairs 3 of 4, 2 of 2, 2 of 3
    bar = labels["bar"]
    assert bar.startswith("代表建议 · 按单位（") and bar.endswith("）")
    units = dict(part.split("：", 1) for part in bar.removeprefix("代表建议 · 按单位（").removesuffix("）").split("；"))
    assert list(units) == ["民政办", "财政所", "国土所"]  # as the chart's axis names them
    rates = {unit: dict(rate.rsplit(" ", 1) for rate in said.split("，")) for unit, said in units.items()}
    assert rates["财政所"]["答复率"] == "80.0%" and rates["财政所"]["满意率（最终评价）"] == "85.7%"
    assert rates["财政所"]["办成率"] == "50.0%"
    assert (rates["国土所"]["答复率"], rates["国土所"]["满意率（最终评价）"], rates["国土所"]["办成率"]) == (
        "75.0%",
        "80.0%",
        "33.3%",
    )
    assert (rates["民政办"]["答复率"], rates["民政办"]["满意率（最终评价）"], rates["民政办"]["办成率"]) == (
        "75.0%",
        "100.0%",
        "66.7%",
    )
    # each month's counts, as the trend's table has them: the 24 proposals all came in January
    trend = labels["trend"]
    assert trend.startswith("代表建议 · 按月趋势（2027-01：收到 24，答复 0，按期答复 0；2027-02：收到 0，")
    assert [m.split("：")[0] for m in trend.split("（", 1)[1].split("；")] == [f"2027-0{n}" for n in range(1, 7)]
    assert labels["pie"] == "代表建议 · 答复（A 类（办成率）：8，B 类：4，C 类：3，D 类：2）"  # as before

    c.get("/lang/en")
    english = chart_labels(c.get(f"/statistics/?{QUERY}"))
    assert "财政所: Reply rate 80.0%, " in english["bar"] and "Resolution rate 50.0%" in english["bar"]
    assert english["trend"].startswith("Deputies' proposals · Trend by month (2027-01: Received 24, Replied 0, ")


def test_a_chart_with_nothing_to_draw_says_so(app, as_user):
    seed(database.session_factory(app))
    labels = chart_labels(as_user("supervisor").get("/statistics/?process=proposal&from=2026-01-01&to=2026-01-31"))
    assert labels["bar"] == "代表建议 · 按单位（暂无数据）"
    assert labels["trend"] == "代表建议 · 按月趋势（2026-01：收到 0，答复 0，按期答复 0）"


def test_the_cases_behind_a_number_are_rows_named_by_their_case(app, as_user):
    seed(database.session_factory(app))
    page = lxml.html.fromstring(
        as_user("supervisor").get(f"/statistics/cases?{QUERY}&figure=received&unit=land").get_data(as_text=True)
    )
    rows = page.xpath("//table[@id='cases-behind']/tbody/tr")
    assert len(rows) == 8  # land's l1–l8
    for row in rows:
        [name] = row.xpath("./*[1]")
        assert (name.tag, name.get("scope")) == ("th", "row")
        assert name.xpath("./a/@href") == [f"/cases/{row.get('data-case-id')}"]
        assert row.xpath("./th") == [name]  # the rest are its cells
