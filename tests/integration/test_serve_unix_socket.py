"""``CONGRESSFLOW_BIND=unix:PATH``: ``congressflow serve`` listens on a Unix socket (nginx on
the same machine, no port to firewall), on waitress and on gunicorn (``--workers 2``): the
socket is the service's user's and group's alone (0660), a socket file a crashed server left
is replaced, a socket a server still answers on is not taken from it, and a missing folder is
one line."""

from __future__ import annotations

import http.client
import json
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.servers import congressflow_process, served_environment

from .scheduler_helpers import wait_for
from .test_serve_operations import congressflow

pytestmark = pytest.mark.slow


class UnixConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket, as nginx's ``server unix:PATH`` speaks to the app."""

    def __init__(self, path: str):
        super().__init__("localhost", timeout=5)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.sock.connect(self.path)


def get(path: str, url: str) -> tuple[int, str]:
    connection = UnixConnection(path)
    try:
        connection.request("GET", url)
        response = connection.getresponse()
        return response.status, response.read().decode()
    except OSError:
        return 0, ""
    finally:
        connection.close()


@pytest.fixture
def folder() -> Iterator[Path]:
    """A short folder for the socket (a socket's path has 107 bytes at most; pytest's own
    folders are long)."""
    with tempfile.TemporaryDirectory(prefix="cf-sock-") as made:
        yield Path(made)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return served_environment(f"sqlite:///{tmp_path / 'ops.db'}", tmp_path / "instance", serve_defaults=True)


def stale_socket(path: Path) -> None:
    """The file a server killed outright leaves: a socket nobody listens on any more."""
    left = socket.socket(socket.AF_UNIX)
    left.bind(str(path))
    left.close()
    assert stat.S_ISSOCK(path.stat().st_mode)


@pytest.mark.parametrize("workers", ["1", "2"], ids=["waitress", "gunicorn"])
def test_serve_answers_on_a_unix_socket_of_its_group(env, folder: Path, tmp_path: Path, workers: str):
    path = folder / "web.sock"
    stale_socket(path)
    log = tmp_path / "serve.log"
    args = ["serve", "--no-scheduler", "--workers", workers]
    with congressflow_process(args, {**env, "CONGRESSFLOW_BIND": f"unix:{path}"}, log) as server:
        assert wait_for(lambda: get(str(path), "/healthz") == (200, '{"status":"ok"}\n'), 60), log.read_text()
        assert stat.S_IMODE(path.stat().st_mode) == 0o660
        status, page = get(str(path), "/login")
        assert status == 200 and "<form" in page
        assert json.loads(get(str(path), "/readyz")[1])["database"] is True
        assert f"unix:{path}" in log.read_text()  # where it listens, said at start
    if workers == "2":  # gunicorn stops on SIGTERM, removing its socket (waitress is killed by it)
        assert server.returncode == 0, log.read_text()
        assert not path.exists()


def test_a_socket_a_server_answers_on_is_not_taken(env, folder: Path):
    path = folder / "web.sock"
    with socket.socket(socket.AF_UNIX) as other:
        other.bind(str(path))
        other.listen()
        said = f"Error: cannot listen on unix:{path}: a server listens on that socket (another server?)\n"
        for workers in ("1", "2"):
            served = congressflow(["serve", "--workers", workers], {**env, "CONGRESSFLOW_BIND": f"unix:{path}"})
            assert (served.returncode, served.stderr) == (1, said)
        assert stat.S_ISSOCK(path.stat().st_mode)  # still the other server's


def test_a_missing_folder_is_one_line(env, folder: Path):
    path = folder / "absent" / "web.sock"
    said = f"Error: cannot listen on unix:{path}: the folder {folder / 'absent'} does not exist\n"
    for workers in ("1", "2"):
        served = congressflow(["serve", "--workers", workers], {**env, "CONGRESSFLOW_BIND": f"unix:{path}"})
        assert (served.returncode, served.stderr) == (1, said)
    # gunicorn run on its config file on its own says the same (it would try five times, then
    # say "Can't connect")
    run = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "web/gunicorn_conf.py", "web:create_app()"],
        cwd=REPO_ROOT,
        env={**env, "CONGRESSFLOW_BIND": f"unix:{path}"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1 and run.stderr.endswith(said) and "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 2  # gunicorn's "Starting gunicorn", then the error


def test_a_socket_takes_an_absolute_path(env):
    served = congressflow(["serve"], {**env, "CONGRESSFLOW_BIND": "unix:run/web.sock"})
    said = (
        "Error: CONGRESSFLOW_BIND is 'unix:run/web.sock': a Unix socket takes an absolute path, such as"
        " unix:/run/congressflow-web/web.sock\n"
    )
    assert (served.returncode, served.stderr) == (1, said)
