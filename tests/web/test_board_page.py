"""督查台 in the browser's terms: the overdue task listed by unit, a 督办 issued from it and
seen by the holder on the task and the inbox, then answered; the board as .xlsx."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import update

from engine import clock
from engine.usecases import cases, people, supervision, tasks
from engine.usecases.context import SYSTEM
from storage.models import User
from tests.conftest import REPO_ROOT
from tests.web.conftest import text_of
from tests.world import act, create_people, deploy, start_review
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
    assert '<td data-label="发出">supervisor 同志 · ' in board.split('id="open-supervisions"', 1)[1]  # by name

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
        holder = text_of(client.get("/board/")).split('<td class="holder" data-label="办理人">', 1)[1]
        return holder.split("</td>", 1)[0]

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
    # what the case is, then its title (not the process's name before the title, as it read)
    said = "你单位承办的意见办理（测试）事项“关于修缮村道的意见”（“答复”环节，期限 2026-12-22 24:00），现予督办。"
    assert said in html
    assert "请于 2026-12-24 24:00 前办理完毕并回复。" in html
    assert "<strong>督办意见：</strong>请今日内答复" in html
    assert "乡镇人大办公室（盖章）<br>2026年12月23日</p>" in html  # dated in words, as a notice is
    assert 'media="print"' in html
    assert as_user("civil1").get(f"/board/supervisions/{link}").status_code == 404  # not a case of theirs


def test_a_task_offered_to_a_role_is_named_by_the_role_in_the_readers_language(app, as_user):
    case = start_review(app, "office1")
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "supervisor"})  # a role, not a unit
    clock.advance(timedelta(days=16))
    client = as_user("supervisor")
    board = text_of(client.get("/board/"))
    row = board.split('<tr class="overdue" data-task-id="', 1)[1].split("</tr>", 1)[0]
    assert '<td class="unit" data-label="单位">督查</td>' in row
    assert '<td class="holder" data-label="办理人">督查</td>' in row
    assert '<li data-unit="supervisor"><a href="/board/?unit=supervisor">督查</a>' in board
    client.get("/lang/en")
    english = text_of(client.get("/board/"))
    row = english.split('<tr class="overdue" data-task-id="', 1)[1].split("</tr>", 1)[0]
    assert '<td class="unit" data-label="Unit">Supervisor</td>' in row
    assert '<td class="holder" data-label="Assignee">Supervisor</td>' in row
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
        '<div class="flash warning" role="alert" id="flash-said" tabindex="-1" autofocus>'
        "已发出督办，但未报告单位负责人：财政所未设负责人。"
        "该单位 2 名在用人员已作为办理人收到督办，没有其他人可改为通知。"
        "请管理员在“系统管理 → 单位”中设置负责人。</div>"
    ) in answer  # finance1 and finance2 both hold the unclaimed task, and were told as its holders
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
    assert (
        '<div class="flash success" role="status" id="flash-said" tabindex="-1" autofocus>已发出督办。</div>' in answer
    )
    assert text_of(client.get(f"/tasks/{task_id}")).count("已报告单位负责人") == 1  # the third 督办 only


def test_an_escalation_on_the_heads_own_task_says_so_and_whom_it_told_instead(app, as_user):
    """The head of 财政所 claimed the task himself: the supervisor reads that the head is its
    holder and that the rest of the unit was told instead, with no call to name a head."""
    case = overdue_case(app)
    with database.session_factory(app).begin() as s:
        people.save_department(s, SYSTEM, "finance", "财政所", head="finance2")
    client = as_user("supervisor")
    task_id = text_of(client.get("/board/")).split('<tr class="overdue" data-task-id="', 1)[1].split('"', 1)[0]
    act(app, "finance2", tasks.claim, task_id)
    escalated = {"instance_id": case.id, "task_id": task_id, "opinion": "请单位负责人过问", "escalate": "1"}
    answer = text_of(client.post("/board/supervise", data=escalated, follow_redirects=True))
    assert (
        '<div class="flash warning" role="alert" id="flash-said" tabindex="-1" autofocus>'
        "已发出督办，但未报告单位负责人："
        "财政所的负责人finance2 同志已亲自签收该任务。督办已改为通知该单位其他 1 人。</div>"
    ) in answer  # finance1
    assert "已报告单位负责人" not in text_of(client.get(f"/tasks/{task_id}"))


def test_an_escalation_on_a_unit_with_nobody_active_says_nobody_of_it_was_told(app, as_user):
    case = overdue_case(app)
    with database.session_factory(app).begin() as s:
        s.execute(update(User).where(User.username.in_(["finance1", "finance2"])).values(active=False))
    client = as_user("supervisor")
    task_id = text_of(client.get("/board/")).split('<tr class="overdue" data-task-id="', 1)[1].split('"', 1)[0]
    escalated = {"instance_id": case.id, "task_id": task_id, "opinion": "请单位负责人过问", "escalate": "1"}
    answer = text_of(client.post("/board/supervise", data=escalated, follow_redirects=True))
    assert "财政所未设负责人。该单位也没有其他在用人员可通知。请管理员" in answer


def test_a_case_level_escalation_says_it_reached_no_head(app, as_user):
    """Addressed to 财政所, which holds the case's reply: what an escalation on that task says."""
    case = overdue_case(app)
    client = as_user("supervisor")
    whole = {"instance_id": case.id, "task_id": "", "opinion": "整体催办", "escalate": "1"}
    answer = text_of(client.post("/board/supervise", data=whole, follow_redirects=True))
    assert "已发出督办，但未报告单位负责人：财政所未设负责人。" in answer


