"""统计 in the browser's terms: the figures with their definitions, the cases behind a number,
.xlsx and .csv downloads read back as a spreadsheet program would; and 我的建议 for a deputy.
The data set and its hand-counted figures are tests/integration/test_statistics.py's."""

from __future__ import annotations

import csv
import io
import re

import pytest
from docx import Document
from openpyxl import load_workbook

from engine.usecases import cases
from tests.conftest import REPO_ROOT
from tests.integration.test_statistics import seed
from tests.integration.test_statistics_items import finished_inspection
from tests.web.conftest import text_of
from tests.web.test_statistics_charts import chart_data
from tests.world import act, create_people, deploy
from web import database

QUERY = "process=proposal&from=2027-01-01&to=2027-06-30"
HANDLING_TIME = "自交办（受理）至首次答复的天数，已答复的案件；已撤销的案件不计入"  # 办理用时's definition


def test_the_page_shows_each_figure_with_its_definition_and_rate(app, as_user):
    seed(database.session_factory(app))
    html = text_of(as_user("supervisor").get(f"/statistics/?{QUERY}"))
    row = html.split('data-figure="replied"', 1)[1].split("</tr>", 1)[0]
    assert "已答复（答复率）" in row and "77.3%" in row and "(17/22)" in row
    assert "答复率 = 已答复 ÷ 已交办" in row
    final = html.split('data-figure="satisfied_final"', 1)[1].split("</tr>", 1)[0]
    assert "85.7%" in final and "(12/14)" in final
    units = html.split('id="units"', 1)[1].split("</table>", 1)[0]
    finance = units.split('data-unit="finance"', 1)[1].split("</tr>", 1)[0]
    assert "财政所" in finance
    assert re.findall(r">(\d+)</a>", finance)[:4] == ["10", "8", "6", "3"]  # received, replied, on time, late


def test_a_number_opens_the_cases_behind_it(app, as_user):
    seed(database.session_factory(app))
    html = text_of(as_user("supervisor").get(f"/statistics/cases?{QUERY}&figure=late&unit=finance"))
    titles = re.findall(r'<th scope="row" class="title"><a href="/cases/\d+">([^<]+)</a>', html)
    assert titles == ["f5", "f7", "f9"]


def test_the_statistics_download_as_xlsx_and_csv(app, as_user):
    seed(database.session_factory(app))
    client = as_user("supervisor")
    response = client.get(f"/statistics/export.xlsx?{QUERY}")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith(
        "filename*=UTF-8''%E4%BB%A3%E8%A1%A8%E5%BB%BA%E8%AE%AE%E7%BB%9F%E8%AE%A1_2027-01-01_2027-06-30.xlsx"
    )  # 代表建议统计_…
    client.get("/lang/en")
    named = client.get(f"/statistics/export.xlsx?{QUERY}").headers["Content-Disposition"]
    assert named.endswith("filename*=UTF-8''Deputies%27%20proposals%20statistics_2027-01-01_2027-06-30.xlsx"), named
    client.get("/lang/zh")
    sheet = load_workbook(io.BytesIO(response.data)).active
    # (a row is read as wide as the widest, the unit table's: the empty cells after it dropped)
    rows = [
        list(r[: max((i + 1 for i, v in enumerate(r) if v is not None), default=0)])
        for r in sheet.iter_rows(values_only=True)
    ]
    assert rows[0] == ["指标", "件数", "基数", "比率（%）", "口径"]
    by_name = {r[0]: r[1:4] for r in rows[1:] if r}
    assert by_name["已答复（答复率）"] == [17, 22, 77.3]
    assert by_name["按期答复（按期答复率）"] == [13, 22, 59.1]
    assert by_name["A 类（办成率）"] == [8, 17, 47.1]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    # per unit, each figure's count and, where it has one, its rate, in columns that say so
    assert next(r for r in rows if r and r[0] == "单位") == [
        "单位",
        "收到·件数",
        "已答复（答复率）·件数",
        "已答复（答复率）·比率（%）",
        "按期答复（按期答复率）·件数",
        "按期答复（按期答复率）·比率（%）",
        "逾期·件数",
        "逾期·比率（%）",
        "满意率（最终评价）·件数",
        "满意率（最终评价）·比率（%）",
        "A 类（办成率）·件数",
        "A 类（办成率）·比率（%）",
        "改办·件数",  # a count only, under the unit that returned the proposal
    ]
    units = {r[0]: r[1:] for r in rows if r and r[0] in ("财政所", "国土所", "民政办", "未交办")}
    # finance f1–f10: replied 8 of 10 assigned, on time 6 (f1 f2 f3 f4 f6 f8), late 3 (f5 f7 f9),
    # finally satisfied 6 of the 7 evaluated (f1–f7), class A 4 of the 8 replied (f1 f2 f6 f8)
    assert units["财政所"] == [10, 8, 80.0, 6, 60.0, 3, 30.0, 6, 85.7, 4, 50.0, 0]
    # land l1–l8: replied 6 of 8, on time 4 (l1 l2 l3 l6), late 3 (l4 l5 l7), satisfied 4 of 5
    # evaluated (l5 gave none), class A 2 of 6 (l1 l6)
    assert units["国土所"] == [8, 6, 75.0, 4, 50.0, 3, 37.5, 4, 80.0, 2, 33.3, 0]
    assert units["未交办"] == [2, 0, None, 0, None, 0, None, 0, None, 0, None, 0]  # no base: no rate

    response = client.get(f"/statistics/export.csv?{QUERY}")
    assert response.data.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert lines[0] == ["指标", "件数", "基数", "比率（%）", "口径"]
    assert lines[3][:4] == ["已答复（答复率）", "17", "22", "77.3"]


