"""我的建议 while a proposal is re-assigned (退回，申请改办 → 审核退回申请 → 改办 → 整理分类并交办
again): the unit that returned it and its deadline are not said as the item's, until the new
交办 names the new ones; and a re-handling past its date is said late as a first reply is."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from engine import clock
from storage.models import WorkItem
from tests.conftest import REPO_ROOT
from tests.web.conftest import text_of
from tests.web.test_my_proposals import assign, cell, do, register, reply, row_of
from tests.world import create_people, deploy
from web import database

COLUMNS = ("lead-unit", "cohandling-units", "step", "reply-due")


def shown(client, case_id: int) -> tuple[dict[str, str], dict[str, object]]:
    """The proposal's row on 我的建议 (those columns) and in its download (by header)."""
    row = row_of(text_of(client.get("/cases?deputy=1")), case_id)
    sheet = load_workbook(io.BytesIO(client.get("/cases/export.xlsx?deputy=1").data)).active
    [header, *lines] = list(sheet.iter_rows(values_only=True))
    [line] = [line for line in lines if line[0] == case_id]
    return {name: cell(row, name) for name in COLUMNS}, dict(zip(header, line, strict=True))


def unit_columns(download: dict[str, object]) -> tuple[object, ...]:
    return tuple(download[h] for h in ("主办单位", "协办单位", "当前环节", "答复期限", "期限已延长", "逾期天数"))


def test_a_returned_proposal_is_said_re_assigned_until_the_new_assignment(app, as_user, frozen_clock):
    """The clock starts on Monday 2026-12-07, 09:00 in Beijing: assigned to 财政所 with 民政办,
    the reply due 2027-03-08 24:00. 财政所 returns it on 12-22; the office agrees (改办); the
    item waits at 整理分类并交办 past the old deadline, and is assigned to 国土所 on Tuesday
    2027-03-09: three months on is 2027-06-09, 端午节, so Thursday 06-10 24:00."""
    create_people(app, "wang", "li", "landy")
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    case_id = register(app, "修缮村道")
    assign(app, case_id, ["civil_affairs"])
    client = as_user("wang")
    page, download = shown(client, case_id)
    assert page == {
        "lead-unit": "财政所",
        "cohandling-units": "民政办",
        "step": "承办单位办理中",
        "reply-due": "2027-03-08 24:00",
    }

    clock.advance(timedelta(days=15))
    do(app, "finance1", case_id, "Task_Reply", {"handling_action": "return", "return_reason": "属国土所职责"})
    page, download = shown(client, case_id)
    assert page == {"lead-unit": "—", "cohandling-units": "—", "step": "申请改办中（待人大办审核）", "reply-due": "—"}
    assert unit_columns(download) == (None, None, "申请改办中（待人大办审核）", None, None, None)

    do(app, "office1", case_id, "Task_ReviewReturn", {"return_decision": "reassign", "return_opinion": "同意改办"})
    clock.advance(timedelta(days=77))  # 2027-03-09 09:00: the old deadline passed, nobody's now
    page, download = shown(client, case_id)
    assert page == {"lead-unit": "—", "cohandling-units": "—", "step": "改办中（待重新交办）", "reply-due": "—"}
    assert unit_columns(download) == (None, None, "改办中（待重新交办）", None, None, None)

    new = {"category": "construction", "lead_unit": "land", "cohandling_units": [], "assignment_note": "请办理"}
    do(app, "office1", case_id, "Task_Classify", new)
    page, download = shown(client, case_id)
    assert page == {
        "lead-unit": "国土所",
        "cohandling-units": "—",
        "step": "承办单位办理中",
        "reply-due": "2027-06-10 24:00",
    }
    assert unit_columns(download) == ("国土所", None, "承办单位办理中", datetime(2027, 6, 10), "否", None)


def test_a_re_handling_past_its_date_is_said_late(app, as_user, frozen_clock):
    """Assigned and replied on Monday 2026-12-07; 不满意 the same day opens the re-handling, due
    2027-01-07 24:00. On Saturday 2027-01-09 09:00 it is late by 2 days (01-08 the first)."""
    create_people(app, "wang", "li")
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    case_id = register(app, "修缮村道")
    assign(app, case_id, [])
    reply(app, case_id, "B")
    do(app, "wang", case_id, "Task_Evaluate", {"evaluation": "不满意", "unsatisfied_reason": "未解决"})
    client = as_user("wang")

    clock.advance(timedelta(days=31))  # 2027-01-07 09:00: due today, not late
    page, download = shown(client, case_id)
    assert page["reply-due"] == "2027-01-07 24:00 重新办理中"
    assert download["逾期天数"] is None

    clock.advance(timedelta(days=2))  # 2027-01-09 09:00
    html = text_of(client.get("/cases?deputy=1"))
    row = row_of(html, case_id)
    assert row.startswith('<tr class="overdue"')
    assert cell(row, "reply-due") == "2027-01-07 24:00 重新办理中 已逾期 2 天"
    _page, download = shown(client, case_id)
    assert (download["当前环节"], download["答复期限"], download["逾期天数"]) == (
        "承办单位办理中（重新办理中）",
        datetime(2027, 1, 7),
        2,
    )

    # replied again: with the deputy, late no more
    do(app, "finance1", case_id, "Task_Rehandle", {"reply_class": "A", "reply_text": "已解决"})
    page, download = shown(client, case_id)
    assert "已逾期" not in page["reply-due"] and download["逾期天数"] is None


def test_a_co_handling_task_withdrawn_by_the_re_assignment_reads_withdrawn(app, as_user, frozen_clock):
    """改办 ends the co-handling round the process opened for 民政办: its page and the case's
    steps say the process withdrew it (as its holder was told: 任务已撤回), not 已取消, which
    says a cancelled case's tasks."""
    create_people(app, "wang", "li")
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    case_id = register(app, "修缮村道")
    assign(app, case_id, ["civil_affairs"])
    with database.session_factory(app)() as s:
        [view_task] = s.scalars(
            select(WorkItem.task_id).where(WorkItem.instance_id == case_id, WorkItem.bpmn_id == "Task_CohandlingView")
        ).all()
    do(app, "finance1", case_id, "Task_Reply", {"handling_action": "return", "return_reason": "属国土所职责"})
    do(app, "office1", case_id, "Task_ReviewReturn", {"return_decision": "reassign", "return_opinion": "同意改办"})
    client = as_user("civil1")
    task_page = text_of(client.get(f"/tasks/{view_task}"))
    # what withdrew it, as 民政办 was told
    assert "<dd>已撤回（因「退回改办」，案件已按流程转入其他步骤）</dd>" in task_page and "已取消" not in task_page
    case_page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    rows = re.findall(r'<tr[^>]*data-bpmn-id="Task_CohandlingView".*?</tr>', case_page, re.S)
    assert len(rows) == 2  # its step, and its statutory deadline
    assert all("已撤回" in row and "已取消" not in row for row in rows), rows
