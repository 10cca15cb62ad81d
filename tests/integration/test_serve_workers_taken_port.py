"""``serve --workers N`` on an address it cannot listen on says so in one line and exit code 1,
as ``serve`` on waitress does, before gunicorn starts: gunicorn itself would print "Connection
in use" once a second for five seconds, then stop. A port that is free is left free for
gunicorn to take."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.servers import free_port
from tests.world import AppFactory
from web import scheduling

from .test_serve_operations import congressflow, env, taken_port  # noqa: F401 (env, taken_port: fixtures)

pytestmark = pytest.mark.slow


def test_a_taken_port_is_the_same_one_line_with_workers(env: dict[str, str], taken_port: int):  # noqa: F811
    said = f"Error: cannot listen on 127.0.0.1:{taken_port}: the address is in use (another server?)\n"
    workers = congressflow(["serve", "--workers", "2", "--port", str(taken_port), "--no-scheduler"], env)
    # that one line and nothing else: gunicorn never tried (each of its tries says "Connection in
    # use" on this stream), which a time limit showed before and a loaded machine made flaky
    assert (workers.returncode, workers.stderr) == (1, said)
    waitress = congressflow(["serve", "--port", str(taken_port), "--no-scheduler"], env)
    assert (waitress.returncode, waitress.stderr) == (workers.returncode, workers.stderr)


def test_a_free_port_is_left_for_gunicorn(make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    port = free_port()
    started: list[list[str]] = []

    def execv(_path: str, argv: list[str]) -> None:
        with socket.socket() as gunicorn:  # what gunicorn does next: the port is its to take
            gunicorn.bind(("127.0.0.1", port))
        started.append(argv)
        raise SystemExit(0)

    monkeypatch.setattr(scheduling.os, "execv", execv)
    monkeypatch.setenv("CONGRESSFLOW_SCHEDULER_IN_SERVER", "0")  # serve_workers sets it: put back after
    runner = make_app(f"sqlite:///{tmp_path / 'ops.db'}").test_cli_runner()
    result = runner.invoke(args=["serve", "--workers", "2", "--port", str(port), "--no-scheduler"])
    assert result.exit_code == 0, result.output
    assert started and f"127.0.0.1:{port}" in started[0]


def test_sockets_handed_over_are_not_tried(monkeypatch: pytest.MonkeyPatch, taken_port: int):  # noqa: F811
    """systemd's socket activation (or gunicorn's USR2 upgrade) hands gunicorn a socket already
    listening on the address: that is no other server."""
    monkeypatch.setattr(scheduling.os, "execv", lambda _path, argv: (_ for _ in ()).throw(SystemExit(0)))
    monkeypatch.setenv("CONGRESSFLOW_SCHEDULER_IN_SERVER", "0")
    monkeypatch.setenv("LISTEN_FDS", "1")
    with pytest.raises(SystemExit):
        scheduling.serve_workers("127.0.0.1", taken_port, 2, None, with_scheduler=False)
    monkeypatch.delenv("LISTEN_FDS")
    with pytest.raises(
        scheduling.CannotListen, match=f"^cannot listen on 127.0.0.1:{taken_port}: the address is in use"
    ):
        scheduling.serve_workers("127.0.0.1", taken_port, 2, None, with_scheduler=False)
