"""What a supervisor's 督办 says to whom (engine/notifications/texts.py): the notification as
stored and e-mailed, and written again in a reader's language. No "请于 尽快 前", no "。。",
and the copy an escalation sends the unit's head says that it is one."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from engine.notifications import texts
from engine.usecases import cases, people, supervision, tasks
from engine.usecases.context import SYSTEM
from storage.enums import NotificationKind
from storage.models import Notification
from tests.world import act, build_world, create_people, start_review


def world(session_factory):
    build_world(session_factory, "clerk", "fin", "fin2", "boss")
    case = start_review(session_factory, "clerk")
    act(session_factory, "clerk", tasks.complete, case.task_id, {"lead_unit": "finance"})
    [task] = [
        t for t in act(session_factory, "clerk", cases.instance_detail, case.id).open_tasks if t.bpmn_id == "reply"
    ]
    return case.id, task.task_id


def told(factory, opinion: str) -> dict[str, tuple[str, str]]:
    """Who was told of the 督办 with ``opinion``: user name → (subject, message)."""
    with factory() as s:
        rows = s.execute(
            select(Notification.username, Notification.subject, Notification.message).where(
                Notification.kind == NotificationKind.SUPERVISION, Notification.message.contains(opinion)
            )
        )
        return {username: (subject, message) for username, subject, message in rows}


def test_without_a_date_it_asks_for_soon_and_the_opinion_keeps_its_own_full_stop(session_factory, frozen_clock):
    case_id, task_id = world(session_factory)
    act(session_factory, "boss", supervision.issue, case_id, task_id, "请说明延误原因。", None)
    subject, message = told(session_factory, "请说明延误原因")["fin"]
    assert message == "「答复」（案件：关于修缮村道的意见）收到督办，请尽快办理并回复。督办意见：请说明延误原因。"
    assert "。。" not in message and "尽快 前" not in message
    assert subject == "督办：答复（关于修缮村道的意见）"


def test_the_units_head_reads_that_the_supervision_was_escalated_to_them(session_factory, frozen_clock):
    case_id, task_id = world(session_factory)
    act(session_factory, "fin", tasks.claim, task_id)
    with session_factory.begin() as s:
        people.save_department(s, SYSTEM, "finance", "财政所", head="fin2")
    create_people(session_factory, "fin3")
    act(session_factory, "boss", supervision.issue, case_id, task_id, "请负责人过问", "2026-12-10", escalate=True)
    notes = told(session_factory, "请负责人过问")
    holder_subject, holder = notes["fin"]
    head_subject, head = notes["fin2"]
    assert (
        holder
        == "「答复」（案件：关于修缮村道的意见）收到督办，请于 2026-12-10 24:00 前办理并回复。督办意见：请负责人过问"
    )
    assert holder_subject == "督办：答复（关于修缮村道的意见）"
    assert head == (
        "「答复」（案件：关于修缮村道的意见）收到督办，已报告您（单位负责人）。"
        "请督促于 2026-12-10 24:00 前办理并回复。督办意见：请负责人过问"
    )
    assert head_subject == "督办（报告单位负责人）：答复（关于修缮村道的意见）"
    assert "fin3" not in notes


def test_another_supervisor_reads_it_as_a_colleagues_supervision_for_his_knowledge(session_factory, frozen_clock):
    case_id, task_id = world(session_factory)
    act(session_factory, "fin", tasks.claim, task_id)
    create_people(session_factory, "office_supervisor")
    act(session_factory, "boss", supervision.issue, case_id, task_id, "请说明延误原因。", "2026-12-10")
    notes = told(session_factory, "请说明延误原因")
    assert set(notes) == {"fin", "office_supervisor"}  # not boss, who issued it
    subject, message = notes["office_supervisor"]
    assert message == (
        "boss 同志 对「答复」（案件：关于修缮村道的意见）发出督办，"
        "要求办理人（fin 同志）于 2026-12-10 24:00 前办理并回复。督办意见：请说明延误原因。"
    )
    assert subject == "督办：答复（关于修缮村道的意见）"
    assert notes["fin"][1] == (
        "「答复」（案件：关于修缮村道的意见）收到督办，请于 2026-12-10 24:00 前办理并回复。督办意见：请说明延误原因。"
    )


@pytest.fixture
def app(make_app, db_url):
    return make_app(db_url)


def test_each_wording_reads_in_english_too(app):
    about = {"task": "答复", "case": "路灯", "opinion": "请说明原因。", "event": "督办", "interrupting": False}
    with app.test_request_context(), force_locale("en"):
        soon = texts.message("supervision", about, "", _)
        by = texts.message("supervision", about, "2026-12-10 24:00", _)
        head = texts.message("supervision", {**about, "escalated": "head"}, "", _)
        unit = texts.message("supervision", {**about, "escalated": "unit"}, "2026-12-10 24:00", _)
        head_subject = texts.subject("supervision", {**about, "escalated": "head"}, _)
    assert soon == (
        "“答复” (case: 路灯) has a supervision notice: please handle it and reply as soon as possible. "
        "Instructions: 请说明原因。"
    )
    assert "reply by 2026-12-10 24:00. Instructions: 请说明原因。" in by
    assert "reported to you as the unit's head" in head and "reported to your unit" in unit
    assert head_subject == "Supervision notice, reported to the unit's head: 答复 (路灯)"
    watching = {**about, "watching": True, "by": "周主任", "handlers": ["财政所"]}
    with app.test_request_context(), force_locale("en"):
        watched = texts.message("supervision", watching, "2026-12-10 24:00", _)
        by_the_timer = {k: v for k, v in watching.items() if k not in ("opinion", "by")}
        timer = texts.message("supervision", by_the_timer, "", _)
    assert watched == (
        "周主任 issued a supervision notice on “答复” (case: 路灯): its handlers (财政所) are to handle it "
        "and reply by 2026-12-10 24:00. Instructions: 请说明原因。"
    )
    assert timer == (
        "“答复” (case: 路灯) is past its deadline (督办) and not done: a supervision notice has been issued on it. "
        "Handled by: 财政所."
    )
