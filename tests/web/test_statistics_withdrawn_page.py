"""统计 as the office reads it: a withdrawn proposal (撤销) counted on its own and in no other
figure, on the page, in the download and in the period report; every number of the per-unit
table, the row of no unit's too, opening exactly the cases it counts; each definition saying
which reply it reads. The numbers are counted by hand from the steps below (or from the data set
of tests/integration/test_statistics.py, whose hand counts these are)."""

from __future__ import annotations

import html as markup
import io
import re

from docx import Document
from openpyxl import load_workbook

from engine.usecases import cases, tasks
from tests.conftest import REPO_ROOT
from tests.integration.test_statistics import seed
from tests.integration.test_statistics_plan import do as do_where
from tests.integration.test_statistics_plan import register_issue
from tests.processes.conftest import one
from tests.processes.test_proposal import assign, evaluate, register, reply
from tests.web.conftest import text_of
from tests.world import act, create_people, deploy
from web import database

SEEDED = "process=proposal&from=2027-01-01&to=2027-06-30"
DECEMBER = "from=2026-12-01&to=2026-12-31"  # the clock stands at Mon 2026-12-07


def table(html: str, table_id: str) -> str:
    return html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]


def unit_row(html: str, unit: str) -> str:
    """The per-unit table's row of ``unit`` ("": the row of no unit)."""
    return table(html, "units").split(f'data-unit="{unit}"', 1)[1].split("</tr>", 1)[0]


def links(row: str) -> list[tuple[str, int]]:
    """Each number of a row that opens the cases behind it: (its address, the number)."""
    return [(markup.unescape(href), int(n)) for href, n in re.findall(r'<a href="([^"]+)">(\d+)</a>', row)]


def cases_listed(client, href: str) -> list[str]:
    page = text_of(client.get(href))
    return re.findall(r'<th scope="row" class="title"><a href="/cases/\d+">([^<]+)</a>', page)


def test_every_number_of_the_unit_table_opens_exactly_the_cases_it_counts(app, as_user):
    seed(database.session_factory(app))
    client = as_user("supervisor")
    html = text_of(client.get(f"/statistics/?{SEEDED}"))
    # not assigned: u1 and u2 (tests/integration/test_statistics.py), not every case of the period
    [(received, count), *_rest] = links(unit_row(html, ""))
    assert "&no_unit=1" in received and "&unit=" not in received
    assert (count, cases_listed(client, received)) == (2, ["u1", "u2"])
    for unit in ("", "finance", "land", "civil_affairs"):
        for href, number in links(unit_row(html, unit)):
            assert len(cases_listed(client, href)) == number, (unit, href)
    # the list of no unit says whose it is
    assert "未交办" in text_of(client.get(received)).split("<h1>", 1)[1].split("</h1>", 1)[0]


def test_the_row_of_no_unit_of_the_plan_opens_its_own_issues(app, as_user):
    """Reception day R: two issues, the first assigned to 国土所, the second not yet."""
    create_people(app, "clerk", "member", "landy", "wang")
    deploy(app, REPO_ROOT / "bpmn" / "voter_reception.bpmn")
    factory = database.session_factory(app)
    day = act(app, "clerk", cases.start_instance, "voter_reception", {}).id
    do_where(factory, day, "Task_Arrange", {"arrangement": "第一小组在镇接待室"})
    do_where(factory, day, "Task_Reception", {"voters_received": 8, "reception_summary": "两件", "has_issues": "yes"})
    register_issue(factory, day, "村道破损", "yes")
    register_issue(factory, day, "路灯不亮", "no")
    do_where(factory, day, "Task_AssignIssue", {"handling_unit": "land", "assignment_note": "请办理"}, issue="问题1")
    client = as_user("supervisor")
    html = text_of(client.get(f"/statistics/?process=plan&{DECEMBER}"))
    assert "不分单位" in unit_row(html, "")
    [(issues, count)] = links(unit_row(html, ""))
    assert "figure=issues" in issues and "no_unit=1" in issues
    assert (count, len(cases_listed(client, issues))) == (1, 1)  # 问题2 alone, not 国土所's too
    assert [(n, len(cases_listed(client, href))) for href, n in links(unit_row(html, "land"))] == [(1, 1)]


def proposals_of_december(app) -> None:
    """财政所 answers one proposal (A, on time); a second assigned to it is withdrawn by its
    deputy; a duplicate is withdrawn before it was assigned."""
    create_people(app, "clerk", "fin", "wang")
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    factory = database.session_factory(app)
    answered = register(factory, title="修缮校舍")
    assign(factory, answered)
    reply(factory, answered, "A")
    withdrawn = register(factory, title="调整集市日期")
    assign(factory, withdrawn)
    act(app, "clerk", cases.cancel_instance, withdrawn, "提出代表书面申请撤回本建议。")
    duplicate = register(factory, title="修缮校舍（重复）")
    act(app, "clerk", cases.cancel_instance, duplicate, "重复，并入修缮校舍一件")


