"""Run the Alembic migrations programmatically (no Flask needed): ``upgrade(url)``.

Migrations are serialised across processes (two machines set up, or upgraded, at once): on
PostgreSQL under a transaction-level advisory lock, taken before the schema is read and held
until the migrations are committed, so the second process finds the first one's work done; on
SQLite under an exclusive ``flock`` of the database's folder (no file of its own left behind;
never of the database file, whose POSIX locks SQLite's own would lose when it is closed)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url

from .db import make_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# pg_advisory_xact_lock(bigint): a fixed key, "CFMIGRAT" in ASCII (the scheduler's is "CFSCHED1").
ADVISORY_KEY = 0x43464D4947524154


class MigrationError(Exception):
    """The database was not migrated; nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NewerSchema(MigrationError):
    """The database is at a revision this code does not know: a newer version migrated it."""

    def __init__(self, database: str, revision: str):
        super().__init__(
            f"{unknown_revision(f'the database {database}', revision)}: a newer version of CongressFlow "
            "migrated it. Install that version (or a newer one) to use this database; "
            "`congressflow db upgrade` cannot take it back"
        )
        self.revision = revision


@dataclass(frozen=True)
class Upgraded:
    """What ``upgrade`` did: the revision the database was at before (None: an empty
    database) and after, and the newest one this code knows."""

    before: str | None
    after: str | None
    head: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> Upgraded:
    """Migrate the database at ``url`` to ``revision`` (the newest by default), one process at
    a time. Refused with ``NewerSchema`` when the database is at a revision this code does not
    know, with ``MigrationError`` when ``revision`` is not one it can migrate to."""
    config = alembic_config(url)
    database = describe(url)
    engine = make_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection, connection.begin():
                one_at_a_time(connection)  # until the commit: a second process waits, then finds the schema made
                before = _known(connection, database)
                config.attributes["connection"] = connection  # one transaction: all of it or nothing
                _run(config, revision, database)
                after = current_revision(connection)
        else:
            with _file_lock(url):
                with engine.connect() as connection:
                    before = _known(connection, database)
                _run(config, revision, database)  # env.py's own connection: SQLite's pragmas need it
                with engine.connect() as connection:
                    after = current_revision(connection)
    finally:
        engine.dispose()
    return Upgraded(before, after, head_revision())


def one_at_a_time(connection: Connection) -> None:
    """Hold the migrations' lock until ``connection``'s transaction ends (PostgreSQL): what
    ``init`` writes after migrating (departments, processes) is then written by one process at a
    time, and the second finds it there. SQLite needs none: a writer's transaction holds the
    database's write lock from its first statement (``BEGIN IMMEDIATE``)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})


def _known(connection: Connection, database: str) -> str | None:
    before = current_revision(connection)
    if before is not None and not knows(before):
        raise NewerSchema(database, before)
    return before


def _run(config: Config, revision: str, database: str) -> None:
    try:
        command.upgrade(config, revision)
    except CommandError as exc:  # an unknown --revision, or one behind the database's
        raise MigrationError(f"cannot migrate the database {database} to {revision}: {exc}") from exc


@contextmanager
def _file_lock(url: str) -> Iterator[None]:
    """An exclusive lock on the SQLite database's folder (none for an in-memory database)."""
    path = make_url(url).database
    if path in (None, "", ":memory:") or not Path(path).parent.is_dir():
        yield  # nothing to share, or no folder: SQLite says what is wrong when it opens it
        return
    fd = os.open(Path(path).parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits for the other process's migrations
        yield
    finally:
        os.close(fd)  # releases the lock


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def current(url: str) -> None:
    command.current(alembic_config(url))


def revision(url: str, message: str) -> None:
    """Autogenerate a new migration from the difference between models and database."""
    command.revision(alembic_config(url), message=message, autogenerate=True)


@cache
def _scripts() -> ScriptDirectory:
    """This code's migrations, read once a process (15 ms each time: ``/readyz`` and the
    scheduler's schema check ask at every probe); they change only with the code."""
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str:
    """The newest migration this code knows."""
    head = _scripts().get_current_head()
    assert head is not None
    return head


def knows(revision: str) -> bool:
    """Whether ``revision`` is one of this code's migrations (False: a newer version made it)."""
    try:
        return _scripts().get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for an unknown or partial id
        return False


def unknown_revision(subject: str, revision: str) -> str:
    """``subject`` is at a schema revision this code does not know, said with the one it expects
    (the start of a database's refusal and of a backup's)."""
    return (
        f"{subject} has the schema revision {revision}, which this version of CongressFlow does not know "
        f"(it expects {head_revision()})"
    )


def describe(url: str) -> str:
    """The database as people name it, without its password."""
    return make_url(url).render_as_string(hide_password=True)


def current_revision(connection: Connection) -> str | None:
    """The migration the database is at (None: never migrated).

    Alembic's version table read directly: Alembic's MigrationContext logs two INFO lines
    ("Context impl …", "Will assume transactional DDL.") each time it is made, and this is
    asked at every /readyz probe and, by a scheduler waiting for the schema, every second."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    versions = list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    if len(versions) > 1:  # as Alembic's get_current_revision: one line of history, one head
        raise CommandError(f"the version table alembic_version has more than one head: {', '.join(versions)}")
    return versions[0] if versions else None
