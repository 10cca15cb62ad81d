"""Processes that start together (gunicorn's workers, the scheduler) agree on the one secret
key: before, a check-then-write race gave some of them keys of their own, or an empty one."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from web import _instance_secret

STARTING = 8


def _start(instance: str, ready, keys) -> None:
    ready.wait()  # all at once
    keys.put(_instance_secret(Path(instance)))


def test_processes_starting_together_share_one_key(tmp_path: Path):
    for trial in range(10):
        instance = tmp_path / f"instance-{trial}"
        context = multiprocessing.get_context("fork")
        ready, keys = context.Barrier(STARTING), context.Queue()
        starting = [context.Process(target=_start, args=(str(instance), ready, keys)) for _ in range(STARTING)]
        for process in starting:
            process.start()
        found = [keys.get(timeout=30) for _ in starting]
        for process in starting:
            process.join(timeout=30)
        assert len(set(found)) == 1 and len(found[0]) == 64, found
        assert (instance / "secret_key").stat().st_mode & 0o777 == 0o600
        assert [p.name for p in instance.iterdir()] == ["secret_key"]  # no candidate left behind
