"""A window timer (``closes_window``) on a multi-instance *subprocess*, each round a subprocess
holding the round's user task (tests/fixtures/report_window.bpmn: three units each report in a
round, 报送期满 after three days), closes the open tasks inside the rounds still open as a window
on a multi-instance user task closes its rounds (tests/web/test_window_on_rounds.py): they read
期限届满 by the window's name, not 已撤回, and their holders read that the period ended; the round
done before reads done. The window's entry in the history names the rounds it closed, and a
unit's officer, who reads his own round only, reads his own among them, not the other units'.

With rounds within rounds (tests/fixtures/report_window_nested.bpmn: each unit's round has the
deputies score it, each unit's scoring with a window of its own), each window closes its own
unit's scores, not the other unit's, which run the same elements and close at the same moment."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.usecases import cases, tasks, timers, tokens
from engine.usecases.context import SYSTEM
from storage.enums import NotificationKind
from storage.models import Notification, WorkItem
from tests.web.conftest import text_of
from tests.web.test_case_page_lapsed import status_of_task
from tests.world import act, create_people, deploy, session_factory_of
from web import database

UNITS = {"finance": "finance1", "land": "landy", "civil_affairs": "civil1"}  # each unit's officer here


@pytest.fixture
def window_closed(app, frozen_clock) -> tuple[int, dict[str, str]]:
    """office1's case, finance's report given, land's and civil affairs' not when the window
    closed: (case id, each unit's round's task id)."""
    create_people(app, "landy")
    deploy(app, "report_window.bpmn")
    case_id = act(app, "office1", cases.start_instance, "report_window", {}).id
    with database.session_factory(app)() as s:
        rounds = {
            item.candidate_groups[0]: item.task_id
            for item in s.scalars(select(WorkItem).where(WorkItem.instance_id == case_id))
        }
    act(app, "finance1", tasks.claim, rounds["finance"])
    act(app, "finance1", tasks.complete, rounds["finance"], {})
    clock.advance(timedelta(days=3, seconds=1))
    assert timers.fire_due(database.session_factory(app)) == 1
    return case_id, rounds


def report_rows(page: str, bpmn_id: str = "report") -> list[tuple[str, str]]:
    """(state, on-time badge) of each row of the element's steps on the case page."""
    rows = re.findall(rf'<tr data-bpmn-id="{bpmn_id}" data-state="([a-z]+)">(.*?)</tr>', page, re.S)
    found = []
    for state, row in rows:
        cells = dict(re.findall(r'<td class="([a-z-]+)"[^>]*>(.*?)</td>', row, re.S))
        found.append((state, " ".join(re.sub(r"<[^>]+>", " ", cells["on-time"]).split())))
    return found


def history_as(app, username: str, case_id: int) -> list[dict]:
    """The case's history as ``username`` reads it through the API."""
    with session_factory_of(app).begin() as s:
        secret = tokens.create_token(s, SYSTEM, username, "tests").secret
    response = app.test_client().get(f"/api/v1/instances/{case_id}", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["history"]


def closed_rounds_read_by(app, username: str, case_id: int) -> list[list[str]]:
    return [h["data"]["closed_rounds"] for h in history_as(app, username, case_id) if h["action"] == "timer_fired"]


def told(app, case_id: int, *usernames: str) -> list[tuple[str, str]]:
    """(who, kind) of what these people were told of the case but the tasks it gave them."""
    with database.session_factory(app)() as s:
        rows = s.execute(
            select(Notification.username, Notification.kind)
            .where(
                Notification.instance_id == case_id,
                Notification.username.in_(usernames),
                Notification.kind != NotificationKind.TASK,
            )
            .order_by(Notification.username, Notification.id)
        ).all()
    return [(user, str(kind)) for user, kind in rows]


def test_the_window_closes_the_tasks_inside_the_open_rounds(app, as_user, window_closed):
    case_id, rounds = window_closed
    client = as_user("office1")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)

    assert sorted(report_rows(page)) == [
        ("done", "无期限"),
        ("lapsed", "期限届满（报送期满）"),
        ("lapsed", "期限届满（报送期满）"),
    ]
    assert "已撤回" not in page
    for unit in ("land", "civil_affairs"):
        task_page = text_of(client.get(f"/tasks/{rounds[unit]}"))
        assert status_of_task(task_page) == "已关闭（期限届满：「报送期满」）"
    assert status_of_task(text_of(client.get(f"/tasks/{rounds['finance']}"))) == "已完成（finance1 同志）"
    # the window's entry names the rounds it closed, not the one done before
    assert [sorted(ids) for ids in closed_rounds_read_by(app, "office1", case_id)] == [
        sorted([rounds["land"], rounds["civil_affairs"]])
    ]


def test_the_holders_of_the_closed_rounds_read_that_the_period_ended(app, window_closed):
    case_id, _rounds = window_closed
    assert told(app, case_id, *UNITS.values(), "finance2") == [
        ("civil1", "lapsed"),
        ("landy", "lapsed"),
    ]


def test_a_units_officer_reads_his_own_closed_round_only(app, as_user, window_closed):
    case_id, rounds = window_closed
    assert closed_rounds_read_by(app, "landy", case_id) == [[rounds["land"]]]
    assert closed_rounds_read_by(app, "civil1", case_id) == [[rounds["civil_affairs"]]]
    # finance's round was done before the window: none it closed is finance's
    assert closed_rounds_read_by(app, "finance1", case_id) == [[]]


@pytest.fixture
def windows_closed_together(app, frozen_clock) -> tuple[int, dict[tuple[str, str], str]]:
    """office1's scoring case, wang's score of finance given, the other three open when both
    units' windows closed: (case id, each (unit, deputy) score's task id)."""
    create_people(app, "wang", "li")
    deploy(app, "report_window_nested.bpmn")
    case_id = act(app, "office1", cases.start_instance, "report_window_nested", {}).id
    with database.session_factory(app)() as s:
        items = s.scalars(select(WorkItem).where(WorkItem.instance_id == case_id).order_by(WorkItem.id)).all()
        # the units' rounds open in the collection's order, each one's deputies in theirs
        assert [i.assignee for i in items] == ["wang", "li", "wang", "li"]
        order = [(unit, deputy) for unit in ("finance", "land") for deputy in ("wang", "li")]
        scores = dict(zip(order, [i.task_id for i in items], strict=True))
    act(app, "wang", tasks.complete, scores["finance", "wang"], {})
    clock.advance(timedelta(days=3, seconds=1))
    timers.fire_due(database.session_factory(app))
    return case_id, scores


def test_each_window_closes_its_own_units_scores(app, windows_closed_together):
    case_id, scores = windows_closed_together
    assert sorted(sorted(ids) for ids in closed_rounds_read_by(app, "office1", case_id)) == sorted(
        [[scores["finance", "li"]], sorted([scores["land", "wang"], scores["land", "li"]])]
    )
    # each deputy is told once of each score of theirs that the period closed
    assert told(app, case_id, "wang", "li") == [("li", "lapsed"), ("li", "lapsed"), ("wang", "lapsed")]
