"""督查台 and 督办 in English: the board, its per-unit counts and its 督办 form read English
but for the data (case titles, task and process names, unit and people's names, the opinion
typed); a 督办 issued in English reaches the holder's task page and messages in English."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from engine import clock
from tests.web.conftest import text_of
from tests.web.test_board_page import overdue_case

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
OPINION = "请今日内答复"
# what the test world's data says in Chinese: a task, a case, a process, units, a person
DATA = ("关于修缮村道的意见", "意见办理（测试）", "答复", "财政所", " 同志", OPINION)


def english(response) -> str:
    return html.unescape(text_of(response))


def without_data(text: str) -> str:
    for value in sorted(DATA, key=len, reverse=True):  # the opinion holds a task's name
        text = text.replace(value, "")
    return text


def test_the_board_and_its_supervision_form_read_english(app, as_user):
    overdue_case(app)
    client = as_user("supervisor")
    client.get("/lang/en")
    board = english(client.get("/board/"))

    assert "<title>Overdue board ·" in board and "<h1>Overdue board</h1>" in board
    assert 'id="nav-board" class="on">Overdue board</a>' in board
    counts = board.split('id="unit-counts"', 1)[1].split("</section>", 1)[0]
    assert "Overdue and due soon, by unit" in counts
    assert "Overdue: 1" in counts and "Due soon: 0" in counts
    assert not CJK.search(without_data(counts)), counts

    row = board.split('<tr class="overdue" data-task-id="', 1)[1].split("</tr>", 1)[0]
    form = row.split("<details", 1)[1].split("</details>", 1)[0]
    for label in ("Instructions", "Answer by", "Also report to the unit's head", "Send a supervision notice"):
        assert label in form, label
    assert '<span class="badge overdue">1 day late</span>' in row and "2026-12-22 24:00" in row
    assert not CJK.search(without_data(row)), row

    sorts = board.split('name="sort"', 1)[1].split("</select>", 1)[0]
    assert "By due date" in sorts and "By process" in sorts and "By supervision notices" in sorts
    open_ones = board.split('id="open-supervisions"', 1)[1].split("</section>", 1)[0]
    assert "Open supervision notices" in open_ones and "No open supervision notices." in open_ones


def test_days_late_are_counted_as_english_counts_them(app, as_user):
    """One day late, two days late: a real plural (Chinese says 天 alike), never "day(s)"."""
    overdue_case(app)
    client = as_user("supervisor")
    assert '<span class="badge overdue">1 天</span>' in text_of(client.get("/board/"))
    clock.advance(timedelta(days=1))
    assert '<span class="badge overdue">2 天</span>' in text_of(client.get("/board/"))
    client.get("/lang/en")
    board = english(client.get("/board/"))
    assert '<span class="badge overdue">2 days late</span>' in board and "day(s)" not in board


def test_a_supervision_issued_in_english_reads_english_to_the_holder(app, as_user):
    case = overdue_case(app)
    client = as_user("supervisor")
    client.get("/lang/en")
    board = english(client.get("/board/"))
    task_id = board.split('<tr class="overdue" data-task-id="', 1)[1].split('"', 1)[0]

    sent = english(
        client.post(
            "/board/supervise",
            data={"instance_id": case.id, "task_id": task_id, "opinion": OPINION, "respond_by": "2026-12-24"},
            follow_redirects=True,
        )
    )
    assert "The supervision notice is sent." in sent
    row = sent.split(f'data-task-id="{task_id}"', 1)[1].split("</tr>", 1)[0]
    assert "Supervision notices: 1" in row and not CJK.search(without_data(row)), row
    open_ones = sent.split('id="open-supervisions"', 1)[1].split("</section>", 1)[0]
    assert "Instructions" in open_ones and "Answer by" in open_ones and "Awaiting answer" in open_ones
    assert OPINION in open_ones and not CJK.search(without_data(open_ones)), open_ones

    holder = as_user("finance1")
    holder.get("/lang/en")
    page = english(holder.get(f"/tasks/{task_id}"))
    assert 'id="supervised-badge"' in page
    section = page.split('id="supervisions"', 1)[1].split("</section>", 1)[0]
    assert "Awaiting answer" in section and "Answer by 2026-12-24 24:00" in section and OPINION in section
    assert not CJK.search(without_data(section)), section

    messages = english(holder.get("/notifications"))
    asked = f"has a supervision notice: please handle it and reply by 2026-12-24 24:00. Instructions: {OPINION}"
    assert asked in messages


def test_a_refused_supervision_names_the_field_in_english(app, as_user):
    case = overdue_case(app)
    client = as_user("supervisor")
    client.get("/lang/en")
    blank = {"instance_id": case.id, "opinion": " "}
    said = english(client.post("/board/supervise", data=blank, follow_redirects=True))
    assert "The supervision notice was not sent: Instructions: This field is required." in said
    past = {"instance_id": case.id, "opinion": OPINION, "respond_by": "2026-12-01"}  # today is 2026-12-23
    said = english(client.post("/board/supervise", data=past, follow_redirects=True))
    assert "The supervision notice was not sent: Answer by: Must be between 2026-12-23 and 2099-12-31." in said
    client.get("/lang/zh_CN")
    said = text_of(client.post("/board/supervise", data={"instance_id": case.id, "opinion": ""}, follow_redirects=True))
    assert "督办未发出：督办意见：必填" in said


def test_the_printed_notice_reads_english_but_for_the_data(app, as_user):
    """The 督办通知书 in English: ASCII colons, the process named as a process, dated in words."""
    case = overdue_case(app)
    client = as_user("supervisor")
    task_id = text_of(client.get("/board/")).split('<tr class="overdue" data-task-id="', 1)[1].split('"', 1)[0]
    issued = {"instance_id": case.id, "task_id": task_id, "opinion": OPINION, "respond_by": "2026-12-24"}
    client.post("/board/supervise", data=issued)
    link = text_of(client.get(f"/cases/{case.id}")).split('href="/board/supervisions/', 1)[1].split('"', 1)[0]
    client.get("/lang/en")
    notice = english(client.get(f"/board/supervisions/{link}")).split('id="supervision-notice">', 1)[1]
    notice = notice.split("</article>", 1)[0]
    assert "<p>财政所:</p>" in notice
    assert (
        "This notice supervises the case “关于修缮村道的意见” of the process 意见办理（测试）, which your unit "
        "handles, at its step “答复”, due 2026-12-22 24:00."
    ) in notice
    assert f"<strong>Instructions: </strong>{OPINION}" in notice and "No. " in notice
    assert "<br>23 December 2026</p>" in notice
    assert not CJK.search(without_data(notice)), notice


def test_a_notice_that_is_not_there_is_said_in_english(app, as_user):
    client = as_user("supervisor")
    client.get("/lang/en")
    response = client.get("/board/supervisions/999/notice")
    assert response.status_code == 404
    said = english(response)
    assert "no supervision notice (督办) 999" in said and "no 督办" not in said