def test_the_statistics_download_has_the_handling_time(app, as_user):
    seed(database.session_factory(app))
    client = as_user("supervisor")
    assert "平均 46.5 天，最长 100.0 天" in text_of(client.get(f"/statistics/?{QUERY}"))  # the page's row
    sheet = load_workbook(io.BytesIO(client.get(f"/statistics/export.xlsx?{QUERY}").data)).active
    rows = [[v for v in r if v is not None] for r in sheet.iter_rows(values_only=True)]
    at = rows.index(["办理用时", 46.5, 100.0, HANDLING_TIME])
    # the 17 replied: 13 x 30 days + 4 x 100 days, / 17; in a table of its own after the figures
    assert rows[at - 1] == ["指标", "平均天数", "最长天数", "口径"] and rows[at - 2] == []
    assert rows[at - 3][0] == "已撤销（撤回或并案）"  # the last figure
    lines = list(csv.reader(io.StringIO(client.get(f"/statistics/export.csv?{QUERY}").data.decode("utf-8-sig"))))
    assert ["办理用时", "46.5", "100.0", HANDLING_TIME] in [line[:4] for line in lines]
    # a period with nothing replied has no handling time, on the page as in the download
    empty = "process=proposal&from=2020-01-01&to=2020-06-30"
    assert "办理用时" not in text_of(client.get(f"/statistics/?{empty}"))
    assert "办理用时" not in client.get(f"/statistics/export.csv?{empty}").data.decode("utf-8-sig")


def trend_table(html: str) -> tuple[list[str], dict[str, list[str]]]:
    """The trend table's column titles and, per month, its cells (a number, linked to its cases
    or not: 0)."""
    table = html.split('id="trend"', 1)[1].split("</table>", 1)[0]
    heads = re.findall(r"<th>([^<]*)</th>", table)
    rows = re.findall(r'<tr data-month="([^"]+)">(.*?)</tr>', table)
    cell = r'<td class="num">(?:<a href="[^"]*">)?([^<]*)(?:</a>)?</td>'
    return heads, {month: re.findall(cell, cells) for month, cells in rows}


def test_the_inspection_trend_counts_the_inspection_once_under_its_own_title(app, as_user):
    create_people(app, "clerk", "fin", "civ", "member")
    deploy(app, REPO_ROOT / "bpmn" / "inspection.bpmn")
    finished_inspection(database.session_factory(app))  # 财政所 and 民政办, one rectification sent back
    client = as_user("supervisor")
    query = "process=inspection&from=2026-12-01&to=2027-01-31"
    html = text_of(client.get(f"/statistics/?{query}"))
    rounds = html.split('data-figure="rounds"', 1)[1].split("</tr>", 1)[0]
    units = html.split('data-figure="units"', 1)[1].split("</tr>", 1)[0]
    assert ">1</a>" in rounds and ">2</a>" in units  # 检查次数 1, 被检查单位 2
    heads, months = trend_table(html)
    assert heads == ["月份", "检查次数"]
    assert months == {"2026-12": ["1"], "2027-01": ["0"]}
    assert "检查次数：当月启动的监督检查" in html.split('id="trend"', 1)[0].rsplit("<h2>", 1)[1]
    assert [(s["key"], s["name"], s["data"]) for s in chart_data(html)["trend"]["series"]] == [
        ("received", "检查次数", [1, 0])
    ]
    lines = list(csv.reader(io.StringIO(client.get(f"/statistics/export.csv?{query}").data.decode("utf-8-sig"))))
    at = lines.index(["月份", "检查次数"])
    assert lines[at + 1 : at + 3] == [["2026-12", "1"], ["2027-01", "0"]]


