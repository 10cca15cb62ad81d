"""A task arriving in one's inbox or one's unit's, or handed over, is a notification (and an
e-mail when configured) for whoever may act on it — not for the person whose action made it."""

from __future__ import annotations

from sqlalchemy import select

from engine.usecases import tasks
from storage.enums import NotificationKind
from storage.models import Notification
from storage.repositories import InboxFilter
from tests.world import act, build_world, start_petition, start_review


def told(factory) -> list[tuple[str, str]]:
    with factory() as s:
        return list(
            s.execute(
                select(Notification.username, Notification.message)
                .where(Notification.kind == NotificationKind.TASK)
                .order_by(Notification.id)
            ).all()
        )


def test_the_next_holders_are_told_but_not_the_one_who_acted(session_factory, frozen_clock):
    build_world(session_factory, "clerk", "clerk2", "fin", "fin2")
    case = start_review(session_factory, "clerk", "修桥申请")
    # the registration is the office's: clerk2 is told, clerk (who started it) is not
    assert [u for u, _ in told(session_factory)] == ["clerk2"]
    act(session_factory, "clerk", tasks.complete, case.task_id, {"lead_unit": "finance"})
    arrivals = dict(told(session_factory)[1:])
    assert set(arrivals) == {"fin", "fin2"}
    assert arrivals["fin"] == "「答复」（案件：修桥申请）已到您的待办，期限 2026-12-22 24:00。"


def test_a_colleague_handing_over_tells_the_new_holder(session_factory, frozen_clock):
    build_world(session_factory, "clerk", "fin", "fin2")
    case = start_review(session_factory, "clerk", "修桥申请")
    [reply] = act(session_factory, "clerk", tasks.complete, case.task_id, {"lead_unit": "finance"})
    before = len(told(session_factory))
    act(session_factory, "fin", tasks.hand_over, reply.task_id, "fin2", "请你办理")
    # the note is for the one it is handed to: it says what is left to do
    assert told(session_factory)[before:] == [
        ("fin2", "fin 同志 将「答复」（案件：修桥申请）转交给您办理。转交说明：请你办理")
    ]


def test_a_hand_over_without_a_note_says_none(session_factory, frozen_clock):
    build_world(session_factory, "clerk", "fin", "fin2")
    case = start_review(session_factory, "clerk", "修桥申请")
    [reply] = act(session_factory, "clerk", tasks.complete, case.task_id, {"lead_unit": "finance"})
    before = len(told(session_factory))
    act(session_factory, "fin", tasks.hand_over, reply.task_id, "fin2", "")
    assert told(session_factory)[before:] == [("fin2", "fin 同志 将「答复」（案件：修桥申请）转交给您办理。")]


def test_a_hand_over_note_naming_the_petitioner_is_masked_to_who_may_not_read_it(session_factory, frozen_clock):
    build_world(session_factory, "keeper", "fin", "fin2")
    start_petition(session_factory, "keeper", unit="finance")
    [task] = act(session_factory, "fin", tasks.list_tasks, InboxFilter(scope="group"))[0]
    act(session_factory, "fin", tasks.claim, task.task_id)
    before = len(told(session_factory))
    act(session_factory, "fin", tasks.hand_over, task.task_id, "fin2", "张三丰（13900001111）来电催问")
    [(who, said)] = told(session_factory)[before:]
    assert who == "fin2"
    assert said.endswith("转交说明：******（******）来电催问")
