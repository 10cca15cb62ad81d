"""``congressflow serve --workers 2``: gunicorn with two worker processes and ONE scheduler in
a process of its own beside them (never one per worker), on a free loopback port; the workers
answer /healthz and the sign-in page, /readyz sees the scheduler's leadership, /metrics adds up
the figures of every process (prometheus_client's multiprocess mode); a scheduler killed
outright is started again; SIGTERM stops all of it and frees the leadership."""

from __future__ import annotations

import json
import os
import signal
import urllib.request
from pathlib import Path

import pytest

from engine.scheduling.leadership import leader_present
from tests.servers import congressflow_process, free_port, served_environment

from .scheduler_helpers import wait_for

pytestmark = pytest.mark.slow


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def children(pid: int) -> dict[int, str]:
    """The live child processes of ``pid``: pid → command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def schedulers(pid: int) -> list[int]:
    return [child for child, command in children(pid).items() if "'scheduler'" in command]


def test_serve_with_two_workers_and_one_scheduler(db_url, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    args = ["serve", "--workers", "2", "--threads", "2", "--port", str(port)]
    with congressflow_process(args, served_environment(db_url, tmp_path), log) as server:
        assert wait_for(lambda: get(f"{base}/healthz") == (200, '{"status":"ok"}\n'), 60), log.read_text()
        # the command became gunicorn's arbiter: two workers and one scheduler are its children
        assert wait_for(lambda: len(children(server.pid)) == 3, 30), children(server.pid)
        [first_scheduler] = schedulers(server.pid)
        for _ in range(6):
            status, page = get(f"{base}/login")
            assert status == 200 and "<form" in page
        assert wait_for(lambda: json.loads(get(f"{base}/readyz")[1])["scheduler_leader"] is True, 30), log.read_text()
        ready = json.loads(get(f"{base}/readyz")[1])
        assert ready["ready"] is True and ready["database"] is True

        metrics = get(f"{base}/metrics")[1].splitlines()  # from loopback: allowed by default
        assert "congressflow_scheduler_leader 1.0" in metrics  # the scheduler's process, read by a worker
        login = 'congressflow_http_request_duration_seconds_count{method="GET",route="/login",status="2xx"} 6.0'
        assert login in metrics  # every worker's requests added up

        # the scheduler killed outright: the arbiter starts another, which takes the leadership
        os.kill(first_scheduler, signal.SIGKILL)
        assert wait_for(lambda: schedulers(server.pid) not in ([], [first_scheduler]), 30), log.read_text()
        assert len(schedulers(server.pid)) == 1
        assert wait_for(lambda: "congressflow_scheduler_leader 1.0" in get(f"{base}/metrics")[1], 60)
        processes = list(children(server.pid))
    assert server.returncode == 0, log.read_text()  # SIGTERM stopped it cleanly
    assert wait_for(lambda: not [p for p in processes if Path(f"/proc/{p}").exists()], 30)
    assert leader_present(db_url) is False  # the scheduler stopped with the server
    assert "Shutting down: Master" in log.read_text()
