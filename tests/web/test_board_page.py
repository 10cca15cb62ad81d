"""督查台 in the browser's terms: the overdue task listed by unit, a 督办 issued from it and
seen by the holder on the task and the inbox, then answered; the board as .xlsx."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from engine import clock
from engine.usecases import people, tasks
from engine.usecases.context import SYSTEM
from tests.web.conftest import text_of
from tests.world import act, start_review
from web import database


def overdue_case(app):
    case = start_review(app, "office1")
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    clock.advance(timedelta(days=16))  # the reply was due 2026-12-22 24:00; now 12-23 09:00
    return case


def test_a_supervisor_issues_a_supervision_from_the_board_and_the_holder_sees_it(app, as_user):
    case = overdue_case(app)
    client = as_user("supervisor")
    board = text_of(client.get("/board/"))
    assert 'data-unit="finance"' in board and "逾期 1" in board
    row = board.split('<tr class="overdue" data-task-id="', 1)[1].split("</tr>", 1)[0]
    task_id = row.split('"', 1)[0]
    assert "答复" in row and "2026-12-22 24:00" in row
    response = client.post(
        "/board/supervise",
        data={"instance_id": case.id, "task_id": task_id, "opinion": "请今日内答复", "respond_by": "2026-12-24"},
    )
    assert response.status_code == 302
    board = text_of(client.get("/board/"))
    assert "督办 1" in board and "请今日内答复" in board.split('id="open-supervisions"', 1)[1]
    assert "<td>supervisor 同志 · " in board.split('id="open-supervisions"', 1)[1]  # who issued it, by name

    holder = as_user("finance1")
    page = text_of(holder.get(f"/tasks/{task_id}"))
    assert 'id="supervised-badge"' in page and "请今日内答复" in page and "请于 2026-12-24 24:00 前回复" in page
    inbox = text_of(holder.get("/?tab=group"))
    assert "supervised" in inbox.split(f'data-task-id="{task_id}"', 1)[1].split("</tr>", 1)[0]
    holder.post(f"/tasks/{task_id}", data={"action": "complete", "reply_class": "A", "pages": "1"})
    case_page = text_of(as_user("supervisor").get(f"/cases/{case.id}"))
    assert 'data-state="responded"' in case_page.split('id="supervisions"', 1)[1]


def test_a_supervision_without_an_opinion_is_said_not_stored(app, as_user):
    case = overdue_case(app)
    client = as_user("supervisor")
    response = client.post("/board/supervise", data={"instance_id": case.id, "opinion": " "}, follow_redirects=True)
    assert "督办未发出" in text_of(response)
    assert "未办结的督办" in text_of(response) and "没有未办结的督办" in text_of(client.get("/board/"))


def test_the_board_and_the_inbox_name_who_holds_each_task(app, as_user):
    overdue_case(app)
    client = as_user("supervisor")

    def holder_on_board() -> str:
        return text_of(client.get("/board/")).split('<td class="holder">', 1)[1].split("</td>", 1)[0]

    def holder_in_download() -> str:
        return list(load_workbook(io.BytesIO(client.get("/board/export.xlsx").data)).active.values)[1][4]

    assert holder_on_board() == holder_in_download() == "财政所"  # offered to the unit: its name, not its code
    task_id = text_of(client.get("/board/")).split('<tr class="overdue" data-task-id="', 1)[1].split('"', 1)[0]
    act(app, "finance1", tasks.claim, task_id)
    assert holder_on_board() == holder_in_download() == "finance1 同志"  # claimed: the person's name
    inbox_row = text_of(client.get("/?tab=all")).split(f'data-task-id="{task_id}"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="holder" data-label="办理人 / 单位">finance1 同志</td>' in inbox_row


def test_the_board_downloads_and_is_closed_to_officers(app, as_user):
    overdue_case(app)
    client = as_user("supervisor")
    sheet = load_workbook(io.BytesIO(client.get("/board/export.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("任务", "案件", "流程") and rows[1][0] == "答复" and rows[1][6] == 1
    assert as_user("office1").get("/board/").status_code == 403
    assert as_user("finance1").post("/board/supervise", data={"instance_id": 1, "opinion": "x"}).status_code == 403


def test_the_printable_supervision_notice(app, as_user):
    case = overdue_case(app)
    client = as_user("supervisor")
    task_id = text_of(client.get("/board/")).split('<tr class="overdue" data-task-id="', 1)[1].split('"', 1)[0]
    client.post(
        "/board/supervise",
        data={"instance_id": case.id, "task_id": task_id, "opinion": "请今日内答复", "respond_by": "2026-12-24"},
    )
    link = text_of(client.get(f"/cases/{case.id}")).split('href="/board/supervisions/', 1)[1].split('"', 1)[0]
    html = text_of(client.get(f"/board/supervisions/{link}"))
    assert "督办通知书" in html and "财政所：" in html and "督办〔2026〕第 1 号" in html
    assert "（答复，期限 2026-12-22 24:00）" in html and "请于 2026-12-24 24:00 前办理完毕并回复。" in html
    assert 'media="print"' in html
    assert as_user("civil1").get(f"/board/supervisions/{link}").status_code == 404  # not a case of theirs


def test_a_task_offered_to_a_role_is_named_by_the_role_in_the_readers_language(app, as_user):
    case = start_review(app, "office1")
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "supervisor"})  # a role, not a unit
    clock.advance(timedelta(days=16))
    client = as_user("supervisor")
    board = text_of(client.get("/board/"))
    row = board.split('<tr class="overdue" data-task-id="', 1)[1].split("</tr>", 1)[0]
    assert "<td>督查</td>" in row and '<td class="holder">督查</td>' in row
    assert '<li data-unit="supervisor"><a href="/board/?unit=supervisor">督查</a>' in board
    client.get("/lang/en")
    english = text_of(client.get("/board/"))
    row = english.split('<tr class="overdue" data-task-id="', 1)[1].split("</tr>", 1)[0]
    assert "<td>Supervisor</td>" in row and '<td class="holder">Supervisor</td>' in row
    sheet = client.get("/board/export.csv").get_data(as_text=True)
    assert sheet.splitlines()[1].split(",")[3:5] == ["Supervisor", "Supervisor"]


def test_an_escalation_to_a_unit_without_a_head_warns_the_supervisor_and_claims_no_report(app, as_user):
    """同时报告单位负责人 on a unit the roster names no 负责人 for: the 督办 goes out (the holder is
    told, and the rest of the unit in the head's stead), the supervisor is warned that no head
    was reported to, why and whom it told instead, and neither the task page, the case page nor
    the printed notice says 已报告单位负责人. With a head named, they do."""
    case = overdue_case(app)
    client = as_user("supervisor")
    task_id = text_of(client.get("/board/")).split('<tr class="overdue" data-task-id="', 1)[1].split('"', 1)[0]
    escalated = {"instance_id": case.id, "task_id": task_id, "opinion": "请单位负责人过问", "escalate": "1"}
    answer = text_of(client.post("/board/supervise", data=escalated, follow_redirects=True))
    assert (
        '<div class="flash warning" role="status">已发出督办，但未报告单位负责人：财政所未设负责人。'
        "该单位也没有其他在用人员可通知。请管理员在“系统管理 → 单位”中设置负责人。</div>"
    ) in answer  # finance1 and finance2 both hold the unclaimed task already
    assert "已发出督办。" not in answer
    for page in (client.get(f"/tasks/{task_id}"), client.get(f"/cases/{case.id}")):
        assert "请单位负责人过问" in text_of(page) and "已报告单位负责人" not in text_of(page)
    link = text_of(client.get(f"/cases/{case.id}")).split('href="/board/supervisions/', 1)[1].split('"', 1)[0]
    assert "同时报送单位负责人" not in text_of(client.get(f"/board/supervisions/{link}"))
    assert "请单位负责人过问" in text_of(as_user("finance1").get("/notifications"))  # the holder was told

    act(app, "finance1", tasks.claim, task_id)  # now finance2 would hear of it only as the unit
    answer = text_of(as_user("supervisor").post("/board/supervise", data=escalated, follow_redirects=True))
    assert "财政所未设负责人。督办已改为通知该单位其他 1 人。请管理员" in answer

    with database.session_factory(app).begin() as s:  # the roster names finance2 the head of 财政所
        people.save_department(s, SYSTEM, "finance", "财政所", head="finance2")
    client = as_user("supervisor")
    answer = text_of(client.post("/board/supervise", data=escalated, follow_redirects=True))
    assert '<div class="flash success" role="status">已发出督办。</div>' in answer
    assert text_of(client.get(f"/tasks/{task_id}")).count("已报告单位负责人") == 1  # the third 督办 only


def test_a_case_level_escalation_says_it_reached_no_head(app, as_user):
    case = overdue_case(app)
    client = as_user("supervisor")
    whole = {"instance_id": case.id, "task_id": "", "opinion": "整体催办", "escalate": "1"}
    answer = text_of(client.post("/board/supervise", data=whole, follow_redirects=True))
    assert "已发出督办，但未报告单位负责人：督办整个案件时无单位可报告" in answer
