"""A refused ``congressflow restore`` into a new SQLite database leaves its folder as it found
it: neither an empty database file nor the scheduler's lock file the restore held meanwhile
(``<db>.scheduler.lock``). A lock file that was there before (a scheduler ran beside the
database once) is left as it was."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from storage import migrate

LOCK = "congressflow.db.scheduler.lock"


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    """A good SQLite backup of a set-up database, its SHA-256 beside it."""
    source = tmp_path / "source.db"
    migrate.upgrade(f"sqlite:///{source}")
    made = tmp_path / "good.backup"
    shutil.copy(source, made)
    (tmp_path / "good.backup.sha256").write_text(f"{hashlib.sha256(made.read_bytes()).hexdigest()}  good.backup\n")
    return made


@pytest.fixture
def target(make_app, tmp_path: Path):
    """An app on a database not made yet, alone in its folder."""
    folder = tmp_path / "target"
    folder.mkdir()
    return make_app(f"sqlite:///{folder / 'congressflow.db'}", instance="target"), folder


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_refused_restore_leaves_no_lock_file_nor_database(target, backup, tmp_path):
    app, folder = target
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    refused = run(app, "restore", str(junk))
    assert refused.exit_code == 1 and "is not a CongressFlow backup" in refused.output
    assert _listing(folder) == []

    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(backup.read_bytes()[:-1] + b"X")
    shutil.copy(tmp_path / "good.backup.sha256", tmp_path / "damaged.backup.sha256")
    refused = run(app, "restore", str(damaged))
    assert refused.exit_code == 1 and "does not match its checksum" in refused.output
    assert _listing(folder) == []

    restored = run(app, "restore", str(backup))  # nor one that worked: the lock was the restore's alone
    assert restored.exit_code == 0, restored.output
    assert _listing(folder) == ["congressflow.db"]


def test_a_lock_file_a_scheduler_left_is_left_as_it_was(target, tmp_path):
    app, folder = target
    (folder / LOCK).write_text("4242\n")  # a scheduler ran beside the database once, and stopped
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    assert run(app, "restore", str(junk)).exit_code == 1
    assert _listing(folder) == [LOCK]
