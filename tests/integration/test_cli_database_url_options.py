"""An option of CONGRESSFLOW_DATABASE_URL (``?name=value``) its driver does not take or cannot
read, and a port that is no port, are refused when the app is made, in one line naming the
variable and what is wrong, never with the password: from every command with exit 6, as a
database URL that is no URL is (tests/integration/test_cli_database_url.py). They were
passed over (SQLite's driver, an unknown option, with a warning), or failed only when the app
first connected, with a traceback (a value SQLite's driver cannot read) or a message of the
server's client library (PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_cli_database_url import COMMANDS, invoke
from tests.world import app_config
from web import create_app
from web.configuration import DatabaseUrlRefused, check_database_url

VARIABLE = "CONGRESSFLOW_DATABASE_URL"
REFUSED = [
    (
        "sqlite:///cf.db?foo=1",
        f"{VARIABLE} is 'sqlite:///cf.db?foo=1': SQLite takes no option 'foo'; remove it (SQLite's own options,"
        " such as mode=ro, go in a file: URI with uri=true)",
    ),
    (
        "sqlite:///cf.db?timeout=abc",
        f"{VARIABLE} is 'sqlite:///cf.db?timeout=abc': its option timeout='abc' is not one SQLite's driver reads"
        " (could not convert string to float: 'abc')",
    ),
    (
        "sqlite:///file:cf.db?uri=true&mdoe=ro",
        f"{VARIABLE} is 'sqlite:///file%3Acf.db?mdoe=ro&uri=true': SQLite reads no option 'mdoe' of a file: URI"
        " (it reads vfs, mode, cache, psow, nolock, immutable)",
    ),
    (
        "sqlite:///cf.db?uri=true&mode=ro",
        f"{VARIABLE} is 'sqlite:///cf.db?mode=ro&uri=true': with uri=true and options, the database is a file:"
        " URI (sqlite:///file:cf.db?mode=ro&uri=true)",
    ),
    (
        "postgresql+psycopg://cf:s3cret@db.example/congress?foo=1",
        f"{VARIABLE} is 'postgresql+psycopg://cf:***@db.example/congress?foo=1': PostgreSQL takes no connection"
        " option 'foo' (libpq's options, such as sslmode or connect_timeout)",
    ),
    (
        "postgresql+psycopg://cf@db.example/congress?password=s3cret&sslmdoe=require",
        f"{VARIABLE} is 'postgresql+psycopg://cf@db.example/congress?password=***&sslmdoe=require': PostgreSQL"
        " takes no connection option 'sslmdoe' (libpq's options, such as sslmode or connect_timeout)",
    ),
    (
        "postgresql+psycopg://cf:s3cret@db.example:54x32/congress",
        f"{VARIABLE} is 'postgresql+psycopg://cf:***@db.example:54x32/congress': its port is not a number; it"
        " takes sqlite:///PATH (a SQLite file) or postgresql+psycopg://USER:PASSWORD@HOST/DATABASE",
    ),
    (
        "postgresql+psycopg://cf@db.example:65536/congress",
        f"{VARIABLE} is 'postgresql+psycopg://cf@db.example:65536/congress': its port 65536 is not one from 1 to 65535",
    ),
]
IDS = [
    "sqlite-unknown",
    "sqlite-unreadable",
    "sqlite-uri-unknown",
    "sqlite-uri-no-file",
    "pg-unknown",
    "pg-password-option",
    "port-text",
    "port-range",
]


@pytest.mark.parametrize(("url", "said"), REFUSED, ids=IDS)
def test_the_check_names_the_option_without_the_password(url: str, said: str):
    with pytest.raises(DatabaseUrlRefused) as refused:
        check_database_url(url)
    assert refused.value.format_message() == said
    assert "s3cret" not in said and refused.value.exit_code == 6


@pytest.mark.parametrize(("url", "said"), REFUSED, ids=IDS)
@pytest.mark.parametrize("command", [COMMANDS[0], COMMANDS[4], COMMANDS[6]], ids=["users-list", "db-upgrade", "serve"])
def test_a_command_says_it_in_one_line_with_exit_6(tmp_path: Path, monkeypatch, url: str, said: str, command):
    monkeypatch.chdir(tmp_path)
    result = invoke({"CONGRESSFLOW_INSTANCE_PATH": str(tmp_path / "instance")}, url, *command)
    assert (result.exit_code, result.stdout, result.stderr) == (6, "", f"Error: {said}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no database file made, no instance folder


def test_the_web_app_is_not_made(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("CONGRESSFLOW_INSTANCE_PATH", str(tmp_path / "instance"))
    with pytest.raises(DatabaseUrlRefused) as refused:
        create_app(app_config(f"sqlite:///{tmp_path / 'cf.db'}?foo=1"))
    assert "SQLite takes no option 'foo'" in refused.value.format_message()
    assert not (tmp_path / "cf.db").exists()


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///cf.db?timeout=5",
        "sqlite:///file:cf.db?mode=ro&uri=true",
        "sqlite:///cf.db?uri=true",
        "postgresql+psycopg://cf@h/db?sslmode=require&connect_timeout=5",
        "postgresql+psycopg://cf@h:5432/db?options=-c%20lock_timeout%3D300",
    ],
)
def test_the_options_the_drivers_take_pass(url: str):
    check_database_url(url)
