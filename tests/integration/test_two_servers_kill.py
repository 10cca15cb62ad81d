"""Two web servers on two ports and two schedulers on one PostgreSQL database (issue 17's
scale-out, on loopback and bounded in time): client threads complete tasks through the API,
spread over both servers; mid-load one server and the ACTIVE scheduler are killed outright
(SIGKILL). Then: every completion a client was told of is stored exactly once, every task was
completed in the end (a client retries on the other server), every timer fired exactly once
(the standby scheduler took over), and the only errors clients saw were retryable ones (the
killed server's refused or cut connections; a retry told the task was completed already
because the first attempt had committed before the server died)."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import clock
from engine.usecases import tokens
from storage import migrate
from storage.db import make_engine, make_session_factory
from storage.enums import TimerState, WorkItemState
from storage.models import AuditEntry, Timer, WorkItem
from tests import world
from tests.conftest import PG_URL
from tests.servers import congressflow_process, free_port, served_environment
from tests.world import act, new_pg_database, start_review

from .scheduler_helpers import fired_counts, start_deadline, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set"),
]

CLERKS = ("clerk", "clerk2", "office1", "office2")  # one client thread each, with its own token
TASKS = 160
TIMERS = 16
KILL_AFTER = TASKS // 3  # acknowledged completions before the kill


class Client(threading.Thread):
    """Completes its share of the tasks, alternating between the servers; on a cut or refused
    connection or a 502/503, tries the same task on the other server."""

    def __init__(self, secret: str, task_ids: list[str], servers: list[str], board: Board):
        super().__init__(daemon=True)
        self.secret, self.task_ids, self.servers, self.board = secret, task_ids, servers, board

    def run(self) -> None:
        for n, task_id in enumerate(self.task_ids):
            attempt, failed_before = n, False
            while time.monotonic() < self.board.deadline:
                server = self.servers[attempt % len(self.servers)]
                attempt += 1
                outcome = self.complete(server, task_id)
                if outcome == "ok":
                    self.board.acknowledged(task_id)
                    break
                if outcome == "already_completed" and failed_before:
                    self.board.completed_by_a_lost_attempt(task_id)
                    break
                if outcome in ("connection", "http_502", "http_503"):
                    self.board.retryable(outcome)
                    failed_before = True
                    time.sleep(0.05)
                    continue
                self.board.unexpected(f"{task_id}: {outcome}")
                break

    def complete(self, server: str, task_id: str) -> str:
        request = urllib.request.Request(
            f"{server}/api/v1/tasks/{task_id}/complete",
            data=json.dumps({"data": {"lead_unit": "finance"}}).encode(),
            headers={"Authorization": f"Bearer {self.secret}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return "ok" if response.status == 200 else f"http_{response.status}"
        except urllib.error.HTTPError as exc:
            body = exc.read().decode(errors="replace")
            if exc.code == 409 and "already_completed" in body:
                return "already_completed"
            return f"http_{exc.code}" if exc.code in (502, 503) else f"http_{exc.code}: {body[:200]}"
        except (OSError, ConnectionError):  # refused, reset, cut mid-answer, timed out
            return "connection"


class Board:
    def __init__(self, deadline: float):
        self.deadline = deadline
        self._lock = threading.Lock()
        self.acked: list[str] = []
        self.lost_then_found: list[str] = []
        self.retries: Counter[str] = Counter()
        self.errors: list[str] = []

    def acknowledged(self, task_id: str) -> None:
        with self._lock:
            self.acked.append(task_id)

    def completed_by_a_lost_attempt(self, task_id: str) -> None:
        with self._lock:
            self.lost_then_found.append(task_id)

    def retryable(self, kind: str) -> None:
        with self._lock:
            self.retries[kind] += 1

    def unexpected(self, what: str) -> None:
        with self._lock:
            self.errors.append(what)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_two_servers_and_two_schedulers_lose_nothing_when_one_of_each_is_killed(tmp_path):
    with new_pg_database() as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        world.build_world(factory, *CLERKS, "fin")
        world.deploy(factory, "deadline.bpmn")
        secrets = [act(factory, who, tokens.create_token, who, "load").secret for who in CLERKS]
        task_ids = [start_review(factory, CLERKS[n % len(CLERKS)], f"案件{n}").task_id for n in range(TASKS)]

        env = served_environment(url, tmp_path / "instance") | {
            "CONGRESSFLOW_SECRET_KEY": "the-same-on-every-machine-0123456789abcdef",
            "CONGRESSFLOW_SCHEDULER_REFRESH_SECONDS": "0.2",
            "CONGRESSFLOW_SCHEDULER_STANDBY_POLL_SECONDS": "0.2",
        }
        ports = [free_port(), free_port()]
        servers = [f"http://127.0.0.1:{port}" for port in ports]
        with ExitStack() as running:
            started: dict[str, subprocess.Popen] = {}  # each stopped at the end if still running
            commands = {
                f"web{n}": ["serve", "--no-scheduler", "--threads", "4", "--port", str(p)] for n, p in enumerate(ports)
            }
            commands |= {f"scheduler{n}": ["scheduler"] for n in range(2)}
            for name, args in commands.items():
                started[name] = running.enter_context(congressflow_process(args, env, tmp_path / f"{name}.log"))
            assert wait_for(lambda: all(answers(f"{s}/healthz") for s in servers), 60), "servers did not start"
            assert wait_for(lambda: _active_scheduler(tmp_path) is not None, 30)
            active = _active_scheduler(tmp_path)

            # deadlines falling due during the load, one every 0.5 s
            cases = _deadline_cases(factory, TIMERS // 2)
            board = Board(deadline=time.monotonic() + 90)
            shares = [task_ids[n :: len(CLERKS)] for n in range(len(CLERKS))]
            clients = [Client(secret, share, servers, board) for secret, share in zip(secrets, shares, strict=True)]
            for client in clients:
                client.start()
            assert wait_for(lambda: len(board.acked) >= KILL_AFTER, 60), "the load did not get going"
            started["web0"].send_signal(signal.SIGKILL)  # one server...
            started[active].send_signal(signal.SIGKILL)  # ...and the active scheduler, mid-load
            killed_at_acks = len(board.acked)
            cases += _deadline_cases(factory, TIMERS - TIMERS // 2)  # only the standby can fire these
            for client in clients:
                client.join(max(1.0, board.deadline - time.monotonic()))
            standby = "scheduler1" if active == "scheduler0" else "scheduler0"
            assert wait_for(lambda: "this process holds the scheduler lock" in _log(tmp_path, standby), 30)
            assert wait_for(lambda: _pending_waits(factory) == 0, 60), "the timers were not all fired"

        # -- what the clients saw --------------------------------------------------------
        assert board.errors == [], board.errors  # nothing but retryable errors
        assert killed_at_acks < TASKS  # the kill came mid-load
        assert set(board.acked).isdisjoint(board.lost_then_found)
        assert sorted(board.acked + board.lost_then_found) == sorted(task_ids)  # every task done in the end
        assert set(board.retries) <= {"connection", "http_502", "http_503"}
        assert board.retries["connection"] > 0  # half the tries went to the killed server first

        # -- what is stored ------------------------------------------------------------------
        with factory() as s:
            completions = Counter(s.scalars(select(AuditEntry.task_id).where(AuditEntry.action == "complete")))
            states = dict(
                s.execute(select(WorkItem.task_id, WorkItem.state).where(WorkItem.task_id.in_(task_ids))).all()
            )
            handles = s.scalar(
                select(func.count())
                .select_from(WorkItem)
                .where(WorkItem.instance_id.in_(cases), WorkItem.bpmn_id == "handle")
            )
            waits = s.scalars(select(Timer).where(Timer.instance_id.in_(cases), Timer.bpmn_id == "wait")).all()
        assert {task_id: completions[task_id] for task_id in task_ids} == dict.fromkeys(task_ids, 1)  # once each
        assert set(states.values()) == {WorkItemState.COMPLETED} and len(states) == TASKS
        assert len(waits) == TIMERS and {t.state for t in waits} == {TimerState.FIRED}
        counts = fired_counts(factory)
        assert [counts[t.id] for t in waits] == [1] * TIMERS  # every timer fired exactly once
        assert handles == TIMERS  # and each moved its case on once
        engine.dispose()


def _deadline_cases(factory, count: int) -> list[int]:
    """Cases waiting at a timer, due from 2 s from now on, one every 0.5 s."""
    now = clock.now()
    return [
        start_deadline(factory, now + timedelta(seconds=2 + n * 0.5), now + timedelta(days=30)) for n in range(count)
    ]


def _log(folder: Path, name: str) -> str:
    return (folder / f"{name}.log").read_text(errors="replace")


def _active_scheduler(folder: Path) -> str | None:
    for name in ("scheduler0", "scheduler1"):
        if "this process holds the scheduler lock" in _log(folder, name):
            return name
    return None


def _pending_waits(factory) -> int:
    with factory() as s:
        return s.scalar(
            select(func.count()).select_from(Timer).where(Timer.bpmn_id == "wait", Timer.state == TimerState.PENDING)
        )
