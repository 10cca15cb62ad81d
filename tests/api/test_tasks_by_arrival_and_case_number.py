"""GET /api/v1/tasks as the inbox after a ledger import (QA walk "volume", defects 1 and 4):
``sort=created`` / ``-created`` by the arrival date, the id breaking ties so that pages
neither repeat nor skip; ``text`` finds a case by its 编号 or number, as /instances does."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from engine import clock
from engine.usecases import cases
from tests.world import act

BEIJING = ZoneInfo("Asia/Shanghai")


def registered(world, subject: str, number: str, day: str) -> tuple[int, str]:
    """A review case with the ledger's 编号 ``number``, registered at 09:00 of ``day``."""
    with clock.as_of(datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=BEIJING)):
        started = act(world.app, "clerk", cases.start_instance, "review", {"subject": subject}, business_key=number)
    [task] = started.open_tasks
    return started.id, task.task_id


def task_ids(caller, **query) -> list[str]:
    response = caller.get("/tasks", query_string={"scope": "all", **query})
    assert response.status_code == 200, response.get_json()
    return [item["task_id"] for item in response.get_json()["items"]]


def test_sorted_by_arrival_and_paged_without_repeats(world):
    _, late_nov = registered(world, "路灯不亮", "2026-建-001", "2026-11-27")
    _, october = registered(world, "村道破损", "2026-建-002", "2026-10-13")
    _, mid_nov = registered(world, "校舍漏雨", "2026-建-003", "2026-11-14")
    _, same_day = registered(world, "水渠堵塞", "2026-建-004", "2026-10-13")
    boss = world.as_("supervisor")
    assert task_ids(boss, sort="created") == [october, same_day, mid_nov, late_nov]
    assert task_ids(boss, sort="-created") == [late_nov, mid_nov, same_day, october]
    one_by_one = [task_ids(boss, sort="created", per_page=1, page=page) for page in (1, 2, 3, 4)]
    assert one_by_one == [[october], [same_day], [mid_nov], [late_nov]]


def test_text_finds_a_case_by_its_number(world):
    case_010, task_010 = registered(world, "路灯不亮", "2026-建-010", "2026-11-02")
    _, task_100 = registered(world, "村道破损", "2026-建-100", "2026-11-03")
    boss = world.as_("supervisor")
    assert task_ids(boss, text="2026-建-010") == [task_010]
    assert task_ids(boss, text=f"#{case_010}") == [task_010]
    assert task_ids(boss, text="建-1") == [task_100]
    total = boss.get("/tasks", query_string={"scope": "all", "text": "2026-建-010"}).get_json()["total"]
    assert total == 1
