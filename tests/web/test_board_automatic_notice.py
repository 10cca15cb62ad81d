"""The printed 督办通知书 of a 督办 a deadline timer raised (QA walk P, defect 6). Nobody gave an
opinion: the notice says what raised it, 督办事由：逾期督办（期限 … 届满，系统自动督办）, and prints
no 督办意见 line (it printed "督办意见：逾期督办", the timer's name taken for an opinion; in English
"Instructions: 逾期督办"). A supervisor's 督办 keeps its 督办意见 (tests/web/test_board_page.py).

review.bpmn's non-interrupting timer 逾期督办 fires at the reply's deadline, 2026-12-22 24:00
(Beijing); the clock is then 12-23 09:00."""

from __future__ import annotations

import html

from engine.usecases import timers
from tests.web.conftest import text_of
from tests.web.test_board_page import overdue_case
from web import database


def raised_by_the_timer(app) -> int:
    """The reply of a review case overdue and its timer fired: the 督办 it raised, by id."""
    case = overdue_case(app)
    assert timers.fire_due(database.session_factory(app)) >= 1
    return case.id


def printed(client, case_id: int) -> str:
    """The 督办通知书 of the case's (only) 督办, as the case page links it: the notice itself."""
    link = text_of(client.get(f"/cases/{case_id}")).split('href="/board/supervisions/', 1)[1].split('"', 1)[0]
    page = html.unescape(text_of(client.get(f"/board/supervisions/{link}")))
    return page.split('id="supervision-notice">', 1)[1].split("</article>", 1)[0]


def test_a_timers_notice_says_what_raised_it_and_no_opinion(app, as_user):
    case_id = raised_by_the_timer(app)
    notice = printed(as_user("supervisor"), case_id)
    assert (
        '<p class="report-text" id="notice-reason"><strong>督办事由：</strong>'
        "逾期督办（期限 2026-12-22 24:00 届满，系统自动督办）</p>"
    ) in notice
    assert "督办意见" not in notice
    said = "你单位承办的意见办理（测试）事项“关于修缮村道的意见”（“答复”环节，期限 2026-12-22 24:00），现予督办。"
    assert said in notice and "财政所：" in notice


def test_a_timers_notice_in_english_has_no_instructions(app, as_user):
    case_id = raised_by_the_timer(app)
    client = as_user("supervisor")
    client.get("/lang/en")
    notice = printed(client, case_id)
    assert "Instructions" not in notice
    reason = notice.split('id="notice-reason">', 1)[1].split("</p>", 1)[0]
    assert reason == (
        "<strong>Reason: </strong>逾期督办 (deadline 2026-12-22 24:00 passed; raised automatically by the system)"
    )


def test_the_boards_list_says_a_timers_supervision_was_raised_by_the_system(app, as_user):
    raised_by_the_timer(app)
    board = html.unescape(text_of(as_user("supervisor").get("/board/")))
    row = board.split('id="open-supervisions"', 1)[1].split("<tr data-supervision=", 1)[1].split("</tr>", 1)[0]
    assert '<td data-label="督办意见">逾期督办（系统自动督办）</td>' in row
    assert '<td data-label="发出">系统（期限届满） · ' in row
