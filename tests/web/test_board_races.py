"""QA walk B on the supervisor's desk: a 督办 that loses its race (the unit completed the task,
or the case ended, since the board or the case page was read) is told why, by whom and when,
its form back as typed; the board's open 督办 follow every filter; its refresh brings the
counts and the open 督办 with the rows; a wrong statistics period says the field's label."""

from __future__ import annotations

import re

from engine.usecases import cases, supervision, tasks
from tests.web.conftest import text_of
from tests.web.test_board_page import overdue_case, proposals_on_the_board
from tests.world import act

OPINION = "请本周内书面答复"
# finance1 submitted the reply at the test world's 2026-12-23 09:00 (Beijing), after the board was read
COMPLETED = "「答复」已由 finance1 同志 于 2026-12-23 09:00 办结，无需督办（可改为督办整个案件）"


def reply_read_then_completed(app, client) -> tuple[int, str]:
    """An overdue reply the supervisor has on the board, which finance1 then submits: the case's
    id and the task's."""
    case = overdue_case(app)
    task_id = text_of(client.get("/board/?unit=finance")).split('data-task-id="', 1)[1].split('"', 1)[0]
    act(app, "finance1", tasks.complete, task_id, {"reply_class": "A", "pages": "1"})
    return case.id, task_id


def test_a_supervision_on_a_task_completed_meanwhile_says_who_completed_it_and_comes_back_for_the_case(app, as_user):
    client = as_user("supervisor")
    case_id, task_id = reply_read_then_completed(app, client)
    typed = {"instance_id": case_id, "task_id": task_id, "opinion": OPINION, "respond_by": "2026-12-30"}
    response = client.post("/board/supervise?unit=finance", data={**typed, "escalate": "1"})
    assert response.status_code == 422
    page = text_of(response)
    assert f'<div class="flash error" role="alert" id="supervise-refused">督办未发出：{COMPLETED}</div>' in page
    assert task_id not in page  # no task id said: the row is gone, and its form with it
    # the form again, as typed, for the case as a whole, why beside the task
    again = page.split('id="supervise-again" open>', 1)[1].split("</details>", 1)[0]
    assert f"<summary>发出督办 · 案件 #{case_id}</summary>" in again
    assert 'action="/board/supervise?unit=finance"' in again
    assert f'<input type="hidden" name="instance_id" value="{case_id}">' in again
    assert '<option value="" selected>整个案件</option></select>' in again
    assert f'<p class="field-error" id="supervise-case-task-error" role="alert">{COMPLETED}</p>' in again
    assert f">{OPINION}</textarea>" in again
    assert 'id="supervise-case-respond_by" value="2026-12-30">' in again
    assert 'name="escalate" value="1" checked>' in again
    assert act(app, "supervisor", supervision.of_case, case_id) == []  # nothing issued

    # sent again as it stands: a 督办 on the case as a whole, the board as it was filtered
    issued = client.post("/board/supervise?unit=finance", data={**typed, "task_id": ""})
    assert (issued.status_code, issued.headers["Location"]) == (302, "/board/?unit=finance")
    [sent] = act(app, "supervisor", supervision.of_case, case_id)
    assert (sent.opinion, sent.task_id) == (OPINION, None)


def test_the_case_page_says_so_too_and_offers_the_case_as_a_whole(app, as_user):
    client = as_user("supervisor")
    case_id, task_id = reply_read_then_completed(app, client)
    typed = {"task_id": task_id, "opinion": OPINION, "respond_by": "2026-12-30"}
    response = client.post(f"/cases/{case_id}/supervisions", data=typed)
    assert response.status_code == 422
    page = text_of(response)
    assert f'id="supervise-refused">督办未发出：{COMPLETED}</div>' in page
    section = page.split('id="supervisions"', 1)[1].split("</section>", 1)[0]
    assert '<option value="" selected>整个案件</option>' in section
    assert f'<p class="field-error" id="supervise-case-task-error" role="alert">{COMPLETED}</p>' in section
    assert f">{OPINION}</textarea>" in section


def test_a_supervision_on_a_case_cancelled_meanwhile_says_the_case_has_ended(app, as_user):
    client = as_user("supervisor")
    case = overdue_case(app)
    task_id = text_of(client.get("/board/")).split('data-task-id="', 1)[1].split('"', 1)[0]
    act(app, "office1", cases.cancel_instance, case.id, "代表撤回建议")
    typed = {"instance_id": case.id, "task_id": task_id, "opinion": OPINION}
    response = client.post("/board/supervise", data=typed)
    assert response.status_code == 422
    page = text_of(response)
    assert (
        '<div class="flash error" role="alert" id="supervise-refused">'
        "督办未发出：案件已由 office1 同志 于 2026-12-23 09:00 撤销，无需督办</div>"
    ) in page
    assert "completed" not in page and "cancelled" not in page
    # no form again: the case as a whole is over too, and could only be refused again
    assert 'id="supervise-again"' not in page and OPINION not in page


