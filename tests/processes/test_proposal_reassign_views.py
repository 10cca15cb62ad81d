"""代表建议 (bpmn/proposal.bpmn): a co-handling unit's view (协办意见) sent under an assignment
that 改办 then ended is not lost. The ended handling returned nothing to ``cohandling_views``
and the new 交办 fills it afresh; the view, sent and recorded, stays a table of its own marked
as the run 退回改办 ended, for whoever read it before: the office, the lead unit that returned
the item, the unit that sent it, and the deputy on his 回执 (评价办理结果); not a unit of the
new assignment that had no part in it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from engine import clock
from engine.usecases import cases, tasks
from tests.world import PASSWORD

from .conftest import act, deploy, do, items, one
from .test_proposal import assign, register, reply

LAND_VIEW = {
    "unit": "land",
    "opinion": "村道属国土所规划范围，建议由国土所主办",
    "submitted_at": "2026-12-10T09:00:00+08:00",
    "on_time": True,
}
CIVIL_VIEW = {
    "unit": "civil_affairs",
    "opinion": "民政办配合做好群众工作",
    "submitted_at": "2026-12-16T09:00:00+08:00",
    "on_time": True,
}
TITLE = "协办单位提出协办意见"
COLUMNS = ["协办单位", "协办意见", "提交时间", "按期提出"]


@pytest.fixture
def world(people):
    deploy(people, "proposal")
    return people


UNITS = {"landy": "land", "civ": "civil_affairs"}


def view(world, user, case_id, opinion):
    """``user``'s unit sends its view (its own of the co-handling tasks open)."""
    [theirs] = [i for i in items(world, case_id, "Task_CohandlingView") if UNITS[user] in i.candidate_groups]
    act(world, user, tasks.complete, theirs.task_id, {"cohandling_opinion": opinion})


def reassigned(world, case_id):
    """财政所 returns the item and the office agrees: 改办."""
    do(world, "fin", case_id, "Task_Reply", {"handling_action": "return", "return_reason": "不属于本所职责"})
    do(world, "clerk", case_id, "Task_ReviewReturn", {"return_decision": "reassign", "return_opinion": "同意改办"})


def tables(world, username, case_id):
    """The case page's record tables as ``username`` reads them: (ended by, which, rows)."""
    page = act(world, username, cases.case_page, case_id)
    return [(t.ended_by, t.ended_number, t.rows) for t in page.records]


def sent_before_reassignment(world):
    """交办 2026-12-07 to 财政所 with 国土所 and 民政办 co-handling; 国土所 sends its view on 12-10,
    民政办 has not when the office agrees to 改办 on 12-14; the new 交办 (12-15) names 国土所
    lead and 民政办 co-handling again, which sends its view on 12-16."""
    case_id = register(world)
    assign(world, case_id, cohandling=["land", "civil_affairs"])
    clock.advance(timedelta(days=3))
    view(world, "landy", case_id, LAND_VIEW["opinion"])
    clock.advance(timedelta(days=4))
    reassigned(world, case_id)
    return case_id


def assigned_again(world, case_id):
    clock.advance(timedelta(days=1))
    assign(world, case_id, lead="land", cohandling=["civil_affairs"])
    clock.advance(timedelta(days=1))
    view(world, "civ", case_id, CIVIL_VIEW["opinion"])


def test_the_view_sent_before_reassignment_stays_on_the_case_page_marked_as_the_ended_runs(world, frozen_clock):
    case_id = sent_before_reassignment(world)
    # between 改办 and the new 交办 the case holds no collection: the ended run's view is there alone
    assert tables(world, "clerk", case_id) == [("退回改办", 1, [LAND_VIEW])]

    assigned_again(world, case_id)
    page = act(world, "clerk", cases.case_page, case_id)
    current, ended = page.records
    assert (current.title, [c.label for c in current.columns], current.rows) == (TITLE, COLUMNS, [CIVIL_VIEW])
    assert (current.ended_by, current.ended_number) == ("", 0)
    assert (ended.title, [c.label for c in ended.columns], ended.rows) == (TITLE, COLUMNS, [LAND_VIEW])
    assert (ended.ended_by, ended.ended_number) == ("退回改办", 1)
    # the lead unit that returned it and the unit that sent it read it as they did before
    assert (
        tables(world, "fin", case_id)
        == tables(world, "landy", case_id)
        == [("", 0, [CIVIL_VIEW]), ("退回改办", 1, [LAND_VIEW])]
    )