def test_each_family_titles_its_trend_as_it_counts(app, as_user):
    seed(database.session_factory(app))
    client = as_user("supervisor")
    heads, months = trend_table(text_of(client.get(f"/statistics/?{QUERY}")))
    assert heads == ["月份", "收到", "答复", "按期答复"]
    assert months["2027-01"] == ["24", "0", "0"] and months["2027-02"] == ["0", "13", "13"]
    heads, months = trend_table(text_of(client.get("/statistics/?process=petition&from=2027-01-01&to=2027-06-30")))
    assert heads == ["月份", "收到", "答复", "按期答复"]
    assert months["2027-03"] == ["6", "0", "0"] and months["2027-04"] == ["0", "3", "2"]
    heads, _months = trend_table(text_of(client.get("/statistics/?process=plan&from=2027-01-01&to=2027-06-30")))
    assert heads == ["月份", "启动事项"]


def test_an_officer_is_refused_and_has_no_link(app, as_user):
    client = as_user("office1")
    assert client.get(f"/statistics/?{QUERY}").status_code == 403
    assert client.get(f"/statistics/export.xlsx?{QUERY}").status_code == 403
    assert 'href="/statistics/"' not in text_of(client.get("/"))
    assert 'href="/statistics/"' in text_of(as_user("supervisor").get("/"))


def test_a_backwards_period_is_said_not_failed(app, as_user):
    response = as_user("supervisor").get("/statistics/?process=proposal&from=2027-07-01&to=2027-06-30")
    assert response.status_code == 422 and "至：结束日期早于开始日期" in text_of(response)


@pytest.mark.parametrize(
    "path",
    ["/statistics/", "/statistics/report", "/statistics/report.docx", "/statistics/export.xlsx", "/statistics/cases"],
)
def test_a_date_past_the_accepted_years_is_said_not_failed(app, as_user, path):
    response = as_user("supervisor").get(f"{path}?process=proposal&from=1900-01-01&to=9999-12-31")
    assert response.status_code == 422
    assert "日期应在 1900-01-01 至 2099-12-31 之间" in text_of(response)


def test_a_period_of_a_century_is_refused_beside_its_end(app, as_user):
    response = as_user("supervisor").get("/statistics/?process=proposal&from=1900-01-01&to=2099-12-31")
    assert response.status_code == 422 and "一段最多 3653 天" in text_of(response)


def test_the_period_inputs_offer_only_the_accepted_years(app, as_user):
    html = text_of(as_user("supervisor").get(f"/statistics/?{QUERY}"))
    assert 'name="to" min="1900-01-01" max="2099-12-31"' in html


def test_a_deputy_follows_the_proposal_the_office_registered_for_him(app, as_user):
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    case = act(
        app,
        "office1",
        cases.start_instance,
        "proposal",
        {
            "kind": "suggestion",
            "title": "修缮村道",
            "content": "村道破损",
            "deputy": "deputy",
            "submitted_during": "recess",
        },
    )
    client = as_user("deputy")
    home = text_of(client.get("/"))
    assert 'id="nav-my-proposals"' in home
    mine = text_of(client.get("/cases?deputy=1"))
    assert "我的建议" in mine and f'data-case-id="{case.id}"' in mine
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert "修缮村道" not in text_of(as_user("finance1").get("/cases"))  # not a case of theirs