def test_a_refused_supervision_on_the_board_comes_back_open_with_what_was_typed(app, as_user):
    """A date to answer by already past: the board, as it was filtered, says why at the top and
    beside the date, the row's 督办 form open with the opinion, the date and the escalation as
    typed (422); nothing is issued."""
    overdue_case(app)  # today is 2026-12-23
    client = as_user("supervisor")
    task_id = text_of(client.get("/board/?unit=finance")).split('data-task-id="', 1)[1].split('"', 1)[0]
    typed = {"task_id": task_id, "opinion": "请本周内书面答复", "respond_by": "2026-12-01", "escalate": "1"}
    case_id = act(app, "supervisor", supervision.board).rows[0].instance_id
    response = client.post("/board/supervise?unit=finance", data={"instance_id": case_id, **typed})
    assert response.status_code == 422
    page = text_of(response)
    assert (
        '<div class="flash error" role="alert" id="supervise-refused">'
        "督办未发出：回复期限：日期应在 2026-12-23 至 2099-12-31 之间</div>"
    ) in page
    assert '<option value="finance" selected>财政所</option>' in page  # the board as it was filtered
    row = page.split(f'data-task-id="{task_id}"', 1)[1].split("</tr>", 1)[0]
    assert '<details class="supervise" open>' in row
    assert 'action="/board/supervise?unit=finance"' in row
    assert ">请本周内书面答复</textarea>" in row
    at = f"supervise-{task_id}-respond_by"
    assert f'id="{at}" value="2026-12-01" aria-invalid="true" aria-describedby="{at}-error" autofocus>' in row
    assert f'<p class="field-error" id="{at}-error" role="alert">日期应在 2026-12-23 至 2099-12-31 之间</p>' in row
    assert 'name="escalate" value="1" checked>' in row
    assert "没有未办结的督办" in page and "督办 1" not in page  # nothing issued

    # put right, it goes out and the board comes back as it was filtered
    issued = client.post(
        "/board/supervise?unit=finance", data={"instance_id": case_id, **typed, "respond_by": "2026-12-24"}
    )
    assert (issued.status_code, issued.headers["Location"]) == (302, "/board/?unit=finance")


def test_a_refused_supervision_on_the_case_page_comes_back_open_with_what_was_typed(app, as_user):
    """The case page's 督办 form: refused (no opinion), the page itself says so, the form open
    with the task chosen and the date as typed, why beside the opinion (422)."""
    case = overdue_case(app)
    client = as_user("supervisor")
    task_id = act(app, "supervisor", supervision.board).rows[0].task_id
    typed = {"task_id": task_id, "opinion": " ", "respond_by": "2026-12-30"}
    response = client.post(f"/cases/{case.id}/supervisions", data=typed)
    assert response.status_code == 422
    page = text_of(response)
    assert '<div class="flash error" role="alert" id="supervise-refused">督办未发出：督办意见：必填</div>' in page
    section = page.split('id="supervisions"', 1)[1].split("</section>", 1)[0]
    assert "<details open><summary>发出督办</summary>" in section
    assert f'<option value="{task_id}" selected>答复</option>' in section
    assert '<option value="" >整个案件</option>' in section
    assert 'id="supervise-case-respond_by" value="2026-12-30">' in section
    assert '<p class="field-error" id="supervise-case-opinion-error" role="alert">必填</p>' in section
    assert 'aria-invalid="true" aria-describedby="supervise-case-opinion-error" autofocus> </textarea>' in section
    assert "尚无督办" in section

    issued = client.post(f"/cases/{case.id}/supervisions", data={**typed, "opinion": "请尽快答复"})
    assert (issued.status_code, issued.headers["Location"]) == (302, f"/cases/{case.id}#supervisions")