def test_a_unit_of_both_assignments_reads_its_own_rounds_alone(world, frozen_clock):
    """民政办 had a round in each assignment (the first withdrawn before it sent anything): it
    reads its own view, never 国土所's of the assignment that ended."""
    case_id = sent_before_reassignment(world)
    assert tables(world, "civ", case_id) == []
    assigned_again(world, case_id)
    assert tables(world, "civ", case_id) == [("", 0, [CIVIL_VIEW])]


def test_the_deputys_receipt_lists_the_view_sent_before_reassignment(world, frozen_clock):
    """The views go with the reply to the deputy (the evaluation shows them as a table): the
    one sent under the ended assignment too, marked so. On his case page he reads no table of
    the case's working data, before 改办 or after; its history names the view, unit and day."""
    case_id = sent_before_reassignment(world)
    assigned_again(world, case_id)
    reply(world, case_id, "A", user="landy")
    task_id = one(world, case_id, "Task_Evaluate").task_id

    def receipt(session, actor):
        page = tasks.task_page(session, actor, task_id)
        return [(t.title, t.ended_by, t.ended_number, t.rows) for t in page.records]

    assert act(world, "wang", receipt) == [(TITLE, "", 0, [CIVIL_VIEW]), (TITLE, "退回改办", 1, [LAND_VIEW])]
    page = act(world, "wang", cases.case_page, case_id)
    assert page.records == []
    sent = [(e.task_name, e.data) for e in page.detail.history if e.bpmn_id == "Task_CohandlingView"]
    assert sent == [
        ("向主办单位提出协办意见 · 国土所", {"cohandling_opinion": LAND_VIEW["opinion"]}),
        ("向主办单位提出协办意见 · 民政办", {"cohandling_opinion": CIVIL_VIEW["opinion"]}),
    ]


def test_each_reassignment_ends_a_run_of_its_own(world, frozen_clock):
    """Two 改办 in turn, a view sent under each ended assignment: two tables, oldest first."""
    case_id = sent_before_reassignment(world)
    clock.advance(timedelta(days=1))
    assign(world, case_id, cohandling=["civil_affairs"])  # 财政所 again, 12-15
    clock.advance(timedelta(days=1))
    view(world, "civ", case_id, CIVIL_VIEW["opinion"])
    reassigned(world, case_id)
    assert tables(world, "clerk", case_id) == [("退回改办", 1, [LAND_VIEW]), ("退回改办", 2, [CIVIL_VIEW])]


def test_the_case_page_titles_the_ended_runs_table(world, frozen_clock, make_app, db_url):
    case_id = sent_before_reassignment(world)
    assigned_again(world, case_id)
    client = make_app(db_url).test_client()
    client.post("/login", data={"username": "clerk", "password": PASSWORD})
    html = re.sub(r"\s+", " ", client.get(f"/cases/{case_id}").get_data(as_text=True))
    headings = re.findall(r"<h3[^>]*>([^<]*)</h3>", html)
    assert f"{TITLE}（第 1 次退回改办前）" in headings and TITLE in headings
    assert LAND_VIEW["opinion"] in html


def test_the_deputys_receipt_page_titles_the_ended_runs_table(world, frozen_clock, make_app, db_url):
    case_id = sent_before_reassignment(world)
    assigned_again(world, case_id)
    reply(world, case_id, "A", user="landy")
    task_id = one(world, case_id, "Task_Evaluate").task_id
    client = make_app(db_url).test_client()
    client.post("/login", data={"username": "wang", "password": PASSWORD})
    html = re.sub(r"\s+", " ", client.get(f"/tasks/{task_id}").get_data(as_text=True))
    headings = re.findall(r"<h2[^>]*>([^<]*)</h2>", html)
    assert f"{TITLE}（第 1 次退回改办前）" in headings and TITLE in headings
    assert LAND_VIEW["opinion"] in html and CIVIL_VIEW["opinion"] in html
