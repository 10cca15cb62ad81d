"""A round a window (or any boundary event) closed is gone from the workflow with its
subprocess, yet its work item stays: a reader of his own rounds only (a unit's officer in a
multi-unit round) finds another unit's gone round nowhere (the case page's steps and 法定期限,
the task's page, the history and comments through the API), his own gone round everywhere;
the office reads every one.

tests/fixtures/report_window.bpmn: three units report in rounds, the window closes land's and
civil affairs' after finance's is done. tests/fixtures/report_scored_window.bpmn: each unit's
round goes on after an inner window closed the deputies' scores of its report, so that the
scores gone from a round still there are that round's: its unit reads them, the other does not."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.usecases import cases, comments, tasks, timers, tokens
from engine.usecases.context import SYSTEM
from storage.models import WorkItem
from tests.web.test_window_on_subprocess_rounds import report_rows
from tests.world import act, create_people, deploy, session_factory_of
from web import database

LAPSED = ("lapsed", "期限届满（报送期满）")


def api_get(app, username: str, path: str):
    with session_factory_of(app).begin() as s:
        secret = tokens.create_token(s, SYSTEM, username, "tests").secret
    return app.test_client().get(f"/api/v1{path}", headers={"Authorization": f"Bearer {secret}"})


def api_json(app, username: str, path: str):
    response = api_get(app, username, path)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def items_of(app, case_id: int) -> dict[tuple[str, str], str]:
    """Each work item's task id by (element, its unit or deputy)."""
    with database.session_factory(app)() as s:
        rows = s.scalars(select(WorkItem).where(WorkItem.instance_id == case_id)).all()
        return {(i.bpmn_id, i.assignee if i.bpmn_id == "score" else i.candidate_groups[0]): i.task_id for i in rows}


@pytest.fixture
def commented_then_closed(app, frozen_clock) -> tuple[int, dict[str, str]]:
    """report_window.bpmn: finance's report given; civil affairs' officer noted something on
    his round's task, and the window closed his and land's rounds: (case id, each unit's task)."""
    create_people(app, "landy")
    deploy(app, "report_window.bpmn")
    case_id = act(app, "office1", cases.start_instance, "report_window", {}).id
    rounds = {unit: task_id for (_bpmn_id, unit), task_id in items_of(app, case_id).items()}
    act(app, "finance1", tasks.claim, rounds["finance"])
    act(app, "finance1", tasks.complete, rounds["finance"], {})
    act(app, "civil1", comments.add_comment, "本单位材料正在汇总", task_id=rounds["civil_affairs"], confidential=False)
    clock.advance(timedelta(days=3, seconds=1))
    assert timers.fire_due(database.session_factory(app)) == 1
    return case_id, rounds


def test_a_units_officer_finds_another_units_closed_round_nowhere(app, as_user, commented_then_closed):
    case_id, rounds = commented_then_closed
    landy = as_user("landy")
    assert report_rows(landy.get(f"/cases/{case_id}").get_data(as_text=True)) == [LAPSED]
    assert landy.get(f"/tasks/{rounds['civil_affairs']}").status_code == 404
    assert landy.get(f"/tasks/{rounds['land']}").status_code == 200
    assert api_get(app, "landy", f"/tasks/{rounds['civil_affairs']}").status_code == 404
    assert api_json(app, "landy", f"/instances/{case_id}/comments") == []
    history = api_json(app, "landy", f"/instances/{case_id}")["history"]
    assert [h["task_id"] for h in history if h["task_id"] in rounds.values()] == []


def test_the_officer_of_the_closed_round_reads_it_and_its_note(app, as_user, commented_then_closed):
    case_id, rounds = commented_then_closed
    civil1 = as_user("civil1")
    assert report_rows(civil1.get(f"/cases/{case_id}").get_data(as_text=True)) == [LAPSED]
    assert civil1.get(f"/tasks/{rounds['civil_affairs']}").status_code == 200
    assert [c["body"] for c in api_json(app, "civil1", f"/instances/{case_id}/comments")] == ["本单位材料正在汇总"]
    history = api_json(app, "civil1", f"/instances/{case_id}")["history"]
    assert [h["action"] for h in history if h["task_id"] == rounds["civil_affairs"]] == ["comment"]


