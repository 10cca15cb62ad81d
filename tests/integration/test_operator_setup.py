"""Setting a server up and upgrading it, as an operator does: ``init`` makes the demo users only
on a database with no users at all (never a demo admin, nor a demo unit head, on a server in
use); ``db upgrade`` says what it did to which database; a database migrated by a newer version
is said so in one line (exit 6), and so does ``/readyz``; two ``init`` at once on a new
database both succeed, one after the other."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from engine.scheduling.health import SchemaState
from storage import migrate
from storage.models import Department, User
from tests.conftest import FIXTURES, PG_URL
from tests.world import new_pg_database
from web.cli import main
from web.cli.common import database_unusable

DEMO = ["admin", "chair", "civil", "deputy", "designer", "finance", "head", "office", "supervisor"]
FUTURE = "abc123future"  # a revision no version of this code has: a newer CongressFlow's


@pytest.fixture(autouse=True)
def _flask_cli_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")


@pytest.fixture
def bpmn_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bpmn"
    folder.mkdir()
    shutil.copy(FIXTURES / "review.bpmn", folder)
    return folder


def run(app, *args: str):
    return app.test_cli_runner().invoke(main, args=list(args), prog_name="congressflow")


def _users_and_heads(url: str) -> tuple[list[str], dict[str, str | None]]:
    engine = create_engine(url)
    try:
        with Session(engine) as s:
            users = sorted(s.scalars(select(User.username)))
            heads = {
                d.code: d.head
                for d in s.scalars(select(Department))
                if d.code in ("office", "finance", "civil_affairs")
            }
    finally:
        engine.dispose()
    return users, heads


# -- the demo users ----------------------------------------------------------------------------
def test_init_on_a_database_without_users_makes_the_demo_users_and_heads(db_url, make_app, bpmn_dir, frozen_clock):
    app = make_app(db_url, BPMN_DIR=str(bpmn_dir))
    result = run(app, "init")
    assert result.exit_code == 0, result.output
    assert "Demo users (DEMO ONLY" in result.output and "no demo users added" not in result.output
    users, heads = _users_and_heads(db_url)
    assert users == DEMO
    assert heads == {"office": "head", "finance": "finance", "civil_affairs": "civil"}


def test_init_on_a_database_with_users_adds_no_demo_user_and_says_why(db_url, make_app, bpmn_dir, frozen_clock):
    app = make_app(db_url, BPMN_DIR=str(bpmn_dir))
    assert run(app, "init", "--no-demo").exit_code == 0
    made = ("users", "create", "itadmin", "--name", "信息员", "--password", "Qing-he-73-jie~", "--role", "admin")
    assert run(app, *made, "--operator").exit_code == 0
    again = run(app, "init")  # an upgrade, run as "running it again does no harm"
    assert again.exit_code == 0, again.output
    assert "no demo users added: the database has 1 user already (give --demo to add them anyway)\n" in again.output
    assert "DEMO ONLY" not in again.output
    users, heads = _users_and_heads(db_url)
    assert users == ["itadmin"]
    assert heads == {"office": None, "finance": None, "civil_affairs": None}


def test_init_demo_asked_on_a_database_with_users_makes_them_but_no_head(db_url, make_app, bpmn_dir, frozen_clock):
    app = make_app(db_url, BPMN_DIR=str(bpmn_dir))
    assert run(app, "init", "--no-demo").exit_code == 0
    made = ("users", "create", "itadmin", "--name", "信息员", "--password", "Qing-he-73-jie~", "--role", "admin")
    assert run(app, *made, "--operator").exit_code == 0
    asked = run(app, "init", "--demo")
    assert asked.exit_code == 0, asked.output
    assert "Demo users (DEMO ONLY" in asked.output
    users, heads = _users_and_heads(db_url)
    assert users == sorted([*DEMO, "itadmin"])
    assert heads == {"office": None, "finance": None, "civil_affairs": None}  # an escalation reaches no demo user


def test_init_help_says_the_demo_default(make_app, tmp_path):
    shown = run(make_app(f"sqlite:///{tmp_path / 'x.db'}"), "init", "--help")
    words = " ".join(shown.output.split())
    assert "Default: only on a database with no users yet (a new installation, `make run`)" in words
    assert "none unless --demo is given, and then none is made a unit's head" in words


# -- db upgrade says what it did ---------------------------------------------------------------
def test_db_upgrade_says_from_which_revision_to_which_in_which_database(make_app, tmp_path):
    path = tmp_path / "fresh.db"
    app = make_app(f"sqlite:///{path}")
    head = migrate.head_revision()
    first = run(app, "db", "upgrade", "--revision", "d4f8b2e6a0c5")
    assert (first.exit_code, first.stdout) == (
        0,
        f"migrated the database sqlite:///{path} from none (empty) to d4f8b2e6a0c5\n",
    )
    second = run(app, "db", "upgrade")
    assert second.exit_code == 0
    assert second.stdout == f"migrated the database sqlite:///{path} from d4f8b2e6a0c5 to {head} (head)\n"
    third = run(app, "db", "upgrade")
    assert third.stdout == f"the database sqlite:///{path} is already at {head} (head): nothing to migrate\n"
    unknown = run(app, "db", "upgrade", "--revision", "nope")
    assert unknown.exit_code == 1
    assert unknown.stderr == (
        f"error: cannot migrate the database sqlite:///{path} to nope: Can't locate revision identified by 'nope'\n"
    )
    helped = " ".join(run(app, "db", "upgrade", "--help").output.split())
    assert "--revision TEXT the Alembic revision to migrate to" in helped and "[default: head]" in helped


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")
def test_db_upgrade_names_a_postgresql_database_without_its_password(make_app):
    with new_pg_database() as url:
        with_password = make_url(url).set(password="s3cret").render_as_string(hide_password=False)
        shown = make_url(with_password).render_as_string(hide_password=True)
        result = run(make_app(with_password), "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"migrated the database {shown} from none (empty) to {migrate.head_revision()} (head)\n"
    assert ":***@" in shown and "s3cret" not in result.output


# -- a database at a newer version's schema ----------------------------------------------------
def _newer(path: Path) -> str:
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    with sqlite3.connect(path) as c:
        c.execute("UPDATE alembic_version SET version_num = ?", (FUTURE,))
    c.close()
    return url


def _newer_line(database: str) -> str:
    return (
        f"error: the database {database} has the schema revision {FUTURE}, which this version of CongressFlow "
        f"does not know (it expects {migrate.head_revision()}): a newer version of CongressFlow migrated it. "
        "Install that version (or a newer one) to use this database; `congressflow db upgrade` cannot take it back\n"
    )


@pytest.mark.parametrize("command", [("db", "upgrade"), ("init", "--no-demo")])
def test_a_newer_schema_is_one_line_and_exit_6(make_app, tmp_path, command):
    url = _newer(tmp_path / "rolled_back.db")
    result = run(make_app(url), *command)
    assert result.exit_code == 6, result.output
    assert result.stderr == _newer_line(url)
    assert "Traceback" not in result.output
    with sqlite3.connect(tmp_path / "rolled_back.db") as c:
        assert c.execute("SELECT version_num FROM alembic_version").fetchone()[0] == FUTURE  # untouched
    c.close()


def test_a_command_failing_on_a_newer_schema_says_the_same():
    state = SchemaState(True, FUTURE, migrate.head_revision())
    assert database_unusable(state, "sqlite:///x.db") == ("newer_schema", _newer_line("sqlite:///x.db")[7:-1])


def test_readyz_on_a_newer_schema_says_to_install_that_version(make_app, tmp_path, caplog):
    client = make_app(_newer(tmp_path / "rolled_back.db")).test_client()
    with caplog.at_level(logging.INFO, logger="engine.scheduling.health"):
        answer = client.get("/readyz")
    assert answer.status_code == 503
    problem = "schema of a newer CongressFlow: install that version (db upgrade cannot take it back)"
    assert answer.get_json()["problem"] == problem
    logged = [r.getMessage() for r in caplog.records if r.name == "engine.scheduling.health"]
    assert logged == [f"not ready: {problem} (schema at {FUTURE}, this code expects {migrate.head_revision()})"]


# -- two init at once --------------------------------------------------------------------------
def _two_inits(url: str, tmp_path: Path, bpmn_dir: Path) -> list[subprocess.CompletedProcess[str]]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("CONGRESSFLOW_", "FLASK_"))}
    environment |= {
        "CONGRESSFLOW_DATABASE_URL": url,
        "CONGRESSFLOW_SECRET_KEY": "a" * 24 + "-two-machines-set-up-at-once",
        "CONGRESSFLOW_BPMN_DIR": str(bpmn_dir),
    }
    command = [str(Path(sys.executable).parent / "congressflow"), "init", "--no-demo"]
    started = []
    for n in (1, 2):
        environment["CONGRESSFLOW_INSTANCE_PATH"] = str(tmp_path / f"instance{n}")
        started.append(
            subprocess.Popen(
                command, env=dict(environment), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        )
    done = []
    for process in started:
        out, err = process.communicate(timeout=180)
        done.append(subprocess.CompletedProcess(command, process.returncode, out, err))
    return done


def _both_set_it_up(done: list[subprocess.CompletedProcess[str]], shown: str) -> None:
    assert [d.returncode for d in done] == [0, 0], [d.stderr[-2000:] for d in done]
    assert all("Traceback" not in d.stderr for d in done)
    head = migrate.head_revision()
    firsts = sorted(d.stdout.splitlines()[0] for d in done)
    assert firsts == [
        f"migrated the database {shown} from none (empty) to {head} (head)",
        f"the database {shown} is already at {head} (head): nothing to migrate",
    ]
    assert sorted(d.stdout.splitlines()[1] for d in done) == ["deployed review v1", "unchanged review v1"]


@pytest.mark.slow
@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")
def test_two_inits_at_once_on_a_new_postgresql_database_both_succeed(tmp_path, bpmn_dir):
    with new_pg_database() as url:
        done = _two_inits(url, tmp_path, bpmn_dir)
        engine = create_engine(url)
        with engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM departments WHERE code = 'office'")).scalar() == 1
        engine.dispose()
    _both_set_it_up(done, make_url(url).render_as_string(hide_password=True))


@pytest.mark.slow
def test_two_inits_at_once_on_a_new_sqlite_database_both_succeed(tmp_path, bpmn_dir):
    path = tmp_path / "new.db"
    _both_set_it_up(_two_inits(f"sqlite:///{path}", tmp_path, bpmn_dir), f"sqlite:///{path}")
