"""The product served for real in a test: waitress, as ``congressflow serve`` runs it, on a
free port of this machine, in a background thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import waitress
from flask import Flask
from waitress import wasyncore


@contextmanager
def serving(app: Flask, threads: int = 8) -> Iterator[str]:
    """The base URL of ``app`` served by waitress until the block ends.

    The server's loop runs in short rounds and checks a stop flag between them, so the
    server thread closes its own sockets. Closing them from the test's thread races with
    its select() (EBADF in the server thread), and waking it through waitress's trigger
    pipe failed in CI with EBADF on the pipe itself (its descriptor number reused and
    closed elsewhere in the worker process)."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
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
