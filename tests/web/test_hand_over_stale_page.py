"""A hand-over (转交) from a task page older than the task's own latest step (its holder handed it
on or gave it back, a colleague claimed it, after a unit head's page was loaded) does not
override that step: refused (409) naming who did what and when, the task left as it is. A page
read after that step hands it over as before."""

from __future__ import annotations

import html
import re

import pytest

from engine.errors import Conflict
from engine.usecases import tasks
from tests.web.conftest import text_of
from tests.web.test_inbox import to_reply
from tests.world import act, create_people


def holding_seen(page: str) -> str:
    """What the task page's hand-over form says it showed of who holds the task."""
    form = page.split('class="handover"', 1)[1].split("</form>", 1)[0]
    match = re.search(r'<input type="hidden" name="holding_seen" value="(\d+)"', form)
    assert match, "the hand-over form carries no holding_seen"
    return match.group(1)


def holder(app, task: str) -> str | None:
    return act(app, "head", tasks.task_detail, task).summary.assignee


def test_a_heads_hand_over_from_before_the_holder_handed_it_on_is_refused_naming_who_and_when(app, as_user):
    create_people(app, "head")
    task = to_reply(app, "finance")
    act(app, "finance1", tasks.claim, task)
    head = as_user("head")
    seen = holding_seen(text_of(head.get(f"/tasks/{task}")))
    act(app, "finance1", tasks.hand_over, task, "finance2", "请钱会计办理")  # meanwhile, by its holder

    refused = head.post(f"/tasks/{task}/handover", data={"colleague": "finance1", "holding_seen": seen})

    assert refused.status_code == 409
    page = html.unescape(text_of(refused))
    assert "任务的办理人已变动" in page
    said = "您打开此页后，finance1 同志 于 2026-12-07 09:00 将「答复」转交给了 finance2 同志，未能转交。"
    assert said in page and "请在任务页确认现在的办理人后，再决定是否转交。" in page
    assert f'<a href="/tasks/{task}">打开任务页</a>' in page
    assert holder(app, task) == "finance2"  # the holder's own step stands

    # read again, the page hands it over
    fresh = holding_seen(text_of(head.get(f"/tasks/{task}")))
    assert fresh != seen
    done = head.post(f"/tasks/{task}/handover", data={"colleague": "finance1", "holding_seen": fresh})
    assert done.status_code == 302 and holder(app, task) == "finance1"


def test_a_hand_over_from_before_the_holder_gave_it_back_is_refused_in_english_too(app, as_user):
    create_people(app, "head")
    task = to_reply(app, "finance")
    act(app, "finance1", tasks.claim, task)
    head = as_user("head")
    head.get("/lang/en")
    seen = holding_seen(text_of(head.get(f"/tasks/{task}")))
    act(app, "finance1", tasks.unclaim, task)

    refused = head.post(f"/tasks/{task}/handover", data={"colleague": "finance2", "holding_seen": seen})

    assert refused.status_code == 409
    page = html.unescape(text_of(refused))
    assert "After you opened this page, finance1 同志 gave “答复” back to be claimed at 2026-12-07 09:00" in page
    assert holder(app, task) is None


def test_the_use_case_refuses_a_hand_over_older_than_a_claim(app):
    """Whichever door: an unclaimed task's page (nothing held yet: 0), claimed since."""
    create_people(app, "head")
    task = to_reply(app, "finance")
    page = act(app, "head", tasks.task_page, task)
    assert page.holding == 0  # nobody has claimed, handed or given it back yet
    act(app, "finance2", tasks.claim, task)

    with pytest.raises(Conflict) as refused:
        act(app, "head", tasks.hand_over, task, "finance1", seen=page.holding)
    assert refused.value.reason == "holding_changed"
    assert {k: refused.value.params[k] for k in ("action", "by", "holder", "task")} == {
        "action": "claim",
        "by": "finance2",
        "holder": "finance2",
        "task": "答复",
    }
    assert holder(app, task) == "finance2"
    # without what a page saw (the inbox's rows, the API, the command line): as it stands
    act(app, "head", tasks.hand_over, task, "finance1")
    assert holder(app, task) == "finance1"
