"""The audit log by person and action, the case list and a case's history as downloads:
what the reader may see only, confidential values masked."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from engine import clock
from engine.usecases import cases, tasks
from tests.web.conftest import text_of
from tests.world import act, start_petition, start_review


def test_the_audit_log_by_person_and_action(app, as_user):
    case = start_review(app, "office1", "关于修缮村道的意见")
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    client = as_user("supervisor")
    html = text_of(client.get("/audit/?user=office1"))
    rows = html.split('id="audit"', 1)[1]
    assert rows.count("<tr data-entry=") == 2  # office1 started the case and completed the registration
    # actions by name, their codes on hover; the filter's choices by name too
    assert (
        "关于修缮村道的意见" in rows
        and '<td title="complete">办理完成</td>' in rows
        and '<td title="start">发起</td>' in rows
    )
    assert '<option value="complete" >办理完成</option>' in html
    # who by name, the step by its name in the case's process (their codes on hover)
    assert '<td title="office1">office1 同志</td>' in rows and '<td title="register">登记</td>' in rows
    only = text_of(client.get("/audit/?user=office1&action=complete")).split('id="audit"', 1)[1]
    assert only.count("<tr data-entry=") == 1
    lines = list(csv.reader(io.StringIO(client.get("/audit/export.csv?user=office1").data.decode("utf-8-sig"))))
    assert lines[0] == ["时间", "操作人", "操作", "案件编号", "案件", "环节", "内容", "来源地址"] and len(lines) == 3
    assert sorted((line[1], line[2], line[5]) for line in lines[1:]) == [  # who by name, as on the page
        ("office1 同志", "办理完成", "登记"),
        ("office1 同志", "发起", "收到意见"),
    ]
    assert as_user("office1").get("/audit/").status_code == 403


def test_an_audit_period_past_the_accepted_years_is_said_not_failed(app, as_user):
    for path in ("/audit/", "/audit/export.csv"):
        response = as_user("supervisor").get(f"{path}?from=0001-01-01&to=9999-12-31")
        assert response.status_code == 422, path
        assert "日期应在 1900-01-01 至 2099-12-31 之间" in text_of(response)


def test_the_case_list_downloads_as_filtered(app, as_user):
    act(app, "office1", cases.start_instance, "review", {"subject": "甲事项"}, business_key="2026-审-007")
    start_review(app, "office1", "乙事项")
    client = as_user("office1")
    sheet = load_workbook(io.BytesIO(client.get("/cases/export.xlsx?q=甲").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    headers = ("案件编号", "编号", "案件", "流程", "状态", "发起人", "发起时间", "结束时间", "当前任务", "已逾期")
    assert rows[0] == headers
    assert [r[1:3] for r in rows[1:]] == [("2026-审-007", "甲事项")] and rows[1][4] == "办理中"
    assert 'id="cases-xlsx"' in text_of(client.get("/cases"))


def test_the_case_list_download_has_the_open_tasks_column(app, as_user):
    late = start_review(app, "office1", "甲事项")
    act(app, "office1", tasks.complete, late.task_id, {"lead_unit": "finance"})  # 答复 due 2026-12-22 24:00
    start_review(app, "office1", "乙事项")  # 登记, no due date
    closed = start_petition(app, "office1")
    act(app, "finance1", tasks.complete, closed.task_id, {"answer": "已答复"})  # the case closes
    clock.advance(timedelta(days=20))  # 2026-12-27: the reply is overdue
    client = as_user("office1")
    html = text_of(client.get("/cases"))
    assert "2 项已逾期" not in html and "1 项已逾期" in html  # what the list shows, the download has
    sheet = load_workbook(io.BytesIO(client.get("/cases/export.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][8:] == ("当前任务", "已逾期")
    # open tasks and, of them, the overdue, as numbers; nothing for a case no longer running
    assert {r[2]: (r[4], r[8], r[9]) for r in rows[1:]} == {
        "甲事项": ("办理中", 1, 1),
        "乙事项": ("办理中", 1, 0),
        "反映低保评定问题": ("已办结", None, None),
    }
    lines = list(csv.reader(io.StringIO(client.get("/cases/export.csv").data.decode("utf-8-sig"))))
    assert lines[0][8:] == ["当前任务", "已逾期"]
    assert sorted(line[8:] for line in lines[1:]) == [["", ""], ["1", "0"], ["1", "1"]]


def test_a_case_history_download_masks_the_petitioner(app, as_user):
    case = start_petition(app, "office1")  # the petitioner 张三丰, 13900001111 (confidential)
    assert as_user("finance1").get(f"/cases/{case.id}/history.csv").status_code == 200
    text = as_user("finance1").get(f"/cases/{case.id}/history.csv").data.decode("utf-8-sig")
    assert "张三丰" not in text and "13900001111" not in text
    assert "来信人姓名：******（保密）；联系电话：******（保密）" in text  # said masked, as on the page
    assert as_user("civil1").get(f"/cases/{case.id}/history.csv").status_code == 404  # not a case of theirs


def test_a_case_history_downloads_in_the_words_of_the_case_page(app, as_user):
    case = start_review(app, "office1")
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance", "urgent": True})
    reply = text_of(as_user("finance1").get(f"/cases/{case.id}")).split('href="/tasks/', 1)[1].split('"', 1)[0]
    act(app, "finance1", tasks.claim, reply)
    act(app, "finance1", tasks.hand_over, reply, "finance2", "请你办理")
    sheet = load_workbook(io.BytesIO(as_user("office1").get(f"/cases/{case.id}/history.xlsx").data)).active
    rows = [list(row)[1:] for row in sheet.iter_rows(values_only=True)]  # the time aside
    # people, actions, steps, fields and chosen values by name, not code
    assert rows == [
        ["操作人", "操作", "环节", "内容"],
        ["office1 同志", "发起", "收到意见", "标题：关于修缮村道的意见；审核人：chair；轮次：0"],  # the form's order
        ["office1 同志", "办理完成", "登记", "主办单位：财政所；紧急：是"],
        ["finance1 同志", "签收", "答复", None],
        ["finance1 同志", "转交", "答复", "→ finance2 同志：请你办理"],
    ]
