"""The banner of a task whose case was cancelled reads as two sentences in English: what
happened, then why (the reason given), not run together ("...no longer open.Reason: ...")."""

from __future__ import annotations

import html
import re

from engine.usecases import cases
from tests.web.conftest import text_of
from tests.world import act, start_review


def banner(client, task_id: str) -> str:
    page = html.unescape(text_of(client.get(f"/tasks/{task_id}")))
    found = re.search(r'<div class="flash warning" role="status" id="case-cancelled">(.*?)</div>', page)
    assert found, page
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_the_cancelled_banner_reads_two_sentences_in_english(app, as_user):
    case = start_review(app, "office1")  # 2026-12-07 09:00 in Beijing
    act(app, "office1", cases.cancel_instance, case.id, "重复登记")
    client = as_user("office1")
    client.get("/lang/en")
    assert banner(client, case.task_id) == (
        "The case was cancelled by office1 同志 at 2026-12-07 09:00; this task is no longer open. Reason: 重复登记"
    )
    client.get("/lang/zh_CN")
    assert (
        banner(client, case.task_id)
        == "案件已于 2026-12-07 09:00 由 office1 同志 撤销，此任务不再办理。撤销理由：重复登记"
    )
