"""After a submission the officer reads what happened and who acts next, not a bare "done"."""

from __future__ import annotations

import html

from engine.usecases import cases, people, tasks
from tests.web.conftest import text_of
from tests.world import act, create_people, deploy, start_petition, start_review


def test_the_next_holder_and_deadline_are_said(app, as_user):
    case = start_review(app, "office1", "关于修缮村道的意见")
    client = as_user("office1")
    response = client.post(
        f"/tasks/{case.task_id}", data={"action": "complete", "lead_unit": "finance"}, follow_redirects=True
    )
    assert "已提交。下一步：财政所「答复」，期限 2026-12-22 24:00。" in text_of(response)
    client.get("/lang/en")
    case = start_review(app, "office1", "另一件")
    response = client.post(
        f"/tasks/{case.task_id}", data={"action": "complete", "lead_unit": "finance"}, follow_redirects=True
    )
    assert "Submitted. Next: 财政所 “答复”, due 2026-12-22 24:00." in text_of(response)


def test_the_last_step_says_the_case_is_closed(app, as_user):
    case = start_petition(app, "office1")  # petition_min: one task for the unit, then the end
    client = as_user("finance1")
    response = client.post(
        f"/tasks/{case.task_id}", data={"action": "complete", "answer": "已答复"}, follow_redirects=True
    )
    assert "已提交，案件已办结。" in text_of(response)


FIX = "请管理员在“系统管理 → 用户”中添加或恢复人员，或请人大办主任将任务转交他人。"


def _deactivate(app, username: str, unit: str) -> None:
    create_people(app, username)
    act(
        app,
        "admin",
        people.update_user,
        username,
        display_name=f"{username} 同志",
        email=None,
        roles=("officer",),
        department=unit,
        active=False,
    )


def test_a_unit_with_nobody_active_is_warned_of_and_the_task_still_goes(app, as_user):
    _deactivate(app, "landy", "land")  # 国土所's only member
    case = start_review(app, "office1", "关于宅基地的意见")
    client = as_user("office1")
    response = client.post(
        f"/tasks/{case.task_id}", data={"action": "complete", "lead_unit": "land"}, follow_redirects=True
    )
    said = (
        text_of(response)
        .split('<div class="flash warning" role="alert" id="flash-said" tabindex="-1" autofocus>', 1)[1]
        .split("</div>", 1)[0]
    )
    assert said == (
        "已提交。下一步：国土所「答复」，期限 2026-12-22 24:00。"
        "注意：目前没有在用的人员能办理「答复」（国土所）。" + FIX
    )
    reply = act(app, "office1", cases.instance_detail, case.id).open_tasks  # not refused: it went on
    assert [(t.name, t.candidate_groups) for t in reply] == [("答复", ("land",))]
    back = {"display_name": "landy 同志", "email": None, "roles": ("officer",), "department": "land"}
    act(app, "admin", people.update_user, "landy", **back, active=True)
    act(app, "landy", tasks.claim, reply[0].task_id)  # put right: landy, active again, takes it

    client.get("/lang/en")
    case = start_review(app, "office1", "另一件")
    response = client.post(
        f"/tasks/{case.task_id}", data={"action": "complete", "lead_unit": "finance"}, follow_redirects=True
    )
    assert 'class="flash success"' in text_of(response) and "Note:" not in text_of(response)  # finance1, finance2
    _deactivate(app, "fin", "civil_affairs")  # a unit whose members are not all gone: civil1 remains
    case = start_review(app, "office1", "第三件")
    response = client.post(
        f"/tasks/{case.task_id}", data={"action": "complete", "lead_unit": "civil_affairs"}, follow_redirects=True
    )
    assert "Note:" not in text_of(response)


def test_a_task_given_to_a_deactivated_person_is_warned_of_in_english(app, as_user):
    _deactivate(app, "landy", "land")
    case = start_review(app, "office1", checker="landy")  # 审核答复 is landy's by name
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    reply = act(app, "finance1", cases.instance_detail, case.id).open_tasks[0]
    client = as_user("finance1")
    client.get("/lang/en")
    response = client.post(
        f"/tasks/{reply.task_id}",
        data={"action": "complete", "reply_class": "A", "pages": "1"},
        follow_redirects=True,
    )
    said = (
        text_of(response)
        .split('<div class="flash warning" role="alert" id="flash-said" tabindex="-1" autofocus>', 1)[1]
        .split("</div>", 1)[0]
    )
    assert html.unescape(said) == (
        "Submitted. Next: landy 同志 “审核答复”. Note: no active person can take “审核答复” (landy 同志) now. "
        "Ask an administrator to add or reactivate someone under “Administration → Users”, "
        "or the head of the congress office to hand the task to someone."
    )


def test_a_step_the_answer_asks_again_is_said_as_the_next_step(app, as_user):
    """A loop (another round the answer chose: the next issue registered, a follow-up again)
    is the next step, not an answer sent back as incomplete."""
    deploy(app, "fresh_rounds.bpmn")
    case = act(app, "office1", cases.start_instance, "fresh_rounds", {"subject": "材料复核"})
    client = as_user("office1")
    first = case.open_tasks[0].task_id
    client.post(f"/tasks/{first}/claim")
    response = client.post(f"/tasks/{first}", data={"action": "complete", "decision": "again"}, follow_redirects=True)
    page = text_of(response)
    assert "已提交。下一步：镇人大办「复核」。" in page
    assert "内容不完整" not in page and 'class="flash error"' not in page
