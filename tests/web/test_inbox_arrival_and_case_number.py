"""The inbox after a ledger import (QA walk "volume", defects 1 and 4): sorted by 接收时间 it
follows the arrival dates, not the order the tasks were made in; its search box finds a task
by its case's 编号 or number, as the case list does.

A ledger replays its rows in file order, each at its own date (``clock.as_of``): here three
cases arrive 11-27, 10-13 and 11-14 (Beijing), made in that order."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from engine import clock
from engine.usecases import cases
from tests.web.conftest import text_of
from tests.world import act

BEIJING = ZoneInfo("Asia/Shanghai")


def rows(html: str) -> list[str]:
    return re.findall(r'<tr class="[^"]*" data-task-id="([^"]+)">', html)


def registered(app, subject: str, number: str, day: str) -> tuple[int, str]:
    """A review case with the ledger's 编号 ``number``, registered at 09:00 of ``day``:
    (case id, its 登记 task)."""
    with clock.as_of(datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=BEIJING)):
        started = act(app, "office1", cases.start_instance, "review", {"subject": subject}, business_key=number)
    [task] = started.open_tasks
    return started.id, task.task_id


def test_received_time_sorts_by_the_arrival_date_not_the_order_made(app, as_user):
    _, late_nov = registered(app, "路灯不亮", "2026-建-001", "2026-11-27")
    _, october = registered(app, "村道破损", "2026-建-002", "2026-10-13")
    _, mid_nov = registered(app, "校舍漏雨", "2026-建-003", "2026-11-14")
    _, same_day = registered(app, "水渠堵塞", "2026-建-004", "2026-10-13")  # a tie: made later, listed later
    c = as_user("supervisor")
    assert rows(text_of(c.get("/?tab=all&sort=created"))) == [october, same_day, mid_nov, late_nov]
    assert rows(text_of(c.get("/?tab=all&sort=-created"))) == [late_nov, mid_nov, same_day, october]
    html = text_of(c.get("/?tab=all&sort=created"))
    assert re.findall(r"2026-\d\d-\d\d 09:00", html.split("<tbody>")[1]) == [
        "2026-10-13 09:00",
        "2026-10-13 09:00",
        "2026-11-14 09:00",
        "2026-11-27 09:00",
    ]


def test_the_search_box_finds_a_task_by_its_case_number(app, as_user):
    case_010, task_010 = registered(app, "路灯不亮", "2026-建-010", "2026-11-02")
    _, task_100 = registered(app, "村道破损", "2026-建-100", "2026-11-03")
    office = as_user("office2")  # the office's unclaimed 登记 tasks
    assert rows(text_of(office.get("/?tab=group&q=2026-建-010"))) == [task_010]
    assert rows(text_of(office.get(f"/?tab=group&q=%23{case_010}"))) == [task_010]  # #N, as the pages show it
    c = as_user("supervisor")
    assert rows(text_of(c.get("/?tab=all&q=2026-建-010"))) == [task_010]
    assert rows(text_of(c.get(f"/?tab=all&q=%23{case_010}"))) == [task_010]
    assert rows(text_of(c.get("/?tab=all&q=建-1"))) == [task_100]  # part of the 编号
    assert rows(text_of(c.get("/?tab=all&q=路灯"))) == [task_010]  # the title, as before
    # the same text finds the same case on the case list
    assert f'href="/cases/{case_010}"' in text_of(c.get("/cases?q=2026-建-010"))
    html = text_of(c.get("/?tab=all"))
    assert "<label>标题或编号<input" in html and 'placeholder="搜索标题或编号"' in html
