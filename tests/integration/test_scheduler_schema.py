"""The scheduler leads only on the schema its code expects: on a database one migration behind,
ahead (a newer CongressFlow's), or with no schema at all it fires nothing, says so once in one
WARNING line naming the revisions and what to run, and leads once the schema is current; the
active one steps down when the schema changes under it. Checking the schema logs nothing each
time (Alembic's "Context impl" lines). A lock lost with its connection (the database restarted)
is one ERROR line, no traceback; `congressflow scheduler` says when it stopped."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import sessionmaker

from engine import clock
from engine.scheduling.health import readiness
from engine.scheduling.leadership import ADVISORY_KEY, leader_present
from engine.scheduling.service import SchedulerConfig, SchedulerService
from storage import migrate
from storage.backup import describe
from storage.db import make_engine, make_session_factory
from storage.enums import TimerKind, TimerState
from storage.models import Timer
from tests.conftest import PG_URL, REPO_ROOT
from tests.world import new_pg_database

from .scheduler_helpers import wait_for

QUICK = SchedulerConfig(
    refresh_interval=0.05, standby_poll=0.05, check_interval=0.05, unreachable_max_wait=0.2, schema_recheck=0.1
)
HEAD = migrate.head_revision()
PREVIOUS = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_revision(HEAD).down_revision
COMMAND = str(Path(sys.executable).parent / "congressflow")


class Running:
    """A service run in a thread of its own, stopped at the end."""

    def __init__(self, url: str, config: SchedulerConfig = QUICK):
        self.engine = make_engine(url)
        self.factory = make_session_factory(self.engine)
        self.service = SchedulerService(self.factory, url, config)
        self.thread = threading.Thread(target=self.service.run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.service.stop()
        self.thread.join(10)
        self.engine.dispose()


@pytest.fixture
def running() -> Iterator[list[Running]]:
    started: list[Running] = []
    yield started
    for one in started:
        one.stop()


def add_overdue_timer(factory: sessionmaker) -> int:
    with factory.begin() as s:
        timer = Timer(
            kind=TimerKind.TASK_DUE,
            task_id="t-1",
            bpmn_id="due",
            due_at=clock.now() - timedelta(minutes=5),
            state=TimerState.PENDING,
        )
        s.add(timer)
        s.flush()
        return timer.id


def timer_state(factory: sessionmaker, timer_id: int) -> TimerState:
    with factory() as s:
        return s.scalars(select(Timer.state).where(Timer.id == timer_id)).one()


def set_revision(url: str, revision: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    finally:
        engine.dispose()


def records(caplog, name_prefix: str, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(name_prefix) and r.levelno >= level]


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in records(caplog, "engine.scheduling", logging.WARNING)]


def test_one_migration_behind_it_fires_nothing_until_upgraded(empty_database_url, running, caplog):
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    factory = make_session_factory(engine)
    timer_id = add_overdue_timer(factory)
    migrate.downgrade(empty_database_url, PREVIOUS)  # the code was updated, `db upgrade` not run yet
    try:
        with caplog.at_level(logging.INFO):
            one = Running(empty_database_url)
            running.append(one)
            assert wait_for(lambda: warnings(caplog), 10)  # its first poll (later on a loaded machine)
            # twenty more standby polls: the overdue timer would have fired in the first
            assert not one.service.active.wait(1.0)
            assert timer_state(factory, timer_id) == TimerState.PENDING
            assert warnings(caplog) == [
                f"scheduler not taking the lead: the database {describe(empty_database_url)} is at schema {PREVIOUS}, "
                f"older than this code's {HEAD}: run `congressflow db upgrade`; checking again every 0.05s"
            ]
            migrate.upgrade(empty_database_url)
            assert one.service.active.wait(10)
            assert wait_for(lambda: timer_state(factory, timer_id) == TimerState.FIRED, 10)
        said = [r.getMessage() for r in records(caplog, "engine.scheduling", logging.INFO)]
        assert f"the database {describe(empty_database_url)} now has the schema this code expects ({HEAD})" in said
        assert len(warnings(caplog)) == 1  # said once, however many polls
        # Alembic's context lines: the upgrade's own, none from the twenty polls
        contexts = [r for r in records(caplog, "alembic", logging.DEBUG) if r.getMessage().startswith("Context impl")]
        assert len(contexts) == 1
    finally:
        engine.dispose()


def test_a_newer_schema_is_not_led_by_older_code(empty_database_url, running, caplog):
    migrate.upgrade(empty_database_url)
    set_revision(empty_database_url, "abc123future")  # a newer CongressFlow upgraded it, this one was put back
    with caplog.at_level(logging.INFO):
        one = Running(empty_database_url)
        running.append(one)
        assert wait_for(lambda: warnings(caplog), 10)  # its first poll (later on a loaded machine)
        assert not one.service.active.wait(0.5)
        set_revision(empty_database_url, HEAD)
        assert one.service.active.wait(10)
    assert warnings(caplog) == [
        f"scheduler not taking the lead: the database {describe(empty_database_url)} "
        "has the schema revision abc123future, "
        f"which this version of CongressFlow does not know (it expects {HEAD}): a newer version of CongressFlow "
        "migrated it; run that version's scheduler; checking again every 0.05s"
    ]


def test_without_a_schema_it_waits_quietly_then_leads(empty_database_url, running, caplog):
    with caplog.at_level(logging.INFO):
        one = Running(empty_database_url)
        running.append(one)
        assert wait_for(lambda: warnings(caplog), 10)  # its first poll (later on a loaded machine)
        assert not one.service.active.wait(1.0)  # twenty more polls, each reading the schema
        assert records(caplog, "alembic", logging.DEBUG) == []  # not two "Context impl" lines a poll
        assert warnings(caplog) == [
            f"scheduler not taking the lead: the database {describe(empty_database_url)} "
            "has no schema (this code expects "
            f"{HEAD}): run `congressflow db upgrade` (a new installation: `congressflow init`); "
            "checking again every 0.05s"
        ]
        migrate.upgrade(empty_database_url)
        assert one.service.active.wait(10)
    assert len(warnings(caplog)) == 1


def test_the_active_scheduler_steps_down_when_the_schema_changes_under_it(empty_database_url, running, caplog):
    migrate.upgrade(empty_database_url)
    with caplog.at_level(logging.INFO):
        one = Running(empty_database_url)
        running.append(one)
        assert one.service.active.wait(10)
        set_revision(empty_database_url, "abc123future")
        assert wait_for(lambda: not one.service.active.is_set(), 10)
        assert not one.service.active.wait(0.5)  # and does not lead again meanwhile
        set_revision(empty_database_url, HEAD)
        assert one.service.active.wait(10)
    assert [line.split(":")[0] for line in warnings(caplog)] == ["scheduler stepping down"]


def test_the_web_servers_scheduler_on_another_schema_leaves_the_lock_to_others(caplog):
    """`serve` starts its scheduler in a thread: on PostgreSQL, on the wrong schema, it takes no
    lock either (a scheduler whose code fits the schema may lead)."""
    if not PG_URL:
        pytest.skip("a standby without the lock is PostgreSQL's")
    with new_pg_database() as url:
        migrate.upgrade(url)
        set_revision(url, "abc123future")
        engine = make_engine(url)
        service = SchedulerService(make_session_factory(engine), url, QUICK)
        try:
            with caplog.at_level(logging.INFO):
                service.start_background()
                assert wait_for(lambda: warnings(caplog), 10)
                assert not service.active.wait(0.3)
                assert leader_present(url) is False
                set_revision(url, HEAD)
                assert service.active.wait(10)
                assert leader_present(url) is True
        finally:
            service.stop()
            engine.dispose()


def test_readiness_probes_log_nothing_on_an_empty_database(empty_database_url, caplog):
    engine = make_engine(empty_database_url)
    try:
        with caplog.at_level(logging.INFO):
            for _ in range(5):
                assert not readiness(engine).ready
    finally:
        engine.dispose()
    assert records(caplog, "alembic", logging.DEBUG) == []
    assert len(records(caplog, "engine.scheduling.health", logging.WARNING)) == 1  # "not ready", once


def test_a_lock_lost_with_its_connection_is_one_error_line(running, caplog):
    if not PG_URL:
        pytest.skip("the advisory lock's connection is PostgreSQL's")
    with new_pg_database() as url:
        migrate.upgrade(url)
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with caplog.at_level(logging.INFO):
                one = Running(url)
                running.append(one)
                assert one.service.active.wait(10)
                with admin.connect() as conn:  # a database restart, as its scheduler sees it
                    killed = conn.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                            " AND objid = :low AND database = (SELECT oid FROM pg_database"
                            " WHERE datname = current_database())"
                        ),
                        {"low": ADVISORY_KEY & 0xFFFFFFFF},
                    ).all()
                assert killed == [(True,)]
                assert wait_for(lambda: records(caplog, "engine", logging.ERROR), 10)
                # nobody else holds it: this process takes the lock again
                assert wait_for(
                    lambda: (
                        [r.getMessage() for r in caplog.records].count("this process holds the scheduler lock") == 2
                    ),
                    10,
                )
                running.remove(one)
                one.stop()
        finally:
            admin.dispose()
    assert [r.getMessage() for r in records(caplog, "", logging.ERROR)] == [
        "scheduler lock lost: its database connection ended (AdminShutdown: terminating connection due to "
        "administrator command); stepping down"
    ]
    assert [r for r in caplog.records if r.levelno >= logging.INFO and r.exc_info] == []


def test_the_scheduler_command_says_when_it_stopped(tmp_path):
    url = f"sqlite:///{tmp_path / 'cf.db'}"
    migrate.upgrade(url)
    log = tmp_path / "scheduler.log"
    env = {**os.environ, "CONGRESSFLOW_DATABASE_URL": url, "CONGRESSFLOW_INSTANCE_PATH": str(tmp_path)}
    with log.open("w") as out:
        process = subprocess.Popen([COMMAND, "scheduler"], cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: "scheduler active" in log.read_text(), 20), log.read_text()
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()
    lines = log.read_text().splitlines()
    assert lines[-1].endswith(f"INFO web.scheduling [{process.pid}]: scheduler stopped; lock released")
    assert sum("scheduler stopped" in line for line in lines) == 1
