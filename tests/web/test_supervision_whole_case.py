"""A 督办 on the case as a whole (督办的任务：整个案件), as QA walk found it: addressed to the units
holding the case's open tasks when issued, whose holders are told (as a task's are) and whose
inbox marks the task; its printed notice names those units, and no other; with no unit holding
one, it names none and the page says nobody was told. Cancelling the case tells its issuer. A 督办
refused because the case ended meanwhile says who ended it and when, and offers no form again."""

from __future__ import annotations

from sqlalchemy import select

from engine.usecases import cases, definitions, supervision, tasks
from engine.usecases.context import SYSTEM
from storage.enums import NotificationKind
from storage.models import Notification
from tests.web.conftest import text_of
from tests.web.test_board_page import overdue_case
from tests.world import act
from web import database

REVIEW_TITLE = "关于修缮村道的意见"

# one task, offered to a role (the office's officers), no unit
ROLE_ONLY = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="role_only_defs" targetNamespace="http://congressflow.example/test">
  <bpmn:process id="role_only" name="\xe5\x86\x85\xe9\x83\xa8\xe5\xae\xa1\xe9\x98\x85" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="look" />
    <bpmn:userTask id="look" name="look" camunda:candidateGroups="officer" />
    <bpmn:sequenceFlow id="f2" sourceRef="look" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def supervision_notices(app, username: str) -> list[tuple[str, str, int | None]]:
    """The 督办 notices ``username`` was sent: (subject, message, work item id)."""
    with database.session_factory(app)() as s:
        return [
            tuple(row)
            for row in s.execute(
                select(Notification.subject, Notification.message, Notification.work_item_id)
                .where(Notification.username == username, Notification.kind == NotificationKind.SUPERVISION)
                .order_by(Notification.id)
            )
        ]


def reply_task(app, case_id: int) -> str:
    return act(app, "office1", cases.case_page, case_id).detail.open_tasks[0].task_id


def test_a_supervision_on_the_whole_case_is_told_to_the_unit_holding_its_task(app, as_user):
    case = overdue_case(app)  # finance's 答复 open, unclaimed
    task_id = reply_task(app, case.id)
    client = as_user("supervisor")
    whole = {"instance_id": case.id, "task_id": "", "opinion": "请加快办理", "respond_by": "2026-12-30"}
    page = text_of(client.post("/board/supervise", data=whole, follow_redirects=True))
    assert "已发出督办，已通知财政所。" in page

    for holder in ("finance1", "finance2"):
        [(subject, message, item_id)] = supervision_notices(app, holder)
        assert subject == f"督办：答复（{REVIEW_TITLE}）"
        assert message == (
            f"「答复」（案件：{REVIEW_TITLE}）收到督办，请于 2026-12-30 24:00 前办理并回复。督办意见：请加快办理"
        )
        assert item_id is not None
    assert supervision_notices(app, "office1") == []  # no unit of its holds a task of it
    [issued] = act(app, "supervisor", supervision.of_case, case.id)
    assert (issued.task_id, issued.addressed_units, issued.addressed_tasks) == (None, ("finance",), (task_id,))

    # the holder's inbox marks the task; the case page says whom it was sent to; the notice names them
    holder = as_user("finance1")
    row = text_of(holder.get("/?tab=group")).split(f'data-task-id="{task_id}"', 1)[1].split("</tr>", 1)[0]
    assert "supervised" in row
    client = as_user("supervisor")
    listed = text_of(client.get(f"/cases/{case.id}")).split('id="supervisions"', 1)[1].split("</section>", 1)[0]
    assert "已通知：财政所" in listed
    # the task's own page lists it, as it lists a 督办 on the task
    on_task = text_of(holder.get(f"/tasks/{task_id}")).split('id="supervisions"', 1)[1].split("</section>", 1)[0]
    assert "请加快办理" in on_task
    notice = text_of(client.get(f"/board/supervisions/{issued.id}/notice"))
    assert "<p>财政所：</p>" in notice
    api = client.get(f"/api/v1/instances/{case.id}/supervisions").get_json()
    assert [a["addressed_units"] for a in api] == [["finance"]]

    # finance replies: the notice still names whom it was sent to, not who holds the case now
    act(app, "finance1", tasks.complete, task_id, {"reply_class": "A", "pages": "1"})
    assert "<p>财政所：</p>" in text_of(client.get(f"/board/supervisions/{issued.id}/notice"))


