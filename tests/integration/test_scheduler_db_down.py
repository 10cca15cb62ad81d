"""A scheduler whose database cannot be reached says so in one line (not a traceback a second),
retries at growing intervals, and says "on standby" only when another process really holds the
lock; once the database is there it goes on by itself. (A database without the schema:
test_scheduler_schema.py.)"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.exc import OperationalError

from engine.scheduling.service import SchedulerConfig, SchedulerService
from storage.db import make_engine, make_session_factory

from .scheduler_helpers import wait_for

SERVICE_LOG = "engine.scheduling.service"
NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:1/cf_nowhere"  # nothing listens on port 1
QUICK = SchedulerConfig(refresh_interval=0.05, standby_poll=0.05, check_interval=0.05, unreachable_max_wait=0.2)


class Running:
    """A service run in a thread of its own, stopped at the end."""

    def __init__(self, service: SchedulerService):
        self.service = service
        self.thread = threading.Thread(target=service.run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.service.stop()
        self.thread.join(10)


@pytest.fixture
def running() -> Iterator[list[Running]]:
    started: list[Running] = []
    yield started
    for one in started:
        one.stop()


def messages(caplog, level: int = logging.DEBUG) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == SERVICE_LOG and r.levelno >= level]


def tracebacks(caplog) -> list[str]:
    """Records at INFO and above carrying a traceback."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO and r.exc_info]


class FlakyLeadership:
    """A lock on a database that does not answer ``unreachable`` times, then is held by another
    process ``elsewhere`` times, then is this one's."""

    waits = True

    def __init__(self, unreachable: int, elsewhere: int):
        self.unreachable, self.elsewhere = unreachable, elsewhere

    def try_acquire(self) -> bool:
        if self.unreachable:
            self.unreachable -= 1
            raise OperationalError("SELECT pg_try_advisory_lock", {}, Exception("connection refused"))
        if self.elsewhere:
            self.elsewhere -= 1
            return False
        return True

    def still_held(self) -> bool:
        return True

    def release(self) -> None:
        pass

    def dispose(self) -> None:
        pass


def test_an_unreachable_database_is_one_line_a_try_at_growing_intervals(running, caplog):
    engine = make_engine(NOWHERE)
    try:
        with caplog.at_level(logging.INFO, logger=SERVICE_LOG):
            running.append(Running(SchedulerService(make_session_factory(engine), NOWHERE, QUICK)))
            assert wait_for(lambda: len(messages(caplog)) >= 5, 10)
            running[0].stop()
    finally:
        engine.dispose()
    said = messages(caplog)
    waits = [re.search(r"retrying in ([\d.]+) s", line).group(1) for line in said[:5]]  # type: ignore[union-attr]
    assert waits == ["0.05", "0.1", "0.2", "0.2", "0.2"]  # doubling from the standby poll, bounded
    assert all(line.startswith("database unreachable: retrying in") for line in said)
    assert "cf_nowhere" in said[0] and "nobody@127.0.0.1:1" in said[0]  # which database, without a password
    assert not any("standby" in line or "holds the lock" in line for line in said)  # nobody holds it
    assert tracebacks(caplog) == []


def test_standby_is_said_only_once_another_process_holds_the_lock(running, session_factory, db_url, caplog):
    service = SchedulerService(session_factory, db_url, QUICK, leadership=FlakyLeadership(unreachable=2, elsewhere=3))
    with caplog.at_level(logging.INFO, logger=SERVICE_LOG):
        running.append(Running(service))
        assert service.active.wait(10)
    said = [line for line in messages(caplog) if "unreachable" in line or "again" in line or "standby" in line]
    assert [line.split(":")[0] for line in said] == [
        "database unreachable",
        "database unreachable",
        "database reachable again",
        "scheduler on standby",
    ]
    assert tracebacks(caplog) == []


def test_serve_starts_its_scheduler_while_the_database_is_away(caplog):
    engine = make_engine(NOWHERE)
    service = SchedulerService(make_session_factory(engine), NOWHERE, QUICK)
    try:
        with caplog.at_level(logging.INFO, logger=SERVICE_LOG):
            service.start_background()  # no traceback out of it: the thread waits for the database
            assert wait_for(lambda: any("database unreachable" in line for line in messages(caplog)), 10)
    finally:
        service.stop()
        engine.dispose()