def test_the_office_reads_every_closed_round(app, as_user, commented_then_closed):
    case_id, rounds = commented_then_closed
    page = as_user("office1").get(f"/cases/{case_id}").get_data(as_text=True)
    assert sorted(report_rows(page)) == [("done", "无期限"), LAPSED, LAPSED]
    assert [c["body"] for c in api_json(app, "office1", f"/instances/{case_id}/comments")] == ["本单位材料正在汇总"]
    assert api_get(app, "office1", f"/tasks/{rounds['land']}").status_code == 200


# -- a window within a unit's round that goes on ----------------------------------------------
@pytest.fixture
def scores_closed(app, frozen_clock) -> tuple[int, dict[tuple[str, str], str]]:
    """report_scored_window.bpmn: both units reported, no deputy scored when both units'
    windows closed: (case id, each task by (element, unit or deputy); the scores by (unit, deputy))."""
    create_people(app, "landy", "wang", "li")
    deploy(app, "report_scored_window.bpmn")
    case_id = act(app, "office1", cases.start_instance, "report_scored_window", {}).id
    reports = items_of(app, case_id)
    for unit, officer in (("land", "landy"), ("finance", "finance1")):
        act(app, officer, tasks.claim, reports["report", unit])
        act(app, officer, tasks.complete, reports["report", unit], {})
    with database.session_factory(app)() as s:
        scores = s.scalars(
            select(WorkItem).where(WorkItem.instance_id == case_id, WorkItem.bpmn_id == "score").order_by(WorkItem.id)
        ).all()
        # land's report was given first: its scores came first, each unit's deputies in their order
        assert [i.assignee for i in scores] == ["wang", "li", "wang", "li"]
        order = [(unit, deputy) for unit in ("land", "finance") for deputy in ("wang", "li")]
        ids = {**reports, **dict(zip(order, [i.task_id for i in scores], strict=True))}
    clock.advance(timedelta(days=3, seconds=1))
    timers.fire_due(database.session_factory(app))  # both windows (and the scores' reminders)
    return case_id, ids


def rows_of(page: str, section: str) -> list[tuple[str, str]]:
    """(element, state) of each row of a table of the case page (``steps``, ``deadlines``: 法定期限)."""
    found = re.search(rf'<section class="card" id="{section}">(.*?)</section>', page, re.S)
    return re.findall(r'<tr data-bpmn-id="([a-z_]+)" data-state="([a-z]+)">', found[1]) if found else []


def test_a_unit_reads_the_scores_closed_in_its_round_not_the_other_units(app, as_user, scores_closed):
    case_id, ids = scores_closed
    for officer, unit, other in (("landy", "land", "finance"), ("finance1", "finance", "land")):
        client = as_user(officer)
        page = client.get(f"/cases/{case_id}").get_data(as_text=True)
        # his report, and the deputies' two scores of it: not the other unit's (and the office's summing up)
        steps = [("report", "done"), ("score", "lapsed"), ("score", "lapsed"), ("sum_up", "open")]
        assert rows_of(page, "steps") == steps, officer
        assert rows_of(page, "deadlines") == [("score", "lapsed"), ("score", "lapsed")], officer
        assert client.get(f"/tasks/{ids[unit, 'li']}").status_code == 200
        assert client.get(f"/tasks/{ids[other, 'li']}").status_code == 404
        assert api_get(app, officer, f"/tasks/{ids[other, 'wang']}").status_code == 404


def test_a_deputy_whose_scores_closed_reads_the_units_rounds_he_scored(app, as_user, scores_closed):
    """li's scores are gone, each closed by its unit's window, which ran in that unit's round:
    he reads both units' rounds (the other deputy's scores of them too), as the office does."""
    case_id, ids = scores_closed
    for who in ("li", "office1"):
        page = as_user(who).get(f"/cases/{case_id}").get_data(as_text=True)
        steps = [("report", "done")] * 2 + [("score", "lapsed")] * 4 + [("sum_up", "open")]
        assert sorted(rows_of(page, "steps")) == steps, who
        assert rows_of(page, "deadlines") == [("score", "lapsed")] * 4, who
    assert api_get(app, "li", f"/tasks/{ids['finance', 'wang']}").status_code == 200
