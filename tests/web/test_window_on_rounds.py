"""A window timer (``closes_window``) on a multi-instance activity (tests/fixtures/opinion_window.bpmn:
two deputies each give an opinion in a parallel round, 意见征集期满 after three days) closes each
round still open as a window closes a single task: the round reads 期限届满 by the window's name
on the case's steps and on its task page, in Chinese and in English, not 已撤回; the window's
entry in the history names the rounds it closed, and their holders read that the period ended.
A round done before the window closed reads done, as it did."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.usecases import cases, tasks, timers
from storage.models import Notification, WorkItem
from tests.web.conftest import text_of
from tests.web.test_case_page_lapsed import status_of_task
from tests.web.test_ledger_lapsed_on_import import api_case
from tests.world import act, create_people, deploy
from web import database

CLOSED_AT = "2026-12-10 09:00"  # started Monday 2026-12-07 09:00 in Beijing, the window is three days


@pytest.fixture
def window_closed(app, frozen_clock) -> tuple[int, dict[str, str]]:
    """office1's case, wang's opinion given, li's not when the window closed: (case id, each
    deputy's round's task id)."""
    create_people(app, "wang", "li")
    deploy(app, "opinion_window.bpmn")
    case_id = act(app, "office1", cases.start_instance, "opinion_window", {}).id
    with database.session_factory(app)() as s:
        rounds = {
            str(assignee): task_id
            for assignee, task_id in s.execute(
                select(WorkItem.assignee, WorkItem.task_id).where(WorkItem.instance_id == case_id)
            )
        }
    act(app, "wang", tasks.complete, rounds["wang"], {"opinion": "同意"})
    clock.advance(timedelta(days=3, seconds=1))
    assert timers.fire_due(database.session_factory(app)) == 1
    return case_id, rounds


def round_rows(page: str) -> list[tuple[str, str, str]]:
    """(step, state, on-time badge) of each round's row of the case's steps."""
    rows = re.findall(r'<tr data-bpmn-id="give_opinion" data-state="([a-z]+)">(.*?)</tr>', page, re.S)
    found = []
    for state, row in rows:
        cells = dict(re.findall(r'<td class="([a-z-]+)"[^>]*>(.*?)</td>', row, re.S))
        found.append((_text(cells["title"]), state, _text(cells["on-time"])))
    return found


def history_entry(page: str, action: str) -> str:
    found = re.search(rf'<li data-action="{action}">(.*?)</li>', page, re.S)
    assert found is not None, page
    return _text(found[1])


def _text(markup: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", markup).split())


def test_the_window_closes_the_open_round_as_it_closes_a_task(app, as_user, window_closed):
    case_id, rounds = window_closed
    client = as_user("office1")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)

    assert round_rows(page) == [
        ("提出意见 · wang 同志", "done", "无期限"),
        ("提出意见 · li 同志", "lapsed", "期限届满（意见征集期满）"),
    ]
    assert "已撤回" not in page
    assert history_entry(page, "timer_fired") == f"{CLOSED_AT} 系统 期限届满 · 意见征集期满"
    assert status_of_task(text_of(client.get(f"/tasks/{rounds['li']}"))) == "已关闭（期限届满：「意见征集期满」）"
    # the window's entry names the round it closed, not the one done before
    fired = [h for h in api_case(app, case_id)["history"] if h["action"] == "timer_fired"]
    assert [(h["bpmn_id"], h["data"]["closed_rounds"]) for h in fired] == [("window_closes", [rounds["li"]])]
    assert "closed_task" not in fired[0]["data"]


def test_the_round_closed_by_the_window_in_english(app, as_user, window_closed):
    case_id, rounds = window_closed
    client = as_user("office1")
    client.get("/lang/en")
    page = html.unescape(client.get(f"/cases/{case_id}").get_data(as_text=True))

    assert round_rows(page) == [
        ("提出意见 · wang 同志", "done", "No due date"),
        ("提出意见 · li 同志", "lapsed", "Lapsed (“意见征集期满”)"),
    ]
    assert history_entry(page, "timer_fired") == f"{CLOSED_AT} System Period ended · 意见征集期满"
    task_page = html.unescape(text_of(client.get(f"/tasks/{rounds['li']}")))
    assert status_of_task(task_page) == "Closed (period over: “意见征集期满”)"


def test_the_deputy_whose_round_closed_reads_that_the_period_ended(app, as_user, window_closed):
    case_id, _ = window_closed
    with database.session_factory(app)() as s:
        told = s.execute(
            select(Notification.username, Notification.kind, Notification.message)
            .where(Notification.instance_id == case_id, Notification.username.in_(("wang", "li")))
            .order_by(Notification.id)
        ).all()
    assert [(user, str(kind), message) for user, kind, message in told][2:] == [
        (
            "li",
            "lapsed",
            "「提出意见 · li 同志」（案件：征求代表意见（测试） 2026-12-07）的期限（意见征集期满）"
            "已于 2026-12-10 09:00 届满，该任务已结束，案件按流程继续办理。",
        )
    ]
    # and her own page (she reads her round only) says so too
    client = as_user("li")
    assert round_rows(client.get(f"/cases/{case_id}").get_data(as_text=True)) == [
        ("提出意见 · li 同志", "lapsed", "期限届满（意见征集期满）")
    ]
