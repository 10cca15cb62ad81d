"""Running the servers as an operator does: ``congressflow serve`` listens where
CONGRESSFLOW_BIND says; a port already taken (by the web server's waitress or the scheduler's
metrics) is one line, not a traceback; gunicorn run on web/gunicorn_conf.py says a bad number
in one line; a reload (HUP, the web unit's ExecReload after an upgrade) starts the scheduler
child again along with the workers, so that it does not go on running the old code."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.servers import CONGRESSFLOW, congressflow_process, free_port, served_environment

from .scheduler_helpers import wait_for
from .test_serve_workers import schedulers

pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A server's environment on a SQLite file of its own (no schema needed for these)."""
    return served_environment(f"sqlite:///{tmp_path / 'ops.db'}", tmp_path / "instance", serve_defaults=True)


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port another server listens on."""
    port = free_port()
    with socket.socket() as other:
        other.bind(("127.0.0.1", port))
        other.listen()
        yield port


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def congressflow(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CONGRESSFLOW), *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_serve_listens_where_congressflow_bind_says(env: dict[str, str], tmp_path: Path):
    port = free_port()
    with congressflow_process(
        ["serve", "--no-scheduler"], {**env, "CONGRESSFLOW_BIND": f"127.0.0.1:{port}"}, tmp_path / "serve.log"
    ):
        assert wait_for(lambda: healthy(port), 30), (tmp_path / "serve.log").read_text()
        assert f"Serving on http://127.0.0.1:{port}" in (tmp_path / "serve.log").read_text()


def test_a_taken_port_is_one_line(env: dict[str, str], taken_port: int):
    said = f"Error: cannot listen on 127.0.0.1:{taken_port}: the address is in use (another server?)\n"
    served = congressflow(["serve", "--port", str(taken_port)], env)
    assert (served.returncode, served.stderr) == (1, said)
    bound = congressflow(["serve", "--no-scheduler"], {**env, "CONGRESSFLOW_BIND": f"127.0.0.1:{taken_port}"})
    assert (bound.returncode, bound.stderr) == (1, said)
    metrics = congressflow(["scheduler", "--metrics-port", str(taken_port)], env)
    assert metrics.returncode == 1 and "Traceback" not in metrics.stderr
    assert metrics.stderr.endswith(said)


def test_gunicorn_on_its_config_says_a_bad_number_in_one_line(env: dict[str, str]):
    run = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "web/gunicorn_conf.py", "web:create_app()"],
        cwd=REPO_ROOT,
        env={**env, "CONGRESSFLOW_THREADS": "abc", "CONGRESSFLOW_BIND": f"127.0.0.1:{free_port()}"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (run.returncode, run.stderr) == (
        1,
        "Error: CONGRESSFLOW_THREADS is 'abc': it takes a whole number, 1 or more\n",
    )


def metrics_dir(pid: int) -> Path:
    """The metrics folder gunicorn made, as its scheduler child ``pid`` was given it."""
    environ = dict(
        entry.split("=", 1) for entry in Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0") if "=" in entry
    )
    return Path(environ["PROMETHEUS_MULTIPROC_DIR"])


def test_a_reload_starts_the_scheduler_child_again(env: dict[str, str], tmp_path: Path):
    port = free_port()
    log = tmp_path / "serve.log"
    with congressflow_process(["serve", "--workers", "2", "--port", str(port)], env, log) as server:
        assert wait_for(lambda: healthy(port) and len(schedulers(server.pid)) == 1, 20), log.read_text()
        [before] = schedulers(server.pid)
        made = metrics_dir(before)
        os.kill(server.pid, signal.SIGHUP)
        assert wait_for(lambda: schedulers(server.pid) not in ([], [before]), 20), log.read_text()
        assert not Path(f"/proc/{before}").exists() or Path(f"/proc/{before}/stat").read_text().split()[2] == "Z"
        assert len(schedulers(server.pid)) == 1
        said = log.read_text()
        assert f"the scheduler process (pid {before}) stopped for the reload: starting it again" in said
        assert "starting it again in" not in said  # not restarted as one that failed, after a pause
        assert made.is_dir()
        server.send_signal(signal.SIGINT)  # a quick stop: the new workers may still be loading the app
    assert server.returncode == 0, log.read_text()
    assert not made.exists()  # the folder gunicorn made is removed at the end, a reload or not
