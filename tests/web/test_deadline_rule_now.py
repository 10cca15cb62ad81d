"""A stored deadline's rule read against today's working calendar: once a year's schedule is
entered, the pages stop calling the year an estimate, and where the calendar now counts
another end they say so instead of the roll-forward the stored end was counted with; the
工作日历 preview names each step as the process does, with the stored and the recounted end.

The clock stands at Monday 2026-12-07 09:00 in Beijing; 2027 is an estimate until entered. The
schedule makes 02-05..02-13 春节 and Sunday 02-28 a 调休 working day (hand-counted below)."""

from __future__ import annotations

import re

from engine.usecases import cases
from engine.usecases.context import SYSTEM
from tests.web.conftest import text_of
from tests.world import deploy
from web import database

SCHEDULE = "2027-01-01 元旦\n2027-02-05..2027-02-13 春节\n2027-02-28 调休"

# reply: 2026-11-30 + 3 months = Sunday 2027-02-28, rolled to 03-01 on the estimate;
# receipt: 20 working days from Friday 2027-01-29, Thursday 03-04 on the estimate
ESTIMATED_REPLY = "自 2026-11-30 起 3 个月，至 2027-03-01 24:00；2027-02-28 逢休息日或节假日，顺延至 2027-03-01"
ESTIMATE = "2027 年的节假日按估算计算（国务院安排公布前）"
CHECK = "已存期限未变动，请人大办核对"


def start_case(app) -> int:
    deploy(app, "legal_periods.bpmn")
    with database.session_factory(app).begin() as s:
        data = {"assigned_on": "2026-11-30", "receipt_from": "2027-01-29", "wait_from": "2027-01-12"}
        return cases.start_instance(s, SYSTEM, "legal_periods", data, title="十一月三十日交办").id


def receipt_hover(html: str) -> str:
    """The inbox's hover text of the 回执 task's due date, the same as its disclosure's."""
    row = next(r for r in re.findall(r"<tr.*?</tr>", html, re.S) if "回执" in r)
    found = re.search(
        r'class="due-rule"><summary title="([^"]*)">[^<]*</summary> <span class="due-rule-text">([^<]*)</span>', row
    )
    assert found[1] == found[2]
    return found[1]


def test_after_entering_the_pages_say_what_the_calendar_now_counts(app, as_user):
    case = start_case(app)
    c = as_user("supervisor")
    before = text_of(c.get(f"/cases/{case}"))
    assert ESTIMATED_REPLY + "；" + ESTIMATE in before
    hover = receipt_hover(text_of(as_user("office1").get("/")))
    assert hover == "自 2027-01-29 起 20 个工作日，至 2027-03-04 24:00；" + ESTIMATE

    c = as_user("admin")
    saved = c.post("/admin/calendar/2027", data={"schedule": SCHEDULE, "action": "save"})
    assert saved.status_code == 302

    after = text_of(as_user("supervisor").get(f"/cases/{case}"))
    assert ESTIMATE not in after and "逢休息日" not in after
    # 02-28 is a working day now: the reply is due 02-28 24:00 by law; the stored end stays
    assert f"自 2026-11-30 起 3 个月，至 2027-03-01 24:00；按现行工作日历应为 2027-02-28 24:00，{CHECK}" in after
    # Feb 1-4, 15-19, 22-26, 28 and Mar 1-5: the 20th working day is Friday 03-05
    assert receipt_hover(text_of(as_user("office1").get("/"))) == (
        f"自 2027-01-29 起 20 个工作日，至 2027-03-04 24:00；按现行工作日历应为 2027-03-05 24:00，{CHECK}"
    )


def test_the_preview_names_the_steps_and_shows_both_ends(app, as_user):
    case = start_case(app)
    html = text_of(as_user("admin").post("/admin/calendar/2027", data={"schedule": SCHEDULE, "action": "preview"}))
    table = html.split('id="affected"', 1)[1].split("</table>", 1)[0]
    rows = [re.sub(r"<[^>]+>|\s+", " ", row).split() for row in re.findall(r"<tr data-what.*?</tr>", table)]
    assert "Timer_ReplyDue" not in table and f"/cases/{case}" in table
    assert all(row[0] == "十一月三十日交办" for row in rows)
    named = {tuple(r[1:3]): tuple(r[3:7]) for r in rows}
    assert named == {
        ("任务", "办理并书面答复"): ("2027-03-01", "24:00", "2027-02-28", "24:00"),
        ("定时器", "答复期满"): ("2027-03-01", "24:00", "2027-02-28", "24:00"),
        ("定时器", "公示期满"): ("2027-02-11", "24:00", "2027-02-15", "24:00"),  # 30 days from 01-12
        ("任务", "回执"): ("2027-03-04", "24:00", "2027-03-05", "24:00"),
        # its reminder, 3 working days before the reply's stored end: moves on saving
        ("提醒", "办理并书面答复"): ("2027-02-24", "24:00", "2027-02-25", "24:00"),
    }
    assert "保存后提醒改到此时间" in table
    assert "保存后，1 条待发的到期提醒将改到按新安排计算的时间" in html
