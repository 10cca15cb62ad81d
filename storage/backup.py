"""Backing the database up and restoring it: SQLite through its online backup API (a
consistent copy taken while the app runs and writes), PostgreSQL through ``pg_dump``'s custom
format and ``pg_restore``. A backup is one file in the database's own format, which the
standard tools read too (``sqlite3``, ``pg_restore --list``).

Attachments are rows of the database (:class:`storage.models.Attachment`), so a backup holds
them; the instance folder's ``secret_key`` is not in it (keep it, or set the secret key in the
configuration).

Beside each backup its SHA-256 is written (``FILE.sha256``, as ``sha256sum`` writes it, so
``sha256sum -c`` checks it too); restoring checks it first and refuses a backup that does not
match (damaged since it was made: SQLite would restore a damaged page as it is). A backup with
no such file beside it (made by an older version, or copied without it) is restored unchecked.

Restoring refuses a database that holds data unless told to overwrite it, and a backup whose
schema this code does not know (made by a newer version). It writes all or nothing: SQLite's
backup API replaces the file in one transaction, ``pg_restore --single-transaction`` likewise.
A failed restore into a new SQLite database leaves no empty database file behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from . import migrate
from .db import create_private_file

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
_REVISION_ROW = re.compile(r"^COPY [^\n]*alembic_version[^\n]*FROM stdin;\n([0-9a-zA-Z_]+)\n", re.MULTILINE)
_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ", re.MULTILINE)
CHECKSUM_SUFFIX = ".sha256"


class BackupError(Exception):
    """The backup or the restore could not be done; nothing was written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BackupRefused(BackupError):
    """This backup does not go into this database (a newer schema, another kind of database,
    not a CongressFlow backup)."""


class DatabaseNotEmpty(BackupError):
    """The database to restore into holds data, and overwriting it was not asked for."""


