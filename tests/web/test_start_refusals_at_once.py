"""The start page says everything wrong in one round (QA walk P, defect 4): a 收到日期 in the
future and a case title repeating the petitioner's name are both refused, each beside its
field, on the first submission; nothing is started."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from storage.models import ProcessInstance
from tests.conftest import REPO_ROOT
from tests.web.conftest import text_of
from tests.world import deploy
from web import database

FORM = {
    "case_title": "周大福反映问题",
    "channel": "visit",
    "petitioner_name": "周大福",
    "petitioner_phone": "13812345678",
    "petition_subject": "反映道路积水",
    "petition_content": "村口道路雨后积水，出行困难",
    "received_on": "2026-12-08",  # the frozen clock's tomorrow
    "disposition": "register",
}


def refusals(page: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field-error" id="f-(\w+)-error" role="alert">([^<]*)</p>', page))


def test_a_future_day_and_a_title_with_the_name_are_refused_in_one_round(app, as_user, frozen_clock):
    deploy(app, REPO_ROOT / "bpmn" / "petition.bpmn")
    refused = as_user("office1").post("/start/petition", data=FORM)
    assert refused.status_code == 422
    assert refusals(text_of(refused)) == {
        "received_on": "日期应在 2025-12-07 至 2026-12-07 之间",
        "case_title": "用作案件标题，能看到此案件的人都可见：不能含有保密的“信访人姓名”",
    }
    with app.app_context(), database.session_factory()() as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0
