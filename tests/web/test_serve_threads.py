"""``congressflow serve``'s request threads: 8 on waitress (one process serves everything),
and with ``--workers N`` gunicorn's workers take web/gunicorn_conf.py's number (2, or
CONGRESSFLOW_THREADS) unless ``--threads`` says otherwise: a worker's threads share its GIL,
and 2 served 12-18 % more completions a second than 4, and 4 than 8 (bench/README.md)."""

from __future__ import annotations

import pytest

from web import scheduling


@pytest.fixture
def launched(monkeypatch):
    """What ``serve`` would start: gunicorn's command line, or waitress's thread count."""
    seen: dict = {}

    def execv(_path, argv):
        seen["gunicorn"] = argv
        raise SystemExit(0)

    monkeypatch.setattr(scheduling.os, "execv", execv)
    monkeypatch.setattr(scheduling, "serve", lambda _app, _host, _port, threads, _with: seen.update(waitress=threads))
    monkeypatch.setenv("CONGRESSFLOW_SCHEDULER_IN_SERVER", "0")  # serve_workers sets it: put back after
    return seen


def _threads(argv: list[str]) -> str | None:
    return argv[argv.index("--threads") + 1] if "--threads" in argv else None


def test_gunicorn_workers_take_the_configurations_threads_unless_told(runner, launched):
    assert runner.invoke(args=["serve", "--workers", "2", "--no-scheduler"]).exit_code == 0
    argv = launched["gunicorn"]
    assert argv[argv.index("--workers") + 1] == "2" and _threads(argv) is None  # gunicorn_conf.py's
    assert runner.invoke(args=["serve", "--workers", "2", "--threads", "6", "--no-scheduler"]).exit_code == 0
    assert _threads(launched["gunicorn"]) == "6"


def test_waitress_serves_with_eight_threads_unless_told(runner, launched):
    assert runner.invoke(args=["serve", "--no-scheduler"]).exit_code == 0
    assert launched["waitress"] == 8 and "gunicorn" not in launched
    assert runner.invoke(args=["serve", "--threads", "3", "--no-scheduler"]).exit_code == 0
    assert launched["waitress"] == 3