class BackupExists(BackupError):
    """The file to back up into exists already (a backup is never overwritten)."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    kind: str  # "sqlite" or "postgresql"
    revision: str  # the schema's Alembic revision
    size: int  # bytes
    checksum: Path | None = None  # the file holding its SHA-256 (None: none beside it)


@dataclass(frozen=True)
class Restored:
    backup: BackupFile
    head: str  # the revision this code expects
    database: str = ""  # the database restored into, as people name it (no password)

    @property
    def upgrade_needed(self) -> bool:
        return self.backup.revision != self.head


def describe(url: str) -> str:
    """The database as people name it, without its password."""
    return migrate.describe(url)


def checksum_file(backup: Path) -> Path:
    """Where the SHA-256 of ``backup`` is kept: ``FILE.sha256`` beside it."""
    return backup.with_name(backup.name + CHECKSUM_SUFFIX)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- backing up -----------------------------------------------------------------------------
def back_up(url: str, destination: Path) -> BackupFile:
    """Copy the database at ``url`` into the new file ``destination`` (refused when it exists:
    a backup is never overwritten by mistake). Written beside it first and moved into place,
    so a failed backup leaves no file."""
    destination = Path(destination)
    if destination.exists():
        raise BackupExists(f"{destination} exists already: give the backup a new name (or remove that file first)")
    if not destination.parent.is_dir():
        raise BackupError(f"no folder {destination.parent} to write the backup into")
    kind = _kind_of_url(url)
    # mode 0600, which the backup keeps: it holds petitioners' identities
    fd, scratch = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".part")
    os.close(fd)
    sums = checksum_file(destination)
    fd, sums_scratch = tempfile.mkstemp(dir=destination.parent, prefix=f".{sums.name}.", suffix=".part")
    os.close(fd)
    try:
        if kind == "sqlite":
            revision = _sqlite_back_up(_sqlite_source(url), Path(scratch))
        else:
            revision = _pg_back_up(url, Path(scratch))
        # sha256sum's own line: `sha256sum -c FILE.sha256` checks it in the backups' folder
        Path(sums_scratch).write_text(f"{_sha256(Path(scratch))}  {destination.name}\n")
        os.replace(scratch, destination)
        os.replace(sums_scratch, sums)
    finally:
        for left in (scratch, sums_scratch):
            if os.path.exists(left):
                os.unlink(left)
    return BackupFile(destination, kind, revision, destination.stat().st_size, sums)


def _sqlite_source(url: str) -> Path:
    """The SQLite database to back up. An empty file (one a server made at its first connection
    before the database was set up, or an older version's app, which made it on start) is no
    database: refused, and removed."""
    path = _sqlite_path(url, must_exist=True)
    if _empty_database_file(path):
        _remove_empty_database(path)
        raise BackupError(
            f"no CongressFlow database at {path} (nothing was ever set up there): is CONGRESSFLOW_DATABASE_URL "
            "the database the servers use?"
        )
    return path


def _sqlite_back_up(source: Path, scratch: Path) -> str:
    """The online backup API: it reads one consistent snapshot (WAL lets the app go on
    writing meanwhile) and copies it page by page, into ``scratch``: the empty file, private
    to its owner (0600), that the copy stays."""
    src = sqlite3.connect(f"file:{quote(str(source))}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(scratch)
        try:
            src.backup(dst)
            # the copy is a file of its own: no -wal beside it when it is opened
            dst.execute("PRAGMA journal_mode=DELETE")
            if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(f"the copy of {source} failed SQLite's integrity check")
            revision = _sqlite_revision(dst)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot back up {source}: {exc}") from exc
    finally:
        src.close()
    if revision is None:
        raise BackupError(f"{source} is not a CongressFlow database (no migration recorded)")
    return revision


def _pg_back_up(url: str, scratch: Path) -> str:
    _pg_tool("pg_dump")  # said before anything else is tried
    revision = _pg_revision_of_database(url)
    if revision is None:
        raise BackupError(f"{describe(url)} is not a CongressFlow database (no migration recorded)")
    _run_pg_tool(
        "pg_dump",
        ["--format=custom", f"--file={scratch}", f"--dbname={_libpq_uri(url)}"],
        url,
        doing=f"backing up {describe(url)} failed",
    )
    return revision


# -- reading a backup -----------------------------------------------------------------------
def read_backup(path: Path) -> BackupFile:
    """What a backup file is: its kind (by its first bytes) and its schema's revision."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            magic = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"cannot read the backup {path}: {exc.strerror}") from exc
    if magic.startswith(SQLITE_MAGIC):
        kind, revision = "sqlite", _sqlite_file_revision(path)
    elif magic.startswith(PG_CUSTOM_MAGIC):
        kind, revision = "postgresql", _pg_dump_revision(path)
    else:
        raise BackupRefused(
            f"{path} is not a CongressFlow backup: neither a SQLite database nor a pg_dump custom-format file"
        )
    if revision is None:
        raise BackupRefused(f"{path} is not a CongressFlow backup: it records no migration (alembic_version)")
    sums = checksum_file(path)
    return BackupFile(path, kind, revision, path.stat().st_size, sums if sums.exists() else None)


def check_checksum(path: Path) -> Path | None:
    """Refuse the backup ``path`` when it does not match the SHA-256 kept beside it; the file
    that holds it (None: there is none, as beside a backup made by an older version)."""
    sums = checksum_file(path)
    if not sums.exists():
        return None
    try:
        expected = sums.read_text().split()[0].lower()
    except (OSError, UnicodeDecodeError, IndexError) as exc:
        raise BackupRefused(f"cannot read the checksum {sums} of the backup {path}: {exc}") from exc
    if _sha256(path) != expected:
        raise BackupRefused(
            f"{path} does not match its checksum {sums}: the backup is damaged (or was changed after it was "
            "made); nothing was restored. Restore another backup."
        )
    return sums


def _sqlite_file_revision(path: Path) -> str | None:
    # immutable: nothing is written beside the backup (no -wal, no -shm) while it is read
    connection = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1", uri=True)
    try:
        return _sqlite_revision(connection)
    except sqlite3.Error as exc:
        raise BackupRefused(f"{path} is not a readable SQLite database: {exc}") from exc
    finally:
        connection.close()


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:  # no such table
        return None
    return str(row[0]) if row else None


def _pg_dump_revision(path: Path) -> str | None:
    script = _run_pg_tool(
        "pg_restore",
        ["--data-only", "--table=alembic_version", "--file=-", str(path)],
        None,
        capture=True,
        doing=f"cannot read the backup {path}",
    )
    found = _REVISION_ROW.search(script)
    return found.group(1) if found else None


def _pg_dump_tables(path: Path) -> set[str]:
    listing = _run_pg_tool(
        "pg_restore", ["--list", str(path)], None, capture=True, doing=f"cannot read the backup {path}"
    )
    return {name for _schema, name in _TOC_TABLE.findall(listing)}


# -- restoring ------------------------------------------------------------------------------
def restore(url: str, source: Path, *, force: bool = False) -> Restored:
    """Replace the database at ``url`` with the backup ``source``.

    Refused, with nothing written: a backup of another kind of database than ``url``; one whose
    revision this code does not know (made by a newer version: upgrade the code first); a
    database holding data, unless ``force``. A backup older than this code is restored as it
    is: the schema is then upgraded with ``congressflow db upgrade`` (``upgrade_needed``). A
    backup that does not match the checksum beside it is refused before anything else."""
    target_kind = _kind_of_url(url)
    new_file = _new_sqlite_file(url) if target_kind == "sqlite" else None
    try:
        check_checksum(source)
        backup = read_backup(source)
        if backup.kind != target_kind:
            raise BackupRefused(
                f"{source} is a {backup.kind} backup and {describe(url)} a {target_kind} database: "
                "restore a backup into the kind of database it was made from"
            )
        head = migrate.head_revision()
        _check_known(backup)
        if target_kind == "sqlite":
            _sqlite_restore(_sqlite_path(url, must_exist=False), backup, force)
        else:
            _pg_restore(url, backup, force)
    except BackupError:
        if new_file is not None and _empty_database_file(new_file):
            _remove_empty_database(new_file)  # no empty database left where there was none
        raise
    return Restored(backup, head, describe(url))


def _check_known(backup: BackupFile) -> None:
    if not migrate.knows(backup.revision):
        raise BackupRefused(
            f"{migrate.unknown_revision(str(backup.path), backup.revision)}: the backup was made by a newer "
            "version. Install that version (or a newer one) and restore with it."
        )


def _new_sqlite_file(url: str) -> Path | None:
    """The SQLite database file to restore into when there is no database there yet (no file, or
    an empty one: see ``_sqlite_source``); None otherwise."""
    try:
        path = _sqlite_path(url, must_exist=False)
    except BackupError:
        return None
    return path if not path.exists() or _empty_database_file(path) else None


def _empty_database_file(path: Path) -> bool:
    """An empty SQLite file that nothing has written to (no -wal with pages beside it)."""
    try:
        if path.stat().st_size:
            return False
        wal = Path(f"{path}-wal")
        return not wal.exists() or wal.stat().st_size == 0
    except FileNotFoundError:
        return False


def _remove_empty_database(path: Path) -> None:
    for left in (Path(f"{path}-wal"), Path(f"{path}-shm"), path):
        try:
            left.unlink()
        except FileNotFoundError:
            pass


def _sqlite_restore(target: Path, backup: BackupFile, force: bool) -> None:
    if target.exists() and not force:
        holding = _sqlite_tables_with_rows(target)
        if holding:
            raise DatabaseNotEmpty(_not_empty_message(str(target), holding))
    create_private_file(target)  # a new database is its owner's alone, as the app makes one
    source = sqlite3.connect(f"file:{quote(str(backup.path.resolve()))}?mode=ro&immutable=1", uri=True)
    try:
        destination = sqlite3.connect(target, timeout=30)
        try:
            source.backup(destination)  # one transaction on the destination: all of it or nothing
        finally:
            destination.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot restore into {target}: {exc}") from exc
    finally:
        source.close()


def _sqlite_tables_with_rows(path: Path) -> list[str]:
    connection = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=30)
    try:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return [n for n in names if n != "alembic_version" and _has_rows(connection, n)]
    except sqlite3.Error as exc:
        raise BackupError(f"cannot read {path} (is it a SQLite database?): {exc}") from exc
    finally:
        connection.close()


