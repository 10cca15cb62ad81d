"""An officer moved to another unit while filling in a task's form of their old unit (QA walk B,
defect 7): the submission says whose the task is and that they left that unit (403), and shows
what they typed, read-only, to pass on; not a bare "no such task" with the input gone. Only
whoever the audit log shows was moved out of the task's unit while it was open is told so:
anyone else is told "no such task" (404), which tells nothing of a task they could never see."""

from __future__ import annotations

import re
from datetime import timedelta

from engine import clock
from engine.usecases import people
from engine.usecases.context import actor_for
from tests.web.conftest import text_of
from tests.web.test_inbox import to_reply
from tests.world import create_people, session_factory_of

WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d"
NOT_FOUND = "找不到这项任务：它不存在，或者您无权查看它所在的案件。"


def move(app, username: str, unit: str) -> None:
    """The administrator's change on the users page: ``username`` now of ``unit``."""
    with session_factory_of(app).begin() as s:
        admin = actor_for(s, "admin")
        user = people.get_user(s, admin, username)
        people.update_user(
            s,
            admin,
            username,
            display_name=user.display_name,
            email=user.email,
            roles=tuple(user.roles),
            department=unit,
            active=True,
        )


def test_a_submission_after_being_moved_out_of_the_tasks_unit_says_so_and_keeps_the_input(app, as_user):
    task = to_reply(app)  # 答复, offered to finance
    client = as_user("finance2")
    assert 'name="action" value="complete"' in text_of(client.get(f"/tasks/{task}"))  # he may fill it in
    clock.advance(timedelta(minutes=20))
    move(app, "finance2", "civil_affairs")  # meanwhile

    response = client.post(f"/tasks/{task}", data={"action": "complete", "reply_class": "B", "pages": "7"})

    assert response.status_code == 403
    page = text_of(response)
    assert "您已不在该单位" in page and NOT_FOUND not in page
    assert re.search(rf"「答复」由财政所办理，您已于 {WHEN} 调离财政所，不能再办理此任务，您的提交没有保存。", page), (
        page
    )
    assert "如需继续办理，请把填写的内容转告财政所的同事" in page
    # what he typed, read-only, by its labels (a choice by its name), nothing to submit it with
    kept = page.split('id="kept-input">', 1)[1].split("</div>", 1)[0]
    assert re.search(
        r'<label for="kept-1">答复类别</label> <textarea id="kept-1" readonly rows="\d+">正在解决</textarea>', kept
    )
    assert re.search(r'<label for="kept-2">页数</label> <textarea id="kept-2" readonly rows="\d+">7</textarea>', kept)
    assert 'name="action"' not in page

    draft = client.post(f"/tasks/{task}", data={"action": "draft", "pages": "7"})
    assert draft.status_code == 403 and "草稿未保存" in text_of(draft)


def test_whoever_was_never_in_the_tasks_unit_is_told_there_is_no_such_task(app, as_user):
    task = to_reply(app)
    response = as_user("civil1").post(f"/tasks/{task}", data={"action": "complete", "reply_class": "B"})
    assert response.status_code == 404
    assert NOT_FOUND in text_of(response) and "答复" not in text_of(response)


def test_whoever_left_the_unit_before_the_task_was_opened_is_told_there_is_no_such_task(app, as_user):
    create_people(app, "fin")
    move(app, "fin", "civil_affairs")  # before the task existed: he never saw it
    clock.advance(timedelta(minutes=20))
    task = to_reply(app)
    response = as_user("fin").post(f"/tasks/{task}", data={"action": "complete", "reply_class": "B"})
    assert response.status_code == 404
    assert NOT_FOUND in text_of(response) and "财政所" not in text_of(response)
