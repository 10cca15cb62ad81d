"""A submission (or a draft) refused because the task closed while the officer filled in its form —
its case cancelled, or the task withdrawn by the process (a deadline's timer) — is a conflict
(409) said on the task page itself, as a race lost to a colleague is (tests/web/test_task_races.py):
why, in words, and what he typed kept below to copy from, with nothing to submit it with."""

from __future__ import annotations

import html
import re

import lxml.html

from engine.usecases import cases, tasks
from tests.web.conftest import text_of
from tests.web.test_case_page_lapsed import lapsed  # noqa: F401 (the fixture: an evaluation lapsed)
from tests.web.test_inbox import to_reply
from tests.world import (
    act,
    deploy_petition_min_with_a_confidential_task_field,
    start_petition,
)

SUBMIT_BUTTONS = ('name="action" value="complete"', 'name="action" value="draft"')
KEPT_FOR_THE_CASE_PAGE = "您填写的内容保留在下方，没有提交；如有需要，可复制到案件页的意见中。"


def cancelled(app) -> tuple[int, str]:
    """A review case at finance's 答复, cancelled by office2 meanwhile: (case id, the task's id)."""
    task = to_reply(app)
    case = act(app, "finance1", tasks.task_detail, task).summary.instance_id
    act(app, "office2", cases.cancel_instance, case, "代表撤回此建议。")
    return case, task


def alert(page: str) -> str:
    """The text of the page's alert above the kept form."""
    found = re.search(r'<div class="flash error" role="alert" id="task-taken"[^>]*>(.*?)</div>', page, re.S)
    assert found is not None, page
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found[1])).strip()


def test_completing_the_task_of_a_case_cancelled_meanwhile_keeps_what_was_typed(app, as_user):
    case, task = cancelled(app)

    response = as_user("finance1").post(f"/tasks/{task}", data={"action": "complete", "reply_class": "B", "pages": "7"})

    assert response.status_code == 409
    page = text_of(response)
    said = alert(page)
    assert said.startswith("案件已撤销 ")
    assert re.search(
        rf"「答复」已不再办理：案件 #{case} 已于 \d{{4}}-\d\d-\d\d \d\d:\d\d 由 office2 同志 撤销。"
        "撤销理由：代表撤回此建议。 您的提交没有保存，此任务无需再办理。",
        said,
    )
    assert KEPT_FOR_THE_CASE_PAGE in said
    # the form as he filled it in, nothing to submit it with; the way to the case and the inbox
    assert 'id="task-form"' in page and '<option value="B" selected>' in page and 'value="7"' in page
    assert not any(button in page for button in SUBMIT_BUTTONS)
    assert re.search(
        rf'id="task-taken".*<a href="/cases/{case}">查看案件 #{case}</a> · <a href="/">返回待办</a></div>', page
    )
    # to copy from, not to edit: the number read-only, the choice fixed
    form = lxml.html.fromstring(page).get_element_by_id("task-form")
    assert form.get_element_by_id("f-pages").get("readonly") is not None
    assert form.get_element_by_id("f-reply_class").get("disabled") is not None
    assert "已取消（案件已撤销）" in page  # the page is the closed task's


def test_a_draft_of_the_task_of_a_case_cancelled_meanwhile_keeps_what_was_typed_too(app, as_user):
    _case, task = cancelled(app)

    response = as_user("finance1").post(f"/tasks/{task}", data={"action": "draft", "pages": "5"})

    assert response.status_code == 409
    page = text_of(response)
    assert alert(page).startswith("案件已撤销 ") and KEPT_FOR_THE_CASE_PAGE in page
    assert 'value="5"' in page and not any(button in page for button in SUBMIT_BUTTONS)


def test_a_case_cancelled_meanwhile_in_english(app, as_user):
    case, task = cancelled(app)
    client = as_user("finance1")
    client.get("/lang/en")

    response = client.post(f"/tasks/{task}", data={"action": "complete", "reply_class": "B", "pages": "7"})

    assert response.status_code == 409
    page = html.unescape(text_of(response))
    said = alert(page)
    assert said.startswith("Case cancelled ")
    assert re.search(
        rf"“答复” is no longer open: case #{case} was cancelled by office2 同志 at \d{{4}}-\d\d-\d\d \d\d:\d\d\. "
        r"Reason: 代表撤回此建议。 What you submitted was not saved; this task needs no more work\.",
        said,
    )
    # the option's name is the process's Chinese: marked so on the English page
    assert '<option value="B" selected lang="zh-CN">' in page and 'value="7"' in page
    assert not any(button in page for button in SUBMIT_BUTTONS)


def test_the_kept_values_of_a_cancelled_case_leave_out_a_field_the_reader_may_not_read(app, as_user):
    """A confidential field of the task's form is hidden from a unit's officer: what a hand-made
    request sends for it is not shown back to him."""
    deploy_petition_min_with_a_confidential_task_field(app)
    case = start_petition(app, "office1", unit="finance")
    act(app, "admin", cases.cancel_instance, case.id, "信访人撤回")

    response = as_user("finance2").post(
        f"/tasks/{case.task_id}", data={"action": "complete", "answer": "拟同意补发", "called_on": "13900001111"}
    )

    assert response.status_code == 409
    page = text_of(response)
    assert alert(page).startswith("案件已撤销 ")
    assert "拟同意补发" in page
    assert "13900001111" not in page and 'name="called_on"' not in page


def test_completing_a_task_a_timer_withdrew_meanwhile_keeps_what_was_typed(app, as_user, lapsed):  # noqa: F811
    case, task = lapsed

    response = as_user("wang").post(
        f"/tasks/{task}", data={"action": "complete", "evaluation": "不满意", "unsatisfied_reason": "答复未说明工期"}
    )

    assert response.status_code == 409
    page = text_of(response)
    assert alert(page).startswith(
        "状态已变化 「评价办理结果（回执）」已不再办理：案件已进入下一步，或已被撤销。 案件现在的状态可在案件页查看。 "
        + KEPT_FOR_THE_CASE_PAGE
    )
    assert '<option value="不满意" selected>' in page and "答复未说明工期</textarea>" in page
    assert not any(button in page for button in SUBMIT_BUTTONS)
    assert re.search(
        rf'id="task-taken".*<a href="/cases/{case}">查看案件 #{case}</a> · <a href="/">返回待办</a></div>', page
    )
    assert "已关闭（期限届满：「逾期未反馈」）" in page  # the page is the closed task's


def test_a_draft_of_a_task_a_timer_withdrew_meanwhile_in_english(app, as_user, lapsed):  # noqa: F811
    _case, task = lapsed
    client = as_user("wang")
    client.get("/lang/en")

    response = client.post(
        f"/tasks/{task}", data={"action": "draft", "evaluation": "满意", "evaluation_comment": "很好"}
    )

    assert response.status_code == 409
    page = html.unescape(text_of(response))
    assert alert(page).startswith(
        "Changed meanwhile “评价办理结果（回执）” is no longer open: the case has moved on, or was cancelled. "
        "The case page shows where the case is now."
    )
    assert "很好</textarea>" in page
    assert lxml.html.fromstring(page).xpath("//form[@id='task-form']//textarea")[0].get("readonly") is not None
    assert not any(button in page for button in SUBMIT_BUTTONS)
