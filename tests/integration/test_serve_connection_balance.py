"""``congressflow serve --workers 2``: keep-alive connections opened in a burst are spread
evenly over the workers (web/gunicorn_conf.py's ``EvenThreadWorker``). With gunicorn's own
threaded worker the one woken first takes most of a burst (16 split 12 / 4 in the throughput
benchmark), and a keep-alive connection stays with its worker."""

from __future__ import annotations

import http.client
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.servers import congressflow_process, free_port, served_environment

from .scheduler_helpers import wait_for
from .test_serve_workers import children, get

pytestmark = pytest.mark.slow
CONNECTIONS = 16


def established_by_process(pids: list[int], port: int) -> dict[int, int]:
    """How many established TCP connections to ``port`` each process holds open."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
                inodes.add(fields[9])
    held = {}
    for pid in pids:
        sockets = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                sockets.add(target[8:-1])
        held[pid] = len(sockets & inodes)
    return held


def open_at_once(port: int, count: int) -> list[http.client.HTTPConnection]:
    """``count`` keep-alive connections, each answered once, all started together."""
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(count)]
    barrier, failures = threading.Barrier(count), []

    def ask(connection: http.client.HTTPConnection) -> None:
        barrier.wait()
        try:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            assert response.status == 200 and not response.will_close
        except Exception as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=ask, args=(c,)) for c in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures, failures
    return connections


def test_a_burst_of_keep_alive_connections_is_spread_evenly_over_the_workers(db_url, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    args = ["serve", "--workers", "2", "--no-scheduler", "--port", str(port)]
    with congressflow_process(args, served_environment(db_url, tmp_path), log) as server:
        assert wait_for(lambda: get(f"http://127.0.0.1:{port}/healthz")[0] == 200, 60), log.read_text()
        assert wait_for(lambda: len(children(server.pid)) == 2, 30), children(server.pid)
        workers = list(children(server.pid))

        def both_serving() -> bool:
            # a worker counts in the balance once its loop runs: two connections held at once
            # then land on both (the one holding the first lets the other take the second)
            probe = open_at_once(port, 1) + open_at_once(port, 1)
            held = established_by_process(workers, port)
            for connection in probe:
                connection.close()
            wait_for(lambda: sum(established_by_process(workers, port).values()) == 0, 10)
            return sorted(held.values()) == [1, 1]

        def spread_evenly() -> None:
            assert wait_for(both_serving, 60), log.read_text()
            burst = open_at_once(port, CONNECTIONS)
            held = established_by_process(workers, port)
            assert sum(held.values()) == CONNECTIONS
            assert max(held.values()) - min(held.values()) <= 2, held  # gunicorn's own: 12 / 4
            for connection in burst:  # each still answers on its own connection
                connection.request("GET", "/healthz")
                assert connection.getresponse().read() == b'{"status":"ok"}\n'
                connection.close()

        spread_evenly()
        # a worker killed outright, holding the fewest connections: the other takes the
        # new ones at once (a dead worker's count never holds the others back)
        kept = open_at_once(port, 3)
        fewest = min(workers, key=lambda pid: established_by_process(workers, port)[pid])
        os.kill(fewest, signal.SIGKILL)
        started = time.monotonic()
        for connection in open_at_once(port, 4):
            connection.close()
        assert time.monotonic() - started < 2
        for connection in kept:
            connection.close()
        # reloaded (HUP: new workers, the same arbiter): still spread evenly
        assert wait_for(lambda: len(children(server.pid)) == 2, 30), children(server.pid)
        before = set(children(server.pid))
        server.send_signal(signal.SIGHUP)
        assert wait_for(lambda: len(children(server.pid)) == 2 and not before & set(children(server.pid)), 60)
        workers = list(children(server.pid))
        spread_evenly()
    assert server.returncode == 0, log.read_text()
