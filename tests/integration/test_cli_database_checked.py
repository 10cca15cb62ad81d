"""Before a command reads or writes anything, the command line checks the database it is to
use: at another schema than this version's (one migration behind, or a newer version's) it is
refused in one line with exit code 6 and nothing is written, on SQLite and on PostgreSQL; a
SQLite file that does not exist is said so (its path, what to run) and is not made. What makes
the database (``init``, ``db upgrade``, ``restore``) runs; ``backup`` copies any schema; a
command's ``--help`` is shown whatever the database."""

from __future__ import annotations

import json
import stat

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage import migrate
from tests.integration.test_cli_no_schema import assert_said_in_one_line, run
from tests.integration.test_scheduler_schema import HEAD, PREVIOUS, set_revision

NEWCOMER = ("users", "create", "newcomer", "--name", "新人", "--role", "officer", "--password", "Qing-he-73-jie~")
USING_THE_DATABASE = [("settings", "list"), ("users", "list", "--operator"), (*NEWCOMER, "--operator")]


@pytest.fixture(autouse=True)
def _flask_cli_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")


def usernames(url: str) -> list[str]:
    engine = create_engine(url)  # not the app's: its own connection, the schema as it is
    try:
        with engine.connect() as connection:
            return list(connection.execute(text("SELECT username FROM users ORDER BY username")).scalars())
    finally:
        engine.dispose()


def shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def test_a_schema_one_migration_behind_is_refused_before_anything_is_written(empty_database_url, make_app, tmp_path):
    migrate.upgrade(empty_database_url, PREVIOUS)
    app = make_app(empty_database_url)
    said = (
        f"error: the database {shown(empty_database_url)} is not at the schema this version expects "
        f"(schema at {PREVIOUS}, this code expects {HEAD}): run `congressflow db upgrade`"
    )
    for command in USING_THE_DATABASE:
        assert_said_in_one_line(run(app, *command), said)
    assert usernames(empty_database_url) == []

    as_json = run(app, "settings", "list", "--json")
    assert as_json.exit_code == 6
    assert json.loads(as_json.stderr) == {
        "code": "old_schema",
        "message": said.removeprefix("error: "),
        "fields": {},
        "codes": {},
        "said": {
            "language": "zh_CN",
            "title": "无法使用数据库",
            "text": "数据库的表结构不是这个版本所需的：请运行 congressflow db upgrade。",
            "hint": "",
            "fields": {},
        },
    }

    helped = run(app, "users", "create", "--help")  # a command's help needs no database
    assert helped.exit_code == 0 and "Create a user" in helped.output

    backup = tmp_path / "before-the-upgrade.backup"  # taken before an upgrade, as the README says
    backed_up = run(app, "backup", str(backup))
    assert backed_up.exit_code == 0, backed_up.output
    assert f"(schema {PREVIOUS})" in backed_up.output

    upgraded = run(app, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    created = run(app, *NEWCOMER, "--operator")
    assert created.exit_code == 0, created.output
    assert usernames(empty_database_url) == ["newcomer"]


def test_a_newer_versions_schema_is_refused_before_anything_is_written(empty_database_url, make_app):
    migrate.upgrade(empty_database_url)
    set_revision(empty_database_url, "abc123future")  # a newer CongressFlow upgraded it, this one was put back
    app = make_app(empty_database_url)
    said = (
        f"error: the database {shown(empty_database_url)} has the schema revision abc123future, which this version of "
        f"CongressFlow does not know (it expects {HEAD}): a newer version of CongressFlow migrated it. Install "
        "that version (or a newer one) to use this database; `congressflow db upgrade` cannot take it back"
    )
    for command in USING_THE_DATABASE:
        assert_said_in_one_line(run(app, *command), said)
    assert usernames(empty_database_url) == []
    assert_said_in_one_line(run(app, "db", "upgrade"), said)  # its own refusal, the same words


def test_a_missing_sqlite_file_is_said_and_not_made(make_app, tmp_path):
    path = tmp_path / "instance" / "congressflow.db"
    path.parent.mkdir()
    (tmp_path / "bpmn").mkdir()  # init deploys no process here
    app = make_app(f"sqlite:///{path}", BPMN_DIR=str(tmp_path / "bpmn"))
    said = (
        f"error: the database file {path} does not exist: run `congressflow init` (a new installation) "
        "or `congressflow restore FILE` (from a backup), or check CONGRESSFLOW_DATABASE_URL"
    )
    for command in [*USING_THE_DATABASE, ("backup", str(tmp_path / "x.backup"))]:
        assert_said_in_one_line(run(app, *command), said)
    as_json = run(app, "settings", "list", "--json")
    assert (as_json.exit_code, json.loads(as_json.stderr)["code"]) == (6, "no_database")
    assert run(app, "--help").exit_code == 0
    assert sorted(p.name for p in path.parent.iterdir()) == []  # no file, no -wal, no -shm

    initialised = run(app, "init", "--no-demo")  # makes it, its owner's alone
    assert initialised.exit_code == 0, initialised.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert run(app, "settings", "list").exit_code == 0

    # db upgrade and restore make theirs too
    upgraded_path = tmp_path / "upgraded.db"
    upgraded = run(make_app(f"sqlite:///{upgraded_path}"), "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert stat.S_IMODE(upgraded_path.stat().st_mode) == 0o600

    backup = tmp_path / "b.backup"
    assert run(make_app(f"sqlite:///{upgraded_path}"), "backup", str(backup)).exit_code == 0
    restored_path = tmp_path / "restored.db"
    restored = run(make_app(f"sqlite:///{restored_path}", instance="restored"), "restore", str(backup))
    assert restored.exit_code == 0, restored.output
    assert run(make_app(f"sqlite:///{restored_path}", instance="restored"), "settings", "list").exit_code == 0
