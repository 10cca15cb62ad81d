"""A ledger row whose period had already ended before its import (an evaluation never given in
its 20 working days, a petitioner's 30 days to ask for a review): the case reads as one that
lapsed live — the step closed and the case moved on (or ended) at the moment the period ended,
as the deadline rules count it, not at the moment it was imported — on the case page and in
the API alike."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.usecases import ledger, timers, tokens
from engine.usecases.context import SYSTEM
from storage.models import Notification, WorkItem
from tests.integration.test_ledger import PETITION_HEADERS, PROPOSAL_HEADERS, workbook
from tests.web.conftest import text_of
from tests.world import act, deploy, session_factory_of

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
# replied 09-01, never evaluated: the deputy's 20 working days (09-20, a Sunday, worked; 09-25, the
# Mid-Autumn Friday, off) ended 09-29 24:00, long before the clock's 12-07; class A: the case ends then
UNEVALUATED = {
    "编号": "2026-建-031", "标题": "关于增设路灯的建议", "内容": "夜间无照明", "提出代表": "deputy",
    "提出时间": "大会期间", "登记日期": "2026-05-06", "交办日期": "2026-05-08", "类别": "城乡建设",
    "主办单位": "财政所", "答复日期": "2026-09-01", "答复类别": "A", "答复内容": "已安装",
}  # fmt: skip
# replied 11-02: the petitioner's 30 days to ask for a review ended 12-02 24:00; the case ends then
REPLIED = {
    "编号": "2026-信-031", "事由": "低保资格", "来源": "来访", "信访人姓名": "赵某某", "联系电话": "13800001234",
    "信访内容": "申请复核", "收到日期": "2026-10-08", "受理日期": "2026-10-12", "承办单位": "民政办",
    "交办日期": "2026-10-13", "答复日期": "2026-11-02", "答复内容": "符合条件",
}  # fmt: skip


@pytest.fixture
def app(make_world):
    app = make_world()
    deploy(app, LIBRARY / "proposal.bpmn", LIBRARY / "petition.bpmn")
    return app


def imported(app, kind: str, headers: list[str], row: dict[str, str]) -> int:
    """The row imported, then the scheduler's first sweep: the case's id."""
    [outcome] = act(app, "admin", ledger.apply, kind, "台账.xlsx", workbook(headers, row)).outcomes
    timers.fire_due(session_factory_of(app))
    assert outcome.instance_id is not None
    return outcome.instance_id


def api_case(app, case_id: int) -> dict:
    with session_factory_of(app).begin() as s:
        secret = tokens.create_token(s, SYSTEM, "admin", "tests").secret
    response = app.test_client().get(f"/api/v1/instances/{case_id}", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def step_row(html: str, bpmn_id: str) -> tuple[str, str, str, str]:
    """(state, done, due, on-time badge) of the step's row on the case page."""
    row = re.search(rf'<tr data-bpmn-id="{bpmn_id}" data-state="([a-z]+)">(.*?)</tr>', html, re.S)
    assert row is not None, html
    cells = dict(re.findall(r'<td class="([a-z-]+)"[^>]*>(.*?)</td>', row[2], re.S))
    badge = re.sub(r"<[^>]+>", "", cells["on-time"]).strip()
    return row[1], cells["done"].strip(), cells["due"].strip(), badge


def test_an_evaluation_lapsed_before_the_import_ends_when_its_period_ended(app, as_user):
    case_id = imported(app, "proposals", PROPOSAL_HEADERS, UNEVALUATED)

    body = api_case(app, case_id)
    assert (body["status"], body["ended_at"]) == ("completed", "2026-09-29T16:00:01+00:00")
    assert (body["variables"]["evaluation"], body["variables"]["evaluated_at"]) == (
        "逾期未反馈",
        "2026-09-30T00:00:01+08:00",
    )
    lapsed = [(h["actor"], h["at"], h["bpmn_id"]) for h in body["history"] if h["action"] == "timer_fired"]
    assert lapsed == [("system", "2026-09-29T16:00:01+00:00", "Timer_EvaluationDue")]
    assert [h["action"] for h in body["history"]][-2:] == ["timer_fired", "import"]  # in the order it happened
    with session_factory_of(app)() as s:
        evaluation = s.scalars(
            select(WorkItem.task_id).where(WorkItem.instance_id == case_id, WorkItem.bpmn_id == "Task_Evaluate")
        ).one()
    # the step the timer closed, named in its entry
    assert [h["data"]["closed_task"] for h in body["history"] if h["action"] == "timer_fired"] == [evaluation]

    html = as_user("admin").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "<dt>结束</dt><dd>2026-09-30 00:00</dd>" in html
    # closed by its timer when the period ended, as a live case's lapsed evaluation reads
    assert step_row(html, "Task_Evaluate") == (
        "lapsed",
        "2026-09-30 00:00",
        "2026-09-29 24:00",
        "期限届满（逾期未反馈）",
    )
    lapse = (
        '<li data-action="timer_fired"> <div class="when">2026-09-30 00:00</div> '
        '<div><strong title="system">系统</strong> 期限届满 · 逾期未反馈</div>'
    )
    assert lapse in text_of(as_user("admin").get(f"/cases/{case_id}"))

    with session_factory_of(app)() as s:  # the deputy was told of no task of it, nor of its end
        told = s.scalars(select(Notification.username).where(Notification.instance_id == case_id)).all()
    assert "deputy" not in told


def test_a_petitions_review_window_closed_before_the_import_ends_it_then(app, as_user):
    case_id = imported(app, "petitions", PETITION_HEADERS, REPLIED)

    body = api_case(app, case_id)
    assert (body["status"], body["ended_at"]) == ("completed", "2026-12-02T16:00:01+00:00")
    html = as_user("admin").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "<dt>结束</dt><dd>2026-12-03 00:00</dd>" in html
    # lapsed, as a live case's review window closing reads: not withdrawn
    review = step_row(html, "Task_ReviewRequest")
    assert review == ("lapsed", "2026-12-03 00:00", "2026-12-02 24:00", "期限届满（复查请求期满）")
