"""A case's history (办理记录) names the round each entry of a multi-instance task was for, as
the case's steps do: 评议打分 · 财政所 and 评议打分 · 民政办, not 评议打分 twice; on the case page,
in its download, in the API and on the command line. The rounds' titles themselves:
tests/processes/test_round_titles.py, test_inspection.py, test_department_evaluation_rounds.py."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from engine.usecases import cases, tasks
from tests.conftest import REPO_ROOT
from tests.world import act, create_people, deploy

LIBRARY = REPO_ROOT / "bpmn"
UNITS = {"finance": "finance1", "civil_affairs": "civil1"}  # the units evaluated, and who reports for each


def complete_open(app, username: str, case_id: int, bpmn_id: str, data: dict, assignee: str | None = None) -> None:
    """Complete each of the case's open ``bpmn_id`` tasks (``assignee``'s, when given) as ``username``."""
    open_tasks = act(app, "office1", cases.instance_detail, case_id).open_tasks
    for task in [t for t in open_tasks if t.bpmn_id == bpmn_id and assignee in (None, t.assignee)]:
        act(app, username, tasks.complete, task.task_id, data)


def scored_evaluation(app) -> int:
    """An evaluation of finance (财政所) and civil affairs (民政办): wang scores them 95 and 55, li
    80 and 70, each unit's two scorers one after the other."""
    create_people(app, "wang", "li")
    deploy(app, LIBRARY / "department_evaluation.bpmn")
    case_id = act(
        app, "office1", cases.start_instance, "department_evaluation", {"evaluation_title": "2026年度部门工作评议"}
    ).id
    scheme = {"evaluated_units": list(UNITS), "scheme_text": "听取汇报、代表打分", "scorers": ["wang", "li"]}
    complete_open(app, "office1", case_id, "Task_Scheme", scheme)
    complete_open(app, "chair", case_id, "Task_ApproveScheme", {"scheme_decision": "approve"})
    for unit, officer in UNITS.items():
        open_tasks = act(app, officer, cases.instance_detail, case_id).open_tasks
        [report] = [t for t in open_tasks if t.bpmn_id == "Task_SelfReport" and t.candidate_groups == (unit,)]
        act(app, officer, tasks.complete, report.task_id, {"self_report": "自查报告"})
    marks = {
        ("wang", "评议打分 · 财政所"): {"rating": "满意", "score": 95},
        ("wang", "评议打分 · 民政办"): {"rating": "不满意", "score": 55},
        ("li", "评议打分 · 财政所"): {"rating": "基本满意", "score": 80},
        ("li", "评议打分 · 民政办"): {"rating": "基本满意", "score": 70},
    }
    for (deputy, title), mark in marks.items():
        open_tasks = act(app, deputy, cases.instance_detail, case_id).open_tasks
        [task] = [t for t in open_tasks if t.assignee == deputy and t.name == title]
        act(app, deputy, tasks.complete, task.task_id, mark)
    return case_id


def inspected(app) -> int:
    """An inspection of finance and civil affairs, both units' written notices sent."""
    deploy(app, LIBRARY / "inspection.bpmn")
    start = {"inspection_title": "2027年财政预算执行情况检查", "inspection_basis": "年度监督工作计划"}
    case_id = act(app, "office1", cases.start_instance, "inspection", start).id
    plan = {"topics": "预算执行", "units": list(UNITS), "selfcheck_deadline": "2099-12-20"}
    complete_open(app, "office1", case_id, "Task_Plan", plan)
    complete_open(app, "chair", case_id, "Task_ApprovePlan", {"plan_decision": "approve"})
    complete_open(app, "office1", case_id, "Task_Notice", {"notice_text": "请自查"})
    return case_id


def history_lines(html: str) -> list[str]:
    """Each entry of the page's history as text, its time aside: who, what, at which step, what it says."""
    history = html.split('id="history"', 1)[1].split("</ol>", 1)[0]
    history = re.sub(r'<div class="when">.*?</div>', "", history)  # the time aside
    return [" ".join(re.sub(r"<[^>]+>", " ", entry).split()) for entry in re.split(r"<li[^>]*>", history)[1:]]


def test_the_case_page_names_the_unit_each_score_was_for(app, as_user):
    case_id = scored_evaluation(app)
    lines = history_lines(as_user("office1").get(f"/cases/{case_id}").get_data(as_text=True))
    scores = [line for line in lines if "评议打分" in line]
    assert scores == [
        "wang 同志 办理完成 · 评议打分 · 财政所 评议等次：满意；得分：95",
        "wang 同志 办理完成 · 评议打分 · 民政办 评议等次：不满意；得分：55",
        "li 同志 办理完成 · 评议打分 · 财政所 评议等次：基本满意；得分：80",
        "li 同志 办理完成 · 评议打分 · 民政办 评议等次：基本满意；得分：70",
    ]
    # an entry of the whole case still names its element alone
    assert "office1 同志 发起 · 启动工作评议" in lines[0]


