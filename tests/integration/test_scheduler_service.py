"""The scheduler service itself: it follows the fake clock, fires real-time timers at (never
before) their moment, survives a restart with every timer fired exactly once, lets only one
scheduler run per database, and a task completed as its boundary timer fires ends one way."""

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import clock
from engine.errors import Conflict
from engine.notifications.outbox import send_outbox
from engine.notifications.smtp import SmtpSettings
from engine.scheduling.leadership import AlreadyRunning
from engine.scheduling.service import SchedulerConfig, SchedulerService, TimerScheduler
from engine.usecases import tasks
from engine.usecases import timers as timer_usecases
from engine.usecases.context import actor_for, processes, runtime_for
from storage.enums import TimerKind, TimerState, WorkItemState
from storage.models import AuditEntry, ProcessInstance, Timer, WorkItem
from tests.conftest import REPO_ROOT
from tests.world import create_people, rollbacks_on

from .scheduler_helpers import (
    deploy,
    fired_counts,
    pending,
    start_deadline,
    timers,
    wait_for,
)

pytestmark = pytest.mark.slow  # left out of make test-fast

FAST = SchedulerConfig(refresh_interval=0.1, standby_poll=0.2, check_interval=0.2)


@pytest.fixture
def world(session_factory):
    create_people(session_factory, "fin", "boss")
    deploy(session_factory, "deadline.bpmn")
    return session_factory


@pytest.fixture
def services(world, db_url):
    """Make scheduler services; every one is stopped at the end."""
    made = []

    def make(**kwargs):
        service = SchedulerService(world, db_url, FAST, **kwargs)
        made.append(service)
        return service

    yield make
    for service in made:
        service.stop()


def items(factory, instance_id):
    with factory() as s:
        return {w.bpmn_id: w for w in s.scalars(select(WorkItem).where(WorkItem.instance_id == instance_id))}


def add_due_timers(factory, n, first_in, spacing=0.01):
    """n TASK_DUE rows (no case) due from ``first_in`` seconds from now, ``spacing`` apart."""
    now = clock.now()
    with factory.begin() as s:
        rows = [
            Timer(
                kind=TimerKind.TASK_DUE,
                task_id=f"bulk-{i}",
                bpmn_id="bulk",
                due_at=now + timedelta(seconds=first_in + i * spacing),
                state=TimerState.PENDING,
            )
            for i in range(n)
        ]
        s.add_all(rows)
    return rows


def test_follows_the_fake_clock(world, services, frozen_clock):
    case = start_deadline(world, frozen_clock + timedelta(hours=1), frozen_clock + timedelta(days=10))
    service = services()
    service.start_background()
    assert wait_for(service.active.is_set)
    time.sleep(0.3)
    assert "handle" not in items(world, case)  # nothing is due on the frozen clock
    clock.advance(timedelta(hours=1, seconds=1))
    assert wait_for(lambda: "handle" in items(world, case), 5)
    clock.advance(timedelta(days=7))  # past the reminder (3 working days before)
    assert wait_for(
        lambda: any(t.kind == TimerKind.REMINDER and t.state == TimerState.FIRED for t in timers(world, case)), 5
    )
    clock.advance(timedelta(days=3))
    assert wait_for(lambda: "escalate" in items(world, case), 5)
    assert items(world, case)["handle"].state == WorkItemState.CANCELLED
    fired = fired_counts(world)
    assert set(fired.values()) == {1}
    kinds = {(t.bpmn_id, t.kind) for t in timers(world, case) if t.id in fired}
    # the intermediate timer, the reminder, the boundary timer (and the due date, if its
    # job ran before the boundary timer's took the task away: both are due together)
    assert {("wait", TimerKind.BPMN), ("handle", TimerKind.REMINDER), ("handle_timeout", TimerKind.BPMN)} <= kinds


def test_fires_at_the_moment_never_before(world, services):
    rows = add_due_timers(world, 30, 0.5, spacing=0.02)
    case = start_deadline(world, clock.now() + timedelta(seconds=0.6), clock.now() + timedelta(seconds=1.2))
    service = services()
    service.start_background()
    assert wait_for(lambda: not pending(world), 10)
    assert "escalate" in items(world, case)
    with world() as s:
        for row in s.scalars(select(Timer).where(Timer.id.in_([r.id for r in rows]))):
            assert row.state == TimerState.FIRED and row.fired_at >= row.due_at
    assert set(fired_counts(world).values()) == {1}


def test_restart_fires_what_passed_meanwhile_exactly_once(world, services):
    now = clock.now()
    early = add_due_timers(world, 20, 0.3)
    cases = [start_deadline(world, now + timedelta(seconds=0.3), now + timedelta(seconds=3)) for _ in range(3)]
    first = services()
    first.start_background()
    assert wait_for(lambda: all(t.state == TimerState.FIRED for t in timers(world) if t.task_id.startswith("bulk")))
    assert wait_for(lambda: all("handle" in items(world, c) for c in cases))
    first.stop()
    late = add_due_timers(world, 20, 0.1)  # due while no scheduler runs
    time.sleep(3.2)  # the cases' deadlines pass too
    assert len(pending(world)) == 20 + 3 * 2  # bulk + (boundary, due date) x 3 (no reminder:
    # 3 working days before was already past)
    second = services()
    second.start_background()
    assert wait_for(lambda: not pending(world) and second.active.is_set())
    assert all("escalate" in items(world, c) for c in cases)
    counts = fired_counts(world)
    assert {r.id for r in early + late} <= set(counts)
    assert set(counts.values()) == {1}
    time.sleep(0.5)  # and nothing fires a second time later
    assert set(fired_counts(world).values()) == {1}


