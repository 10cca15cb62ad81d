"""What the office did about a deadline timer's 督办 (its 督办 task's 督办方式 and 督办情况), on
the printed 督办通知书, the case page's and the late task's page's 督办 list and the API's
view of the case's 督办, in Chinese and in English (the process's own words marked as Chinese),
for the petition's 办理期满 and the proposal's 答复期满; nothing said while the office's task is
open."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from engine import clock
from engine.deadlines import legal
from engine.usecases import tasks, timers
from tests.web.conftest import text_of
from tests.web.test_supervision_on_arrival import assigned_after_its_period, open_task
from tests.world import act, start_proposal
from web import database

NOTE = "电话催办，要求三日内答复"


def petition(app) -> tuple[int, str, str]:
    """A petition assigned after its handling period: (case, the late task, the office's 督办 task)."""
    case_id = assigned_after_its_period(app)
    return case_id, open_task(app, case_id, "Task_Handle"), open_task(app, case_id, "Task_SuperviseHandle")


def proposal(app) -> tuple[int, str, str]:
    """A proposal whose reply period lapsed (the scheduler fired 答复期满): (case, the late task,
    the office's 督办 task)."""
    case_id = start_proposal(app)
    classify = {"category": "construction", "lead_unit": "finance", "cohandling_units": [], "assignment_note": "请办理"}
    act(app, "office1", tasks.complete, open_task(app, case_id, "Task_Classify"), classify)
    clock.advance(timedelta(days=100))  # past the reply's three months
    assert timers.fire_due(database.session_factory(app)) >= 1
    return case_id, open_task(app, case_id, "Task_Reply"), open_task(app, case_id, "Task_Supervise")


def part(page: str, marker: str, end: str) -> str:
    return page.split(marker, 1)[1].split(end, 1)[0]


@pytest.mark.parametrize("late", [petition, proposal], ids=["petition", "proposal"])
def test_what_the_office_did_is_said_with_the_timers_supervision(app, as_user, late):
    case_id, late_task, office_task = late(app)
    office = as_user("office1")
    [raised] = office.get(f"/api/v1/instances/{case_id}/supervisions").get_json()
    assert raised["automatic"] and raised["follow_up"] is None  # the office's task still open
    assert "data-follow-up" not in text_of(office.get(f"/cases/{case_id}"))
    assert 'id="notice-follow-up"' not in text_of(office.get(f"/board/supervisions/{raised['id']}/notice"))

    done = office.post(
        f"/tasks/{office_task}", data={"action": "complete", "supervision_method": "phone", "supervision_note": NOTE}
    )
    assert done.status_code == 302
    day = clock.now()

    [raised] = office.get(f"/api/v1/instances/{case_id}/supervisions").get_json()
    assert raised["follow_up"] == {
        "task_name": "督办",
        "done_by": "office1",
        "done_at": day.isoformat(),
        "answers": [
            {"field": "supervision_method", "label": "督办方式", "value": "电话督办"},
            {"field": "supervision_note", "label": "督办情况", "value": NOTE},
        ],
    }
    said = f"督办落实情况：督办方式：电话督办；督办情况：{NOTE}"
    listed = part(text_of(office.get(f"/cases/{case_id}")), 'id="supervisions"', "</section>")
    assert f'<p class="follow-up" data-follow-up>{said} <small><span title="office1">office1 同志</span> · ' in listed
    unit = as_user("finance1")  # the late task's page, as its unit reads it
    on_the_task = part(text_of(unit.get(f"/tasks/{late_task}")), 'id="supervisions"', "</section>")
    assert f'<p class="follow-up" data-follow-up>{said} <small>' in on_the_task
    notice = part(text_of(unit.get(f"/board/supervisions/{raised['id']}/notice")), 'id="notice-follow-up">', "</p>")
    local = legal.local_day(day)  # the notice dates it in words, where the congress is
    dated = f"{local.year}年{local.month}月{local.day}日"
    assert notice == f"<strong>督办落实情况：</strong>督办方式：电话督办；督办情况：{NOTE}（{dated}）"

    unit.get("/lang/en")
    zh = '<span lang="zh-CN">{}</span>'.format
    english = f"Action taken: {zh('督办方式')}: {zh('电话督办')}; {zh('督办情况')}: {zh(NOTE)}"
    on_the_task = part(html.unescape(text_of(unit.get(f"/tasks/{late_task}"))), 'id="supervisions"', "</section>")
    assert f'<p class="follow-up" data-follow-up>{english} <small>' in on_the_task
    notice = part(
        html.unescape(text_of(unit.get(f"/board/supervisions/{raised['id']}/notice"))), 'id="notice-follow-up">', "</p>"
    )
    assert (
        notice == f"<strong>Action taken: </strong>{english.removeprefix('Action taken: ')} ({local.day} {local:%B %Y})"
    )
