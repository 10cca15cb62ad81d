"""A CONGRESSFLOW_DATABASE_URL the app cannot make an engine of (a mistyped text, the old
``postgres://`` form, a database CongressFlow does not run on, a driver that is not installed) is
refused by the configuration check in one line naming the variable and what is wrong, never
with the password: from every command with exit code 6 (the database cannot be used), as one
JSON object with ``--json``; ``--help`` still lists the product's commands, after one line
saying why none runs; the web server refuses to start the same way, ``serve`` and gunicorn run
on ``web:create_app()`` alike. Any other setting the app refuses keeps its exit code 1 and gets
the same ``--help``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import REPO_ROOT
from tests.servers import CONGRESSFLOW, free_port, served_environment
from web.cli import main
from web.configuration import DatabaseUrlRefused, check_database_url

TAKES = "it takes sqlite:///PATH (a SQLite file) or postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"
BAD_URLS = [
    (
        "notaurl",
        f"CONGRESSFLOW_DATABASE_URL is 'notaurl': not a database URL; {TAKES}",
    ),
    (
        "postgres://cf:s3cret@db.example/congress",
        "CONGRESSFLOW_DATABASE_URL is 'postgres://cf:***@db.example/congress': postgres:// is an old name"
        " SQLAlchemy no longer reads; write postgresql+psycopg:// instead"
        " (postgresql+psycopg://cf:***@db.example/congress)",
    ),
    (
        "mysql://cf@db.example/congress",
        "CONGRESSFLOW_DATABASE_URL is 'mysql://cf@db.example/congress': CongressFlow does not support mysql (it"
        f" supports SQLite and PostgreSQL); {TAKES}",
    ),
]
IDS = ["not-a-url", "postgres", "mysql"]
PASSWORD = "Qing-he-73-jie~"
# each kind of command: one that reads, one that writes, those that make the database or copy
# it, and the server, which otherwise wait for a database that is not set up
COMMANDS = [
    ("users", "list", "--operator"),
    ("users", "create", "newcomer", "--name", "新人", "--role", "officer", "--password", PASSWORD, "--operator"),
    ("settings", "list"),
    ("init", "--no-demo"),
    ("db", "upgrade"),
    ("backup", "copy.backup"),
    ("serve", "--no-scheduler"),
    ("serve", "--workers", "2", "--no-scheduler"),
    ("scheduler",),
]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"CONGRESSFLOW_INSTANCE_PATH": str(tmp_path / "instance")}


def invoke(env: dict[str, str], url: str, *args: str):
    return CliRunner().invoke(main, list(args), env={**env, "CONGRESSFLOW_DATABASE_URL": url}, prog_name="congressflow")


@pytest.mark.parametrize(("url", "said"), BAD_URLS, ids=IDS)
@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_every_command_says_it_in_one_line_with_exit_6(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, said: str, command: tuple
):
    monkeypatch.chdir(tmp_path)
    result = invoke(env, url, *command)
    assert (result.exit_code, result.stdout, result.stderr) == (6, "", f"Error: {said}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no database, backup nor instance folder


def test_said_as_json_with_json(env: dict[str, str]):
    result = invoke(env, "postgres://cf:s3cret@db.example/congress", "users", "list", "--operator", "--json")
    assert result.exit_code == 6
    assert json.loads(result.stderr) == {
        "code": "database_url",
        "message": BAD_URLS[1][1],
        "fields": {},
        "codes": {},
        "said": {  # the app cannot be made: said all the same, in the command's language
            "language": "zh_CN",
            "title": "系统无法启动",
            "text": "CONGRESSFLOW_DATABASE_URL 不是可以使用的数据库地址。",
            "hint": "修正之前，任何命令都不能运行。",
            "fields": {},
        },
    }


@pytest.mark.parametrize(
    ("url", "said"),
    [
        (
            "cf:s3cret@db.example/congress",
            f"CONGRESSFLOW_DATABASE_URL is 'cf:***@db.example/congress': not a database URL; {TAKES}",
        ),
        (
            "postgresql+psycopg2://cf:s3cret@db.example/congress",
            "CONGRESSFLOW_DATABASE_URL is 'postgresql+psycopg2://cf:***@db.example/congress': its driver psycopg2"
            " is not installed; write postgresql+psycopg:// (postgresql+psycopg://cf:***@db.example/congress),"
            " whose driver CongressFlow installs",
        ),
        (
            "postgresql+psycopj://cf@db.example/congress",
            "CONGRESSFLOW_DATABASE_URL is 'postgresql+psycopj://cf@db.example/congress': SQLAlchemy knows no driver"
            " 'psycopj' for postgresql; write postgresql+psycopg:// (postgresql+psycopg://cf@db.example/congress)",
        ),
        (
            "postgresql+asyncpg://cf@db.example/congress",
            "CONGRESSFLOW_DATABASE_URL is 'postgresql+asyncpg://cf@db.example/congress': asyncpg is an asyncio"
            " driver, which CongressFlow does not use; write postgresql+psycopg://"
            " (postgresql+psycopg://cf@db.example/congress)",
        ),
        ("oracle://cf@db.example/congress", None),
    ],
    ids=["no-scheme", "psycopg2", "unknown-driver", "asyncio-driver", "oracle"],
)
def test_the_check_names_what_is_wrong_without_the_password(url: str, said: str | None):
    with pytest.raises(DatabaseUrlRefused) as refused:
        check_database_url(url)
    message = refused.value.format_message()
    assert "s3cret" not in message and "\n" not in message
    if said is None:
        assert "CongressFlow does not support oracle (it supports SQLite and PostgreSQL)" in message
    else:
        assert message == said
    assert refused.value.exit_code == 6


@pytest.mark.parametrize(
    "url", ["sqlite:///instance/congressflow.db", "sqlite://", "postgresql://cf@h/db", "postgresql+psycopg://cf@h/db"]
)
def test_the_urls_the_product_runs_on_pass(url: str):
    check_database_url(url)


def test_help_lists_the_products_commands_and_says_why_none_runs(env: dict[str, str]):
    result = invoke(env, "notaurl", "--help")
    assert result.exit_code == 0
    assert result.stderr == f"Error: {BAD_URLS[0][1]} (no command runs until that is fixed)\n"
    listed = [line.split()[0] for line in result.stdout.split("Commands:\n")[1].splitlines() if line.startswith("  ")]
    for command in ("init", "db", "users", "serve", "scheduler", "backup", "restore", "import", "ledger", "routes"):
        assert command in listed
    helped = invoke(env, "notaurl", "users", "create", "--help")  # a command's own help, as ever
    assert helped.exit_code == 0 and "Create a user" in helped.stdout and helped.stderr == ""


def test_another_refused_setting_keeps_exit_1_and_the_commands_in_help(env: dict[str, str], tmp_path: Path):
    env = {**env, "CONGRESSFLOW_PROXY_HOPS": "one"}
    said = (
        "CONGRESSFLOW_PROXY_HOPS is 'one': it takes a whole number, 0 or more (how many reverse proxies stand in"
        " front; 0: none)"
    )
    url = f"sqlite:///{tmp_path / 'cf.db'}"
    ran = invoke(env, url, "users", "list", "--operator")
    assert (ran.exit_code, ran.stderr) == (1, f"Error: {said}\n")
    as_json = invoke(env, url, "users", "list", "--operator", "--json")
    assert (as_json.exit_code, json.loads(as_json.stderr)["code"]) == (1, "bad_setting")
    helped = invoke(env, url, "--help")
    assert helped.exit_code == 0 and "  users " in helped.stdout and "Traceback" not in helped.output
    assert helped.stderr == f"Error: {said} (no command runs until that is fixed)\n"


def test_the_installed_command_says_it_in_one_line(tmp_path: Path):
    env = served_environment("postgres://cf:s3cret@db.example/congress", tmp_path / "instance")
    done = subprocess.run(
        [str(CONGRESSFLOW), "users", "list", "--operator"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (6, "", f"Error: {BAD_URLS[1][1]}\n")


@pytest.mark.slow
def test_gunicorn_on_create_app_refuses_to_start_in_one_line(tmp_path: Path):
    """One worker: with several, all failing at once, gunicorn 27's arbiter may be told to halt
    a second time while it stops, and shows that traceback of its own (``serve --workers N``
    refuses before gunicorn starts)."""
    env = served_environment("postgres://cf:s3cret@db.example/congress", tmp_path / "instance", serve_defaults=True)
    env["CONGRESSFLOW_SCHEDULER_IN_SERVER"] = "0"
    bind = f"127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "gunicorn", "--config", "web/gunicorn_conf.py", "--bind", bind]
    done = subprocess.run(
        [*command, "--workers", "1", "web:create_app()"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 4, done.stderr  # gunicorn's "App failed to load"
    assert "Traceback" not in done.stderr and "s3cret" not in done.stderr
    said = [line for line in done.stderr.splitlines() if "CONGRESSFLOW_DATABASE_URL" in line]
    assert said == [BAD_URLS[1][1]]
    assert "Reason: App failed to load." in done.stderr