def test_the_period_report_writes_the_figures_as_sentences_and_as_word(app, as_user):
    seed(database.session_factory(app))
    client = as_user("supervisor")
    html = text_of(client.get("/statistics/report?from=2027-01-01&to=2027-06-30"))
    assert (
        "收到代表建议24件，已交办22件；已答复17件，答复率77.3%，其中按期答复13件，按期答复率59.1%。"
        "代表反馈评价14件，满意和基本满意12件，满意率85.7%（首次评价满意率71.4%）；"
        "答复为A类（已解决或基本解决）8件，办成率47.1%。经批准延期办理3件，要求重新办理4件（其中已重新答复0件），最终不满意2件。"
    ) in html
    # decided p1–p5, accepted p1, p2, p3, p5; told in time p1, p3, p4 (not accepted), p5
    assert (
        "收到信访事项6件（来信2件、来访3件、意见箱1件），已审查5件，其中受理4件，4件在收到之日起15日内告知是否受理"
        in html
    )
    assert 'media="print"' in html

    response = client.get("/statistics/report.docx?from=2027-01-01&to=2027-06-30")
    document = Document(io.BytesIO(response.data))
    page = document.sections[0]
    assert (page.page_width.mm, page.page_height.mm) == (pytest.approx(210, abs=0.1), pytest.approx(297, abs=0.1))  # A4
    assert response.headers["Content-Disposition"] == (
        "attachment; filename*=UTF-8''%E5%B7%A5%E4%BD%9C%E7%BB%9F%E8%AE%A1_2027-01-01_2027-06-30.docx"
    )  # 工作统计_…
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "2027-01-01 至 2027-06-30 工作统计"
    assert any(t.startswith("收到代表建议24件，已交办22件") for t in texts)
    units = document.tables[0]
    assert [c.text for c in units.rows[0].cells] == [
        "单位",
        "收到",
        "已答复（答复率）",
        "按期答复（按期答复率）",
        "逾期",
        "满意率（最终评价）",
        "A 类（办成率）",
        "改办",
    ]
    finance = next(r for r in units.rows if r.cells[0].text == "财政所")
    assert [c.text for c in finance.cells[1:]] == FINANCE_CELLS
    unassigned = next(r for r in units.rows if r.cells[0].text == "未交办")
    assert [c.text for c in unassigned.cells[1:]] == ["2", "0（—）", "0（—）", "0（—）", "0（—）", "0（—）", "0"]
    assert "括号内为比率。" in texts and SATISFIED_NOTE in texts


# the report's cells of finance (f1–f10; see the download's test): each count with its rate, as
# the 统计 page shows them, under 满意率 the satisfied count and the rate
FINANCE_CELLS = ["10", "8（80.0%）", "6（60.0%）", "3（30.0%）", "6（85.7%）", "4（50.0%）", "0"]
SATISFIED_NOTE = "满意率（最终评价）：最终评价（重新办理后的评价）为满意或基本满意的件数 ÷ 已评价；已撤销的案件不计入"


def test_the_period_reports_table_holds_the_rates_its_columns_name(app, as_user):
    seed(database.session_factory(app))
    client = as_user("supervisor")
    html = text_of(client.get("/statistics/report?from=2027-01-01&to=2027-06-30"))
    proposals = html.split('class="list report-table"', 1)[1].split("</section>", 1)[0]
    finance = proposals.split('<th scope="row">财政所</th>', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>([^<]*)</td>", finance) == FINANCE_CELLS
    assert "<small>括号内为比率。</small>" in proposals and f"<small>{SATISFIED_NOTE}</small>" in proposals

    client.get("/lang/en")
    english = text_of(client.get("/statistics/report?from=2027-01-01&to=2027-06-30"))
    finance = english.split('<th scope="row">财政所</th>', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>([^<]*)</td>", finance)[4] == "6 (85.7%)"


def test_a_report_section_with_nothing_by_unit_has_its_sentence_and_no_table(app, as_user):
    """Proposals and petitions were seeded, no inspection and nothing of the year's plan: their
    sections say so in their sentence, without a table of headers alone (page and Word alike)."""
    seed(database.session_factory(app))
    client = as_user("supervisor")
    html = text_of(client.get("/statistics/report?from=2027-01-01&to=2027-06-30"))
    sections = html.split('<section class="report-section">')[1:]
    assert [("report-table" in section) for section in sections] == [True, True, False, False]
    document = Document(io.BytesIO(client.get("/statistics/report.docx?from=2027-01-01&to=2027-06-30").data))
    assert [t.rows[0].cells[1].text for t in document.tables] == ["收到", "收到"]
