"""The case page's statutory deadlines, each with its own rule: two periods of one case that
end at the same instant each read as they were counted, and the note that the calendar now
counts another end (已存期限未变动，请人大办核对) is on the steps still pending only.

The clock stands at Monday 2026-12-07 09:00 in Beijing."""

from __future__ import annotations

import re

from engine.usecases import cases, tasks
from engine.usecases.context import SYSTEM
from tests.web.conftest import text_of
from tests.world import act, deploy
from web import database

CHECK = "已存期限未变动，请人大办核对"


def start_case(app, assigned_on: str, receipt_from: str, wait_from: str) -> int:
    deploy(app, "legal_periods.bpmn")
    with database.session_factory(app).begin() as s:
        data = {"assigned_on": assigned_on, "receipt_from": receipt_from, "wait_from": wait_from}
        return cases.start_instance(s, SYSTEM, "legal_periods", data, title="期限案件").id


def rule_cells(html: str) -> dict[str, str]:
    """The 法定期限 table: each step's element id → its 计算规则 cell as read."""
    table = html.split('id="deadlines"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr data-bpmn-id="([^"]+)".*?<td class="rule"[^>]*>(.*?)</td>', table, re.S)
    return {bpmn_id: re.sub(r"<[^>]+>|\s+", "", cell) for bpmn_id, cell in rows}


def test_two_periods_ending_at_the_same_instant_each_show_their_rule(app, as_user):
    # 3 months from 2026-09-10 and 20 working days from Thursday 2026-11-12 (Nov 13, 16-20,
    # 23-27, 30, Dec 1-4, 7-10) both end on Thursday 2026-12-10, at 24:00
    case = start_case(app, "2026-09-10", "2026-11-12", "2026-12-01")
    cells = rule_cells(text_of(as_user("supervisor").get(f"/cases/{case}")))
    assert cells["Task_Reply"] == "自2026-09-10起3个月，至2026-12-1024:00；遇节假日顺延"
    assert cells["Task_Receipt"] == "自2026-11-12起20个工作日，至2026-12-1024:00"


def test_the_recount_note_is_on_pending_steps_only(app, as_user):
    # reply: 2026-11-30 + 3 months = Sunday 2027-02-28, rolled to Monday 03-01 on the estimate;
    # receipt: 20 working days from Friday 2027-01-29, Thursday 03-04 on the estimate. The
    # schedule makes 02-05..02-13 春节 and Sunday 02-28 a 调休 working day: by it the reply ends
    # 02-28 and the receipt Friday 03-05 (Feb 1-4, 15-19, 22-26, 28, Mar 1-5)
    case = start_case(app, "2026-11-30", "2027-01-29", "2027-01-12")
    saved = as_user("admin").post(
        "/admin/calendar/2027",
        data={"schedule": "2027-01-01 元旦\n2027-02-05..2027-02-13 春节\n2027-02-28 调休", "action": "save"},
    )
    assert saved.status_code == 302
    with database.session_factory(app)() as s:
        receipt = next(t for t in cases.instance_detail(s, SYSTEM, case).open_tasks if t.name == "回执")
    act(app, "office1", tasks.claim, receipt.task_id)
    act(app, "office1", tasks.complete, receipt.task_id, {})

    cells = rule_cells(text_of(as_user("supervisor").get(f"/cases/{case}")))
    # the reply still to come: the office is asked to check its stored end
    assert cells["Task_Reply"] == f"自2026-11-30起3个月，至2027-03-0124:00；按现行工作日历应为2027-02-2824:00，{CHECK}"
    # the receipt done in time: its rule as it was counted, nothing left to check
    assert cells["Task_Receipt"] == "自2027-01-29起20个工作日，至2027-03-0424:00"
    done = text_of(as_user("office1").get(f"/tasks/{receipt.task_id}"))
    assert "自 2027-01-29 起 20 个工作日，至 2027-03-04 24:00" in done and CHECK not in done
