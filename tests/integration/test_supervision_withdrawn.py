"""A 督办 whose task is taken back ends unanswered, and whoever issued it is told once: when a
person cancels the case (or the system cancels a called case its caller no longer waits for), as
when the process withdraws the task; and when a deadline's interrupting timer withdraws it, by the
notice that their 督办 ended, not by the supervisors' copy of the timer's 督办 besides. The case
page and the API say the 督办 ended, withdrawn, and by what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.usecases import cases, people, supervision, tasks, timers
from storage.enums import NotificationKind
from storage.models import Notification
from tests.conftest import REPO_ROOT
from tests.integration.scheduler_helpers import start_deadline
from tests.world import PASSWORD, WORLD_PROCESSES, act, create_people, deploy, start_review

EMAILS = {"supervisor": "supervisor@example.org", "outsider": "outsider@example.org"}
REVIEW_TITLE = "关于修缮村道的意见"  # start_review's subject, the case's title


def build(factory, *usernames: str) -> None:
    """The departments, review.bpmn and petition_min.bpmn, and these people (supervisor and
    outsider, the supervisors of no unit, with an e-mail address: what they are told is e-mailed too)."""
    with factory.begin() as s:
        people.ensure_departments(s)
    deploy(factory, *WORLD_PROCESSES)
    create_people(factory, *usernames, emails=EMAILS)


@pytest.fixture
def world(session_factory, frozen_clock):
    """A review case at finance's 答复; supervisor and outsider the supervisors, head the office's."""
    build(session_factory, "clerk", "head", "fin", "supervisor", "outsider")
    case = start_review(session_factory, "clerk")
    act(session_factory, "clerk", tasks.complete, case.task_id, {"lead_unit": "finance"})
    return session_factory, case.id


def open_task(factory, case_id: int, bpmn_id: str) -> str:
    return next(
        t.task_id for t in act(factory, "clerk", cases.instance_detail, case_id).open_tasks if t.bpmn_id == bpmn_id
    )


def told(factory, username: str, kind: NotificationKind | None = None) -> list[tuple[str, str, str, str | None]]:
    """Everything ``username`` was told (of ``kind``), oldest first: (kind, subject, message,
    the address it is e-mailed to)."""
    query = select(Notification.kind, Notification.subject, Notification.message, Notification.email_to).where(
        Notification.username == username
    )
    if kind is not None:
        query = query.where(Notification.kind == kind)
    with factory() as s:
        return [
            (k.value, subject, message, to) for k, subject, message, to in s.execute(query.order_by(Notification.id))
        ]


def ended(factory, username: str, case_id: int) -> dict[int, tuple[str, bool, str | None, str | None]]:
    """The case's 督办 as ``username`` reads them: id → (state, withdrawn, withdrawn_by, cancelled_by)."""
    return {
        v.id: (v.state, v.withdrawn, v.withdrawn_by, v.cancelled_by)
        for v in act(factory, username, supervision.of_case, case_id)
    }


def called_case_supervised(factory) -> tuple[int, int, supervision.SupervisionView]:
    """call_parent.bpmn started by the clerk, the case it called (call_child.bpmn) waiting at
    finance's task, and the supervisor's 督办 on that task: (caller's id, called case's id, 督办)."""
    build(factory, "clerk", "fin", "supervisor")
    deploy(factory, "call_child.bpmn", "call_parent.bpmn")
    caller = act(factory, "clerk", cases.start_instance, "call_parent", {"subject": "路灯", "unit": "finance"}).id
    [child] = act(factory, "clerk", cases.case_page, caller).called
    [task] = act(factory, "clerk", cases.instance_detail, child.instance_id).open_tasks
    return (
        caller,
        child.instance_id,
        act(factory, "supervisor", supervision.issue, child.instance_id, task.task_id, "请答复", None),
    )


def test_a_person_cancelling_the_case_tells_whoever_issued_a_supervision_on_its_task_once(world):
    """Told once for the 督办 on the task and once for the one on the case as a whole: the case was
    cancelled, by whom (not "concluded", nor by an event of the process)."""
    factory, case_id = world
    on_task = act(
        factory, "supervisor", supervision.issue, case_id, open_task(factory, case_id, "reply"), "请尽快答复", None
    )
    on_case = act(factory, "supervisor", supervision.issue, case_id, None, "请关注", None)
    assert told(factory, "supervisor") == []  # not told of what he did himself
    watched = told(factory, "outsider")
    assert len(watched) == 1  # the 督办 on the task, as the other supervisor reads it (not the case's)

    act(factory, "clerk", cases.cancel_instance, case_id, "代表撤回建议")

    assert told(factory, "supervisor") == [
        (
            "supervision",
            f"督办已结束：答复（{REVIEW_TITLE}）",
            f"「答复」（案件：{REVIEW_TITLE}）所在案件已由 clerk 同志 撤销，您对其发出的督办未获回复，已结束。",
            "supervisor@example.org",
        ),
        (
            "supervision",
            f"督办已结束：{REVIEW_TITLE}",
            f"案件「{REVIEW_TITLE}」已由 clerk 同志 撤销，您对该案件发出的督办未获回复，已结束。",
            "supervisor@example.org",
        ),
    ]
    assert told(factory, "outsider") == watched  # issued none: nothing more
    # the task's holder is told of the cancelling as before, once
    assert [(k, s) for k, s, _m, _to in told(factory, "fin", NotificationKind.CANCELLED)] == [
        ("cancelled", f"案件已撤销：{REVIEW_TITLE}")
    ]
    assert ended(factory, "supervisor", case_id) == {
        on_task.id: ("ended", True, None, "clerk"),
        on_case.id: ("ended", False, None, "clerk"),  # on the case as a whole: no task was taken back
    }