def _has_rows(connection: sqlite3.Connection, table: str) -> bool:
    quoted = table.replace('"', '""')
    return bool(connection.execute(f'SELECT EXISTS (SELECT 1 FROM "{quoted}")').fetchone()[0])


def _pg_restore(url: str, backup: BackupFile, force: bool) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            holding = [
                t
                for t in sorted(tables)
                if t != "alembic_version" and connection.execute(text(f'SELECT EXISTS (SELECT 1 FROM "{t}")')).scalar()
            ]
    except Exception as exc:
        raise BackupError(f"cannot reach the database {describe(url)}: {first_line(exc)}") from exc
    finally:
        engine.dispose()
    if holding and not force:
        raise DatabaseNotEmpty(_not_empty_message(describe(url), holding))
    extra = sorted(set(tables) - _pg_dump_tables(backup.path))
    if extra:
        # pg_restore --clean replaces what the backup holds and would leave these behind: a
        # schema the backup's migrations do not describe, which `db upgrade` then trips over
        raise BackupRefused(
            f"{describe(url)} has tables the backup does not ({', '.join(extra)}): it has a newer schema than "
            f"the backup (revision {backup.revision}). Restore into a new, empty database instead "
            "(createdb, then point CONGRESSFLOW_DATABASE_URL at it)."
        )
    _run_pg_tool(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",  # all of it or, on any error, nothing
            "--exit-on-error",
            f"--dbname={_libpq_uri(url)}",
            str(backup.path),
        ],
        url,
        doing=f"restoring {backup.path} into {describe(url)} failed, nothing was written",
    )


