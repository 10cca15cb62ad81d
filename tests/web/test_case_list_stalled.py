"""The case list's 当前任务 of a running case with nothing ready and nothing it waits for (stalled:
a parallel join waiting for a branch that ended elsewhere) says that no step is in progress,
not "0 项"; and the list's download says 当前任务 as the page does: the ready tasks counted,
else what the case waits for, else that no step is in progress.

stuck_join: 发函, then a join that never completes. external_task: 发送短信通知, an external task."""

from __future__ import annotations

import csv
import html
import io

from openpyxl import load_workbook

from engine.usecases import cases, tasks
from tests.world import act

from .conftest import text_of
from .test_case_list import at_reply, row_of
from .test_case_list_waiting import started, tasks_cell


def stalled(app) -> int:
    case_id = started(app, "stuck_join")
    [send] = act(app, "office1", cases.case_page, case_id).detail.open_tasks
    act(app, "office1", tasks.complete, send.task_id, {})
    return case_id


def test_a_stalled_case_says_no_step_is_in_progress(app, as_user):
    case_id = stalled(app)
    client = as_user("office1")
    page = text_of(client.get("/cases"))
    assert tasks_cell(page, case_id) == "无进行中的环节"
    assert "data-waiting" not in row_of(page, case_id)
    client.get("/lang/en")
    assert tasks_cell(html.unescape(text_of(client.get("/cases"))), case_id) == "No current step"


def test_the_download_says_the_current_tasks_as_the_list_does(app, as_user):
    stuck = stalled(app)
    waiting = started(app, "external_task", subject="开会通知")
    review = at_reply(app, "office", "关于修缮村道的意见")
    ended = started(app, "external_task", subject="不发的通知")
    act(app, "office1", cases.cancel_instance, ended, "不发了")
    client = as_user("office1")
    page = text_of(client.get("/cases"))
    on_page = {case_id: tasks_cell(page, case_id) for case_id in (stuck, waiting, review, ended)}
    assert on_page == {stuck: "无进行中的环节", waiting: "等待外部系统处理", review: "1 项", ended: "—"}

    sheet = load_workbook(io.BytesIO(client.get("/cases/export.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][8:] == ("当前任务", "已逾期")
    # a number where the list counts tasks (to sum and sort by), its words where it says them
    assert {r[0]: r[8:] for r in rows[1:]} == {
        stuck: ("无进行中的环节", 0),
        waiting: ("等待外部系统处理", 0),
        review: (1, 0),
        ended: (None, None),
    }
    lines = list(csv.reader(io.StringIO(client.get("/cases/export.csv").data.decode("utf-8-sig"))))
    assert {int(line[0]): line[8:] for line in lines[1:]} == {
        stuck: ["无进行中的环节", "0"],
        waiting: ["等待外部系统处理", "0"],
        review: ["1", "0"],
        ended: ["", ""],
    }


def test_the_download_says_what_a_case_waits_for_in_english(app, as_user):
    either = started(app, "event_gateway_timer")  # a reply message, or two hours
    client = as_user("office1")
    client.get("/lang/en")
    lines = list(csv.reader(io.StringIO(client.get("/cases/export.csv").data.decode("utf-8-sig"))))
    assert lines[0][8] == "Current tasks"
    [row] = [line for line in lines[1:] if int(line[0]) == either]
    assert row[8] == tasks_cell(html.unescape(text_of(client.get("/cases"))), either)
    assert row[8] == "Waiting for a message and a timer"