def test_whoever_cancels_the_case_is_not_told_of_their_own_supervision_yet_it_reads_withdrawn_by_them(world):
    """The office head issued the 督办 and cancelled the case: nobody is told that it ended (he
    knows), and it reads withdrawn by his cancelling all the same, from the case's history."""
    factory, case_id = world
    pressed = act(factory, "head", supervision.issue, case_id, open_task(factory, case_id, "reply"), "请答复", None)
    act(factory, "head", cases.cancel_instance, case_id, "与另一件建议合并办理")
    with factory() as s:
        notices = s.execute(
            select(Notification.username, Notification.params).where(
                Notification.instance_id == case_id, Notification.kind == NotificationKind.SUPERVISION
            )
        ).all()
    # the 督办 as its holder and the supervisors read it when issued; no notice of its end
    assert sorted(name for name, _params in notices) == ["fin", "outsider", "supervisor"]
    assert [params for _name, params in notices if params.get("withdrawn")] == []
    assert ended(factory, "supervisor", case_id) == {pressed.id: ("ended", True, None, "head")}


def test_a_supervision_left_standing_by_a_return_request_ends_with_the_cancelled_case_told(
    session_factory, frozen_clock
):
    """bpmn/proposal.bpmn: finance asks to return the proposal (退回，申请改办); the 督办 on its
    reply stands while the office decides. The office cancels the case instead: the 督办 ends,
    its issuer told once, as of the reply it pressed on."""
    factory = session_factory
    build(factory, "clerk", "fin", "supervisor", "wang")
    deploy(factory, REPO_ROOT / "bpmn" / "proposal.bpmn")
    data = {
        "kind": "suggestion",
        "title": "修缮村道",
        "content": "见附件",
        "deputy": "wang",
        "submitted_during": "recess",
    }
    case_id = act(factory, "clerk", cases.start_instance, "proposal", data).id
    assignment = {
        "category": "construction",
        "lead_unit": "finance",
        "cohandling_units": [],
        "assignment_note": "请办理",
    }
    act(factory, "clerk", tasks.complete, open_task(factory, case_id, "Task_Classify"), assignment)
    pressed = act(
        factory, "supervisor", supervision.issue, case_id, open_task(factory, case_id, "Task_Reply"), "请答复", None
    )
    reply = {"handling_action": "return", "return_reason": "非本所职责"}
    act(factory, "fin", tasks.complete, open_task(factory, case_id, "Task_Reply"), reply)
    assert ended(factory, "supervisor", case_id) == {
        pressed.id: ("open", False, None, None)
    }  # while the office decides

    act(factory, "clerk", cases.cancel_instance, case_id, "代表撤回建议")

    assert told(factory, "supervisor") == [
        (
            "supervision",
            "督办已结束：办理并书面答复（修缮村道）",
            "「办理并书面答复」（案件：修缮村道）所在案件已由 clerk 同志 撤销，您对其发出的督办未获回复，已结束。",
            "supervisor@example.org",
        )
    ]
    assert ended(factory, "supervisor", case_id) == {pressed.id: ("ended", True, None, "clerk")}


def test_a_called_case_the_system_cancels_tells_whoever_issued_a_supervision_on_its_task(session_factory, frozen_clock):
    """call_parent.bpmn calls call_child.bpmn; its caller cancelled, the called case is cancelled
    by the system: a 督办 on its task ends, its issuer told once that the system's cancelling
    withdrew it."""
    factory = session_factory
    caller, child, pressed = called_case_supervised(factory)

    act(factory, "clerk", cases.cancel_instance, caller, "不再办理")

    [(kind, subject, message, to)] = told(factory, "supervisor")
    assert (kind, subject, to) == ("supervision", "督办已结束：办理并答复（单位办理 · 路灯）", "supervisor@example.org")
    assert (
        message == "「办理并答复」（案件：单位办理 · 路灯）所在案件已由 系统 撤销，您对其发出的督办未获回复，已结束。"
    )
    assert ended(factory, "supervisor", child) == {pressed.id: ("ended", True, None, "system")}


