"""The statements a task completion runs find their rows through an index on SQLite, whose
planner has no statistics on a fresh database: a case's rows, never a scan over every case.

(The completion benchmark's 1k-vs-100k figure measures the same; this catches a plan that
goes wrong at once, without a 100,000-case database.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from psycopg.sql import Literal
from sqlalchemy import Executable, event

from engine.scheduling.service import TimerScheduler
from engine.usecases import definitions, monitoring
from engine.usecases.context import SYSTEM
from storage import migrate, writes
from storage import repositories as repo
from storage.db import engines_of, make_engine
from tests.conftest import FIXTURES
from tests.world import deploy

# statement, the parameters it is run with, the index its plan must use
HOT_STATEMENTS = {
    "lock the case of a task": (repo._CASE_OF_TASK_FOR_UPDATE.statement, {"task_id": "t"}, "ix_work_items_task_id"),
    "the item of a task": (repo._ITEM_BY_TASK, {"task_id": "t"}, "ix_work_items_task_id"),
    "a case's ready items": (repo._READY_ITEM_ROWS.statement, {"instance_id": 1}, "ix_work_items_ready_instance"),
    "a case's pending timers": (
        repo._PENDING_TIMERS_OF_CASE.statement,
        {"instance_id": 1},
        "ix_timers_pending_instance",
    ),
    "a case's subscriptions": (repo._SUBSCRIPTIONS_OF_CASE, {"instance_id": 1}, "ix_subscriptions_instance_id"),
    "a case's history": (repo._HISTORY, {"instance_id": 1}, "ix_audit_log_instance_at"),
    "the latest version of a process": (
        repo._LATEST_HEAD.statement,
        {"key": "review", "param_1": 1},
        "sqlite_autoindex_process_definitions_1",
    ),
    "write the case": (
        writes._UPDATE_CASE.statement,
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
        writes._COMPLETE_ITEM.statement,
        {"item_id": 1, "completed_at": None, "completed_by": "x", "assignee": "x"},
        "INTEGER PRIMARY KEY",
    ),
    "move a timer": (
        writes._UPDATE_TIMER.statement,
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


# -- reads by state, on both databases ----------------------------------------------
# Work items and timers are indexed by state only where a query asks for it: the ready
# items and the pending timers (partial indexes). Each read below must find its rows
# through one of those, never through a pass over the table's history. The state has to
# reach the database written out: PostgreSQL prepares a statement it has run five times
# once for any value of its parameters (a generic plan), and a plan for any state cannot
# use an index of the ready or the pending rows alone.
PARTIAL = {"work_items": "ix_work_items_ready_", "timers": "ix_timers_pending_"}
NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def _deploy_again(factory):
    """A new version: its timer start events replace the older versions' pending ones."""
    source = (FIXTURES / "review.bpmn").read_bytes().replace("意见办理（测试）".encode(), "意见办理 v2".encode())
    with factory.begin() as s:
        definitions.deploy(s, source, "review.bpmn", SYSTEM)


def _reading(read):
    def run(factory):
        with factory() as s:
            read(s)

    return run


STATE_READS = {
    "the scheduler's window": (lambda factory: TimerScheduler(factory).refresh(), "timers"),
    "the due timers": (_reading(lambda s: repo.due_timer_ids(s, NOW)), "timers"),
    "a case's pending timers": (_reading(lambda s: repo.pending_timers_of_instance(s, 1)), "timers"),
    "a new version's start timers": (_deploy_again, "timers"),
    "open and overdue tasks": (_reading(monitoring.work_figures), "work_items"),
    "my claimed tasks": (
        _reading(lambda s: repo.inbox_count(s, "clerk", [], repo.InboxFilter(scope="mine"))),
        "work_items",
    ),
    "a case's ready items": (_reading(lambda s: repo.ready_item_rows(s, 1)), "work_items"),
}


def _sent(engine, action) -> list[tuple[str, Any]]:
    """Every statement ``engine`` and its readers' engine send within ``action``."""
    sent: list[tuple[str, Any]] = []

    def record(_connection, _cursor, statement, parameters, _context, executemany):
        if not executemany:
            sent.append((statement, parameters))

    watched = engines_of(engine)
    for each in watched:
        event.listen(each, "before_cursor_execute", record)
    try:
        action()
    finally:
        for each in watched:
            event.remove(each, "before_cursor_execute", record)
    return sent


def _plan_sqlite(connection, statement: str, parameters) -> list[str]:
    return [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]


def _plan_postgresql(connection, statement: str, parameters: dict) -> list[str]:
    """The generic plan: what PostgreSQL runs a prepared statement with, for any values."""
    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", statement)))
    # the driver still reads %% as a literal % (SQLAlchemy sends its statements through it
    # with their parameters): the captured escapes stay, and the values are escaped alike
    numbered = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", statement)
    driver = connection.connection.driver_connection
    values = ", ".join(Literal(parameters[name]).as_string(driver) for name in names).replace("%", "%%")
    connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # the plan, whatever the tables hold now
    connection.exec_driver_sql(f"PREPARE state_read AS {numbered}")
    try:
        rows = connection.exec_driver_sql(f"EXPLAIN EXECUTE state_read({values})")
        return [row[0] for row in rows]
    finally:
        connection.exec_driver_sql("DEALLOCATE state_read")


@pytest.mark.parametrize("name", STATE_READS)
def test_reads_by_state_use_the_partial_indexes(session_factory, name):
    action, table = STATE_READS[name]
    deploy(session_factory, "review.bpmn")
    engine = session_factory.kw["bind"]
    reads = [
        (statement, parameters)
        for statement, parameters in _sent(engine, lambda: action(session_factory))
        if statement.lstrip().startswith("SELECT")
        and re.search(rf"\bFROM {table}\b.*\b{table}\.state\b", statement, re.S)
    ]
    assert reads, f"{name} sent no read of {table} by state"
    explain = _plan_postgresql if engine.dialect.name == "postgresql" else _plan_sqlite
    for statement, parameters in reads:
        with engine.connect() as connection:
            steps = [s for s in explain(connection, statement, parameters) if table in s or "Index" in s]
        assert any(PARTIAL[table] in s for s in steps), (statement, steps)
        passes = [s for s in steps if table in s and ("SCAN" in s or "Seq Scan" in s) and PARTIAL[table] not in s]
        assert not passes, (statement, steps)