def test_a_withdrawn_proposal_is_counted_apart_on_the_page_and_in_the_download(app, as_user):
    proposals_of_december(app)
    client = as_user("supervisor")
    html = text_of(client.get(f"/statistics/?process=proposal&{DECEMBER}"))
    figures = table(html, "figures")
    replied = figures.split('data-figure="replied"', 1)[1].split("</tr>", 1)[0]
    assert "100.0%" in replied and "(1/1)" in replied  # 答复率 of what was not withdrawn
    withdrawn = figures.split('data-figure="withdrawn"', 1)[1].split("</tr>", 1)[0]
    assert "已撤销（撤回或并案）" in withdrawn and "收到 + 已撤销 = 统计期内登记的全部件数" in withdrawn
    [(href, count)] = links(withdrawn)
    assert (count, cases_listed(client, href)) == (2, ["调整集市日期", "修缮校舍（重复）"])
    assert re.findall(r'<td class="status">([^<]+)</td>', text_of(client.get(href))) == ["已撤销", "已撤销"]
    # finance answered all it still has; the duplicate is no proposal waiting to be assigned
    finance = unit_row(html, "finance")
    assert [n for _href, n in links(finance)] == [1, 1, 1, 1]  # received, replied, on time, class A
    assert "100.0%" in finance
    assert 'data-unit=""' not in table(html, "units") and "未交办" not in table(html, "units")

    sheet = load_workbook(io.BytesIO(client.get(f"/statistics/export.xlsx?process=proposal&{DECEMBER}").data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    by_name = {r[0]: r[1:5] for r in rows if r[0]}
    assert by_name["收到"][:3] == [1, None, None]
    assert by_name["已答复（答复率）"][:3] == [1, 1, 100.0]
    assert by_name["已撤销（撤回或并案）"][:3] == [2, None, None]
    assert "未交办" not in by_name


def test_the_period_report_says_the_withdrawn_apart(app, as_user):
    proposals_of_december(app)
    client = as_user("supervisor")
    html = text_of(client.get(f"/statistics/report?{DECEMBER}"))
    assert (
        "收到代表建议1件，均已交办；已答复1件，答复率100.0%，其中按期答复1件，按期答复率100.0%。"
        "代表反馈评价0件，满意和基本满意0件，满意率—（首次评价满意率—）；答复为A类（已解决或基本解决）1件，办成率100.0%。"
        "经批准延期办理0件，要求重新办理0件（其中已重新答复0件），最终不满意0件。另有2件建议已撤销（撤回或并案），未计入以上数字。"
    ) in html
    assert "另有" not in html.split("<h2>信访</h2>", 1)[1]  # nothing withdrawn there: no sentence
    document = Document(io.BytesIO(client.get(f"/statistics/report.docx?{DECEMBER}").data))
    proposals = document.tables[0]
    assert [row.cells[0].text for row in proposals.rows] == ["单位", "财政所"]  # no 未交办 row
    assert [c.text for c in proposals.rows[1].cells[1:3]] == ["1", "1（100.0%）"]


def test_each_definition_says_which_reply_it_reads_and_that_the_withdrawn_are_apart(app, as_user):
    seed(database.session_factory(app))
    client = as_user("supervisor")
    rows = dict(
        re.findall(
            r'<tr data-figure="([^"]+)">(.*?)</tr>', table(text_of(client.get(f"/statistics/?{SEEDED}")), "figures")
        )
    )
    for key in ("replied", "replied_on_time", "late"):
        assert "首次书面答复" in rows[key], key
    for key in ("class_a", "class_b", "class_c", "class_d"):
        assert "最后一次答复（重新办理的，以重新办理的答复为准）" in rows[key], key
    # 已办结 and solved is not a second 办成率: named otherwise, and it says how it differs
    name = re.search(r'<th scope="row">(.*?)</th>', rows["solved"]).group(1).strip()
    assert name == "办结时已解决" and "办成" not in name
    assert "不是办成率：办成率 = A 类 ÷ 已答复" in rows["solved"] and "尚未办结的" in rows["solved"]
    for process in ("proposal", "petition", "inspection", "plan"):
        page = text_of(client.get(f"/statistics/?process={process}&from=2027-01-01&to=2027-06-30"))
        definitions = dict(
            re.findall(r'<tr data-figure="([^"]+)">.*?<td class="hint">(.*?)</td>', table(page, "figures"))
        )
        definitions.pop("handling_days", None)  # 办理用时, said under the figures
        assert list(definitions)[-1] == "withdrawn", process
        said = [key for key, text in definitions.items() if text.endswith("；已撤销的案件不计入")]
        assert said == list(definitions)[:-1], process


def test_a_re_handled_reply_is_counted_as_the_definitions_say(app, as_user):
    """C, the deputy not satisfied, re-handled as A: replied and on time by the first reply,
    class A by the latest, class C none; the classes add up to the replied."""
    create_people(app, "clerk", "fin", "wang")
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    factory = database.session_factory(app)
    case_id = register(factory)
    assign(factory, case_id)
    reply(factory, case_id, "C")
    evaluate(factory, case_id, "不满意")
    act(
        app,
        "fin",
        tasks.complete,
        one(factory, case_id, "Task_Rehandle").task_id,
        {"reply_class": "A", "reply_text": "已解决"},
    )
    html = text_of(as_user("supervisor").get(f"/statistics/?process=proposal&{DECEMBER}"))
    rows = dict(re.findall(r'<tr data-figure="([^"]+)">(.*?)</tr>', table(html, "figures")))
    shown = {
        key: re.findall(r'<td class="num">(?:<a [^>]*>)?(\d+)', rows[key])[0] for key in rows if key != "handling_days"
    }
    assert (shown["replied"], shown["replied_on_time"], shown["rehandled"]) == ("1", "1", "1")
    assert [shown[k] for k in ("class_a", "class_b", "class_c", "class_d")] == ["1", "0", "0", "0"]
    assert "以首次书面答复计" in rows["replied"]
    assert "以重新办理的答复为准）为 A 类" in rows["class_a"] and "以重新办理的答复为准）为 C 类" in rows["class_c"]