def test_the_case_page_names_who_issued_a_supervision_by_name(app, as_user):
    case = overdue_case(app)
    task_id = act(app, "supervisor", supervision.board).rows[0].task_id
    act(app, "supervisor", supervision.issue, case.id, task_id, "请尽快答复", None)
    page = text_of(as_user("office1").get(f"/cases/{case.id}"))
    issued = page.split('id="supervisions"', 1)[1].split("</li>", 1)[0]
    assert '<span title="supervisor">supervisor 同志</span> · ' in issued  # as the task page and the board say


def proposals_on_the_board(app):
    """Two proposals whose replies (finance) are due within three days: deputy's on 城乡建设,
    wang's (李建国) on 教育."""
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    create_people(app, "wang")
    with database.session_factory(app).begin() as s:
        s.execute(update(User).where(User.username == "wang").values(display_name="李建国"))
    for deputy, title, category in (("deputy", "修缮村道", "construction"), ("wang", "增设校车", "education")):
        case = act(
            app,
            "office1",
            cases.start_instance,
            "proposal",
            {"kind": "suggestion", "title": title, "content": "见附件", "deputy": deputy, "submitted_during": "recess"},
        )
        classify = case.open_tasks[0].task_id
        data = {"category": category, "lead_unit": "finance", "cohandling_units": [], "assignment_note": "请办理"}
        act(app, "office1", tasks.complete, classify, data)
    clock.advance(timedelta(days=89))  # the replies are due three months after 交办


def board_titles(client, query: str) -> list[str]:
    page = text_of(client.get(f"/board/{query}"))
    return re.findall(r'<td class="case" data-label="案件"><a href="/cases/\d+">([^<]*)</a>', page)


def test_the_board_filters_by_deputy_and_class_chosen_by_name(app, as_user):
    """代表 and 类别 are lists of the deputies by name and the classes by label (the filters match
    their codes, which nobody types); chosen, the board shows only their proposals."""
    proposals_on_the_board(app)
    client = as_user("supervisor")
    page = text_of(client.get("/board/"))
    option = re.compile(r'<option value="([^"]*)" ?(?:selected)?>([^<]*)</option>')
    deputies = dict(option.findall(page.split('<select name="deputy">', 1)[1].split("</select>", 1)[0]))
    assert deputies == {"": "全部", "deputy": "deputy 同志", "wang": "李建国"}
    classes = option.findall(page.split('<select name="category">', 1)[1].split("</select>", 1)[0])
    assert classes == [
        ("", "全部"),
        ("economy", "经济发展"),
        ("construction", "城乡建设"),
        ("agriculture", "农业农村"),
        ("education", "教育"),
        ("health", "医疗卫生"),
        ("civil", "民政社保"),
        ("order", "社会治安"),
        ("other", "其他"),
    ]
    assert sorted(board_titles(client, "")) == ["修缮村道", "增设校车"]
    assert board_titles(client, "?deputy=wang") == ["增设校车"]
    assert '<option value="wang" selected>李建国</option>' in text_of(client.get("/board/?deputy=wang"))
    assert board_titles(client, "?category=construction") == ["修缮村道"]
    assert board_titles(client, "?deputy=wang&category=construction") == []
    # the API filters by the same codes
    rows = client.get("/api/v1/board?deputy=wang").get_json()["rows"]
    assert [r["case_title"] for r in rows] == ["增设校车"]


def test_the_board_keeps_a_deputy_asked_for_who_is_no_longer_listed(app, as_user):
    """A deputy since deactivated is no longer offered, yet filtering by him (a bookmarked
    address) still says whom the board is filtered by, by name."""
    proposals_on_the_board(app)
    with database.session_factory(app).begin() as s:
        s.execute(update(User).where(User.username == "wang").values(active=False))
    client = as_user("supervisor")
    assert '<option value="wang" selected>李建国</option>' in text_of(client.get("/board/?deputy=wang"))
    assert board_titles(client, "?deputy=wang") == ["增设校车"]


