"""Failover on PostgreSQL: two `congressflow scheduler` processes, hundreds of timers; the
active one is killed (SIGKILL) mid-run; the standby takes over and every timer fires exactly
once (counted in the audit log), none is lost."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import clock
from storage.enums import TimerKind, TimerState, WorkItemState
from storage.models import Timer, WorkItem
from tests.conftest import REPO_ROOT
from tests.world import create_people

from .scheduler_helpers import (
    deploy,
    fired_counts,
    pending,
    start_deadline,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
COMMAND = str(Path(sys.executable).parent / "congressflow")


def _spawn(db_url, tmp_path, name):
    log = tmp_path / f"{name}.log"
    env = {
        **os.environ,
        "CONGRESSFLOW_DATABASE_URL": db_url,
        "CONGRESSFLOW_INSTANCE_PATH": str(tmp_path),
        "CONGRESSFLOW_SCHEDULER_REFRESH_SECONDS": "0.2",
        "CONGRESSFLOW_SCHEDULER_STANDBY_POLL_SECONDS": "0.5",
    }
    with log.open("w") as out:
        process = subprocess.Popen([COMMAND, "scheduler"], cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return process, log


def test_standby_takes_over_when_the_active_scheduler_is_killed(db_url, session_factory, tmp_path):
    if not db_url.startswith("postgresql"):
        pytest.skip("failover between processes is a PostgreSQL feature (SQLite refuses a second scheduler)")
    create_people(session_factory, "fin")
    deploy(session_factory, "deadline.bpmn")
    processes = []
    try:
        first, first_log = _spawn(db_url, tmp_path, "first")
        processes.append(first)
        assert wait_for(lambda: "scheduler active" in first_log.read_text(), 30), first_log.read_text()
        second, second_log = _spawn(db_url, tmp_path, "second")
        processes.append(second)
        assert wait_for(lambda: "standby" in second_log.read_text(), 30), second_log.read_text()

        now = clock.now()
        with session_factory.begin() as s:
            s.add_all(
                Timer(
                    kind=TimerKind.TASK_DUE,
                    task_id=f"bulk-{i}",
                    bpmn_id="bulk",
                    due_at=now + timedelta(seconds=1 + i * 0.02),
                    state=TimerState.PENDING,
                )
                for i in range(300)
            )
        for i in range(20):  # real cases: an intermediate timer, then a boundary timer and a due date
            start_deadline(session_factory, now + timedelta(seconds=1 + i * 0.1), now + timedelta(seconds=4 + i * 0.1))

        assert wait_for(lambda: len(fired_counts(session_factory)) >= 100, 30)
        first.send_signal(signal.SIGKILL)  # mid-run, no goodbye
        first.wait(10)
        killed_at = time.monotonic()
        assert wait_for(lambda: "holds the scheduler lock" in second_log.read_text(), 15), second_log.read_text()
        took_over = time.monotonic() - killed_at
        assert wait_for(lambda: not pending(session_factory), 30)
        counts = fired_counts(session_factory)
        assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v != 1}
        with session_factory() as s:
            rows = s.scalars(select(Timer)).all()
            open_escalations = s.scalar(
                select(func.count())
                .select_from(WorkItem)
                .where(WorkItem.bpmn_id == "escalate", WorkItem.state == WorkItemState.READY)
            )
        fired = {t.id for t in rows if t.state == TimerState.FIRED}
        assert fired == set(counts)  # fired exactly the timers the audit log shows
        assert sum(t.task_id.startswith("bulk") for t in rows if t.id in fired) == 300
        assert open_escalations == 20  # every case's boundary timer fired
        # the only timers not fired: due dates whose task the boundary timer (due at the
        # same moment) took away first
        assert all(t.kind == TimerKind.TASK_DUE and t.instance_id for t in rows if t.state == TimerState.CANCELLED)
        print(f"standby took the lock {took_over:.2f}s after the kill; {len(counts)} timers fired once each")
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
