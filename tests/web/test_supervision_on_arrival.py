"""A handling deadline already past when its task is reached (a letter registered late, a
ledger's old case): the boundary timer fires within the very steps that make the task, and
its 督办 is the same record as one the scheduler raises later: on the 督查台, the case page,
the API and the holder's inbox badge, once, answered when the task is done."""

from __future__ import annotations

from sqlalchemy import select

from engine.usecases import cases, tasks
from storage.enums import NotificationKind
from storage.models import Notification, Supervision, WorkItem
from tests.conftest import REPO_ROOT
from tests.web.conftest import text_of
from tests.world import act, create_people, deploy
from web import database

PETITION = {
    "channel": "letter",
    "petitioner_name": "周玉梅",
    "petitioner_phone": "18607451888",
    "petition_subject": "危房改造补助未到位",
    "petition_content": "2025年列入危房改造，补助款至今未到位。",
    "received_on": "2026-09-01",
    "disposition": "register",
}


def open_task(app, case_id: int, bpmn_id: str) -> str:
    [task] = [t for t in act(app, "office1", cases.instance_detail, case_id).open_tasks if t.bpmn_id == bpmn_id]
    return task.task_id


def assigned_after_its_period(app) -> int:
    """Received 09-01 and told 09-10: handling ends 2026-11-09 24:00; assigned on 12-07."""
    create_people(app, "xinfang")
    deploy(app, REPO_ROOT / "bpmn" / "petition.bpmn")
    case_id = act(app, "xinfang", cases.start_instance, "petition", PETITION).id
    act(
        app,
        "office1",
        tasks.complete,
        open_task(app, case_id, "Task_Accept"),
        {
            "acceptance": "accept",
            "notified_on": "2026-09-10",
        },
    )
    act(
        app,
        "office1",
        tasks.complete,
        open_task(app, case_id, "Task_Assign"),
        {
            "handling_unit": "finance",
            "assignment_note": "请依法办理",
        },
    )
    return case_id


def test_a_deadline_past_on_arrival_raises_the_same_supervision_record(app, as_user):
    case_id = assigned_after_its_period(app)
    handle = open_task(app, case_id, "Task_Handle")
    with database.session_factory(app)() as session:
        item_id = session.scalar(select(WorkItem.id).where(WorkItem.task_id == handle))
        [row] = session.scalars(select(Supervision).where(Supervision.instance_id == case_id)).all()
        told = session.execute(
            select(Notification.username, Notification.work_item_id).where(
                Notification.instance_id == case_id, Notification.kind == NotificationKind.SUPERVISION
            )
        ).all()
        arrivals = session.execute(
            select(Notification.username, Notification.params).where(
                Notification.instance_id == case_id,
                Notification.work_item_id == item_id,
                Notification.kind == NotificationKind.TASK,
            )
        ).all()
    assert (row.work_item_id, row.automatic, row.issued_by, row.opinion, row.escalated) == (
        item_id,
        True,
        "system",
        "办理期满",
        False,
    )
    # the supervisors hear of it, about the task they can open; the unit's people once, by the
    # task's arrival as overdue already (新任务（已逾期）), not by the 督办 of the same moment again
    assert sorted(told) == [("supervisor", item_id)]
    assert sorted((u, bool(p and p.get("overdue"))) for u, p in arrivals) == [("finance1", True), ("finance2", True)]

    board = text_of(as_user("supervisor").get("/board/"))
    row_html = board.split(f'data-task-id="{handle}"', 1)[1].split("</tr>", 1)[0]
    assert "督办 1" in row_html
    open_supervisions = board.split('id="open-supervisions"', 1)[1]
    assert "办理期满" in open_supervisions and "没有未办结的督办" not in open_supervisions

    page = text_of(as_user("office1").get(f"/cases/{case_id}"))
    supervisions = page.split('id="supervisions"', 1)[1].split("</section>", 1)[0]
    assert "尚无督办" not in supervisions and supervisions.count('data-state="open"') == 1
    assert "办理期满" in supervisions

    api = as_user("supervisor").get(f"/api/v1/instances/{case_id}/supervisions").get_json()
    assert [(s["automatic"], s["opinion"], s["state"], s["task_id"]) for s in api] == [
        (True, "办理期满", "open", handle)
    ]

    unit = as_user("finance1")
    inbox = text_of(unit.get("/?tab=group"))
    assert "supervised" in inbox.split(f'data-task-id="{handle}"', 1)[1].split("</tr>", 1)[0]
    unit.post(f"/tasks/{handle}", data={"action": "complete", "handling_action": "reply", "reply_text": "已拨付"})
    [answered] = as_user("supervisor").get(f"/api/v1/instances/{case_id}/supervisions").get_json()
    assert answered["state"] == "responded" and answered["responded_at"] is not None