def test_the_board_filters_by_process_chosen_by_name(app, as_user):
    """流程 is a list of the deployed processes by name; chosen, the board shows only its tasks."""
    proposals_on_the_board(app)
    review = overdue_case(app)  # a review (意见办理（测试）) whose reply is overdue
    client = as_user("supervisor")
    page = text_of(client.get("/board/"))
    option = re.compile(r'<option value="([^"]*)" ?(?:selected)?>([^<]*)</option>')
    offered = dict(option.findall(page.split('<select name="process">', 1)[1].split("</select>", 1)[0]))
    assert offered["proposal"] == "代表建议、批评和意见办理" and offered["review"] == "意见办理（测试）"
    assert offered[""] == "全部"
    assert sorted(board_titles(client, "")) == ["修缮村道", "关于修缮村道的意见", "增设校车"]
    assert board_titles(client, "?process=review") == ["关于修缮村道的意见"]
    assert '<option value="review" selected>意见办理（测试）</option>' in text_of(client.get("/board/?process=review"))
    # the 督办 still open follow the filter too: one on the review, none of the proposals'
    act(app, "supervisor", supervision.issue, review.id, None, "请抓紧办理", None)

    def open_supervisions(query: str) -> list[str]:
        section = text_of(client.get(f"/board/{query}")).split('id="open-supervisions"', 1)[1]
        return re.findall(r'<td class="title"><a href="/cases/\d+">([^<]*)</a>', section.split("</section>", 1)[0])

    assert open_supervisions("") == ["关于修缮村道的意见"]
    assert open_supervisions("?process=review") == ["关于修缮村道的意见"]
    assert open_supervisions("?process=proposal") == []


def test_a_supervision_on_a_cancelled_case_reads_ended_not_waiting(app, as_user):
    case = overdue_case(app)
    act(app, "supervisor", supervision.issue, case.id, None, "请加快办理", "2026-12-24")
    act(app, "office1", cases.cancel_instance, case.id, "代表撤回建议")
    client = as_user("supervisor")
    listed = text_of(client.get(f"/cases/{case.id}")).split('id="supervisions"', 1)[1]
    assert 'data-state="ended"' in listed and "未回复，已结束" in listed and "待回复" not in listed
    client.get("/lang/en")
    listed = text_of(client.get(f"/cases/{case.id}")).split('id="supervisions"', 1)[1]
    assert "Ended unanswered" in listed


def co_handled_proposal_late(app) -> int:
    """A proposal led by 卫生院 whose co-handling unit 财政所 is late with its view (due one
    month after 交办, 2027-01-07 24:00), the reply not yet due: the case's id."""
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    case = act(
        app,
        "office1",
        cases.start_instance,
        "proposal",
        {
            "kind": "suggestion",
            "title": "关于卫生院夜间值班的建议",
            "content": "见附件",
            "deputy": "deputy",
            "submitted_during": "recess",
        },
    )
    assign = {"category": "health", "lead_unit": "health_center", "cohandling_units": ["finance"]}
    act(app, "office1", tasks.complete, case.open_tasks[0].task_id, assign)
    clock.advance(timedelta(days=33))  # 2027-01-09 09:00
    return case.id


def test_the_board_lists_a_co_handling_units_late_view_under_that_unit(app, as_user):
    """QA walk B, defect 1: the page's row and counts, the unit filter, the download and the API
    name 财政所, whose view is late, not the lead unit 卫生院; filtered by 财政所, the open 督办
    are those on its task only."""
    case_id = co_handled_proposal_late(app)
    client = as_user("supervisor")
    board = text_of(client.get("/board/"))
    counts = board.split('id="unit-counts"', 1)[1].split("</section>", 1)[0]
    assert '<li data-unit="finance"><a href="/board/?unit=finance">财政所</a>' in counts
    assert "逾期 1" in counts and "health_center" not in counts
    row = board.split('<tr class="overdue" data-task-id="', 1)[1].split("</tr>", 1)[0]
    assert '<td class="unit" data-label="单位">财政所</td>' in row
    assert board_titles(client, "?unit=finance") == ["关于卫生院夜间值班的建议"]
    assert board_titles(client, "?unit=health_center") == []
    download = client.get("/board/export.csv?unit=finance").get_data(as_text=True).splitlines()
    assert download[1].split(",")[1:5] == ["关于卫生院夜间值班的建议", "代表建议、批评和意见办理", "财政所", "财政所"]
    assert client.get("/api/v1/board").get_json()["per_unit"] == {"finance": [1, 0]}

    task_id = row.split('"', 1)[0]
    act(app, "supervisor", supervision.issue, case_id, task_id, "请财政所尽快提出协办意见", None)
    act(app, "supervisor", supervision.issue, case_id, None, "请卫生院统筹办理", None)

    def open_opinions(query: str) -> list[str]:
        section = text_of(client.get(f"/board/{query}")).split('id="open-supervisions"', 1)[1]
        return re.findall(r'<td data-label="督办意见">([^<]*)</td>', section.split("</section>", 1)[0])

    # the case as a whole: each unit's it was addressed to (both hold a task of it), not its lead unit's alone
    assert sorted(open_opinions("?unit=finance")) == ["请卫生院统筹办理", "请财政所尽快提出协办意见"]
    assert open_opinions("?unit=health_center") == ["请卫生院统筹办理"]
