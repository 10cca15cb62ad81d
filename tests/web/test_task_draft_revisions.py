"""Two tabs of one task (or two officers of the unit it is offered to) each keep a draft: the
page carries which draft it read, and a save from a page that read an older one is refused (409)
saying who saved the newer one when, what was typed kept in the form, which now names the newer
draft as read: saving once more overwrites it, as the reader chooses. A draft naming a field the
form does not have is refused naming it, not kept without it unsaid."""

from __future__ import annotations

import re
import threading

import pytest

from engine.errors import Conflict, InvalidData
from engine.usecases import tasks
from engine.usecases.context import actor_for
from tests.web.conftest import text_of
from tests.web.test_inbox import to_reply
from tests.web.test_tasks import field_html
from tests.world import act, session_factory_of, waits_on_a_lock


def draft_seen(page: str) -> str:
    """The revision of the draft the task page read, as its form sends it back."""
    form = page.split('id="task-form"', 1)[1].split("</form>", 1)[0]
    match = re.search(r'<input type="hidden" name="draft_seen" value="(\d+)"', form)
    assert match, "the task form carries no draft_seen"
    return match.group(1)


def kept_draft(app, username: str, task: str) -> dict:
    return act(app, username, tasks.task_page, task).values


def test_a_draft_from_a_tab_that_read_an_older_one_is_refused_then_overwrites_it_when_saved_again(app, as_user):
    task = to_reply(app, "finance")
    c = as_user("finance1")
    first_tab = draft_seen(text_of(c.get(f"/tasks/{task}")))
    second_tab = draft_seen(text_of(c.get(f"/tasks/{task}")))
    assert first_tab == second_tab == "0"  # no draft yet

    saved = c.post(f"/tasks/{task}", data={"action": "draft", "draft_seen": first_tab, "reply_class": "A"})
    assert saved.status_code == 302
    newer = draft_seen(text_of(c.get(f"/tasks/{task}")))
    assert int(newer) > 0

    refused = c.post(f"/tasks/{task}", data={"action": "draft", "draft_seen": second_tab, "reply_class": "B"})
    assert refused.status_code == 409
    page = text_of(refused)
    assert (
        "您打开此页后，又于 2026-12-07 09:00 保存过「答复」的草稿（可能是在另一个窗口或标签页中），"
        "这次的草稿没有保存，以免覆盖那一份。您填写的内容没有丢失：确认以它为准的，再保存一次即覆盖那一份草稿；"
        "要先看那一份，可在新标签页中打开此任务。"
    ) in page
    assert 'class="flash error" role="alert"' in page
    # what the second tab typed, still in its form to go on with, which now names the newer draft
    assert '<option value="B" selected' in field_html(page, "reply_class")
    assert 'name="action" value="draft"' in page and draft_seen(page) == newer
    assert kept_draft(app, "finance1", task)["reply_class"] == "A"  # the first tab's, not overwritten

    again = c.post(f"/tasks/{task}", data={"action": "draft", "draft_seen": draft_seen(page), "reply_class": "B"})
    assert again.status_code == 302
    assert kept_draft(app, "finance1", task)["reply_class"] == "B"  # chosen: overwritten


def test_a_save_while_another_is_being_saved_waits_for_it_and_is_refused(app):
    """Two tabs saving at the same moment (PostgreSQL, two workers): the second waits on the
    case's lock until the first commits, then reads its draft: refused, never both written over
    the one they read."""
    task = to_reply(app, "finance")
    factory = session_factory_of(app)
    seen = act(app, "finance1", tasks.task_page, task).draft_revision
    outcome: list[object] = []

    def second_tab() -> None:
        try:
            with factory.begin() as s:
                outcome.append(tasks.save_draft(s, actor_for(s, "finance1"), task, {"reply_class": "B"}, seen=seen))
        except Exception as exc:  # what the second save got
            outcome.append(exc)

    with factory.begin() as s:
        tasks.save_draft(s, actor_for(s, "finance1"), task, {"reply_class": "A"}, seen=seen)
        thread = threading.Thread(target=second_tab, daemon=True)
        thread.start()
        waited = waits_on_a_lock(factory, thread, 20)
    thread.join(20)
    assert waited and not thread.is_alive()
    [refused] = outcome
    assert isinstance(refused, Conflict) and refused.reason == "task_draft_saved_meanwhile", refused
    assert kept_draft(app, "finance1", task)["reply_class"] == "A"


def test_a_colleagues_draft_saved_meanwhile_is_named_as_theirs(app, as_user):
    task = to_reply(app, "finance")  # offered to finance, unclaimed: either of its officers may keep a draft
    mine = draft_seen(text_of(as_user("finance1").get(f"/tasks/{task}")))
    act(app, "finance2", tasks.save_draft, task, {"reply_class": "C"})

    refused = as_user("finance1").post(f"/tasks/{task}", data={"action": "draft", "draft_seen": mine, "pages": "3"})
    assert refused.status_code == 409
    said = "您打开此页后，finance2 同志 于 2026-12-07 09:00 保存了「答复」的草稿，您的草稿没有保存，以免覆盖那一份。"
    assert said in text_of(refused) and 'value="3"' in field_html(text_of(refused), "pages")


def test_a_page_that_does_not_say_what_it_read_saves_as_before(app, as_user):
    """A page served before it carried draft_seen (and the inbox's, the command line's doors)."""
    task = to_reply(app, "finance")
    act(app, "finance1", tasks.save_draft, task, {"reply_class": "A"})
    assert as_user("finance1").post(f"/tasks/{task}", data={"action": "draft", "reply_class": "B"}).status_code == 302
    assert kept_draft(app, "finance1", task)["reply_class"] == "B"


def test_a_draft_seen_that_is_no_number_is_refused_naming_it(app, as_user):
    task = to_reply(app, "finance")
    refused = as_user("finance1").post(f"/tasks/{task}", data={"action": "draft", "draft_seen": "x1", "pages": "4"})
    assert refused.status_code == 422
    assert 'value="4"' in field_html(text_of(refused), "pages")
    assert act(app, "finance1", tasks.task_page, task).has_draft is False


def test_a_draft_naming_a_field_the_form_has_not_is_refused_naming_it(app):
    task = to_reply(app, "finance")
    with pytest.raises(InvalidData) as refused:
        act(app, "finance1", tasks.save_draft, task, {"reply_class": "B", "zz": 1, "lead_unit": "land"})
    assert {name: error.code for name, error in refused.value.codes.items()} == {
        "zz": "unknown_field",
        "lead_unit": "unknown_field",  # the case's variable, but no field of this task's form
    }
    assert act(app, "finance1", tasks.task_page, task).has_draft is False  # nothing kept
