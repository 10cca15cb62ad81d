"""A command run on a database not set up yet (or out of reach) says so in one line, with what
to run, and ends with exit code 6: not a raw SQL traceback, whichever command it is (said once,
for the whole command line, by its group)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL
from tests.world import new_pg_database
from web.cli import main

NOWHERE = "postgresql+psycopg://nobody:s3cret@127.0.0.1:1/cf_nowhere"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def _flask_cli_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")


def run(app, *args: str):
    return app.test_cli_runner().invoke(main, args=list(args), prog_name="congressflow")


@pytest.fixture
def empty_pg() -> Iterator[str]:
    """A PostgreSQL database just made with createdb: no table in it."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    with new_pg_database() as url:
        yield url


def assert_said_in_one_line(result, line: str) -> None:
    assert result.exit_code == 6, result.output
    assert result.stderr == line + "\n"
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "command",
    [("settings", "list"), ("definitions", "--operator"), ("tasks", "--user", "office1")],
)
def test_a_database_without_the_schema_says_to_set_it_up(make_app, tmp_path, command):
    path = tmp_path / "fresh.db"
    path.touch()  # an empty file: a database without tables (no file at all: test_cli_database_checked)
    result = run(make_app(f"sqlite:///{path}"), *command)
    assert_said_in_one_line(
        result,
        f"error: the database sqlite:///{path} has no schema yet: "
        "run `congressflow init` (a new installation) or `congressflow db upgrade`",
    )


def test_said_as_json_with_json(make_app, tmp_path):
    path = tmp_path / "fresh.db"
    path.touch()
    result = run(make_app(f"sqlite:///{path}"), "settings", "list", "--json")
    assert result.exit_code == 6
    assert json.loads(result.stderr) == {
        "code": "no_schema",
        "message": f"the database sqlite:///{path} has no schema yet: "
        "run `congressflow init` (a new installation) or `congressflow db upgrade`",
        "fields": {},
        "codes": {},
        "said": {
            "language": "zh_CN",
            "title": "无法使用数据库",
            "text": "数据库还没有建表：新安装请运行 congressflow init，否则请运行 congressflow db upgrade。",
            "hint": "",
            "fields": {},
        },
    }


def test_once_upgraded_the_command_runs(make_app, tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert run(app, "db", "upgrade").exit_code == 0
    listed = run(app, "settings", "list")
    assert listed.exit_code == 0, listed.output


def test_an_empty_postgresql_database_says_so_too(make_app, empty_pg):
    result = run(make_app(empty_pg), "settings", "list")
    shown = make_url(empty_pg).render_as_string(hide_password=True)
    assert_said_in_one_line(
        result,
        f"error: the database {shown} has no schema yet: "
        "run `congressflow init` (a new installation) or `congressflow db upgrade`",
    )
    assert "does not exist" not in result.output


def test_a_database_out_of_reach_is_one_line_without_its_password(make_app):
    result = run(make_app(NOWHERE), "settings", "list")
    assert result.exit_code == 6, result.output
    assert result.stderr.startswith(
        "error: cannot reach the database postgresql+psycopg://nobody:***@127.0.0.1:1/cf_nowhere: OperationalError: "
    )
    assert result.stderr.count("\n") == 1 and "s3cret" not in result.output and "Traceback" not in result.output
