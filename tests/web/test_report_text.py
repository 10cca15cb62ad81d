"""The period report's sentences (web/report_text.py) and the statistics workbook of the year's
plan: every count said by ngettext (one voter reception day, two days), the plan's work with
the voters received, the deputies' and the evaluations' results and the thematic reports; the
workbook says which period it counts, the row of no unit left out when it counts nothing."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from flask_babel import force_locale
from openpyxl import load_workbook

from engine.usecases.statistics import Figure, Period, Statistics
from engine.usecases.statistics_items import FAMILIES
from tests.integration.test_statistics_plan import LIBRARY, PROCESSES, plan_year
from tests.web.conftest import text_of
from tests.world import create_people, deploy
from web import database
from web.report_text import plan_paragraph

PERIOD = Period(date(2026, 12, 1), date(2027, 1, 31))
QUERY = "from=2026-12-01&to=2027-01-31"


def plan(**counts: int) -> Statistics:
    """The plan's figures, each ``counts`` says (else 0), over the base its definition names."""
    specs = FAMILIES["plan"].counted_figures(datetime(2027, 1, 1))
    overall = {s.key: Figure(s.key, counts.get(s.key, 0), counts.get(s.base, 0) if s.base else None) for s in specs}
    return Statistics("plan", PERIOD, overall, [])


ONE_EACH = plan(**dict.fromkeys(plan().overall, 1) | {"withdrawn": 0})
TWO_EACH = plan(**dict.fromkeys(plan().overall, 2) | {"voters_received": 35, "withdrawn": 0})


def test_the_plan_sentence_says_the_voters_the_results_and_the_thematic_reports(app):
    with app.test_request_context():
        said = plan_paragraph(TWO_EACH)
    assert said == (
        "开展接待选民日活动2次，接待选民35人次，登记选民反映问题2件，按期答复2件；"
        "2名代表向选民述职，其中2名测评为满意或基本满意；"
        "开展部门工作评议2次，评议单位2个（次），评议完毕2个，其中满意和基本满意2个；"
        "安排专题汇报2个（次），主席团已听取2个；单位应报月度报表2份，按时报送2份，按时报送率100.0%。"
    )


def test_the_plan_sentence_says_one_and_many_in_english(app):
    with app.test_request_context(), force_locale("en"):
        one, two = plan_paragraph(ONE_EACH), plan_paragraph(TWO_EACH)
    assert one == (
        "1 voter reception day was held, receiving 1 voter, 1 issue raised by voters was registered, "
        "1 of them answered on time; 1 deputy reported to the voters, 1 of them rated satisfied or basically "
        "satisfied; 1 department evaluation was held, covering 1 unit (unit evaluations), evaluation "
        "completed for 1 unit, 1 of them rated satisfied or basically satisfied; 1 thematic report was "
        "scheduled, the presidium has heard 1; 1 monthly unit report was due, 1 was submitted on time, "
        "an on-time rate of 100.0%."
    )
    assert two.startswith("2 voter reception days were held, receiving 35 voters, 2 issues raised by voters were")
    assert "2 deputies reported to the voters" in two and "2 department evaluations were held" in two


def plan_world(app) -> None:
    create_people(app, "clerk", "member", "fin", "landy", "civ", "wang", "li", "boss")  # chair, deputy: the world's
    deploy(app, *(LIBRARY / f"{name}.bpmn" for name in PROCESSES))
    plan_year(database.session_factory(app))


def test_the_report_of_the_plan_and_its_table_without_an_empty_row(app, as_user):
    """tests/integration/test_statistics_plan.py's year: R1 received 15 voters, R2 none; wang
    基本满意, li 不满意; finance 满意, land 不满意; civil affairs' thematic report heard."""
    plan_world(app)
    html = text_of(as_user("supervisor").get(f"/statistics/report?{QUERY}"))
    assert (
        "开展接待选民日活动2次，接待选民15人次，登记选民反映问题3件，按期答复1件；"
        "2名代表向选民述职，其中1名测评为满意或基本满意；"
        "开展部门工作评议2次，评议单位2个（次），评议完毕2个，其中满意和基本满意1个；"
        "安排专题汇报2个（次），主席团已听取1个；单位应报月度报表5份，按时报送2份，按时报送率40.0%。"
    ) in html
    section = html.split("年度工作计划", 1)[1]
    assert "财政所" in section and "不分单位" not in section  # the days and deputies are in no column


def test_the_plan_workbook_says_its_period_and_leaves_out_the_empty_row(app, as_user):
    plan_world(app)
    client = as_user("supervisor")
    book = load_workbook(io.BytesIO(client.get(f"/statistics/export.xlsx?process=plan&{QUERY}").data))
    figures, about = book.worksheets
    assert figures.title == "年度工作计划" and about.title == "说明"
    rows = list(figures.iter_rows(values_only=True))
    assert rows[0][:2] == ("指标", "件数")  # the header first, as before
    assert rows[3][:2] == ("接待选民人次", 15)
    units = [r[0] for r in rows[rows.index(next(r for r in rows if r[0] == "单位")) + 1 :]]
    assert "不分单位" not in units and {"财政所", "国土所", "民政办"} <= set(units)
    assert list(about.iter_rows(values_only=True)) == [
        ("统计期间", "2026-12-01 至 2027-01-31"),
        ("流程", "年度工作计划"),
        ("导出时间", datetime(2027, 1, 20, 10, 0)),  # the clock where the plan's year left it, Beijing time
    ]
    lines = list(
        csv.reader(io.StringIO(client.get(f"/statistics/export.csv?process=plan&{QUERY}").data.decode("utf-8-sig")))
    )
    assert lines[0] == ["指标", "件数", "基数", "比率（%）", "口径"]  # a CSV is the table alone
    assert "不分单位" not in [line[0] for line in lines if line]
