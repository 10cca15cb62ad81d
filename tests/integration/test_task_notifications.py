"""A task arriving in one's inbox or one's unit's, or handed over, is a notification (and an
e-mail when configured) for whoever may act on it — not for the person whose action made it."""

from __future__ import annotations

from sqlalchemy import select

from engine.usecases import tasks
from storage.enums import NotificationKind
from storage.models import Notification
from tests.world import act, build_world, start_review


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
    assert told(session_factory)[before:] == [("fin2", "fin 同志 将「答复」（案件：修桥申请）转交给您办理。")]
