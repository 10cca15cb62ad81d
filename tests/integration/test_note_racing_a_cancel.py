"""A comment or a file sent to a task while its case is being cancelled: the note takes the
case's lock as a completion does, so the two are ordered. Here the cancel holds the lock (its
transaction open, not yet committed) when the note arrives: the note waits for it, then is
refused as one sent after the cancel is (409 ``case_cancelled``, who cancelled it and why), and
nothing of it is stored. Without the lock the note read the case still running and was stored
after the cancel. Real threads, each with its own session and connection; on SQLite the
writers queue at BEGIN IMMEDIATE, on PostgreSQL at the case row's lock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import CaseCancelled
from engine.usecases import attachments, cases, comments, tasks
from engine.usecases.context import actor_for
from storage.models import Attachment, AuditEntry, Comment
from tests import file_samples
from tests.world import act, build_world, start_review, waits_on_a_lock

pytestmark = pytest.mark.slow  # left out of make test-fast


@pytest.fixture
def reply(session_factory, frozen_clock) -> tuple[int, str]:
    """A review case at finance's 答复 step: (case id, task id)."""
    build_world(session_factory, "office1", "office2", "finance1")
    case = start_review(session_factory, "office1")
    (task,) = act(session_factory, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    return case.id, task.task_id


def note_during_cancel(factory: sessionmaker, case_id: int, note: Callable[[Session], Any]) -> Any:
    """The cancel run up to its commit; ``note`` started in a thread meanwhile; the cancel
    committed; what ``note`` returned or raised."""
    outcome: list[Any] = []

    def send_note() -> None:
        try:
            with factory.begin() as s:
                outcome.append(note(s))
        except Exception as exc:  # the test looks at what the note got
            outcome.append(exc)

    with factory.begin() as s:
        cases.cancel_instance(s, actor_for(s, "office2"), case_id, "代表撤回此建议。")
        thread = threading.Thread(target=send_note)
        thread.start()
        waits_on_a_lock(factory, thread)  # or the note, unlocked, ended
    thread.join(30)
    assert not thread.is_alive()
    return outcome[0]


def comment(task_id: str) -> Callable[[Session], Any]:
    return lambda s: comments.add_comment(s, actor_for(s, "finance1"), "已电话联系", task_id=task_id)


def upload(task_id: str) -> Callable[[Session], Any]:
    return lambda s: attachments.add_attachment(
        s, actor_for(s, "finance1"), "答复函.pdf", file_samples.PDF, task_id=task_id
    )


@pytest.mark.parametrize("send", [comment, upload], ids=["comment", "file"])
def test_a_note_sent_while_the_case_is_being_cancelled_is_refused_once_the_cancel_commits(
    session_factory, reply, send, frozen_clock
):
    case_id, task_id = reply
    lost = note_during_cancel(session_factory, case_id, send(task_id))

    assert isinstance(lost, CaseCancelled), repr(lost)
    assert lost.reason == "case_cancelled"
    assert (lost.params["by"], lost.params["at"], lost.params["why"]) == ("office2", frozen_clock, "代表撤回此建议。")
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Comment).where(Comment.instance_id == case_id)) == 0
        assert s.scalar(select(func.count()).select_from(Attachment).where(Attachment.instance_id == case_id)) == 0
        actions = s.scalars(
            select(AuditEntry.action).where(AuditEntry.instance_id == case_id).order_by(AuditEntry.id)
        ).all()
        assert "comment" not in actions and "attach" not in actions and actions[-1] == "cancel"