def test_an_escalated_supervision_on_the_whole_case_goes_to_the_units_people_as_a_tasks_does(app, as_user):
    """No head on the roster for 财政所: what the supervisor reads agrees with the notice (财政所),
    as an escalation on its task would say."""
    case = overdue_case(app)
    client = as_user("supervisor")
    whole = {"instance_id": case.id, "task_id": "", "opinion": "整体催办", "escalate": "1"}
    answer = text_of(client.post("/board/supervise", data=whole, follow_redirects=True))
    assert "已发出督办，但未报告单位负责人：财政所未设负责人。该单位 2 名在用人员已作为办理人收到督办" in answer
    assert "无单位可报告" not in answer


def test_a_supervision_on_a_case_no_unit_holds_tells_nobody_and_its_notice_names_no_unit(app, as_user):
    with database.session_factory(app).begin() as s:
        definitions.deploy(s, ROLE_ONLY, "role_only.bpmn", SYSTEM)
    case_id = act(app, "office1", cases.start_instance, "role_only", {}).id
    client = as_user("supervisor")
    page = text_of(
        client.post(f"/cases/{case_id}/supervisions", data={"task_id": "", "opinion": "请关注"}, follow_redirects=True)
    )
    assert "已发出督办，但案件目前没有由单位办理的任务，未通知任何人。" in page
    listed = page.split('id="supervisions"', 1)[1].split("</section>", 1)[0]
    assert "未通知任何人" in listed
    assert supervision_notices(app, "office1") == [] and supervision_notices(app, "office2") == []
    [issued] = act(app, "supervisor", supervision.of_case, case_id)
    notice = text_of(client.get(f"/board/supervisions/{issued.id}/notice"))
    assert "本督办发出时，案件没有由单位办理的任务，未送达任何单位。" in notice
    assert "承办单位：" not in notice and "你单位" not in notice


def test_cancelling_the_case_tells_whoever_issued_a_supervision_on_the_whole_case(app, as_user):
    case = overdue_case(app)
    act(app, "supervisor", supervision.issue, case.id, None, "请加快办理", None)
    act(app, "office1", cases.cancel_instance, case.id, "代表撤回建议")
    assert supervision_notices(app, "supervisor") == [
        (
            f"督办已结束：{REVIEW_TITLE}",
            f"案件「{REVIEW_TITLE}」已由 office1 同志 撤销，您对该案件发出的督办未获回复，已结束。",
            None,
        )
    ]
    [view] = act(app, "supervisor", supervision.of_case, case.id)
    assert (view.state, view.cancelled_by) == ("ended", "office1")


def test_a_supervision_on_a_case_completed_meanwhile_says_who_finished_it_and_offers_no_form(app, as_user):
    """The board read, finance replies and the office closes the case (审核答复), then the 督办 is
    sent: refused, saying who finished the case's last step and when, with no form to send again."""
    case = overdue_case(app)
    client = as_user("supervisor")
    task_id = text_of(client.get("/board/")).split('data-task-id="', 1)[1].split('"', 1)[0]
    act(app, "finance1", tasks.complete, task_id, {"reply_class": "A", "pages": "1"})
    [check] = act(app, "office1", cases.case_page, case.id).detail.open_tasks
    assert check.name == "审核答复"
    act(app, "chair", tasks.complete, check.task_id, {"accepted": True})
    assert act(app, "office1", cases.case_page, case.id).detail.status == "completed"
    typed = {"instance_id": case.id, "task_id": task_id, "opinion": "请本周内书面答复"}
    response = client.post("/board/supervise", data=typed)
    assert response.status_code == 422
    page = text_of(response)
    assert (
        '<div class="flash error" role="alert" id="supervise-refused">督办未发出：案件已办结：最后一步「审核答复」'
        "由 chair 同志 于 2026-12-23 09:00 办理完毕，无需督办</div>"
    ) in page
    assert 'id="supervise-again"' not in page and "请本周内书面答复" not in page
