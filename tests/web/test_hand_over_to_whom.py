"""The task page's hand-over (转交) refuses a person who is not there, or the one who holds
the task already, as what is wrong with 转交给: said on the task page, the task staying with
its holder and nothing written into its history (QA-D defect 8)."""

from sqlalchemy import func, select

from engine.usecases import tasks
from storage.models import AuditEntry
from tests.web.conftest import text_of
from tests.web.test_inbox import to_reply
from tests.world import act


def test_a_hand_over_to_nobody_or_to_oneself_is_said_beside_whom_and_changes_nothing(app, as_user):
    task = to_reply(app, "finance")
    act(app, "finance1", tasks.claim, task)
    c = as_user("finance1")
    ghost = c.post(f"/tasks/{task}/handover", data={"colleague": "ghost", "comment": "请处理"})
    assert ghost.status_code == 302 and ghost.headers["Location"].endswith(f"/tasks/{task}")
    assert "未转交：转交给：没有这个用户：ghost" in text_of(c.get(f"/tasks/{task}"))
    mine = c.post(f"/tasks/{task}/handover", data={"colleague": "finance1"})
    assert mine.status_code == 302 and mine.headers["Location"].endswith(f"/tasks/{task}")
    assert "未转交：转交给：已由您办理：请转交给其他同事" in text_of(c.get(f"/tasks/{task}"))
    assert act(app, "finance1", tasks.task_detail, task).summary.assignee == "finance1"
    assert act(app, "finance1", hand_overs) == 0


def hand_overs(session, _actor) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "hand_over"))
