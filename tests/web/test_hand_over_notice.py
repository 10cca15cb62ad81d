"""The notice to whoever loses a task to a hand-over or a give-back by whoever may reassign tasks
says what the task was to them: theirs to do. One who was handed it (never claimed it) is not
told of a task "您签收的" (that you claimed), nor in English of one "which you had claimed"."""

from __future__ import annotations

import html

from engine.usecases import notifications, tasks
from storage.enums import NotificationKind
from tests.web.conftest import text_of
from tests.web.test_inbox import to_reply
from tests.world import act, create_people


def taken_away(app, username: str) -> list[notifications.NotificationView]:
    listed = act(app, username, notifications.list_notifications)
    return [n for n in listed if n.kind == NotificationKind.TAKEN_AWAY.value]


def test_one_handed_a_task_and_then_relieved_of_it_is_not_told_he_claimed_it(app, as_user):
    create_people(app, "head")
    task = to_reply(app, "finance", "关于修缮村道的意见")
    act(app, "head", tasks.hand_over, task, "finance2")  # finance2 never claims it: handed to him
    act(app, "head", tasks.hand_over, task, "finance1", "张会计休假，请李所长办理")

    [told] = taken_away(app, "finance2")
    assert told.message == (
        "head 同志 已将原由您办理的「答复」（案件：关于修缮村道的意见）转交给 finance1 同志 办理，您不必再办理；"
        "如已填写办理内容，请转告 finance1 同志。"
    )
    client = as_user("finance2")
    client.get("/lang/en")
    page = html.unescape(text_of(client.get("/notifications")))
    assert (
        "head 同志 handed “答复” (case: 关于修缮村道的意见), which was yours to do, to finance1 同志; "
        "you need not work on it any more." in page
    )
    assert "which you had claimed" not in page


def test_one_handed_a_task_and_then_given_back_is_not_told_he_claimed_it(app):
    create_people(app, "head")
    task = to_reply(app, "finance", "关于修缮村道的意见")
    act(app, "head", tasks.hand_over, task, "finance2")
    act(app, "head", tasks.unclaim, task)

    [told] = taken_away(app, "finance2")
    assert told.message == (
        "head 同志 已将原由您办理的「答复」（案件：关于修缮村道的意见）退回待签收，由本单位重新签收办理。"
    )