def test_a_case_cancelled_as_the_system_names_the_system_in_its_supervisions(session_factory, frozen_clock):
    """The system's own cancelling, called straight: the same words, whoever else is told."""
    factory = session_factory
    _caller, child, _pressed = called_case_supervised(factory)
    with factory.begin() as s:
        cases.cancel_as_system(s, child)
    assert [subject for _k, subject, _m, _to in told(factory, "supervisor")] == [
        "督办已结束：办理并答复（单位办理 · 路灯）"
    ]
    [view] = act(factory, "supervisor", supervision.of_case, child)
    assert (view.withdrawn, view.withdrawn_by, view.cancelled_by) == (True, None, "system")


def test_a_deadline_withdrawing_a_supervised_task_tells_its_issuer_once(session_factory, frozen_clock):
    """deadline.bpmn's 超时转督办 (an interrupting timer) takes the task supervisor pressed on: supervisor is
    told once, that his 督办 ended and by what; outsider, who issued none, reads the
    supervisors' copy of the timer's 督办 as before; the unit, the holders' copy."""
    factory = session_factory
    build(factory, "clerk", "fin", "supervisor", "outsider")
    deploy(factory, "deadline.bpmn")
    now = clock.now()
    case_id = start_deadline(factory, now - timedelta(hours=1), now + timedelta(days=2))
    timers.fire_due(factory)
    [handle] = act(factory, "supervisor", cases.instance_detail, case_id).open_tasks
    pressed = act(factory, "supervisor", supervision.issue, case_id, handle.task_id, "请办理", None)
    before = {name: len(told(factory, name)) for name in ("supervisor", "outsider", "fin")}
    assert before["supervisor"] == 0

    clock.advance(timedelta(days=2, seconds=1))
    timers.fire_due(factory)

    title = "限期办理（测试） 2026-12-07"
    assert told(factory, "supervisor") == [
        (
            "supervision",
            f"督办已结束：办理（{title}）",
            f"「办理」（案件：{title}）因「超时转督办」已撤回，您对其发出的督办未获回复，已结束；"
            "如需继续督办，请对新的任务或整个案件重新发出。",
            "supervisor@example.org",
        )
    ]
    assert told(factory, "outsider")[before["outsider"] :] == [
        (
            "supervision",
            f"督办：办理（{title}）",
            f"「办理」（案件：{title}）已过期限（超时转督办）仍未办理，该任务已结束，案件按流程继续办理。"
            "办理人：财政所。",
            "outsider@example.org",
        )
    ]
    assert [(k, s) for k, s, _m, _to in told(factory, "fin")[before["fin"] :]] == [
        ("supervision", f"督办：办理（{title}）")
    ]
    assert ended(factory, "supervisor", case_id) == {pressed.id: ("ended", True, "超时转督办", None)}


def test_the_case_page_the_task_page_and_the_api_say_who_cancelled_the_case(world, make_app, db_url):
    """The 督办 on the task and the one on the case as a whole read ended because clerk cancelled
    the case: by his name on the pages (the history's cancel entry), by user name in the API."""
    factory, case_id = world
    reply = open_task(factory, case_id, "reply")
    pressed = act(factory, "supervisor", supervision.issue, case_id, reply, "请尽快答复", None)
    whole = act(factory, "supervisor", supervision.issue, case_id, None, "请关注", None)
    act(factory, "clerk", cases.cancel_instance, case_id, "代表撤回建议")
    client = make_app(db_url).test_client()
    assert client.post("/login", data={"username": "supervisor", "password": PASSWORD}).status_code == 302

    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    listed = page.split('id="supervisions"', 1)[1].split("</section>", 1)[0]
    on_task, on_case = listed.split(f'data-supervision="{whole.id}"', 1)
    assert f'data-supervision="{pressed.id}" data-state="ended"' in on_task
    assert 'title="案件已撤销，未作回复"' in on_task and 'data-state="ended"' in on_case
    assert '<span class="withdrawn">案件已由 clerk 同志 撤销</span>' in on_task
    assert '<span class="withdrawn">案件已由 clerk 同志 撤销</span>' in on_case
    assert "撤回" not in listed and "办结" not in listed
    task_page = client.get(f"/tasks/{reply}").get_data(as_text=True)
    assert '<span class="withdrawn">案件已由 clerk 同志 撤销</span>' in task_page.split('id="supervisions"', 1)[1]

    answers = client.get(f"/api/v1/instances/{case_id}/supervisions").get_json()
    assert [(a["id"], a["state"], a["withdrawn"], a["withdrawn_by"], a["cancelled_by"]) for a in answers] == [
        (pressed.id, "ended", True, None, "clerk"),
        (whole.id, "ended", False, None, "clerk"),
    ]


def test_a_case_the_system_cancelled_names_the_system_on_its_page(session_factory, frozen_clock, make_app, db_url):
    factory = session_factory
    caller, child, _pressed = called_case_supervised(factory)
    act(factory, "clerk", cases.cancel_instance, caller, "不再办理")
    client = make_app(db_url).test_client()
    assert client.post("/login", data={"username": "supervisor", "password": PASSWORD}).status_code == 302
    page = client.get(f"/cases/{child}").get_data(as_text=True)
    assert '<span class="withdrawn">案件已由 系统 撤销</span>' in page.split('id="supervisions"', 1)[1]
