"""统计 for the inspections and the year's plan, the trend per month, the period presets and
the period report's inspection sentence; 我的建议 of a co-signing deputy. The data sets and
their hand counts are tests/integration/test_statistics_items.py's and test_statistics.py's."""

from __future__ import annotations

import re

from engine.usecases import cases
from tests.conftest import REPO_ROOT
from tests.integration.test_statistics import seed
from tests.integration.test_statistics_items import inspection
from tests.web.conftest import text_of
from tests.world import act, create_people, deploy
from web import database

LIBRARY = REPO_ROOT / "bpmn"


def numbers(row: str) -> list[str]:
    """The numbers of a table row's cells, with or without their link to the cases behind them."""
    return [re.sub(r"<[^>]+>", "", cell.split("</td>", 1)[0]) for cell in row.split('class="num">')[1:]]


def test_inspection_figures_trend_and_report_sentence(app, as_user):
    create_people(app, "clerk", "fin", "landy", "civ", "member")
    deploy(app, LIBRARY / "inspection.bpmn")
    inspection(database.session_factory(app))
    client = as_user("supervisor")
    html = text_of(client.get("/statistics/?process=inspection&from=2026-12-01&to=2027-03-31"))
    rectified = html.split('data-figure="rectified"', 1)[1].split("</tr>", 1)[0]
    assert "整改验收通过" in rectified and "100.0%" in rectified and "(1/1)" in rectified
    assert "整改经验收通过的单位次，占发现问题" in rectified  # the definition beside the number
    trend = html.split('id="trend"', 1)[1].split("</table>", 1)[0]
    december = trend.split('data-month="2026-12"', 1)[1].split("</tr>", 1)[0]
    assert numbers(december) == ["1"]  # one inspection, not its three units
    month_query = "process=inspection&amp;from=2026-12-01&amp;to=2027-03-31&amp;figure=received&amp;month=2026-12"
    assert f'<a href="/statistics/cases?{month_query}">1</a>' in december
    behind = text_of(client.get("/statistics/cases?" + month_query.replace("&amp;", "&")))
    assert "检查次数 <small>2026-12</small>" in behind and behind.count("data-case-id=") == 1
    assert '"trend":' in html
    # the row of no unit holds only the round, which no column of the table counts: left out
    assert "不分单位" not in html.split('id="units"', 1)[1].split("</table>", 1)[0]
    report = text_of(client.get("/statistics/report?from=2026-12-01&to=2027-03-31"))
    assert (
        "开展监督检查1次，涉及单位3个（次），已发出书面通知3个，按期报送自查报告1个；发现问题1个，整改验收1个" in report
    )
    sheet = client.get("/statistics/export.csv?process=inspection&from=2026-12-01&to=2027-03-31")
    assert sheet.status_code == 200 and "2026-12" in sheet.get_data(as_text=True)


def test_proposal_trend_table_and_presets(app, as_user):
    seed(database.session_factory(app))  # the clock is then 2027-07-15
    client = as_user("supervisor")
    html = text_of(client.get("/statistics/?process=proposal&from=2027-01-01&to=2027-06-30"))
    trend = html.split('id="trend"', 1)[1].split("</table>", 1)[0]
    february = trend.split('data-month="2027-02"', 1)[1].split("</tr>", 1)[0]
    assert numbers(february) == ["0", "13", "13"]
    replied = "process=proposal&amp;from=2027-01-01&amp;to=2027-06-30&amp;figure=replied_on_time&amp;month=2027-02"
    assert f'<a href="/statistics/cases?{replied}">13</a>' in february  # each number lists its cases
    behind = text_of(client.get("/statistics/cases?" + replied.replace("&amp;", "&")))
    assert "按期答复（按期答复率） <small>2027-02</small>" in behind and behind.count("data-case-id=") == 13
    presets = html.split('id="period-presets"', 1)[1].split("</p>", 1)[0]
    assert "人代会年度（2027-03-01 起）" in presets and "from=2027-03-01&amp;to=2028-02-29" in presets
    by_preset = text_of(client.get("/statistics/?process=proposal&preset=first_half"))
    assert 'value="2027-06-30"' in by_preset
    bad = client.get("/statistics/?process=proposal&preset=decade")
    assert bad.status_code == 422 and "统计期：不是可选的值：decade" in text_of(bad)


def test_the_plan_page_answers(app, as_user):
    html = text_of(as_user("supervisor").get("/statistics/?process=plan&preset=year"))
    assert 'data-figure="reports_on_time"' in html and "审核合格的版本在报送期限内报送的月报份数" in html


def test_a_cosigning_deputy_follows_the_proposal_another_deputy_does_not(app, as_user):
    create_people(app, "wang", "li")
    deploy(app, LIBRARY / "proposal.bpmn")
    start = {"kind": "suggestion", "title": "修缮村道", "content": "村道破损", "deputy": "wang"}
    case = act(
        app,
        "office1",
        cases.start_instance,
        "proposal",
        {**start, "submitted_during": "recess", "joint_deputies": ["li"]},
    )
    client = as_user("li")
    mine = text_of(client.get("/cases?deputy=1"))
    assert f'data-case-id="{case.id}"' in mine
    assert client.get(f"/cases/{case.id}").status_code == 200
    other = as_user("deputy")
    assert f'data-case-id="{case.id}"' not in text_of(other.get("/cases?deputy=1"))
    assert other.get(f"/cases/{case.id}").status_code == 404
