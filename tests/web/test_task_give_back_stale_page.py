"""A give-back (放弃签收) from a task page older than the task's own latest step (its holder handed
it on, after a unit head's page was loaded) does not take the task from whoever holds it now
unseen: refused (409) naming who did what and when, as a hand-over from such a page is. A page
read after that step gives it back as before; the inbox's rows carry nothing and give it back
as it stands."""

from __future__ import annotations

import html
import re

import pytest

from engine.errors import Conflict
from engine.usecases import tasks
from tests.web.conftest import text_of
from tests.web.test_hand_over_stale_page import holder
from tests.web.test_inbox import to_reply
from tests.world import act, create_people


def holding_seen_of_give_back(page: str) -> str:
    """What the task page's 放弃签收 form says it showed of who holds the task."""
    form = page.split("/unclaim", 1)[1].split("</form>", 1)[0]
    match = re.search(r'<input type="hidden" name="holding_seen" value="(\d+)"', form)
    assert match, "the give-back form carries no holding_seen"
    return match.group(1)


def test_a_heads_give_back_from_before_the_holder_handed_it_on_is_refused_naming_who_and_when(app, as_user):
    create_people(app, "head")
    task = to_reply(app, "finance")
    act(app, "finance1", tasks.claim, task)
    head = as_user("head")
    seen = holding_seen_of_give_back(text_of(head.get(f"/tasks/{task}")))
    act(app, "finance1", tasks.hand_over, task, "finance2", "请钱会计办理")  # meanwhile, by its holder

    refused = head.post(f"/tasks/{task}/unclaim", data={"holding_seen": seen, "next": f"/tasks/{task}"})

    assert refused.status_code == 409
    page = html.unescape(text_of(refused))
    assert "任务的办理人已变动" in page
    assert "您打开此页后，finance1 同志 于 2026-12-07 09:00 将「答复」转交给了 finance2 同志，未能退回。" in page
    assert "请在任务页确认现在的办理人后，再决定是否放弃签收。" in page  # what to check before giving it back
    assert f'<a href="/tasks/{task}">打开任务页</a>' in page
    assert holder(app, task) == "finance2"  # not taken from finance2 unseen

    # read again, the page gives it back
    fresh = holding_seen_of_give_back(text_of(head.get(f"/tasks/{task}")))
    assert fresh != seen
    done = head.post(f"/tasks/{task}/unclaim", data={"holding_seen": fresh, "next": f"/tasks/{task}"})
    assert done.status_code == 302 and holder(app, task) is None


def test_a_give_back_from_a_row_of_the_inbox_goes_as_it_stands(app, as_user):
    create_people(app, "head")
    task = to_reply(app, "finance")
    act(app, "finance1", tasks.claim, task)
    finance1 = as_user("finance1")
    mine = text_of(finance1.get("/?tab=mine"))
    row = mine.split(f"/tasks/{task}/unclaim", 1)[1].split("</form>", 1)[0]
    assert "holding_seen" not in row  # a list's row says nothing of what it read
    assert finance1.post(f"/tasks/{task}/unclaim", data={}).status_code == 302
    assert holder(app, task) is None


def test_the_use_case_refuses_a_give_back_older_than_a_hand_over(app):
    """An officer's own page, read while the task was theirs; given back in another tab, claimed
    by a colleague and handed back to them since: its 放弃签收 does not act on what it never saw."""
    create_people(app, "head")
    task = to_reply(app, "finance")
    act(app, "finance1", tasks.claim, task)
    page = act(app, "finance1", tasks.task_page, task)
    act(app, "finance1", tasks.unclaim, task)
    act(app, "finance2", tasks.claim, task)
    act(app, "finance2", tasks.hand_over, task, "finance1")  # finance1 holds it again, from finance2

    with pytest.raises(Conflict) as refused:
        act(app, "finance1", tasks.unclaim, task, seen=page.holding)
    assert refused.value.reason == "holding_changed"
    assert {k: refused.value.params[k] for k in ("action", "by", "holder")} == {
        "action": "hand_over",
        "by": "finance2",
        "holder": "finance1",
    }
    assert holder(app, task) == "finance1"
    # a task nobody holds any more is given back already: nothing to refuse, nothing done
    act(app, "finance1", tasks.unclaim, task)
    assert act(app, "finance1", tasks.unclaim, task, seen=page.holding).assignee is None
