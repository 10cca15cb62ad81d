"""The statements a task completion runs find their rows through an index on SQLite, whose
planner has no statistics on a fresh database: a case's rows, never a scan over every case.

(The completion benchmark's 1k-vs-100k figure measures the same; this catches a plan that
goes wrong at once, without a 100,000-case database.)"""

from __future__ import annotations

import pytest
from sqlalchemy import Executable

from storage import migrate, writes
from storage import repositories as repo
from storage.db import make_engine

# statement, the parameters it is run with, the index its plan must use
HOT_STATEMENTS = {
    "lock the case of a task": (repo._CASE_OF_TASK_FOR_UPDATE, {"task_id": "t"}, "ix_work_items_task_id"),
    "the item of a task": (repo._ITEM_BY_TASK, {"task_id": "t"}, "ix_work_items_task_id"),
    "a case's ready items": (repo._READY_ITEM_ROWS, {"instance_id": 1}, "ix_work_items_ready_instance"),
    "a case's pending timers": (repo._PENDING_TIMERS_OF_CASE, {"instance_id": 1}, "ix_timers_pending_instance"),
    "a case's subscriptions": (repo._SUBSCRIPTIONS_OF_CASE, {"instance_id": 1}, "ix_subscriptions_instance_id"),
    "a case's history": (repo._HISTORY, {"instance_id": 1}, "ix_audit_log_instance_at"),
    "the latest version of a process": (
        repo._LATEST_HEAD,
        {"key": "review", "param_1": 1},
        "sqlite_autoindex_process_definitions_1",
    ),
    "write the case": (
        writes._UPDATE_CASE,
        {
            "case_id": 1,
            "read_revision": 1,
            "new_revision": 2,
            "workflow_json": "{}",
            "serializer_version": "1",
            "updated_at": None,
            "status": "running",
            "ended_at": None,
        },
        "INTEGER PRIMARY KEY",
    ),
    "complete an item": (
        writes._COMPLETE_ITEM,
        {"item_id": 1, "completed_at": None, "completed_by": "x", "assignee": "x"},
        "INTEGER PRIMARY KEY",
    ),
    "move a timer": (
        writes._UPDATE_TIMER,
        {"timer_id": 1, "due_at": None, "state": "pending", "fired_at": None},
        "INTEGER PRIMARY KEY",
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('plans') / 'plans.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def plan(engine, statement: Executable, params: dict) -> list[str]:
    compiled = statement.compile(dialect=engine.dialect)
    values = compiled.construct_params(params)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}", tuple(values[name] for name in compiled.positiontup)
        )
        return [row[3] for row in rows]


@pytest.mark.parametrize("name", HOT_STATEMENTS)
def test_each_hot_statement_uses_its_index(engine, name):
    statement, params, index = HOT_STATEMENTS[name]
    steps = plan(engine, statement, params)
    assert not [s for s in steps if s.startswith("SCAN")], steps
    assert any(index in s for s in steps), steps
