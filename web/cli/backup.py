"""Backing the database up (``backup``) and restoring it (``restore``): operator commands, as
the system, on the configured database (``CONGRESSFLOW_DATABASE_URL``). SQLite is copied with
its online backup API while the app runs; PostgreSQL with ``pg_dump`` / ``pg_restore``, which
must be installed (PostgreSQL's client programs). Attachments live in the database, so the
backup holds them; the instance folder's ``secret_key`` is not in it."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from engine.scheduling import leadership
from engine.usecases import backups
from storage.backup import describe

from .common import emit, json_option, use_case

KEEP_ALSO = (
    "attachments are in the database, so in this backup; keep the secret key too "
    "(the instance folder's secret_key, or CONGRESSFLOW_SECRET_KEY): without it everyone is signed out"
)


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@json_option
@use_case
def backup_command(file: Path, as_json: bool) -> None:
    """Operator command: back the database up into the new FILE (SQLite: a database file made
    with the online backup API, safe while the app runs; PostgreSQL: pg_dump's custom format),
    and its SHA-256 into FILE.sha256 beside it, which `restore` checks: keep the two together.
    An existing FILE is never overwritten (exit 3)."""
    database_url = current_app.config["DATABASE_URL"]
    made = backups.back_up(database_url, file)
    emit(
        as_json,
        {
            "file": str(made.path),
            "checksum_file": str(made.checksum) if made.checksum else None,
            "database": describe(database_url),
            "kind": made.kind,
            "revision": made.revision,
            "bytes": made.size,
        },
        lambda r: (
            f"backed up the {r['kind']} database {r['database']} (schema {r['revision']}) into {r['file']} "
            f"({r['bytes']} bytes), its SHA-256 into {r['checksum_file']}\n{KEEP_ALSO}"
        ),
    )


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="overwrite a database that holds data (everything in it is replaced); never one a scheduler runs on",
)
@json_option
@use_case
def restore_command(file: Path, force: bool, as_json: bool) -> None:
    """Operator command: replace the configured database with the backup FILE. Stop the web
    servers and the scheduler first: refuses while a scheduler runs on the database (exit 3),
    and holds it off while it restores. Refuses a database that holds data unless --force, and
    a backup made by a newer version, or one that does not match the FILE.sha256 beside it (a
    backup without one, made by an older version, is restored unchecked); a backup from an
    older version is restored, then the schema needs `congressflow db upgrade`."""
    database_url = current_app.config["DATABASE_URL"]
    with leadership.held_off(database_url):
        restored = backups.restore(database_url, file, force=force)

    def text(r: dict[str, object]) -> str:
        said = f"restored {r['file']} into {r['database']} (schema {r['revision']})"
        if not r["checksum_file"]:
            said += f"\nno checksum beside it ({r['file']}.sha256): it could not be checked for damage"
        if r["upgrade_needed"]:
            said += (
                f"\nthe backup's schema is older than this version's ({r['head']}): "
                "run `congressflow db upgrade` before starting the app"
            )
        return said

    emit(
        as_json,
        {
            "file": str(restored.backup.path),
            "checksum_file": str(restored.backup.checksum) if restored.backup.checksum else None,
            "database": restored.database,
            "kind": restored.backup.kind,
            "revision": restored.backup.revision,
            "head": restored.head,
            "upgrade_needed": restored.upgrade_needed,
        },
        text,
    )
