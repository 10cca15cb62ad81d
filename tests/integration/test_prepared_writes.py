"""The writes a start or a completion sends as prepared SQL text (storage/prepared.py)
store exactly what SQLAlchemy's Core stores for the same statements and values, on both
databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Table, bindparam, delete, exc, func, select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage import writes
from storage.enums import InstanceStatus, TimerKind, TimerState, WorkItemState
from storage.models import AuditEntry, CaseFacts, ProcessInstance, Timer, WorkItem, WorkItemGroup
from storage.prepared import Prepared
from tests.world import build_world, start_review

TABLES = [ProcessInstance, WorkItem, WorkItemGroup, Timer, AuditEntry, CaseFacts]
BEIJING = timezone(timedelta(hours=8))
AT = datetime(2026, 12, 4, 9, 30, 15, 123456, tzinfo=BEIJING)
LATER = datetime(2027, 1, 8, 17, 0, tzinfo=UTC)


def every_write(session: Session, case_id: int) -> None:
    """Each prepared write of storage/writes.py once, with values of every kind they take
    (aware datetimes, enums, JSON, booleans, None, Chinese text), on the case ``case_id``."""
    writes.insert_audit(
        session,
        {
            "at": AT,
            "actor": "clerk",
            "action": "complete",
            "instance_id": case_id,
            "task_id": "t-1",
            "bpmn_id": "register",
            "data": {"意见": "同意", "pages": 2, "ok": True, "none": None},
        },
    )
    (item,) = repo.ready_item_rows(session, case_id)
    writes.complete_item(session, item, "clerk", AT)
    new = repo.ItemRow(
        id=0,
        instance_id=case_id,
        task_id="t-2",
        bpmn_id="reply",
        name="答复",
        lane=None,
        assignee=None,
        due_at=LATER,
        state=WorkItemState.READY,
        created_at=AT,
        candidate_groups=["office", "finance"],
        candidate_users=["clerk"],
    )
    writes.insert_item(session, new, due_rule={"rule": "working_days", "days": 15})
    assert new.id > 0
    timer = {"instance_id": case_id, "bpmn_id": "reply_due", "kind": TimerKind.BPMN, "due_at": LATER}
    writes.arm_timers(
        session,
        [
            {**timer, "task_id": "t-2"},
            {**timer, "task_id": "t-3", "kind": TimerKind.REMINDER},
            {**timer, "task_id": "t-4", "kind": TimerKind.TASK_DUE},
            {**timer, "task_id": "t-5"},
            {**timer, "task_id": "t-6"},  # nothing writes it again: stays as this one statement wrote it
        ],
    )
    writes.arm_timers(session, [{**timer, "task_id": "t-2", "due_at": LATER + timedelta(days=1)}])  # moved: updated
    pending = {t.task_id: t for t in repo.pending_timers_of_instance(session, case_id)}
    cancelled = {"state": TimerState.CANCELLED, "due_at": LATER, "fired_at": None}
    writes.update_timers(
        session,
        [
            (pending["t-3"], {"due_at": AT, "state": TimerState.FIRED, "fired_at": AT}),
            (pending["t-4"], cancelled),
            (pending["t-5"], cancelled),
        ],
    )
    writes.close_items(session, [new], WorkItemState.CANCELLED, AT)
    case = session.get(ProcessInstance, case_id)
    assert case is not None
    assert writes.update_case(
        session,
        case,
        workflow_json='{"任务": []}',
        serializer_version="9",
        updated_at=AT,
        status=InstanceStatus.COMPLETED,
        ended_at=AT,
    )
    copy = ProcessInstance(
        definition_id=case.definition_id,
        business_key="2026-001",
        title="关于修缮村道的意见（复制）",
        status=InstanceStatus.RUNNING,
        workflow_json="{}",
        serializer_version="9",
        started_by="clerk",
        starter_unit="office",
        started_at=AT,
        updated_at=AT,
    )
    writes.insert_case(session, copy)
    assert copy.id > case_id
    facts = dict(session.execute(select(CaseFacts.__table__).where(CaseFacts.instance_id == case_id)).one()._mapping)
    writes.write_case_facts(session, [{**facts, "status": "completed", "ended_at": AT, "unit": "财政所"}])


def stored(session: Session, *, as_is: bool = False) -> dict[str, list[Any]]:
    """Every row of the tables written, read back through the models' types, or ``as_is``
    as the driver gives them (on SQLite a timestamp is the text stored, so one written in
    another form, read back alike through the types, differs); the ids a sequence hands out
    (not rolled back on PostgreSQL) are left out."""
    out = {}
    for model in TABLES:
        table: Table = model.__table__  # type: ignore[assignment]
        columns = [c for c in table.c if c.name not in ("id", "work_item_id")]
        if as_is:
            names = ", ".join(f'"{c.name}"' for c in columns)
            rows: list[Any] = [
                tuple(r) for r in session.connection().exec_driver_sql(f"SELECT {names} FROM {table.name}")
            ]
        else:
            rows = [dict(r._mapping) for r in session.execute(select(*columns))]
        out[table.name] = sorted(rows, key=repr)
    return out


@pytest.fixture
def case_id(session_factory) -> int:
    build_world(session_factory, "clerk")
    return start_review(session_factory, "clerk").id


def test_prepared_writes_store_what_core_stores(session_factory, case_id, monkeypatch):
    with session_factory() as session:
        before = stored(session)
    with session_factory() as session:
        every_write(session, case_id)
        session.flush()
        prepared, prepared_as_is = stored(session), stored(session, as_is=True)
        session.rollback()
    dialect = session_factory.kw["bind"].dialect.name
    named = {name: p for name, p in vars(writes).items() if isinstance(p, Prepared)}
    named |= {"_ARM_TIMERS": writes._ARM_TIMERS[dialect], "_UPSERT_FACTS": writes._UPSERT_FACTS[dialect]}
    assert sorted(named) == [
        "_ARM_TIMERS",
        "_CLOSE_ITEM",
        "_COMPLETE_ITEM",
        "_INSERT_AUDIT",
        "_INSERT_CASE",
        "_INSERT_GROUPS",
        "_INSERT_ITEM",
        "_UPDATE_CASE",
        "_UPDATE_TIMER",
        "_UPSERT_FACTS",
    ]
    for name, statement in named.items():  # each ran as its text, never through Core's fallback
        compiled = [c for key, c in statement._compiled.items() if key[0] == dialect]
        assert compiled, f"{name} did not run"
        assert None not in compiled, f"{name} ran through Core"

    monkeypatch.setattr(
        Prepared, "execute", lambda self, connection, params: connection.execute(self.statement, params)
    )
    with session_factory() as session:
        every_write(session, case_id)
        session.flush()
        core, core_as_is = stored(session), stored(session, as_is=True)
        session.rollback()

    assert prepared == core
    assert prepared_as_is == core_as_is
    changed = {name for name in before if before[name] != prepared[name]}
    assert changed == {"process_instances", "work_items", "work_item_groups", "timers", "audit_log", "case_facts"}
    # read back through the models' types, what was meant
    (entry,) = [row for row in prepared["audit_log"] if row["task_id"] == "t-1"]
    assert entry["data"] == {"意见": "同意", "pages": 2, "ok": True, "none": None}
    assert entry["at"] == datetime(2026, 12, 4, 1, 30, 15, 123456, tzinfo=UTC)
    timers = {row["task_id"]: row for row in prepared["timers"] if row["task_id"].startswith("t-")}
    assert timers["t-2"]["due_at"] == datetime(2027, 1, 9, 17, 0, tzinfo=UTC)
    assert timers["t-2"]["state"] == TimerState.PENDING
    assert timers["t-3"]["state"] == TimerState.FIRED
    assert timers["t-3"]["kind"] == TimerKind.REMINDER
    assert timers["t-3"]["due_at"] == AT
    assert (timers["t-4"]["state"], timers["t-4"]["kind"]) == (TimerState.CANCELLED, TimerKind.TASK_DUE)
    assert (timers["t-5"]["state"], timers["t-5"]["due_at"]) == (TimerState.CANCELLED, LATER)
    (copy,) = [row for row in prepared["process_instances"] if row["business_key"] == "2026-001"]
    assert (copy["status"], copy["revision"], copy["ended_at"]) == (InstanceStatus.RUNNING, 1, None)
    assert copy["started_at"] == datetime(2026, 12, 4, 1, 30, 15, 123456, tzinfo=UTC)
    assert copy["title"] == "关于修缮村道的意见（复制）"
    (item,) = [row for row in prepared["work_items"] if row["task_id"] == "t-2"]
    assert item["state"] == WorkItemState.CANCELLED
    assert item["due_rule"] == {"rule": "working_days", "days": 15}
    groups = {(g["group"], g["is_user"]) for g in prepared["work_item_groups"]} - {
        (g["group"], g["is_user"]) for g in before["work_item_groups"]
    }
    assert groups == {("clerk", True), ("finance", False)}  # the office's was there already


def test_a_statement_the_text_cannot_carry_runs_through_core(session_factory, case_id):
    """An expanding IN (its list's length is known only when it runs) is left to Core."""
    statement = Prepared(
        delete(Timer.__table__).where(Timer.__table__.c.instance_id.in_(bindparam("ids", expanding=True)))
    )
    timers_of_case = select(func.count()).select_from(Timer).where(Timer.instance_id == case_id)
    with session_factory() as session:
        session.add(
            Timer(
                kind=TimerKind.BPMN,
                instance_id=case_id,
                task_id="t-9",
                bpmn_id="b",
                due_at=LATER,
                state=TimerState.PENDING,
            )
        )
        session.flush()
        stored_before = session.scalar(timers_of_case)
        result = statement.execute(session.connection(), {"ids": [case_id, case_id + 1000]})
        assert result.rowcount == stored_before >= 1
        assert session.scalar(timers_of_case) == 0
        assert list(statement._compiled.values()) == [None]
        session.rollback()


def test_a_missing_value_is_refused_by_name(session_factory, case_id):
    with session_factory() as session, pytest.raises(exc.InvalidRequestError, match="'item_id'"):
        writes._COMPLETE_ITEM.execute(session.connection(), {"completed_at": AT, "completed_by": "x", "assignee": "x"})
