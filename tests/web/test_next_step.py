"""After a submission the officer reads what happened and who acts next, not a bare "done"."""

from __future__ import annotations

from tests.web.conftest import text_of
from tests.world import start_petition, start_review


def test_the_next_holder_and_deadline_are_said(app, as_user):
    case = start_review(app, "office1", "关于修缮村道的意见")
    client = as_user("office1")
    response = client.post(
        f"/tasks/{case.task_id}", data={"action": "complete", "lead_unit": "finance"}, follow_redirects=True
    )
    assert "已提交。下一步：财政所「答复」，期限 2026-12-22 24:00。" in text_of(response)
    client.get("/lang/en")
    case = start_review(app, "office1", "另一件")
    response = client.post(
        f"/tasks/{case.task_id}", data={"action": "complete", "lead_unit": "finance"}, follow_redirects=True
    )
    assert "Submitted. Next: 财政所 “答复”, due 2026-12-22 24:00." in text_of(response)


def test_the_last_step_says_the_case_is_closed(app, as_user):
    case = start_petition(app, "office1")  # petition_min: one task for the unit, then the end
    client = as_user("finance1")
    response = client.post(
        f"/tasks/{case.task_id}", data={"action": "complete", "answer": "已答复"}, follow_redirects=True
    )
    assert "已提交，案件已办结。" in text_of(response)