def _not_empty_message(where: str, tables: list[str]) -> str:
    shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
    return (
        f"{where} holds data (rows in {shown}): restoring would replace all of it. "
        "Restore into a new, empty database, or give --force to overwrite this one."
    )


# -- the two kinds of database --------------------------------------------------------------
def _kind_of_url(url: str) -> str:
    try:
        backend = make_url(url).get_backend_name()
    except Exception as exc:
        raise BackupError(f"not a database URL: {url!r}") from exc
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"backups are made of SQLite and PostgreSQL databases, not {backend}")
    return backend


def _sqlite_path(url: str, *, must_exist: bool) -> Path:
    database = make_url(url).database
    if database in (None, "", ":memory:"):
        raise BackupError("an in-memory SQLite database has nothing to back up or restore into")
    path = Path(database)
    if must_exist and not path.is_file():
        raise BackupError(f"no SQLite database at {path}")
    if not must_exist and not path.parent.is_dir():
        raise BackupError(f"no folder {path.parent} for the SQLite database {path.name}")
    return path


def _pg_revision_of_database(url: str) -> str | None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return migrate.current_revision(connection)
    except Exception as exc:
        raise BackupError(f"cannot reach the database {describe(url)}: {first_line(exc)}") from exc
    finally:
        engine.dispose()


def _libpq_uri(url: str) -> str:
    """The URL as libpq reads it (no SQLAlchemy driver name), without the password, which
    goes to the tool in its environment (PGPASSWORD), never on a command line others see."""
    parsed: URL = make_url(url).set(drivername="postgresql", password=None)
    return parsed.render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(
            f"{name} is not installed (not found on PATH): install PostgreSQL's client programs, "
            "e.g. `apt-get install postgresql-client`, of the server's major version or newer"
        )
    return tool


def _run_pg_tool(name: str, arguments: list[str], url: str | None, *, doing: str, capture: bool = False) -> str:
    """Run ``name``; its failure is said as ``doing`` (naming the backup and the database), then
    the tool's last lines."""
    tool = _pg_tool(name)
    environment = dict(os.environ)
    password = make_url(url).password if url else None
    if password:
        environment["PGPASSWORD"] = str(password)
    result = subprocess.run([tool, *arguments], capture_output=True, text=True, env=environment, check=False)
    if result.returncode != 0:
        ended = f"{name} ended by signal {-result.returncode}" if result.returncode < 0 else ""
        said = " ".join(result.stderr.strip().splitlines()[-3:]) or ended or f"{name} exit status {result.returncode}"
        raise BackupError(f"{doing}: {said}")
    return result.stdout if capture else ""


def first_line(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__