# -- the open 督办 follow every filter -------------------------------------------------------
def open_opinions(client, query: str) -> list[str]:
    section = text_of(client.get(f"/board/{query}")).split('id="open-supervisions"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<td data-label="督办意见">([^<]*)</td>', section)


def test_the_open_supervisions_follow_the_deputy_and_class_filters(app, as_user):
    """QA walk B, finding 3: under 代表 or 类别, the 督办 still open are those of the proposals
    the rows show, on a task or on the case as a whole."""
    proposals_on_the_board(app)  # deputy's 修缮村道 (城乡建设), wang's 增设校车 (教育)
    board = act(app, "supervisor", supervision.board)
    reply = {r.case_title: r for r in board.rows}
    village, bus = reply["修缮村道"], reply["增设校车"]
    act(app, "supervisor", supervision.issue, village.instance_id, village.task_id, "请答复村道", None)
    act(app, "supervisor", supervision.issue, bus.instance_id, None, "请统筹校车", None)
    client = as_user("supervisor")
    assert sorted(open_opinions(client, "")) == ["请答复村道", "请统筹校车"]
    assert open_opinions(client, "?deputy=wang") == ["请统筹校车"]
    assert open_opinions(client, "?deputy=deputy") == ["请答复村道"]
    assert open_opinions(client, "?category=construction") == ["请答复村道"]
    assert open_opinions(client, "?category=education") == ["请统筹校车"]
    assert open_opinions(client, "?deputy=wang&category=construction") == []
    # the API's board too
    api = client.get("/api/v1/board?category=education").get_json()["open_supervisions"]
    assert [s["opinion"] for s in api] == ["请统筹校车"]


# -- the refresh brings the counts and the open 督办 with the rows ----------------------------
def test_the_refresh_answer_holds_the_counts_the_rows_and_the_open_supervisions(app, as_user):
    """What board.js takes in: each part by the id the page has it under, as filtered."""
    case = overdue_case(app)
    task_id = act(app, "supervisor", supervision.board).rows[0].task_id
    act(app, "supervisor", supervision.issue, case.id, task_id, "请抓紧办理", None)
    client = as_user("supervisor")
    part = text_of(client.get("/board/?partial=1&unit=finance"))
    counts = part.split('<section class="card" id="unit-counts">', 1)[1].split("</section>", 1)[0]
    assert '<li data-unit="finance"><a href="/board/?unit=finance">财政所</a>' in counts and "逾期 1" in counts
    rows = part.split('<table id="board">', 1)[1].split("</table>", 1)[0]
    assert rows.count('<tr class="overdue" data-task-id="') == 1
    assert 'action="/board/supervise?unit=finance"' in rows  # its forms come back to the board as filtered
    assert open_opinions_in(part) == ["请抓紧办理"]
    assert '<div id="board-limit">' in part and "<h1>" not in part  # the parts alone, not the page


def open_opinions_in(html: str) -> list[str]:
    section = html.split('<section class="card" id="open-supervisions">', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<td data-label="督办意见">([^<]*)</td>', section)


# -- a wrong statistics period: the field's label, beside it ---------------------------------
def test_a_wrong_statistics_period_is_said_by_the_fields_label_beside_it(app, as_user):
    client = as_user("supervisor")
    response = client.get("/statistics/?process=proposal&from=2026-12-31&to=2026-01-01")
    assert response.status_code == 422
    page = text_of(response)
    to = page.split('<label for="period-to">', 1)[1].split("</label>", 1)[0]
    assert 'value="2026-01-01" id="period-to" aria-invalid="true" aria-describedby="period-to-error">' in to
    error = 'id="period-to-error" role="alert" style="display: block" tabindex="-1" autofocus>'
    assert error + "至：结束日期早于开始日期</span>" in to
    assert "to:" not in page and "to: " not in page
    bad_day = text_of(client.get("/statistics/?process=proposal&from=2026-02-30&to=2026-03-01"))
    start = bad_day.split('<label for="period-from">', 1)[1].split("</label>", 1)[0]
    assert ">自：日期格式应为 年-月-日</span>" in start and "from:" not in bad_day
    client.get("/lang/en")
    english = text_of(client.get("/statistics/?process=proposal&from=2026-12-31&to=2026-01-01"))
    assert ">To: The range ends before it starts.</span>" in english.split('<label for="period-to">', 1)[1]
