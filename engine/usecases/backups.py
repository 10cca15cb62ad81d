"""Backing up and restoring the database (operator commands: they act as the system, before
or beside the app, so they ask no permission). The work is ``storage.backup``'s; this says it
in the engine's errors, so the command line reports them as every command does: a refused
backup or a failure is an ``EngineError`` (exit 1), a database that holds data, or a backup
file that exists already, a ``Conflict`` (exit 3)."""

from __future__ import annotations

from pathlib import Path

from storage import backup as storage_backup
from storage.backup import BackupFile, Restored

from ..errors import Conflict, EngineError

__all__ = [
    "BackupExists",
    "BackupFailed",
    "BackupFile",
    "BackupRefused",
    "DatabaseNotEmpty",
    "Restored",
    "SchedulerRunning",
    "back_up",
    "restore",
]


class BackupFailed(EngineError):
    code = "backup_failed"


class BackupRefused(EngineError):
    code = "backup_refused"


class DatabaseNotEmpty(Conflict):
    code = "database_not_empty"


class BackupExists(Conflict):
    """The file to back up into exists already: a backup is never overwritten."""

    code = "backup_exists"


class SchedulerRunning(Conflict):
    """A scheduler (standalone, or a web server's) runs on the database to restore into:
    replaced under it, what it and the servers beside it write after the backup would be
    lost while they went on serving. Refused even with ``force``
    (``engine.scheduling.leadership.held_off``)."""

    code = "scheduler_running"


def back_up(database_url: str, destination: Path) -> BackupFile:
    """A consistent copy of the database in the new file ``destination``."""
    try:
        return storage_backup.back_up(database_url, destination)
    except storage_backup.BackupError as exc:
        raise _engine_error(exc) from exc


def restore(database_url: str, source: Path, *, force: bool = False) -> Restored:
    """The database replaced by the backup ``source`` (see ``storage.backup.restore``). The
    caller holds the scheduler off meanwhile (``engine.scheduling.leadership.held_off``): a
    use case may not reach above itself into the scheduling."""
    try:
        return storage_backup.restore(database_url, source, force=force)
    except storage_backup.BackupError as exc:
        raise _engine_error(exc) from exc


def _engine_error(exc: storage_backup.BackupError) -> EngineError:
    if isinstance(exc, storage_backup.DatabaseNotEmpty):
        return DatabaseNotEmpty(exc.message)
    if isinstance(exc, storage_backup.BackupExists):
        return BackupExists(exc.message)
    if isinstance(exc, storage_backup.BackupRefused):
        return BackupRefused(exc.message)
    return BackupFailed(exc.message)
