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
    """The base URL of ``app`` served by waitress until the block ends. The server is
    stopped from inside its own thread: closing its sockets from the test's thread races
    with its select() (EBADF in the server thread)."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.task_dispatcher.shutdown()
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(10)
    assert not thread.is_alive(), "the test server did not stop"
