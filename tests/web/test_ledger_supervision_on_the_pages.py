"""A ledger row whose reply's period is over when it is imported: the preview counts it under a
督办 (其中 1 件导入后随即逾期转入督办), and once the scheduler has raised that 督办, the task
page dates it when the period lapsed and says when its notice was sent."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.usecases import timers
from storage.models import WorkItem
from tests.integration.test_ledger import PROPOSAL_HEADERS, workbook
from tests.web.conftest import text_of
from tests.world import deploy, session_factory_of

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
# assigned 07-01, not replied: due 10-08 24:00 (past the National Day holidays), 答复期满 then
STUCK = {
    "编号": "2026-建-004", "标题": "关于学校周边交通的建议", "内容": "上下学拥堵", "提出代表": "deputy",
    "提出时间": "闭会期间", "登记日期": "2026-06-28", "交办日期": "2026-07-01", "类别": "教育", "主办单位": "财政所",
}  # fmt: skip


@pytest.fixture
def app(make_world):
    app = make_world()
    deploy(app, LIBRARY / "proposal.bpmn")
    return app


def post(client, path: str, **data):
    return client.post(path, data=data, content_type="multipart/form-data")


def test_the_preview_counts_the_supervision_and_the_task_page_dates_it_at_the_lapse(app, as_user, frozen_clock):
    admin = as_user("admin")
    preview = post(
        admin, "/admin/imports/ledger/proposals", file=(io.BytesIO(workbook(PROPOSAL_HEADERS, STUCK)), "台账.xlsx")
    )
    html = text_of(preview)
    assert "共 1 行：已办结 0 件，办理中 1 件，系统中已有、不变 0 件。" in html
    assert '<span id="ledger-supervised">其中 1 件导入后随即逾期转入督办。</span>' in html

    token = html.split('name="token" value="')[1].split('"')[0]
    assert post(admin, "/admin/imports/ledger/proposals/confirm", token=token).status_code == 200
    assert timers.fire_due(session_factory_of(app)) >= 1  # the scheduler's first sweep, 12-07 09:00

    with session_factory_of(app)() as s:
        task_id = s.scalars(select(WorkItem.task_id).where(WorkItem.bpmn_id == "Task_Reply")).one()
    page = text_of(as_user("finance1").get(f"/tasks/{task_id}"))
    assert "系统（期限届满） · 2026-10-09 00:00 （2026-12-07 09:00 发出通知）" in page
