"""信访 (bpmn/petition.bpmn): a handling unit that asked for more time hears the office's decision
(QA walk P, defect 3). 审批延期办理 ``answers`` 办理并书面答复信访人: whoever submitted the request
is told (消息, kind 办理结果) 同意 or 不同意 with the office's 延期审批说明, the petitioner's
identity masked, as the unit reads the case; not only handed the reply task again as new. A
second request is told its own decision, never the first one's opinion (the approval's fields
are ``fresh``). Nor is a request an answer to a supervisor's 督办 on the reply task: it stands
while the office decides, and presses on the reply task the unit gets back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from engine import clock
from engine.notifications import texts
from engine.usecases import supervision
from storage.enums import NotificationKind
from storage.models import Notification

from .conftest import act, deploy, do, one
from .test_petition import accept_and_assign, register

CASE = "低保资格 · 来访"
ASK = {"handling_action": "extend", "extension_days": 20, "extension_reason": "需实地调查"}


@pytest.fixture
def world(people):
    deploy(people, "petition")
    return people


def decisions_told(factory, case_id) -> list[tuple[str, str, str, dict]]:
    """(recipient, subject, message, params) of the case's 办理结果 notices, in order made."""
    with factory() as s:
        rows = s.scalars(
            select(Notification)
            .where(Notification.instance_id == case_id, Notification.kind == NotificationKind.ANSWERED)
            .order_by(Notification.id)
        )
        return [(n.username, n.subject, n.message, n.params) for n in rows]


def asked_for_more_time(world) -> int:
    case_id = register(world)
    accept_and_assign(world, case_id)
    do(world, "civ", case_id, "Task_Handle", ASK)
    return case_id


def test_the_unit_hears_the_extension_approved_with_the_offices_note(world, frozen_clock):
    case_id = asked_for_more_time(world)
    approval = {"extension_decision": "approve", "extension_days_granted": 15, "extension_opinion": "同意延期15天"}
    do(world, "clerk", case_id, "Task_ApproveExtension", approval)

    [(username, subject, message, _params)] = decisions_told(world, case_id)
    assert username == "civ"  # who asked; not the office, which decided
    assert subject == f"办理结果：审批延期办理（{CASE}）"
    assert message == (
        f"您提交的「办理并书面答复信访人」（案件：{CASE}）已由「审批延期办理」办理："
        "延期审批意见：同意；同意延期（天）：15；延期审批说明：同意延期15天"
    )


def test_the_unit_hears_a_refusal_and_the_opinion_masks_the_petitioner(world, frozen_clock):
    case_id = asked_for_more_time(world)
    refusal = {"extension_decision": "reject", "extension_opinion": "请于期限内答复赵某"}
    do(world, "clerk", case_id, "Task_ApproveExtension", refusal)

    # the unit never reads the petitioner's name (confidential): masked as its history masks it
    [(username, subject, message, _params)] = decisions_told(world, case_id)
    assert (username, subject) == ("civ", f"办理结果：审批延期办理（{CASE}）")
    assert message == (
        f"您提交的「办理并书面答复信访人」（案件：{CASE}）已由「审批延期办理」办理："
        "延期审批意见：不同意；延期审批说明：请于期限内答复******"
    )


def test_a_second_request_is_told_its_own_decision_not_the_first_opinion(world, frozen_clock):
    case_id = asked_for_more_time(world)
    first = {"extension_decision": "approve", "extension_days_granted": 10, "extension_opinion": "同意延期10天"}
    do(world, "clerk", case_id, "Task_ApproveExtension", first)
    clock.advance(timedelta(days=2))
    do(world, "civ", case_id, "Task_Handle", {**ASK, "extension_days": 5, "extension_reason": "仍需调查"})
    # the API need not send every field: the first round's opinion is not this one's
    do(world, "clerk", case_id, "Task_ApproveExtension", {"extension_decision": "reject"})

    [_first, (username, _subject, message, _params)] = decisions_told(world, case_id)
    assert username == "civ"
    assert message == f"您提交的「办理并书面答复信访人」（案件：{CASE}）已由「审批延期办理」办理：延期审批意见：不同意"
    assert one(world, case_id, "Task_Handle").name == "办理并书面答复信访人"  # the unit's reply again


def test_a_supervision_stands_through_the_request_and_presses_on_the_reply_given_back(world, frozen_clock):
    case_id = register(world)
    accept_and_assign(world, case_id)
    asked = one(world, case_id, "Task_Handle")
    pressed = act(world, "boss", supervision.issue, case_id, asked.task_id, "请尽快答复信访人", "2026-12-31")
    do(world, "civ", case_id, "Task_Handle", ASK)
    [waiting] = act(world, "boss", supervision.of_case, case_id)
    assert (waiting.id, waiting.state, waiting.responded_at) == (
        pressed.id,
        "open",
        None,
    )  # the request answers nothing

    do(world, "clerk", case_id, "Task_ApproveExtension", {"extension_decision": "approve"})
    back = one(world, case_id, "Task_Handle")
    [still] = act(world, "boss", supervision.of_case, case_id)
    assert (still.id, still.state, still.task_id, still.responded_at) == (pressed.id, "open", back.task_id, None)

    clock.advance(timedelta(days=1))
    do(world, "civ", case_id, "Task_Handle", {"handling_action": "reply", "reply_text": "已书面答复"})
    [answered] = act(world, "boss", supervision.of_case, case_id)
    assert (answered.state, answered.responded_at) == ("responded", clock.now())


@pytest.fixture
def app(make_app, db_url):
    return make_app(db_url)


def test_the_decision_reads_in_english(world, frozen_clock, app):
    case_id = asked_for_more_time(world)
    do(
        world,
        "clerk",
        case_id,
        "Task_ApproveExtension",
        {"extension_decision": "reject", "extension_opinion": "请按期答复"},
    )
    [(_username, _subject, _message, params)] = decisions_told(world, case_id)
    with app.test_request_context(), force_locale("en"):
        subject = texts.subject("answered", params, gettext)
        message = texts.message("answered", params, "", gettext)
    # the process's own words (step, field and option names) stay as the BPMN file writes them
    assert subject == f"Decided: 审批延期办理 ({CASE})"
    assert message == (
        f"Your “办理并书面答复信访人” (case: {CASE}) was decided at “审批延期办理”: "
        "延期审批意见: 不同意; 延期审批说明: 请按期答复"
    )
