"""A task held (签收) by someone an administrator deactivated since: the case page marks the
holder deactivated wherever it names who holds a current task (当前任务, 办理步骤, 法定期限),
so that the office hands it over; a step they finished before is not marked, nor an active
holder."""

from __future__ import annotations

import html
import re

from engine.usecases import people, tasks
from tests.web.conftest import text_of
from tests.world import act, start_review


def held_by_finance1(app) -> tuple[int, str]:
    """A review case: office1 registered it (登记), finance1 claimed its 答复 (due 2026-12-22 24:00)."""
    case = start_review(app, "office1")
    [reply] = act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    act(app, "finance1", tasks.claim, reply.task_id)
    return case.id, reply.task_id


def plain(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", fragment).split())


def current_steps(page: str) -> str:
    return plain(re.search(r"<dt>(?:当前任务|Current tasks)</dt><dd>(.*?)</dd>", page).group(1))


def holder_cells(page: str, section: str) -> list[str]:
    """The 办理人 / 承办 cells of the section ``section`` (steps, deadlines), in its order."""
    part = page.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    return [plain(cell) for cell in re.findall(r'<td class="holder"[^>]*>(.*?)</td>', part)]


def test_a_deactivated_holder_is_marked_where_the_case_page_names_them(app, as_user):
    case_id, _task = held_by_finance1(app)
    act(app, "admin", people.set_active, "finance1", False)
    act(app, "admin", people.set_active, "office1", False)  # who registered it: a step done, not held
    page = html.unescape(text_of(as_user("office2").get(f"/cases/{case_id}")))
    assert current_steps(page).startswith("答复 （finance1 同志（已停用），期限 2026-12-22 24:00")
    assert holder_cells(page, "steps") == ["office1 同志", "finance1 同志（已停用）"]
    assert holder_cells(page, "deadlines") == ["finance1 同志（已停用）"]
    assert page.count('data-standing="inactive"') == 3


def test_in_english_the_holder_is_said_deactivated(app, as_user):
    case_id, _task = held_by_finance1(app)
    act(app, "admin", people.set_active, "finance1", False)
    client = as_user("office1")
    client.get("/lang/en")
    page = html.unescape(text_of(client.get(f"/cases/{case_id}")))
    assert "finance1 同志 (deactivated)" in current_steps(page)
    assert holder_cells(page, "steps")[1] == "finance1 同志 (deactivated)"


def test_an_active_holder_is_not_marked(app, as_user):
    case_id, _task = held_by_finance1(app)
    act(app, "admin", people.set_active, "finance1", False)
    act(app, "admin", people.set_active, "finance1", True)  # back from leave
    page = html.unescape(text_of(as_user("office1").get(f"/cases/{case_id}")))
    assert current_steps(page).startswith("答复 （finance1 同志，期限 2026-12-22 24:00")
    assert "已停用" not in page and 'data-standing="inactive"' not in page
