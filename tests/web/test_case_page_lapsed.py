"""A step whose period ended undone and whose deadline closed it (a deputy's evaluation not given
in its 20 working days: 逾期未反馈) reads lapsed — 期限届满, by the timer's name — on the case's
steps and statutory deadlines and on its task page, in Chinese and in English, not 已撤回 (the
process withdrew it: the case moved on). The timer's entry in the history (the API's too) names
the step it closed. A step closed so before that was recorded reads withdrawn, as it did."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine import clock
from engine.usecases import cases, definitions, timers
from engine.usecases.context import SYSTEM
from storage.models import AuditEntry, WorkItem
from tests.conftest import REPO_ROOT
from tests.processes.test_windows_closing import MARKER, UNMARKED
from tests.web.conftest import text_of
from tests.web.test_ledger_lapsed_on_import import api_case, step_row
from tests.web.test_my_proposals import assign, register, reply
from tests.world import act, create_people, deploy
from web import database

# the reply sent Monday 2026-12-07: the deputy's 20 working days end Tuesday 2027-01-05 (2027-01-01
# a holiday), 24:00; the timer fires a second after, at 2027-01-06 00:00:01 in Beijing
EVALUATION_DUE = "2027-01-05 24:00"
LAPSED_AT = "2027-01-06 00:00"


@pytest.fixture
def lapsed(app, frozen_clock) -> tuple[int, str]:
    """wang's proposal, replied (class A), his evaluation never given: (case id, its task id)."""
    create_people(app, "wang", "li")
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    case_id = register(app, "修缮村道")
    assign(app, case_id, [])
    reply(app, case_id, "A")
    with database.session_factory(app)() as s:
        item = s.scalars(
            select(WorkItem).where(WorkItem.instance_id == case_id, WorkItem.bpmn_id == "Task_Evaluate")
        ).one()
        task_id, due_at = item.task_id, item.due_at
    clock.advance(due_at - clock.now() + timedelta(seconds=1))
    assert timers.fire_due(database.session_factory(app)) >= 1
    return case_id, task_id


def deadline_row(page: str, bpmn_id: str) -> tuple[str, str]:
    """(state, result badge) of the step's row in 法定期限."""
    table = page.split('id="deadlines"', 1)[1].split("</section>", 1)[0]
    row = re.search(rf'<tr data-bpmn-id="{bpmn_id}" data-state="([a-z]+)">(.*?)</tr>', table, re.S)
    assert row is not None, table
    result = re.search(r'<td class="on-time"[^>]*>(.*?)</td>', row[2], re.S)
    assert result is not None, row[2]
    return row[1], re.sub(r"<[^>]+>", "", result[1]).strip()


def status_of_task(page: str) -> str:
    found = re.search(r"<dt>(?:状态|Status)</dt><dd>(.*?)</dd>", page)
    assert found is not None, page
    return found[1]


def test_a_lapsed_evaluation_reads_lapsed_on_the_case_and_its_task(app, as_user, lapsed):
    case_id, task_id = lapsed
    client = as_user("wang")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)

    assert step_row(page, "Task_Evaluate") == ("lapsed", LAPSED_AT, EVALUATION_DUE, "期限届满（逾期未反馈）")
    assert deadline_row(page, "Task_Evaluate") == ("lapsed", "期限届满（逾期未反馈）")
    assert "已撤回" not in page
    assert status_of_task(text_of(client.get(f"/tasks/{task_id}"))) == "已关闭（期限届满：「逾期未反馈」）"

    # the timer's entry names the step it closed
    fired = [h for h in api_case(app, case_id)["history"] if h["action"] == "timer_fired"]
    assert [(h["bpmn_id"], h["data"]["closed_task"]) for h in fired] == [("Timer_EvaluationDue", task_id)]


def test_a_lapsed_evaluation_in_english(app, as_user, lapsed):
    case_id, task_id = lapsed
    client = as_user("wang")
    client.get("/lang/en")
    page = html.unescape(client.get(f"/cases/{case_id}").get_data(as_text=True))

    assert step_row(page, "Task_Evaluate") == ("lapsed", LAPSED_AT, EVALUATION_DUE, "Lapsed (“逾期未反馈”)")
    assert deadline_row(page, "Task_Evaluate") == ("lapsed", "Lapsed (“逾期未反馈”)")
    task_page = html.unescape(text_of(client.get(f"/tasks/{task_id}")))
    assert status_of_task(task_page) == "Closed (period over: “逾期未反馈”)"


def test_a_step_closed_before_its_lapse_was_recorded_reads_withdrawn(app, as_user, lapsed):
    """A timer's entry written before the entries named the step they closed: the step reads as
    every step closed by the process did then."""
    case_id, task_id = lapsed
    client = as_user("wang")
    assert step_row(client.get(f"/cases/{case_id}").get_data(as_text=True), "Task_Evaluate")[0] == "lapsed"
    with database.session_factory(app).begin() as s:
        s.execute(
            update(AuditEntry)
            .where(AuditEntry.instance_id == case_id, AuditEntry.action == "timer_fired")
            .values(data={"timer_id": 1, "due_at": None})
        )
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)

    assert step_row(page, "Task_Evaluate") == ("cancelled", LAPSED_AT, EVALUATION_DUE, "已撤回")
    assert deadline_row(page, "Task_Evaluate") == ("cancelled", "已撤回")
    assert status_of_task(text_of(client.get(f"/tasks/{task_id}"))) == "已撤回（案件已按流程转入其他步骤）"


def test_a_step_lapsed_by_a_timer_of_no_name_reads_lapsed_undone(app, as_user, frozen_clock):
    """The timer said by its name only when it has one: never by its element id."""
    unnamed = UNMARKED.replace("{marker}", MARKER).replace(' name="请求期满"', "")
    with database.session_factory(app).begin() as s:
        definitions.deploy(s, unnamed.encode(), "window.bpmn", SYSTEM)
    case_id = act(app, "office1", cases.start_instance, "window", {}).id
    with database.session_factory(app)() as s:
        task_id = s.scalars(select(WorkItem.task_id).where(WorkItem.instance_id == case_id)).one()
    clock.advance(timedelta(days=2, seconds=1))
    assert timers.fire_due(database.session_factory(app)) == 1
    client = as_user("office1")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)

    row = re.search(r'<tr data-bpmn-id="ask" data-state="([a-z]+)">.*?<td class="on-time"[^>]*>(.*?)</td>', page, re.S)
    assert row is not None, page
    assert (row[1], re.sub(r"<[^>]+>", "", row[2]).strip()) == ("lapsed", "期限届满（未办理）")
    assert status_of_task(text_of(client.get(f"/tasks/{task_id}"))) == "已关闭（期限届满）"
