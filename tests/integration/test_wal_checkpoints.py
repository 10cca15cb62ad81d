"""SQLite's WAL checkpoints run in a thread of the process, not in the commits of requests
(storage/wal_checkpoints.py): a writer's connection never checkpoints, the log still reaches
the database file soon after the commits, and disposing of the engine stops the thread."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from storage import wal_checkpoints
from storage.db import make_engine, make_session_factory

ROWS = 400
ROW_BYTES = 4000  # 400 rows of 4 KB: ~1.6 MB of pages, first written to the log


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    made = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with made.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    yield made
    made.dispose()


def fill(engine: Engine) -> None:
    writers = make_session_factory(engine)
    for _ in range(ROWS):  # one commit each, as requests make them
        with writers.begin() as session:
            session.execute(text("INSERT INTO notes (body) VALUES (:body)"), {"body": "x" * ROW_BYTES})


def eventually(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_writer_never_checkpoints_in_its_commit(engine):
    with make_session_factory(engine).begin() as session:
        assert session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() == 0


def test_the_log_reaches_the_database_file_soon_after_the_commits(engine, tmp_path):
    database_file = tmp_path / "wal.db"
    before = database_file.stat().st_size
    fill(engine)
    # only a checkpoint writes the database file itself: the commits wrote the log
    assert eventually(lambda: database_file.stat().st_size >= before + ROWS * ROW_BYTES)
    with make_session_factory(engine, read_only=True)() as session:
        assert session.execute(text("SELECT count(*) FROM notes")).scalar_one() == ROWS


def test_without_the_thread_nothing_would_copy_the_log(engine, tmp_path, monkeypatch):
    # the same commits with the thread kept from starting: the file stays as it was, so the
    # test above sees the thread's work, not SQLite's own
    monkeypatch.setattr(wal_checkpoints.Checkpointer, "_start", lambda self: None)
    wal_checkpoints.checkpointer_of(engine).stop()  # the one the table's creation started
    database_file = tmp_path / "wal.db"
    before = database_file.stat().st_size
    fill(engine)
    time.sleep(2 * wal_checkpoints.QUIET_SECONDS)
    assert database_file.stat().st_size == before


def test_disposing_of_the_engine_stops_the_thread_and_a_later_commit_starts_it_again(engine):
    checkpointer = wal_checkpoints.checkpointer_of(engine)
    fill(engine)
    first = checkpointer.thread
    assert first is not None and first.is_alive()
    engine.dispose()
    assert not first.is_alive() and checkpointer.thread is None
    fill(engine)
    again = checkpointer.thread
    assert again is not None and again is not first and again.is_alive()
