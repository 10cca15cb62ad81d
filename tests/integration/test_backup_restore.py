"""``congressflow backup`` / ``restore``: a world with a running case waiting on its deadline
timers, an attachment and a completed case, backed up and restored into a fresh database
(SQLite: a new file; PostgreSQL: a new database made for the test), where everything is there
and the scheduler would fire the timers. Then what is refused: a database holding data
(without --force), a backup newer than the code, a backup of another kind; a backup older than
the code is restored with the advice to upgrade. SQLite's copy is taken while a session holds
a transaction open."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from engine import clock
from engine.usecases import attachments, cases, tasks, timers
from engine.usecases.context import actor_for
from storage import migrate
from storage.db import make_engine, make_session_factory
from storage.enums import TimerKind, TimerState, WorkItemState
from storage.models import Attachment, ProcessInstance, Timer, User, WorkItem
from tests import world
from tests.conftest import PG_URL
from tests.world import act, new_pg_database, start_review

PDF = b"%PDF-1.4\n% a reply letter kept with its case\n"
REPLY_DUE = datetime(2026, 12, 22, 16, 0, tzinfo=UTC)  # 15 days after Monday 12-07, 24:00 Beijing


def build_world(app) -> dict[str, int]:
    """The world's processes; a review case "running" at its reply (a deadline timer, the due
    date and a reminder pending) with a PDF attached; a review case "done" completed."""
    world.build_world(app, "clerk", "fin", "chair")
    running = start_review(app, "clerk", "路灯不亮")
    act(app, "clerk", tasks.complete, running.task_id, {"lead_unit": "finance"})
    act(app, "clerk", attachments.add_attachment, "答复意见.pdf", PDF, instance_id=running.id)
    done = start_review(app, "clerk", "村道修缮")
    act(app, "clerk", tasks.complete, done.task_id, {"lead_unit": "finance"})
    reply = _open_item(app, done.id, "reply")
    act(app, "fin", tasks.complete, reply, {"reply_class": "A", "pages": "2"})
    act(app, "chair", tasks.complete, _open_item(app, done.id, "check"), {"accepted": True})
    return {"running": running.id, "done": done.id}


def _open_item(app, instance_id: int, bpmn_id: str) -> str:
    from web.database import session_factory

    with session_factory(app)() as s:
        return s.scalar(
            select(WorkItem.task_id).where(
                WorkItem.instance_id == instance_id, WorkItem.bpmn_id == bpmn_id, WorkItem.state == WorkItemState.READY
            )
        )


@pytest.fixture
def fresh_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as ``db_url`` to restore into."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    with new_pg_database() as url:
        yield url


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def restored(db_url, fresh_url, make_app, frozen_clock, tmp_path) -> Iterator[tuple[sessionmaker, dict[str, int]]]:
    app = make_app(db_url)
    ids = build_world(app)
    backup = tmp_path / "congressflow.backup"
    made = run(app, "backup", str(backup))
    assert made.exit_code == 0, made.output
    assert f"into {backup}" in made.output and "attachments are in the database" in made.output
    target = make_app(fresh_url, instance="restored")
    back = run(target, "restore", str(backup))
    assert back.exit_code == 0, back.output
    shown = make_url(fresh_url).render_as_string(hide_password=True)
    assert f"restored {backup} into {shown} (schema {migrate.head_revision()})\n" in back.output
    assert "no checksum" not in back.output  # checked against the backup's .sha256
    assert "db upgrade" not in back.output  # same version: nothing to do
    engine = make_engine(fresh_url)
    yield make_session_factory(engine), ids
    engine.dispose()


def test_a_restored_backup_has_every_case_timer_attachment_and_task(restored):
    factory, ids = restored
    running, done = ids["running"], ids["done"]
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 3
        statuses = dict(s.execute(select(ProcessInstance.id, ProcessInstance.status)).all())
        assert {k: str(v) for k, v in statuses.items()} == {running: "running", done: "completed"}
        items = {
            (w.instance_id, w.bpmn_id, str(w.state), w.completed_by)
            for w in s.scalars(select(WorkItem).order_by(WorkItem.id))
        }
        assert items == {
            (running, "register", "completed", "clerk"),
            (running, "reply", "ready", None),
            (done, "register", "completed", "clerk"),
            (done, "reply", "completed", "fin"),
            (done, "check", "completed", "chair"),
        }
        pending = {
            (t.instance_id, t.kind, t.bpmn_id): t.due_at
            for t in s.scalars(select(Timer).where(Timer.state == TimerState.PENDING))
        }
        assert set(pending) == {
            (running, TimerKind.BPMN, "reply_timer"),
            (running, TimerKind.TASK_DUE, "reply"),
            (running, TimerKind.REMINDER, "reply"),
        }
        assert pending[(running, TimerKind.BPMN, "reply_timer")] == REPLY_DUE
        assert pending[(running, TimerKind.TASK_DUE, "reply")] == REPLY_DUE
        [attached] = s.scalars(select(Attachment)).all()
        assert (attached.instance_id, attached.filename, attached.size) == (running, "答复意见.pdf", len(PDF))
        assert attached.content == PDF and attached.sha256 == hashlib.sha256(PDF).hexdigest()


def test_the_scheduler_fires_the_restored_timers(restored):
    factory, ids = restored
    assert timers.fire_due(factory) == 0  # nothing due yet
    clock.advance(timedelta(days=15, hours=15, seconds=1))  # a second past 24:00 of the 22nd, Beijing
    assert timers.fire_due(factory) == 3  # the reminder, the deadline timer and the due date
    with factory() as s:
        ready = set(
            s.scalars(
                select(WorkItem.bpmn_id).where(
                    WorkItem.instance_id == ids["running"], WorkItem.state == WorkItemState.READY
                )
            )
        )
    assert ready == {"reply", "supervise"}  # the 督办 task the deadline raised; the reply stays open
    # the restored case goes on: the attachment is readable through its use case
    with factory() as s:
        [view] = attachments.list_attachments(s, actor_for(s, "clerk"), ids["running"])
        _view, content = attachments.attachment_content(s, actor_for(s, "clerk"), view.id)
    assert content == PDF


def test_a_database_holding_data_is_kept_unless_forced(db_url, make_app, frozen_clock, tmp_path):
    app = make_app(db_url)
    ids = build_world(app)
    backup = tmp_path / "b.backup"
    assert run(app, "backup", str(backup)).exit_code == 0
    act(app, "clerk", cases.start_instance, "review", {"subject": "备份之后的新案件"})
    refused = run(app, "restore", str(backup))
    assert refused.exit_code == 3, refused.output  # a conflict
    assert "holds data" in refused.output and "--force" in refused.output
    assert _instance_count(app) == 3  # untouched
    as_json = run(app, "restore", str(backup), "--json")
    assert as_json.exit_code == 3 and json.loads(as_json.output)["code"] == "database_not_empty"
    forced = run(app, "restore", str(backup), "--force")
    assert forced.exit_code == 0, forced.output
    assert _instance_count(app) == 2  # as it was at the backup
    assert ids  # the world's cases were the two kept


def _instance_count(app) -> int:
    engine = make_engine(app.config["DATABASE_URL"])
    try:
        with make_session_factory(engine)() as s:
            return s.scalar(select(func.count()).select_from(ProcessInstance))
    finally:
        engine.dispose()


def test_an_existing_backup_file_is_never_overwritten(db_url, make_app, tmp_path):
    app = make_app(db_url)
    backup = tmp_path / "b.backup"
    backup.write_bytes(b"yesterday's")
    result = run(app, "backup", str(backup))
    assert result.exit_code == 3 and "exists already" in result.output  # a conflict, as the README's exit codes say
    assert backup.read_bytes() == b"yesterday's"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".b.backup")] == []  # no scratch left


def test_a_backup_from_a_newer_version_is_refused(make_app, tmp_path):
    source = tmp_path / "source.db"
    migrate.upgrade(f"sqlite:///{source}")
    app = make_app(f"sqlite:///{source}")
    backup = tmp_path / "newer.backup"
    assert run(app, "backup", str(backup)).exit_code == 0
    with sqlite3.connect(backup) as c:
        c.execute("UPDATE alembic_version SET version_num = 'f0f0f0f0f0f0'")
    c.close()
    # as the newer version wrote it: its checksum matches
    (tmp_path / "newer.backup.sha256").write_text(f"{hashlib.sha256(backup.read_bytes()).hexdigest()}  newer.backup\n")
    target = make_app(f"sqlite:///{tmp_path / 'target.db'}", instance="target")
    result = run(target, "restore", str(backup))
    assert result.exit_code == 1
    assert "revision f0f0f0f0f0f0, which this version of CongressFlow does not know" in result.output
    assert "made by a newer version" in result.output
    assert not (tmp_path / "target.db").exists() or _tables(tmp_path / "target.db") == []


def _tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as c:
        return [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")]


def test_a_backup_from_an_older_version_is_restored_and_the_upgrade_is_asked_for(make_app, tmp_path):
    from alembic.script import ScriptDirectory

    head = migrate.head_revision()
    previous = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_revision(head).down_revision
    source = tmp_path / "old.db"
    migrate.upgrade(f"sqlite:///{source}", previous)
    backup = tmp_path / "old.backup"
    shutil.copy(source, backup)  # any copy of a CongressFlow SQLite database is a backup
    target = tmp_path / "target.db"
    app = make_app(f"sqlite:///{target}")
    result = run(app, "restore", str(backup))
    assert result.exit_code == 0, result.output
    assert f"(schema {previous})" in result.output and "run `congressflow db upgrade`" in result.output
    assert run(app, "db", "upgrade").exit_code == 0
    with sqlite3.connect(target) as c:
        assert c.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head


def test_a_file_that_is_no_backup_and_a_backup_of_the_other_kind_are_refused(make_app, tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'target.db'}")
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    result = run(app, "restore", str(junk))
    assert result.exit_code == 1 and "is not a CongressFlow backup" in result.output
    dump = tmp_path / "pg.backup"
    dump.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
    if shutil.which("pg_restore") is None:
        pytest.skip("pg_restore is not installed")
    result = run(app, "restore", str(dump))
    assert result.exit_code == 1 and f"cannot read the backup {dump}: pg_restore: " in result.output


def test_sqlite_backup_while_a_session_holds_a_transaction(make_app, tmp_path, frozen_clock):
    """The app goes on: a session has read and written, uncommitted, when the copy is taken;
    the copy is taken at once and holds what was committed, not what was not."""
    source = tmp_path / "live.db"
    migrate.upgrade(f"sqlite:///{source}")
    app = make_app(f"sqlite:///{source}")
    build_world(app)
    from web.database import session_factory

    with session_factory(app)() as busy:
        busy.execute(select(func.count()).select_from(User)).scalar()  # BEGIN IMMEDIATE: the write lock
        busy.add(User(username="uncommitted", display_name="未提交", password_hash="x", created_at=clock.now()))
        busy.flush()
        backup = tmp_path / "live.backup"
        result = run(app, "backup", str(backup))
        assert result.exit_code == 0, result.output
        busy.rollback()
    with sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as c:
        names = {r[0] for r in c.execute("SELECT username FROM users")}
        assert names == {"clerk", "fin", "chair"}
        assert c.execute("SELECT count(*) FROM process_instances").fetchone()[0] == 2
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    c.close()


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")
def test_postgresql_tools_missing_or_database_unreachable_are_said(make_app, pg_database, tmp_path, monkeypatch):
    unreachable = make_app("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    result = run(unreachable, "backup", str(tmp_path / "x.backup"))
    assert result.exit_code == 1
    assert "cannot reach the database postgresql+psycopg://postgres@127.0.0.1:1/nowhere" in result.output
    app = make_app(pg_database, instance="pg")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on it
    result = run(app, "backup", str(tmp_path / "y.backup"))
    assert result.exit_code == 1 and "pg_dump is not installed" in result.output
    assert not (tmp_path / "y.backup").exists()


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")
def test_postgresql_a_database_with_tables_the_backup_lacks_is_refused_even_forced(make_app, pg_database, tmp_path):
    """pg_restore --clean replaces what the backup holds; a table it does not know (a newer
    schema) would stay behind: refused, naming it, and nothing is changed."""
    app = make_app(pg_database)
    backup = tmp_path / "pg.backup"
    assert run(app, "backup", str(backup)).exit_code == 0
    with new_pg_database() as target_url:
        engine = create_engine(target_url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE signatures (id integer PRIMARY KEY)"))
        target = make_app(target_url, instance="target")
        result = run(target, "restore", str(backup), "--force")
        assert result.exit_code == 1, result.output
        assert "has tables the backup does not (signatures)" in result.output
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar() == 1
        engine.dispose()


# -- the checksum beside a backup, and no empty database file left behind ---------------------------
def _damage(path: Path, offset: int) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(b"X" * 48)


def test_a_backup_has_its_sha256_beside_it_and_a_damaged_one_is_refused(db_url, make_app, tmp_path):
    app = make_app(db_url)
    world.build_world(app, "clerk")
    backup = tmp_path / "b.backup"
    made = run(app, "backup", str(backup))
    assert made.exit_code == 0, made.output
    shown = make_url(db_url).render_as_string(hide_password=True)
    assert made.output.startswith(
        f"backed up the {'sqlite' if db_url.startswith('sqlite') else 'postgresql'} database {shown} "
    )
    assert f"its SHA-256 into {backup}.sha256\n" in made.output
    sums = tmp_path / "b.backup.sha256"
    assert (
        sums.read_text() == f"{hashlib.sha256(backup.read_bytes()).hexdigest()}  b.backup\n"
    )  # as sha256sum writes it
    _damage(backup, backup.stat().st_size // 2)  # inside the data, where SQLite's own checks do not look
    target_path = tmp_path / "target.db"
    target = make_app(f"sqlite:///{target_path}", instance="target") if db_url.startswith("sqlite") else None
    if target is None:
        with new_pg_database() as url:
            result = run(make_app(url, instance="target"), "restore", str(backup))
    else:
        result = run(target, "restore", str(backup))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {backup} does not match its checksum {sums}: the backup is damaged (or was changed after it was "
        "made); nothing was restored. Restore another backup.\n"
    )
    assert not target_path.exists()  # not even an empty file


def test_a_damaged_sqlite_backup_without_its_checksum_is_restored_unchecked_and_said_so(make_app, tmp_path):
    source = tmp_path / "source.db"
    migrate.upgrade(f"sqlite:///{source}")
    backup = tmp_path / "old.backup"
    shutil.copy(source, backup)  # as an older version made it: no .sha256 beside it
    target = tmp_path / "target.db"
    result = run(make_app(f"sqlite:///{target}"), "restore", str(backup))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"restored {backup} into sqlite:///{target} (schema {migrate.head_revision()})\n"
        f"no checksum beside it ({backup}.sha256): it could not be checked for damage\n"
    )


def test_no_empty_database_file_is_left_by_a_failed_backup_or_restore(make_app, tmp_path):
    instance_db = tmp_path / "instance" / "congressflow.db"
    instance_db.parent.mkdir()
    app = make_app(f"sqlite:///{instance_db}")
    assert not instance_db.exists()  # the app makes it at its first connection, not before
    result = run(app, "backup", str(tmp_path / "x.backup"))
    assert (result.exit_code, result.stderr) == (1, f"error: no SQLite database at {instance_db}\n")
    assert not instance_db.exists() and not (tmp_path / "x.backup").exists()
    instance_db.touch()  # the empty file an earlier version's app made before its first connection
    result = run(app, "backup", str(tmp_path / "x.backup"))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: no CongressFlow database at {instance_db} (nothing was ever set up there): "
        "is CONGRESSFLOW_DATABASE_URL the database the servers use?\n"
    )
    assert not instance_db.exists() and not (tmp_path / "x.backup").exists()

    source = tmp_path / "source.db"
    migrate.upgrade(f"sqlite:///{source}")
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(source.read_bytes()[:8192])
    fresh = tmp_path / "fresh" / "congressflow.db"
    fresh.parent.mkdir()
    result = run(make_app(f"sqlite:///{fresh}", instance="fresh"), "restore", str(truncated))
    assert result.exit_code == 1, result.output
    assert not fresh.exists()


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")
def test_postgresql_a_failed_restore_names_the_backup_and_the_database(make_app, tmp_path):
    backup = tmp_path / "pg.backup"
    with new_pg_database() as source:
        migrate.upgrade(source)
        app = make_app(source, instance="source")
        world.build_world(app, "clerk")
        assert run(app, "backup", str(backup)).exit_code == 0
    (tmp_path / "pg.backup.sha256").unlink()  # pg_restore's own checks, then
    _damage(backup, backup.stat().st_size // 2)
    with new_pg_database() as url:
        with_password = make_url(url).set(password="s3cret").render_as_string(hide_password=False)
        result = run(make_app(with_password, instance="target"), "restore", str(backup))
    shown = make_url(with_password).render_as_string(hide_password=True)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(
        (
            f"error: cannot read the backup {backup}: ",
            f"error: restoring {backup} into {shown} failed, nothing was written: ",
        )
    ), result.stderr
    assert result.stderr.count("\n") == 1 and "s3cret" not in result.output
