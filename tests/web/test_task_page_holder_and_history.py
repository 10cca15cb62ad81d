"""The task page says what the case page says of the same things: a holder an administrator
deactivated since is marked so (办理人), and its history names by its name the process a thrown
signal started no case of, not by its key."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from engine.usecases import people
from storage.models import WorkItem
from tests.web.conftest import text_of
from tests.web.test_case_history_signal_not_started import KEY, history_items, the_held
from tests.web.test_case_page_deactivated_holder import held_by_finance1, plain
from tests.world import act, session_factory_of


def holder_on(page: str) -> str:
    """The task page's 办理人, as read."""
    return plain(re.search(r'<dd id="holder">(.*?)</dd>', page, re.S).group(1))


def test_a_deactivated_holder_is_marked_on_the_task_page(app, as_user):
    _case, task = held_by_finance1(app)
    act(app, "admin", people.set_active, "finance1", False)
    client = as_user("office1")

    page = html.unescape(text_of(client.get(f"/tasks/{task}")))
    assert holder_on(page) == "finance1 同志（已停用）"
    assert page.count('data-standing="inactive"') == 1

    client.get("/lang/en")
    page = html.unescape(text_of(client.get(f"/tasks/{task}")))
    assert holder_on(page) == "finance1 同志 (deactivated)"


def test_an_active_holder_is_not_marked_on_the_task_page(app, as_user):
    _case, task = held_by_finance1(app)
    act(app, "admin", people.set_active, "finance1", False)
    act(app, "admin", people.set_active, "finance1", True)  # back from leave
    page = html.unescape(text_of(as_user("office1").get(f"/tasks/{task}")))
    assert holder_on(page) == "finance1 同志"
    assert "已停用" not in page and 'data-standing="inactive"' not in page


def test_the_task_pages_history_names_the_process_a_signal_did_not_start_a_case_of(app, as_user):
    alarm, holder = the_held(app)
    with session_factory_of(app)() as s:
        task = s.scalar(select(WorkItem.task_id).where(WorkItem.instance_id == alarm))
    client = as_user("office1")

    page = html.unescape(text_of(client.get(f"/tasks/{task}")))
    [thrown] = [item for item in history_items(page) if "发出信号" in item]
    assert thrown.endswith(f"未发起「休会处理」的新案件：编号 {KEY} 已由在办案件 #{holder} 使用")

    client.get("/lang/en")
    page = html.unescape(text_of(client.get(f"/tasks/{task}")))
    [thrown] = [item for item in history_items(page) if "Signal sent" in item]
    assert thrown.endswith(
        f"No new case of “休会处理” was started: the number {KEY} was held by the running case #{holder}"
    )