def test_only_one_scheduler_per_database(world, services, db_url, tmp_path):
    first, second = services(), services()
    first.start_background()
    assert wait_for(first.active.is_set)
    if db_url.startswith("sqlite"):
        with pytest.raises(AlreadyRunning, match="another scheduler is already running"):
            second.start_background()
        env = {**os.environ, "CONGRESSFLOW_DATABASE_URL": db_url, "CONGRESSFLOW_INSTANCE_PATH": str(tmp_path)}
        command = str(Path(sys.executable).parent / "congressflow")
        result = subprocess.run(
            [command, "scheduler"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 1 and "another scheduler is already running" in result.stderr
        first.stop()
        second.start_background()  # free again once the first is gone
        assert wait_for(second.active.is_set)
    else:
        second.start_background()  # PostgreSQL: a standby, not active
        time.sleep(0.6)
        assert not second.active.is_set()
        first.stop()
        assert wait_for(second.active.is_set, 5)
        add_due_timers(world, 5, 0.2)
        assert wait_for(lambda: not pending(world), 5)


def assert_consistent(factory, instance_id):
    """The stored work items and timers are exactly what the stored workflow waits for."""
    with factory() as s:
        instance = s.get(ProcessInstance, instance_id)
        process = processes.get_by_id(s, instance.definition_id)
        runtime = runtime_for(s)
        workflow = runtime.restore(process, instance.workflow_json)
        ready = {
            w.task_id
            for w in s.scalars(
                select(WorkItem).where(WorkItem.instance_id == instance_id, WorkItem.state == WorkItemState.READY)
            )
        }
        armed = {
            (t.task_id, t.due_at)
            for t in s.scalars(
                select(Timer).where(
                    Timer.instance_id == instance_id, Timer.kind == TimerKind.BPMN, Timer.state == TimerState.PENDING
                )
            )
        }
    assert set(runtime.ready_task_ids(workflow)) == ready
    assert {(w.task_id, w.due_at) for w in runtime.waiting_timers(workflow)} == armed


def test_completing_a_task_as_its_boundary_timer_fires(world, frozen_clock):
    outcomes = []
    for _ in range(6):
        now = clock.now()
        case = start_deadline(world, now - timedelta(seconds=1), now + timedelta(hours=1))
        handle = items(world, case)["handle"]
        [boundary] = [t for t in timers(world, case) if t.kind == TimerKind.BPMN and t.state == TimerState.PENDING]
        clock.advance(timedelta(hours=1, seconds=1))  # the timer is due now
        barrier, results = threading.Barrier(2), {}

        def complete():
            barrier.wait()
            try:
                with world.begin() as s:
                    tasks.complete(s, actor_for(s, "fin"), handle.task_id, {})
                results["complete"] = "ok"
            except Conflict as exc:
                results["complete"] = exc

        def fire():
            barrier.wait()
            with world.begin() as s:
                results["fire"] = timer_usecases.fire_timer(s, boundary.id)

        threads = [threading.Thread(target=complete), threading.Thread(target=fire)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        after = items(world, case)
        if results["complete"] == "ok":  # the user won: the timer went away unfired
            assert results["fire"] is False and after["handle"].state == WorkItemState.COMPLETED
            assert "escalate" not in after
        else:  # the timer won: the task was taken away
            assert results["fire"] is True and after["handle"].state == WorkItemState.CANCELLED
            assert after["escalate"].state == WorkItemState.READY
        assert_consistent(world, case)
        outcomes.append(results["complete"] == "ok")
    with world() as s:  # exactly the rounds the timer won are in the audit log
        fired = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "timer_fired", AuditEntry.bpmn_id == "handle_timeout")
        ).all()
    assert len(fired) == outcomes.count(False)


def test_the_sweeps_read_with_readers_not_in_a_writers_transaction(world):
    """The timers' sweep, the firing's list of due timers and the outbox's read read with a
    reader: a writer's session that only read ended in a ROLLBACK, at which psycopg forgets
    every statement it prepared on the connection (and on SQLite it took the write lock to
    read)."""
    add_due_timers(world, 1, -1)  # due a second ago
    with rollbacks_on(world.kw["bind"]) as rollbacks:  # the writers' engine
        TimerScheduler(world, FAST).refresh()
        fired = timer_usecases.fire_due(world)
        sent = send_outbox(world, SmtpSettings(host="127.0.0.1", port=1, timeout=1))
    assert (fired, sent) == (1, 0)
    assert False not in rollbacks, rollbacks