def test_the_history_download_names_the_unit_each_score_was_for(app, as_user):
    case_id = scored_evaluation(app)
    sheet = load_workbook(io.BytesIO(as_user("office1").get(f"/cases/{case_id}/history.xlsx").data)).active
    rows = [list(row)[1:4] for row in sheet.iter_rows(values_only=True)]  # who, what, which step
    assert [row for row in rows if str(row[2]).startswith("评议打分")] == [
        ["wang 同志", "办理完成", "评议打分 · 财政所"],
        ["wang 同志", "办理完成", "评议打分 · 民政办"],
        ["li 同志", "办理完成", "评议打分 · 财政所"],
        ["li 同志", "办理完成", "评议打分 · 民政办"],
    ]
    assert rows[1] == ["office1 同志", "发起", "启动工作评议"]


def test_the_evaluated_unit_reads_the_rounds_titles_but_no_score(app, as_user):
    """The titles name the unit scored, as the case's steps do: still no score for the unit."""
    case_id = scored_evaluation(app)
    lines = history_lines(as_user("finance1").get(f"/cases/{case_id}").get_data(as_text=True))
    scores = [line for line in lines if "评议打分" in line]
    assert scores[0] == "wang 同志 办理完成 · 评议打分 · 财政所 评议等次： 保密 ；得分： 保密 ；意见和建议： 保密"
    # its own round's two scorings: 民政办's round is not finance's to read
    assert len(scores) == 2 and not any("95" in line or "55" in line or "民政办" in line for line in scores)


def test_the_inspection_history_names_each_units_notice(app, as_user):
    case_id = inspected(app)
    lines = history_lines(as_user("office1").get(f"/cases/{case_id}").get_data(as_text=True))
    notices = [line for line in lines if "发出书面通知" in line]
    assert notices == [
        "office1 同志 办理完成 · 发出书面通知 · 财政所 通知内容：请自查",
        "office1 同志 办理完成 · 发出书面通知 · 民政办 通知内容：请自查",
    ]
    # and on a task's page: finance's self-check
    [check] = [
        t
        for t in act(app, "finance1", cases.instance_detail, case_id).open_tasks
        if t.bpmn_id == "Task_SelfCheck" and t.candidate_groups == ("finance",)
    ]
    task_page = as_user("finance1").get(f"/tasks/{check.task_id}").get_data(as_text=True)
    assert "office1 同志 办理完成 · 发出书面通知 · 财政所 通知内容：请自查" in history_lines(task_page)


def test_the_api_gives_each_entry_its_tasks_title(app, as_user):
    case_id = inspected(app)
    history = as_user("office1").get(f"/api/v1/instances/{case_id}").get_json()["history"]
    assert [(h["action"], h["bpmn_id"], h["task_name"]) for h in history] == [
        ("start", "Start_Inspection", None),
        ("complete", "Task_Plan", "制定监督检查计划"),
        ("complete", "Task_ApprovePlan", "审定检查计划"),
        ("complete", "Task_Notice", "发出书面通知 · 财政所"),
        ("complete", "Task_Notice", "发出书面通知 · 民政办"),
    ]


def test_the_command_line_history_names_each_units_notice(app):
    case_id = inspected(app)
    result = app.test_cli_runner().invoke(args=["instance", str(case_id), "--user", "office1"])
    assert result.exit_code == 0, result.output
    history = result.output.split("history:\n", 1)[1].splitlines()
    assert [line.split(None, 5)[4:] for line in history] == [  # the time and who aside
        ["start", "Start_Inspection"],
        ["complete", "Task_Plan  制定监督检查计划"],
        ["complete", "Task_ApprovePlan  审定检查计划"],
        ["complete", "Task_Notice  发出书面通知 · 财政所"],
        ["complete", "Task_Notice  发出书面通知 · 民政办"],
    ]


def test_the_case_page_keeps_each_open_rounds_values_to_its_tasks(app, as_user):
    """Both units at their result, each with its own tally: 案件信息 shows neither's as the case's."""
    case_id = scored_evaluation(app)
    client = as_user("office1")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    facts = page.split('id="variables"', 1)[1].split("</dl>", 1)[0]
    assert 'data-var="evaluated_units"' in facts and 'data-var="evaluation_title"' in facts
    assert 'data-var="average_score"' not in facts and 'data-var="evaluated_unit"' not in facts
    hint = page.split('id="round-local">', 1)[1].split("</p>", 1)[0]
    assert hint == (
        "各轮同时办理，每轮有自己的平均得分、被评议单位、各等次票数、满意率（%）、各代表得分（不记名，由高到低）："
        "见各轮的任务。"
    )  # both were scored by two deputies, without comments: those are alike, the case's
    client.get("/lang/en")
    english = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "The rounds run at the same time, each with its own 平均得分, 被评议单位, " in english


def test_the_audit_log_names_each_units_notice(app, as_user):
    """The log of every case (系统管理 → 审计日志, needing the export permission) names a task's
    step as the case's history does."""
    inspected(app)
    html = as_user("admin").get("/audit/?user=office1&action=complete").get_data(as_text=True)
    steps = re.findall(r'<td title="Task_Notice">([^<]*)</td>', html)
    assert sorted(steps) == ["发出书面通知 · 民政办", "发出书面通知 · 财政所"]
    assert '<td title="Task_Plan">制定监督检查计划</td>' in html  # a task of no round: its name
