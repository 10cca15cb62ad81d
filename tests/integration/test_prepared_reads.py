"""The statements a start or a completion runs on the transaction's driver connection
(storage/prepared.py), on SQLite and PostgreSQL: the reads give what a session's Core read
gives, the case locked for a completion is the session's object as the ORM would load it,
anything listening to the engine sees every statement, and a failing or lost connection
fails as SQLAlchemy's own execution fails."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage import writes
from storage.enums import InstanceStatus, TimerKind, WorkItemState
from storage.models import CalendarDay, ProcessInstance, Setting, WorkItem
from storage.prepared import PreparedRead
from tests.integration.test_pool_pings import terminate
from tests.world import build_world, start_review

LATER = datetime(2027, 1, 8, 9, 0, tzinfo=UTC)


@pytest.fixture
def case_id(session_factory) -> int:
    """A review case waiting at its first task, with a pending timer, a changed setting and a
    calendar day entered: something of every kind the hot reads return."""
    build_world(session_factory, "clerk")
    case_id = start_review(session_factory, "clerk").id
    with session_factory.begin() as session:
        writes.arm_timers(
            session,
            [{"instance_id": case_id, "task_id": "t-1", "bpmn_id": "b", "kind": TimerKind.BPMN, "due_at": LATER}],
        )
        session.add(Setting(name="proposal.reply_months", value="2", updated_by="admin", updated_at=LATER))
        session.add(CalendarDay(day=date(2027, 2, 6), is_working=True, note="调休上班", from_notice=True))
    return case_id


def hot_reads(session: Session, case_id: int) -> dict[str, Any]:
    """What each read a completion runs returns, as plain values."""
    task_id = session.scalar(select(WorkItem.task_id).where(WorkItem.instance_id == case_id))
    assert task_id is not None
    case = repo.instance_of_task_for_update(session, task_id)
    assert case is not None
    return {
        "case": {c.key: getattr(case, c.key) for c in ProcessInstance.__table__.c},
        "ready items": [vars(item) for item in repo.ready_item_rows(session, case_id)],
        "pending timers": repo.pending_timers_of_instance(session, case_id),
        "latest head": repo.latest_definition_head(session, "review"),
        "deadline configuration": repo.deadline_configuration(session),
        "unit members": repo.active_users_in_units(session, ["office", "财政所"]),
    }


def test_the_reads_give_what_core_gives(session_factory, case_id, monkeypatch):
    with session_factory() as session:
        on_driver = hot_reads(session, case_id)
    monkeypatch.setattr(
        PreparedRead,
        "rows",
        lambda self, session, params=None: [tuple(r) for r in session.execute(self.statement, params or {})],
    )
    with session_factory() as session:
        through_core = hot_reads(session, case_id)
    assert on_driver == through_core
    # and what they mean, written by hand
    case = on_driver["case"]
    assert (case["id"], case["status"], case["revision"]) == (case_id, InstanceStatus.RUNNING, 1)
    assert case["started_at"].tzinfo is not None and case["ended_at"] is None
    (item,) = on_driver["ready items"]
    assert (item["bpmn_id"], item["state"], item["candidate_groups"]) == ("register", WorkItemState.READY, ["office"])
    (timer,) = [t for t in on_driver["pending timers"] if t.task_id == "t-1"]
    assert (timer.kind, timer.due_at) == (TimerKind.BPMN, LATER)
    assert on_driver["latest head"].key == "review" and on_driver["latest head"].version == 1
    settings, days, notice_years = on_driver["deadline configuration"]
    assert settings == {"proposal.reply_months": "2"}
    assert days == {date(2027, 2, 6): True} and notice_years == {2027}
    assert ("clerk", "office", "镇人大办") in on_driver["unit members"]


def test_the_locked_case_is_the_sessions_object_and_read_afresh(session_factory, case_id):
    """As the ORM would load it: the session tracks it (a change is flushed, checked against
    its revision), and a case the session held already is read again, not taken as it was."""
    with session_factory() as session:
        task_id = session.scalar(select(WorkItem.task_id).where(WorkItem.instance_id == case_id))
        held = session.get(ProcessInstance, case_id)
        assert held is not None and held.revision == 1
        session.commit()  # the session keeps what it read (expire_on_commit off)
        with session_factory.begin() as other:  # another writer, meanwhile
            other.execute(update(ProcessInstance).where(ProcessInstance.id == case_id).values(revision=2, title="新"))
        locked = repo.instance_of_task_for_update(session, task_id)
        assert locked is held
        assert (locked.revision, locked.title) == (2, "新")
        session.rollback()
    with session_factory() as session:
        locked = repo.instance_of_task_for_update(session, task_id)
        assert locked is not None and locked in session and not session.dirty
        locked.title = "改过的标题"
        session.commit()
    with session_factory() as session:
        case = session.get(ProcessInstance, case_id)
        assert case is not None and (case.title, case.revision) == ("改过的标题", 3)
        assert repo.instance_of_task_for_update(session, "no-such-task") is None


def test_a_listener_sees_every_statement(session_factory, case_id):
    """Tests and benchmarks that count or explain statements see these too (then they go
    through SQLAlchemy's execution)."""
    seen: list[str] = []
    engine = session_factory.kw["bind"]

    def record(_connection, _cursor, statement, _parameters, _context, _executemany):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with session_factory() as session:
            observed = hot_reads(session, case_id)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with session_factory() as session:
        assert hot_reads(session, case_id) == observed
    assert any(s.startswith("SELECT process_instances.id") for s in seen)  # the locked case
    assert any("FROM timers" in s for s in seen)
    assert any("FROM settings" in s and "UNION ALL" in s for s in seen)


def test_a_failing_write_fails_as_sqlalchemys_and_the_session_rolls_back(session_factory, case_id):
    with session_factory() as session:
        (item,) = repo.ready_item_rows(session, case_id)
        duplicate = repo.ItemRow(**{**vars(item), "id": 0, "candidate_groups": [], "candidate_users": []})
        with pytest.raises(IntegrityError) as failed:  # the same task id twice
            writes.insert_item(session, duplicate)
        assert not failed.value.connection_invalidated
        session.rollback()
        assert [i.task_id for i in repo.ready_item_rows(session, case_id)] == [item.task_id]


def test_a_connection_lost_in_a_transaction_is_invalidated(db_url, session_factory, case_id):
    if not db_url.startswith("postgresql"):
        pytest.skip("a SQLite file has no server to close a connection")
    with session_factory() as session:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        terminate(pid)
        with pytest.raises(DBAPIError) as failed:
            repo.pending_timers_of_instance(session, case_id)
        assert failed.value.connection_invalidated
        session.rollback()
    with session_factory() as session:  # the pool connects afresh
        assert "t-1" in {t.task_id for t in repo.pending_timers_of_instance(session, case_id)}
