"""A 督办 on the case as a whole that still stands reaches the tasks a unit takes up later
(``supervision.reach_opened``): the case's history says so, one entry for each task it
reached, by the system, at that task, naming the unit and the 督办's opinion; on the case
page in Chinese and in English, and in the audit log as 督办延及新任务."""

from __future__ import annotations

import csv
import html
import io

from flask_babel import force_locale

from engine.usecases import supervision, tasks
from tests.web.test_history_rounds import history_lines
from tests.web.test_history_text import WORDS, entry
from tests.web.test_supervision_on_arrival import open_task
from tests.world import act, start_proposal
from web.history_text import details, plain

OPINION = "请尽快交办并答复代表"


def assigned_under_a_supervision(app) -> int:
    """A proposal put under a 督办 on the case as a whole while the office sorts it (no unit
    holds a task), then assigned to 财政所 with 民政办 co-handling."""
    case_id = start_proposal(app)
    act(app, "supervisor", supervision.issue, case_id, None, OPINION, None)
    classify = {
        "category": "construction",
        "lead_unit": "finance",
        "cohandling_units": ["civil_affairs"],
        "assignment_note": "请办理",
    }
    act(app, "office1", tasks.complete, open_task(app, case_id, "Task_Classify"), classify)
    return case_id


def test_the_history_says_the_supervision_reached_each_new_task(app, as_user):
    case_id = assigned_under_a_supervision(app)
    client = as_user("office1")
    lines = history_lines(client.get(f"/cases/{case_id}").get_data(as_text=True))
    assert [line for line in lines if "督办延及新任务" in line] == [
        f"系统 督办延及新任务 · 办理并书面答复 财政所：{OPINION}",
        # (a co-handling unit's round names its unit in the step already)
        f"系统 督办延及新任务 · 向主办单位提出协办意见 · 民政办 民政办：{OPINION}",
    ]

    client.get("/lang/en")
    lines = history_lines(html.unescape(client.get(f"/cases/{case_id}").get_data(as_text=True)))
    reached = [line for line in lines if "Supervision notice extended to a new task" in line]
    assert reached == [
        f"System Supervision notice extended to a new task · 办理并书面答复 财政所: {OPINION}",
        f"System Supervision notice extended to a new task · 向主办单位提出协办意见 · 民政办 民政办: {OPINION}",
    ]


def test_the_deputy_reads_it_too(app, as_user):
    """The deputy, who reads no working data, reads what each reach says, as the 督办's own entry."""
    case_id = assigned_under_a_supervision(app)
    lines = history_lines(as_user("deputy").get(f"/cases/{case_id}").get_data(as_text=True))
    assert f"系统 督办延及新任务 · 办理并书面答复 财政所：{OPINION}" in lines


def test_the_audit_log_lists_each_reach(app, as_user):
    case_id = assigned_under_a_supervision(app)
    client = as_user("supervisor")
    export = client.get("/audit/export.csv?action=supervise_reached").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(export)))[1:]
    assert sorted((row[1], row[2], row[3], row[5]) for row in rows) == [
        ("系统", "督办延及新任务", str(case_id), "办理并书面答复"),
        ("系统", "督办延及新任务", str(case_id), "向主办单位提出协办意见 · 民政办"),
    ]


def test_a_reach_that_told_the_units_head_says_so(app):
    """One issued escalated tells the head of a unit it reaches for the first time."""
    reached = entry("supervise_reached", {"opinion": OPINION, "unit": "finance", "escalated": True}, actor="system")
    with app.test_request_context():
        assert plain(details(reached, WORDS)) == f"财政所：{OPINION}；已报告单位负责人"
        with force_locale("en"):
            assert plain(details(reached, WORDS)) == f"财政所: {OPINION}; Reported to the unit's head"
