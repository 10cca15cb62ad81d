"""What the phone walk (QA "mobile") found on the pages themselves: the command line's operator
named as such wherever a step shows who did or holds it, 我的建议 giving the deadline of the
re-handling in progress and saying so, and the hand-over note's field named for screen readers."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.access import OPERATOR
from engine.usecases import ledger
from storage.models import WorkItem
from tests.conftest import REPO_ROOT
from tests.integration.test_ledger import OPEN, PROPOSAL_HEADERS, workbook
from tests.web.conftest import text_of
from tests.web.test_my_proposals import assign, cell, do, register, reply, row_of
from tests.world import create_people, deploy, start_review
from web import database

OPERATOR_NAME = "服务器运维（命令行）"


@pytest.fixture
def imported(app) -> int:
    """A proposal of wang's imported from the ledger on the command line (as the operator):
    registered and assigned to 财政所 by the replay, waiting at the reply."""
    create_people(app, "wang")
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    with database.session_factory(app).begin() as s:
        done = ledger.apply(s, OPERATOR, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, OPEN))
    [outcome] = done.outcomes
    return outcome.instance_id


def classify_task(app, case_id: int) -> str:
    with database.session_factory(app)() as s:
        return s.scalars(
            select(WorkItem.task_id).where(WorkItem.instance_id == case_id, WorkItem.bpmn_id == "Task_Classify")
        ).one()


def test_the_case_steps_name_the_command_lines_operator(app, as_user, imported):
    html = text_of(as_user("office1").get(f"/cases/{imported}"))
    step = re.search(r"<tr[^>]*>(?:(?!</tr>).)*整理分类并交办(?:(?!</tr>).)*</tr>", html)
    assert step, "no 整理分类并交办 step"
    holder = re.search(r'<td class="holder"[^>]*>(.*?)</td>', step.group(0)).group(1)
    assert holder == f"台账补录（{OPERATOR_NAME}）"  # replayed from the ledger's row, as the history says


def test_the_task_page_names_the_command_lines_operator(app, as_user, imported):
    html = text_of(as_user("office1").get(f"/tasks/{classify_task(app, imported)}"))
    assert f"<dt>状态</dt><dd>已完成（台账补录（{OPERATOR_NAME}））</dd>" in html
    assert ">operator<" not in html and "（operator）" not in html


def test_my_proposals_gives_the_re_handlings_deadline_and_says_so(app, as_user, frozen_clock):
    """The clock starts on Monday 2026-12-07, 09:00 in Beijing. Assigned that day, the reply is
    due in 3 months: 2027-03-07 is a Sunday, so Monday 2027-03-08 24:00. 不满意 the same day
    opens the re-handling, due in proposal.rehandle_months (1): 2027-01-07 24:00, a Thursday."""
    create_people(app, "wang", "li")
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    case_id = register(app, "修缮村道")
    assign(app, case_id, [])
    reply(app, case_id, "B")
    client = as_user("wang")
    before = row_of(text_of(client.get("/cases?deputy=1")), case_id)
    assert cell(before, "reply-due") == "2027-03-08 24:00"

    do(app, "wang", case_id, "Task_Evaluate", {"evaluation": "不满意", "unsatisfied_reason": "未解决"})
    during = row_of(text_of(client.get("/cases?deputy=1")), case_id)
    assert cell(during, "step") == "承办单位办理中"
    assert cell(during, "reply-due") == "2027-01-07 24:00 重新办理中"
    assert cell(during, "evaluation") == "不满意"

    # replied again: the deputy evaluates; no round in progress any more
    do(app, "finance1", case_id, "Task_Rehandle", {"reply_class": "A", "reply_text": "已解决"})
    after = row_of(text_of(client.get("/cases?deputy=1")), case_id)
    assert "重新办理中" not in cell(after, "reply-due")


def test_the_hand_over_note_has_a_label(app, as_user):
    case = start_review(app, "office1")
    client = as_user("office1")
    html = text_of(client.get(f"/tasks/{case.task_id}"))
    assert '<label for="handover-note" class="visually-hidden">转交说明</label>' in html
    assert re.search(r'<input name="comment" id="handover-note"[^>]*>', html)
