"""The phone walk's (QA "mobile") smaller findings on the pages: the address a refused 督办
leaves in the browser opens the board, not 405; 我的建议's download says a re-handling as the
page does, without the first round's extension."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook

from tests.conftest import REPO_ROOT
from tests.web.conftest import text_of
from tests.web.test_my_proposals import assign, cell, do, register, reply, row_of
from tests.world import create_people, deploy


def test_the_address_a_refused_supervision_leaves_opens_the_board(app, as_user):
    """Reloaded or reopened later (GET), /board/supervise is the board as it was filtered."""
    client = as_user("supervisor")
    filtered = client.get("/board/supervise?unit=finance&sort=overdue")
    assert (filtered.status_code, filtered.headers["Location"]) == (303, "/board/?unit=finance&sort=overdue")
    bare = client.get("/board/supervise")
    assert (bare.status_code, bare.headers["Location"]) == (303, "/board/")
    assert client.get("/board/supervise?unit=finance", follow_redirects=True).status_code == 200


def test_my_proposals_download_says_a_re_handling_as_the_page_does(app, as_user, frozen_clock):
    """The clock starts on Monday 2026-12-07, 09:00 in Beijing. Assigned that day, the reply
    period is extended by a month (due 2027-04-07 24:00); replied, then 不满意 the same day: the
    re-handling is due in a month, 2027-01-07 24:00. That date is not the extended one."""
    create_people(app, "wang", "li")
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    case_id = register(app, "整治河道")
    assign(app, case_id, [])
    extend = {"handling_action": "extend", "extension_months": 1, "extension_reason": "需要列入预算"}
    do(app, "finance1", case_id, "Task_Reply", extend)
    approve = {"extension_decision": "approve", "extension_months_granted": 1}
    do(app, "office1", case_id, "Task_ApproveExtension", approve)
    reply(app, case_id, "B")
    do(app, "wang", case_id, "Task_Evaluate", {"evaluation": "不满意", "unsatisfied_reason": "未解决"})

    client = as_user("wang")
    row = row_of(text_of(client.get("/cases?deputy=1")), case_id)
    assert cell(row, "reply-due") == "2027-01-07 24:00 重新办理中"  # no 期限已延长
    sheet = load_workbook(io.BytesIO(client.get("/cases/export.xlsx?deputy=1").data)).active
    [header, line] = list(sheet.iter_rows(values_only=True))
    assert dict(zip(header, line, strict=True)) == {
        "案件编号": case_id,
        "编号": None,
        "标题": "整治河道",
        "主办单位": "财政所",
        "协办单位": None,
        "当前环节": "承办单位办理中（重新办理中）",
        "期限": None,
        "答复期限": datetime(2027, 1, 7),
        "期限已延长": "否",
        "逾期天数": None,
        "答复类别": "B 正在解决或列入计划逐步解决",
        "评价": "不满意",
    }

    # replied again: the deputy's evaluation, no re-handling said any more
    do(app, "finance1", case_id, "Task_Rehandle", {"reply_class": "A", "reply_text": "已解决"})
    [_header, line] = list(load_workbook(io.BytesIO(client.get("/cases/export.xlsx?deputy=1").data)).active.values)
    assert line[5] == "待您评价"


def test_the_addresses_the_case_and_task_forms_post_to_open_their_page(app, as_user):
    """A refused comment, upload, cancel, 督办 or message is said on the page at the address its
    form posted to; reloaded or reopened later (GET), that address is the case's or the task's
    page, not 405 (a case or task one may not see is still 404 there)."""
    client = as_user("office1")
    for action in ("comments", "attachments", "cancel", "supervisions", "trigger"):
        answer = client.get(f"/cases/7/{action}")
        assert (answer.status_code, answer.headers["Location"]) == (303, "/cases/7"), action
    for action in ("comments", "attachments"):
        answer = client.get(f"/tasks/abc-123/{action}")
        assert (answer.status_code, answer.headers["Location"]) == (303, "/tasks/abc-123"), action
