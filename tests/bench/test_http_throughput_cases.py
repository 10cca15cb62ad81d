"""The throughput trial's clients take their cases from one queue (bench/http_throughput.py):
each case goes to one client, and a client its server answers faster takes more of them
instead of running out of a share of its own (gunicorn's workers hold the keep-alive
connections unevenly, so one client may be served twice as fast as another)."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

import pytest

from tests.conftest import REPO_ROOT

CASES = 60


class Server:
    """A client's answers, after ``delay`` seconds each; the tasks it was asked to complete."""

    def __init__(self, delay: float, done: list[str]):
        self.delay, self.done = delay, done

    def complete(self, task_id: str, data: dict[str, Any]) -> tuple[int, Any]:
        time.sleep(self.delay)
        self.done.append(task_id)
        return 200, {"open_tasks": []}  # the case ends with this task


def test_a_client_served_faster_takes_more_cases_and_each_case_goes_to_one_client(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(REPO_ROOT / "bench"))
    import http_throughput

    trial = http_throughput.Trial(
        None,
        None,
        None,
        {"register": {}},
        seconds=1.0,
        warmup_seconds=0.0,
        per_case=1,  # type: ignore[arg-type]
    )
    cases = deque((n, f"task-{n}", "register") for n in range(CASES))
    fast_done: list[str] = []
    slow_done: list[str] = []
    runs = [http_throughput.ClientRun(), http_throughput.ClientRun()]
    deadline = time.perf_counter() + 60  # far: the queue empties first
    clients = [
        threading.Thread(target=trial._client, args=(Server(0.001, fast_done), cases, deadline, runs[0])),
        threading.Thread(target=trial._client, args=(Server(0.02, slow_done), cases, deadline, runs[1])),
    ]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    assert sorted(fast_done + slow_done) == sorted(f"task-{n}" for n in range(CASES))  # each once
    assert len(fast_done) > 2 * len(slow_done)
    assert [run.ran_out for run in runs] == [True, True]  # both stopped at the empty queue
    assert [len(run.requests) for run in runs] == [len(fast_done), len(slow_done)]
