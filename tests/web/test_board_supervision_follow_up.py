"""What the office did about a deadline timer's 督办 (its 督办 task's 督办方式 and 督办情况), on
the 督查台: a line under the open 督办's opinion, the last column of the board's download, and
the open 督办 of GET /api/v1/board; in Chinese and in English (the process's own words marked as
Chinese on the page); the petitioner's phone inside the note masked for a supervisor, who may
not read it, as on the other pages. Nothing said while the office's task is open."""

from __future__ import annotations

import csv
import html
import io

from tests.web.conftest import text_of
from tests.web.test_supervision_follow_up_pages import part, petition

# the office's note names the petitioner's phone (a confidential field of the petition)
NOTE = "已电话联系18607451888，要求三日内答复"
MASKED = "已电话联系******，要求三日内答复"


def open_supervision(page: str, supervision_id: int) -> str:
    """The open 督办's row on the board."""
    return part(page, f'<tr data-supervision="{supervision_id}"', "</tr>")


def board_csv(client) -> list[list[str]]:
    return list(csv.reader(io.StringIO(client.get("/board/export.csv").data.decode("utf-8-sig"))))


def test_the_board_says_what_the_office_did_about_a_timers_supervision(app, as_user):
    case_id, _late_task, office_task = petition(app)
    board = as_user("supervisor")
    [raised] = board.get("/api/v1/board").get_json()["open_supervisions"]
    assert (raised["instance_id"], raised["automatic"], raised["follow_up"]) == (case_id, True, None)
    assert "data-follow-up" not in open_supervision(text_of(board.get("/board/")), raised["id"])
    [header, row] = board_csv(board)
    assert (header[-1], row[-1]) == ("督办落实情况", "")  # the office's task still open

    office = as_user("office1")
    done = office.post(
        f"/tasks/{office_task}", data={"action": "complete", "supervision_method": "phone", "supervision_note": NOTE}
    )
    assert done.status_code == 302

    board = as_user("supervisor")
    listed = open_supervision(text_of(board.get("/board/")), raised["id"])
    assert (
        '<p class="follow-up" data-follow-up>督办落实情况：督办方式：电话督办；'
        f'督办情况：{MASKED} <small><span title="office1">office1 同志</span> · 2026-12-07 09:00</small></p>'
    ) in listed
    assert "18607451888" not in listed
    [header, row] = board_csv(board)
    assert (row[0], row[-1]) == (
        "办理并书面答复信访人",
        f"督办方式：电话督办；督办情况：{MASKED}（office1 同志 2026-12-07 09:00）",
    )

    [raised] = board.get("/api/v1/board").get_json()["open_supervisions"]
    assert raised["follow_up"] == {
        "task_name": "督办",
        "done_by": "office1",
        "done_at": "2026-12-07T01:00:00+00:00",
        "answers": [
            {"field": "supervision_method", "label": "督办方式", "value": "电话督办"},
            {"field": "supervision_note", "label": "督办情况", "value": MASKED},
        ],
    }

    board.get("/lang/en")
    zh = '<span lang="zh-CN">{}</span>'.format
    listed = open_supervision(html.unescape(text_of(board.get("/board/"))), raised["id"])
    assert (
        f'<p class="follow-up" data-follow-up>Action taken: {zh("督办方式")}: {zh("电话督办")}; '
        f"{zh('督办情况')}: {zh(MASKED)} <small>"
    ) in listed
    [header, row] = board_csv(board)
    assert (header[-1], row[-1]) == (
        "Action taken",
        f"督办方式: 电话督办; 督办情况: {MASKED} (office1 同志 2026-12-07 09:00)",
    )
