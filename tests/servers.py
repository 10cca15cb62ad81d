"""The product served for real in a test: waitress, as ``congressflow serve`` runs it, on a
free port of this machine, in a background thread; or a ``congressflow`` command (``serve
--workers N``, ``scheduler``) in a process of its own."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import waitress
from flask import Flask
from waitress import wasyncore

from tests.conftest import REPO_ROOT
from web import scheduling

CONGRESSFLOW = Path(sys.executable).parent / "congressflow"


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def free_port() -> int:
    """A loopback port nothing listens on, for a server started by number (in another process,
    or one that must be named in a config file before it starts).

    Picked outside the kernel's ephemeral range: a port the kernel hands out for port 0 is free
    when asked, but any process's outgoing connection may take it before the server binds it
    (seen in CI: gunicorn's "Address already in use" on the port a test had just released). A
    port outside that range goes only to a server asking for it by number; the random pick keeps
    tests running side by side apart, and the bind shows nothing listens there now."""
    low, high = _ephemeral_range()
    candidates = [port for port in range(10000, 65536) if not low <= port <= high]
    for port in random.sample(candidates, 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free loopback port outside the ephemeral range")


@contextmanager
def serving(app: Flask, threads: int = 8) -> Iterator[str]:
    """The base URL of ``app`` served by waitress until the block ends.

    The server's loop runs in short rounds and checks a stop flag between them, so the
    server thread closes its own sockets. Closing them from the test's thread races with
    its select() (EBADF in the server thread), and waking it through waitress's trigger
    pipe failed in CI with EBADF on the pipe itself (its descriptor number reused and
    closed elsewhere in the worker process)."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, **scheduling.waitress_options(threads))
    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.is_set():
                wasyncore.loop(timeout=0.05, map=server._map, count=1)
        finally:
            wasyncore.close_all(server._map, ignore_all=True)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Workers finish (and their answers flush) while the loop still runs.
        server.task_dispatcher.shutdown()
        stop.set()
        thread.join(10)
    assert not thread.is_alive(), "the test server did not stop"


# where and how ``congressflow serve`` serves when its options do not say: left to the test
SERVE_VARIABLES = ("CONGRESSFLOW_BIND", "CONGRESSFLOW_WORKERS", "CONGRESSFLOW_THREADS")


def served_environment(db_url: str, instance: Path, *, serve_defaults: bool = False) -> dict[str, str]:
    """This process's environment for a served app on ``db_url``: its own instance folder, and
    no metrics folder of this process's (gunicorn makes its own); with ``serve_defaults``, none of
    the variables that tell ``serve`` where and how to serve either (``SERVE_VARIABLES``)."""
    env = {**os.environ, "CONGRESSFLOW_DATABASE_URL": db_url, "CONGRESSFLOW_INSTANCE_PATH": str(instance)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    for variable in SERVE_VARIABLES if serve_defaults else ():
        env.pop(variable, None)
    return env


@contextmanager
def congressflow_process(args: Sequence[str], env: Mapping[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """``congressflow <args>`` in a process of its own, its output in ``log``; at the end sent
    SIGTERM if still running and waited for (killed after 60 s). Its exit code is then the
    process's ``returncode``."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(CONGRESSFLOW), *args], cwd=REPO_ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
