"""Every .xlsx download writes its days and moments as real date cells (Excel sorts and filters
them) in the reader's time zone, as the pages show them, a deadline at 24:00 as the date of its
last day; and people by name. The .csv of the same says them as the pages write them."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from openpyxl import load_workbook

from engine import clock
from engine.usecases import cases, tasks
from tests.world import act, start_review

NEW_YORK = "America/New_York"


def xlsx_rows(client, url: str) -> list[list]:
    """The rows of a download as openpyxl reads them: (value, number format) per cell."""
    sheet = load_workbook(io.BytesIO(client.get(url).data)).active
    return [[(c.value, c.number_format) for c in row] for row in sheet.iter_rows()]


def csv_rows(client, url: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(client.get(url).data.decode("utf-8-sig"))))


def overdue_reply(app):
    """A review case's reply for finance, due 2026-12-22 24:00 Beijing (16:00 UTC), now overdue."""
    case = start_review(app, "office1")  # 2026-12-07 01:00 UTC, 09:00 in Beijing
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    clock.advance(timedelta(days=16))
    return case


def test_the_board_writes_a_deadline_as_the_day_it_ends(app, as_user):
    overdue_reply(app)
    client = as_user("supervisor")
    rows = xlsx_rows(client, "/board/export.xlsx")
    assert rows[0][5][0] == "期限"
    # by the end of 2026-12-22: that day as a date, not the text "2026-12-22 24:00"
    assert rows[1][5] == (datetime(2026, 12, 22), "yyyy-mm-dd")
    assert rows[1][6] == (1, "General")  # days overdue: a number
    assert csv_rows(client, "/board/export.csv")[1][5] == "2026-12-22 24:00"  # as the board says it

    # a reader in New York: the same deadline is 11:00 of the 22nd there, as the board shows it
    client.post("/settings", data={"timezone": NEW_YORK})
    assert xlsx_rows(client, "/board/export.xlsx")[1][5] == (datetime(2026, 12, 22, 11, 0), "yyyy-mm-dd hh:mm")
    assert csv_rows(client, "/board/export.csv")[1][5] == "2026-12-22 11:00"


def test_the_case_list_writes_its_times_as_dates_and_its_starters_by_name(app, as_user):
    case = start_review(app, "office1", "甲事项")  # 2026-12-07 01:00 UTC
    clock.advance(timedelta(hours=16))  # 2026-12-07 17:00 UTC: the 8th already in Beijing
    act(app, "office1", cases.cancel_instance, case.id, "重复登记")
    client = as_user("office1")
    rows = xlsx_rows(client, "/cases/export.xlsx?q=甲")
    assert [v for v, _f in rows[0]] == [
        "案件编号",
        "编号",
        "案件",
        "流程",
        "状态",
        "发起人",
        "发起时间",
        "结束时间",
        "当前任务",
        "已逾期",
    ]
    assert rows[1][5] == ("office1 同志", "General")  # the display name, as the list shows it
    assert rows[1][6] == (datetime(2026, 12, 7, 9, 0), "yyyy-mm-dd hh:mm")
    assert rows[1][7] == (datetime(2026, 12, 8, 1, 0), "yyyy-mm-dd hh:mm")
    assert csv_rows(client, "/cases/export.csv?q=甲")[1][5:8] == [
        "office1 同志",
        "2026-12-07 09:00",
        "2026-12-08 01:00",
    ]

    client.post("/settings", data={"timezone": NEW_YORK})  # UTC-5 in December
    rows = xlsx_rows(client, "/cases/export.xlsx?q=甲")
    assert [rows[1][6][0], rows[1][7][0]] == [datetime(2026, 12, 6, 20, 0), datetime(2026, 12, 7, 12, 0)]


def test_a_running_case_has_no_end_time(app, as_user):
    start_review(app, "office1", "乙事项")
    rows = xlsx_rows(as_user("office1"), "/cases/export.xlsx?q=乙")
    assert rows[1][6] == (datetime(2026, 12, 7, 9, 0), "yyyy-mm-dd hh:mm") and rows[1][7][0] is None


def test_the_audit_log_and_a_case_history_write_their_times_as_dates_and_people_by_name(app, as_user):
    case = start_review(app, "office1", "关于修缮村道的意见")
    clock.advance(timedelta(minutes=30))
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    audit = xlsx_rows(as_user("supervisor"), "/audit/export.xlsx?user=office1")
    assert [v for v, _f in audit[0][:2]] == ["时间", "操作人"]
    assert sorted(tuple(row[:2]) for row in audit[1:]) == [
        ((datetime(2026, 12, 7, 9, 0), "yyyy-mm-dd hh:mm"), ("office1 同志", "General")),
        ((datetime(2026, 12, 7, 9, 30), "yyyy-mm-dd hh:mm"), ("office1 同志", "General")),
    ]
    history = xlsx_rows(as_user("office1"), f"/cases/{case.id}/history.xlsx")
    assert [row[0] for row in history[1:]] == [
        (datetime(2026, 12, 7, 9, 0), "yyyy-mm-dd hh:mm"),
        (datetime(2026, 12, 7, 9, 30), "yyyy-mm-dd hh:mm"),
    ]
