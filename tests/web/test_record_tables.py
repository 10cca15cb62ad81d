"""The year's-plan processes' results read as tables: each round's record (an issue raised on a
reception day, a deputy's report, an evaluated unit's result, a unit's monthly and thematic
report) by the labels its multi-instance gives the record's keys (``record_labels`` in the
BPMN) or the forms give them, each value as people read it (a unit or a deputy by name, an
option by its label, 是/否, a moment in the reader's time zone), on the case page and on the
office's task that closes the process (汇总接待和反馈情况, 汇总述职情况, 通报评议结果). Driven through
the real processes of bpmn/. An evaluated unit reads its own row alone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from engine import clock
from engine.usecases import cases, people, tasks
from tests.conftest import REPO_ROOT
from tests.web.conftest import PEOPLE, text_of
from tests.web.test_inspection_rounds import inspection_under_way
from tests.world import act, deploy


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return (*PEOPLE, "wang", "li")  # two deputies: "wang 同志", "li 同志"


def open_task(app, case_id: int, bpmn_id: str, round_name: str = "", assignee: str | None = None) -> str:
    """The one open ``bpmn_id`` task of the case, of the round whose title names ``round_name``
    (and held by ``assignee``, when given)."""
    [task] = [
        t
        for t in act(app, "office1", cases.instance_detail, case_id).open_tasks
        if t.bpmn_id == bpmn_id and t.name.endswith(round_name) and assignee in (None, t.assignee)
    ]
    return task.task_id


def do(app, username: str, case_id: int, bpmn_id: str, data: dict, round_name: str = "", mine: bool = False) -> str:
    task_id = open_task(app, case_id, bpmn_id, round_name, username if mine else None)
    act(app, username, tasks.complete, task_id, data)
    return task_id


def table(html: str, variable: str) -> list[list[str]]:
    """The table of ``variable`` on a page: its header, then its rows, each cell's text."""
    found = html.split(f'data-records="{variable}"', 1)[1].split("</table>", 1)[0]

    def text(cell: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", " ", cell).split())

    head = [text(th) for th in re.findall(r"<th>(.*?)</th>", found)]
    rows = [
        [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", found.split("<tbody>", 1)[1])
    ]
    return [head, *rows]


def shown_as_stored(html: str, variable: str) -> bool:
    """Whether the page shows ``variable`` as stored, under 其他流程变量."""
    others = html.split("其他流程变量", 1)[1].split("</details>", 1)[0] if "其他流程变量" in html else ""
    return f'data-var="{variable}"' in others


# -- 接待选民日 ------------------------------------------------------------------------------------
ISSUES_HEAD = [
    "编号",
    "问题内容",
    "类别",
    "接待代表小组",
    "反映人数",
    "承办单位",
    "办理答复",
    "按期答复",
    "反馈时间",
    "选民满意度",
]
ISSUES = [
    ["问题1", "村道破损", "基础设施", "第一小组", "3", "财政所", "已修复村道", "否", "2027-01-07 09:00", "基本满意"],
    ["问题2", "低保评定", "民生保障", "第二小组", "1", "民政办", "已重新评定", "是", "2026-12-07 09:00", "满意"],
]


def reception_day_to_summarise(app) -> int:
    """Two issues: 问题2 replied and fed back the day it was raised, 问题1 replied late (31 days
    on); the office has its 汇总接待和反馈情况 to do."""
    deploy(app, REPO_ROOT / "bpmn" / "voter_reception.bpmn")
    case_id = act(app, "office1", cases.start_instance, "voter_reception", {}).id
    do(app, "office1", case_id, "Task_Arrange", {"arrangement": "第一、二小组在镇接待室"})
    do(app, "wang", case_id, "Task_Reception", {"voters_received": 12, "has_issues": "yes"})
    for content, category, group, count, more in (
        ("村道破损", "infrastructure", "第一小组", 3, "yes"),
        ("低保评定", "livelihood", "第二小组", 1, "no"),
    ):
        issue = {"issue_content": content, "issue_category": category, "receiving_group": group}
        do(app, "wang", case_id, "Task_RegisterIssue", {**issue, "voter_count": count, "more_issues": more})
    do(app, "office1", case_id, "Task_AssignIssue", {"handling_unit": "finance"}, "问题1")
    do(app, "office1", case_id, "Task_AssignIssue", {"handling_unit": "civil_affairs"}, "问题2")
    do(app, "civil1", case_id, "Task_HandleIssue", {"handling_reply": "已重新评定"}, "问题2")
    do(app, "li", case_id, "Task_Feedback", {"feedback_note": "已告知", "voter_satisfaction": "满意"}, "问题2")
    clock.advance(timedelta(days=31))  # 2027-01-07 09:00: 问题1's reply was due 01-06, 24:00
    do(app, "finance1", case_id, "Task_HandleIssue", {"handling_reply": "已修复村道"}, "问题1")
    do(app, "wang", case_id, "Task_Feedback", {"feedback_note": "现场告知", "voter_satisfaction": "基本满意"}, "问题1")
    return case_id


def test_a_reception_days_issues_are_a_table_on_its_summary_task_and_its_case_page(app, as_user):
    case_id = reception_day_to_summarise(app)
    summary = open_task(app, case_id, "Task_Summary")
    office = as_user("office1")
    task_page = text_of(office.get(f"/tasks/{summary}"))
    assert "<h2>逐项交办、督办、反馈</h2>" in task_page
    assert table(task_page, "issues") == [ISSUES_HEAD, *ISSUES]
    assert task_page.index('data-records="issues"') < task_page.index('id="task-form"')  # above the form

    act(app, "office1", tasks.complete, summary, {"summary": "两件问题已反馈"})
    case_page = text_of(office.get(f"/cases/{case_id}"))
    assert "<h3>逐项交办、督办、反馈</h3>" in case_page
    assert table(case_page, "issues") == [ISSUES_HEAD, *ISSUES]
    assert "infrastructure" not in table(case_page, "issues")[1]
    assert not shown_as_stored(case_page, "issues")


def test_the_products_own_words_in_the_table_follow_the_readers_language(app, as_user):
    """The labels are the BPMN's (Chinese, as its forms' are); 是/否 are the product's."""
    case_id = reception_day_to_summarise(app)
    office = as_user("office1")
    office.get("/lang/en")
    issues = table(text_of(office.get(f"/tasks/{open_task(app, case_id, 'Task_Summary')}")), "issues")
    assert issues[0] == ISSUES_HEAD
    assert [row[7] for row in issues[1:]] == ["No", "Yes"]


# -- 代表述职 --------------------------------------------------------------------------------------
def deputies_to_summarise(app) -> int:
    """wang and li report to 30 voters each; wang is rated 满意 (20 / 5 / 5), li 不满意 (5 / 5 / 20)."""
    deploy(app, REPO_ROOT / "bpmn" / "deputy_report.bpmn")
    case_id = act(app, "office1", cases.start_instance, "deputy_report", {}).id
    do(app, "office1", case_id, "Task_Arrange", {"reporting_deputies": ["wang", "li"], "arrangement": "镇会议室"})
    for deputy in ("wang", "li"):
        report = {"report_text": f"{deputy}的述职报告", "voters_present": 30}
        do(app, deputy, case_id, "Task_SubmitReport", report, mine=True)
    clock.advance(timedelta(hours=2))  # appraised at 11:00
    for deputy, votes in (("wang 同志", (20, 5, 5)), ("li 同志", (5, 5, 20))):
        counts = dict(zip(("votes_satisfied", "votes_basic", "votes_unsatisfied"), votes, strict=True))
        do(app, "office1", case_id, "Task_Appraise", counts, deputy)
    return case_id


DEPUTIES_HEAD = ["述职代表", "述职时间", "到会选民人数", "测评结果"]
DEPUTIES = [["wang 同志", "2026-12-07 09:00", "30", "满意"], ["li 同志", "2026-12-07 09:00", "30", "不满意"]]


def test_the_deputies_reports_are_a_table_by_their_names_on_the_summary_task_and_the_case_page(app, as_user):
    case_id = deputies_to_summarise(app)
    summary = open_task(app, case_id, "Task_Summary")
    office = as_user("office1")
    task_page = text_of(office.get(f"/tasks/{summary}"))
    assert "<h2>逐一述职和测评</h2>" in task_page
    assert table(task_page, "deputy_reports") == [DEPUTIES_HEAD, *DEPUTIES]

    act(app, "office1", tasks.complete, summary, {"summary": "两位代表已述职"})
    # a deputy no longer serving is still named
    act(app, "admin", people.set_active, "li", False)
    case_page = text_of(office.get(f"/cases/{case_id}"))
    assert "<h3>逐一述职和测评</h3>" in case_page
    assert table(case_page, "deputy_reports") == [DEPUTIES_HEAD, *DEPUTIES]
    assert not shown_as_stored(case_page, "deputy_reports")


# -- 部门工作评议 ----------------------------------------------------------------------------------
EVALUATIONS_HEAD = ["被评议单位", "平均得分", "满意率（%）", "评议结果", "整改次数"]
FINANCE_ROW = ["财政所", "85.0", "100.0", "满意", "0"]
CIVIL_ROW = ["民政办", "62.5", "50.0", "基本满意", "1"]


def evaluation_to_publish(app) -> int:
    """财政所 scored 90 and 80 (满意), no rectification; 民政办 scored 70 and 55, 基本满意, rectified
    once: the office has 通报评议结果 to do."""
    deploy(app, REPO_ROOT / "bpmn" / "department_evaluation.bpmn")
    start = {"evaluation_title": "2026年度部门工作评议"}
    case_id = act(app, "office1", cases.start_instance, "department_evaluation", start).id
    scheme = {
        "evaluated_units": ["finance", "civil_affairs"],
        "scheme_text": "听取汇报、代表打分",
        "scorers": ["wang", "li"],
    }
    do(app, "office1", case_id, "Task_Scheme", scheme)
    do(app, "chair", case_id, "Task_ApproveScheme", {"scheme_decision": "approve"})
    do(app, "finance1", case_id, "Task_SelfReport", {"self_report": "财政所自查"}, "财政所")
    do(app, "civil1", case_id, "Task_SelfReport", {"self_report": "民政办自查"}, "民政办")
    for unit, deputy, rating, score in (
        ("财政所", "wang", "满意", 90),
        ("财政所", "li", "基本满意", 80),
        ("民政办", "wang", "满意", 70),
        ("民政办", "li", "不满意", 55),
    ):
        do(app, deputy, case_id, "Task_Score", {"rating": rating, "score": score}, unit, mine=True)
    no_rectification = {"evaluation_result": "满意", "rectification_needed": "no"}
    do(app, "office1", case_id, "Task_Result", no_rectification, "财政所")
    rectify = {"evaluation_result": "基本满意", "rectification_needed": "yes", "rectification_requirements": "完善台账"}
    do(app, "office1", case_id, "Task_Result", rectify, "民政办")
    do(app, "civil1", case_id, "Task_Rectify", {"rectification_report": "台账已完善"}, "民政办")
    do(app, "office1", case_id, "Task_AcceptRectification", {"acceptance": "accepted"}, "民政办")
    return case_id


def test_the_evaluated_units_results_are_a_table_on_the_publication_task_and_the_case_page(app, as_user):
    case_id = evaluation_to_publish(app)
    publish = open_task(app, case_id, "Task_Publish")
    office = as_user("office1")
    task_page = text_of(office.get(f"/tasks/{publish}"))
    assert "<h2>逐单位评议</h2>" in task_page
    assert table(task_page, "unit_evaluations") == [EVALUATIONS_HEAD, FINANCE_ROW, CIVIL_ROW]

    act(app, "office1", tasks.complete, publish, {"publication": "已通报"})
    case_page = text_of(office.get(f"/cases/{case_id}"))
    assert "<h3>逐单位评议</h3>" in case_page
    assert table(case_page, "unit_evaluations") == [EVALUATIONS_HEAD, FINANCE_ROW, CIVIL_ROW]
    assert not shown_as_stored(case_page, "unit_evaluations")


def test_an_evaluated_unit_reads_its_own_row_alone(app, as_user):
    case_id = evaluation_to_publish(app)
    publish = open_task(app, case_id, "Task_Publish")
    finance = as_user("finance1")
    # the office's task is outside every round: the unit may open it, and reads its own result there
    task_page = text_of(finance.get(f"/tasks/{publish}"))
    assert table(task_page, "unit_evaluations") == [EVALUATIONS_HEAD, FINANCE_ROW]
    assert "民政办自查" not in task_page and "62.5" not in task_page
    assert table(text_of(finance.get(f"/cases/{case_id}")), "unit_evaluations") == [EVALUATIONS_HEAD, FINANCE_ROW]
    civil = as_user("civil1")
    assert table(text_of(civil.get(f"/tasks/{publish}")), "unit_evaluations") == [EVALUATIONS_HEAD, CIVIL_ROW]


# -- 单位定期报送 ----------------------------------------------------------------------------------
def test_a_rounds_monthly_and_thematic_reports_are_tables_on_the_case_page(app, as_user):
    """财政所's report accepted the day it was asked for; 民政办's sent after monthly_due (12-17,
    24:00), on 12-19; 财政所's thematic report heard on 12-19 too."""
    deploy(app, REPO_ROOT / "bpmn" / "unit_report.bpmn")
    case_id = act(app, "office1", cases.start_instance, "unit_report", {}).id
    notice = {
        "monthly_units": ["finance", "civil_affairs"],
        "thematic_units": ["finance"],
        "thematic_topics": "惠民资金",
    }
    do(app, "office1", case_id, "Task_Notify", notice)
    do(app, "finance1", case_id, "Task_SubmitMonthly", {"report_summary": "财政月报"}, "财政所")
    do(app, "office1", case_id, "Task_CheckMonthly", {"check_result": "ok"}, "财政所")
    do(app, "finance1", case_id, "Task_SubmitThematic", {"thematic_report": "惠民资金专题汇报"}, "财政所")
    clock.advance(timedelta(days=12))  # 2026-12-19 09:00
    do(app, "civil1", case_id, "Task_SubmitMonthly", {"report_summary": "民政月报"}, "民政办")
    clock.advance(timedelta(hours=1))
    do(app, "office1", case_id, "Task_CheckMonthly", {"check_result": "ok"}, "民政办")
    do(app, "chair", case_id, "Task_HearThematic", {"hearing_opinion": "资金发放及时"}, "财政所")

    page = text_of(as_user("office1").get(f"/cases/{case_id}"))
    assert "<h3>月度报表</h3>" in page and "<h3>专题汇报</h3>" in page
    assert table(page, "monthly_reports") == [
        ["报送单位", "报送时间", "审核通过时间", "按期报送"],
        ["财政所", "2026-12-07 09:00", "2026-12-07 09:00", "是"],
        ["民政办", "2026-12-19 09:00", "2026-12-19 10:00", "否"],
    ]
    assert table(page, "thematic_reports") == [
        ["汇报单位", "听取汇报时间", "审议意见"],
        ["财政所", "2026-12-19 10:00", "资金发放及时"],
    ]
    assert not shown_as_stored(page, "monthly_reports") and not shown_as_stored(page, "thematic_reports")


# -- 监督检查 -------------------------------------------------------------------------------------
def test_the_inspections_results_are_a_table_on_the_report_task(app, as_user):
    """The inspection's labels moved into its BPMN: the table the case page had (test_inspection_rounds)
    is on the office's 形成监督检查情况报告 too."""
    case_id, _done = inspection_under_way(app)
    do(app, "office1", case_id, "Task_AcceptRectification", {"acceptance": "accepted"})
    page = text_of(as_user("office1").get(f"/tasks/{open_task(app, case_id, 'Task_Report')}"))
    assert "<h2>逐单位监督检查</h2>" in page
    assert table(page, "unit_results") == [
        ["单位", "发现问题", "监查意见", "整改次数", "验收结论", "按期自查", "完成时间"],
        ["财政所", "否", "财政所未发现问题", "0", "", "是", "2026-12-07 09:00"],
        ["民政办", "是", "临时救助档案资料不全3户", "2", "整改到位，验收通过", "是", "2026-12-07 09:00"],
    ]
