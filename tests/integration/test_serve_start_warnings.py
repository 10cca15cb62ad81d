"""A warning about the configuration is said once per start of ``congressflow serve``: by the
command's own process, which builds the app first and becomes gunicorn's arbiter, not again by
each worker and the scheduler child, which build it again from the same configuration."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.servers import congressflow_process, free_port, served_environment

from .scheduler_helpers import wait_for
from .test_serve_operations import healthy
from .test_serve_workers import children, schedulers

pytestmark = pytest.mark.slow

GENERATED = "the secret key was generated into "


def test_a_generated_key_is_warned_of_once_with_two_workers(tmp_path: Path):
    # a generated key behind a proxy: each machine would make its own (web/configuration.py)
    env = {
        **served_environment(f"sqlite:///{tmp_path / 'ops.db'}", tmp_path / "instance", serve_defaults=True),
        "CONGRESSFLOW_PROXY_HOPS": "1",
    }
    env.pop("CONGRESSFLOW_SECRET_KEY", None)
    port = free_port()
    log = tmp_path / "serve.log"
    with congressflow_process(["serve", "--workers", "2", "--port", str(port)], env, log) as server:
        assert wait_for(lambda: healthy(port) and len(children(server.pid)) == 3, 60), log.read_text()
        [scheduler] = schedulers(server.pid)
        workers = [pid for pid in children(server.pid) if pid != scheduler]
        # every process that builds the app has built it: the scheduler child (its own log
        # lines) and both workers (the password hashing's library, which the app imports and
        # gunicorn does not, is loaded: the app is built a moment later)
        assert wait_for(lambda: f"[{scheduler}]" in log.read_text(), 30), log.read_text()
        assert wait_for(lambda: all(_loaded(pid) for pid in workers), 30), log.read_text()
        assert wait_for(lambda: log.read_text().count(GENERATED) > 1, 3) is False
    said = log.read_text()
    assert said.count(GENERATED) == 1, said
    assert said.index(GENERATED) < said.index("Starting gunicorn")  # by the command, before gunicorn


@pytest.mark.parametrize("with_scheduler", ["1", "0"], ids=["scheduler_child", "workers_only"])
def test_gunicorn_run_directly_warns_once(tmp_path: Path, with_scheduler: str):
    # the README's "run gunicorn yourself": no ``serve`` said the warning first, so the first
    # process started that builds the app says it (the scheduler child, else the first worker)
    env = {
        **served_environment(f"sqlite:///{tmp_path / 'ops.db'}", tmp_path / "instance", serve_defaults=True),
        "CONGRESSFLOW_PROXY_HOPS": "1",
        "CONGRESSFLOW_SCHEDULER_IN_SERVER": with_scheduler,
    }
    env.pop("CONGRESSFLOW_SECRET_KEY", None)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "--config", "web/gunicorn_conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "3", "web:create_app()"]
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        expected = 4 if with_scheduler == "1" else 3
        assert wait_for(lambda: healthy(port) and len(children(server.pid)) == expected, 60), log.read_text()
        workers = [pid for pid in children(server.pid) if pid not in schedulers(server.pid)]
        assert wait_for(lambda: all(_loaded(pid) for pid in workers), 30), log.read_text()
        assert wait_for(lambda: log.read_text().count(GENERATED) > 1, 3) is False
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    said = log.read_text()
    assert said.count(GENERATED) == 1, said


def _loaded(pid: int) -> bool:
    try:
        return "_argon2_cffi_bindings" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False
