"""The secret key signs every session cookie: whoever knows it signs an administrator's. The app
refuses to start with a placeholder (the env sample's CHANGE-ME) or a key shorter than 32
characters, except under TESTING; an emptied ``instance/secret_key`` is refused rather than
replaced; a relative CONGRESSFLOW_INSTANCE_PATH is taken from the working directory."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from tests.world import AppFactory, app_config, dispose
from web import StartRefused, create_app
from web.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]
RANDOM_KEY = "9f2c4e7a1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"  # 64 characters
MAKE_ONE = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'keys.db'}"


@pytest.fixture
def made() -> Iterator[list[Flask]]:
    """Apps made here with create_app itself, closed at the end."""
    apps: list[Flask] = []
    yield apps
    for app in apps:
        dispose(app)


def production(make_app: AppFactory, url: str, **config: Any) -> Flask:
    return make_app(url, TESTING=False, **config)


@pytest.mark.parametrize("placeholder", ["CHANGE-ME", "changeme", "Secret", "dev", " change-me "])
def test_a_placeholder_key_is_refused(make_app: AppFactory, url: str, placeholder: str):
    with pytest.raises(StartRefused) as refused:
        production(make_app, url, SECRET_KEY=placeholder)
    message = refused.value.format_message()
    assert message.startswith("CONGRESSFLOW_SECRET_KEY is a placeholder: ")
    assert MAKE_ONE in message
    assert "\n" not in message


def test_a_key_shorter_than_32_characters_is_refused(make_app: AppFactory, url: str):
    with pytest.raises(StartRefused, match=r"^CONGRESSFLOW_SECRET_KEY is shorter than 32 characters: "):
        production(make_app, url, SECRET_KEY="k3Y-" + "x" * 27)  # 31 characters


def test_a_long_random_key_is_taken(make_app: AppFactory, url: str):
    assert production(make_app, url, SECRET_KEY=RANDOM_KEY[:32]).secret_key == RANDOM_KEY[:32]


def test_a_short_key_is_taken_under_testing(make_app: AppFactory, url: str):
    assert make_app(url, SECRET_KEY="short").secret_key == "short"


def test_the_command_line_says_it_in_one_line(tmp_path: Path):
    env = {
        "CONGRESSFLOW_SECRET_KEY": "CHANGE-ME",
        "CONGRESSFLOW_INSTANCE_PATH": str(tmp_path / "instance"),
        "CONGRESSFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }
    result = CliRunner().invoke(main, ["settings", "list"], env=env)
    assert result.exit_code == 1
    assert result.output.startswith("Error: CONGRESSFLOW_SECRET_KEY is a placeholder: ")
    assert "Traceback" not in result.output


def test_the_env_sample_ships_no_key():
    sample = (REPO_ROOT / "deploy" / "congressflow.env.example").read_text()
    assert "CONGRESSFLOW_SECRET_KEY=\n" in sample.splitlines(keepends=True)
    assert MAKE_ONE in sample.replace("\n# ", " ")


def test_no_key_configured_takes_the_instance_folders(make_app: AppFactory, url: str, tmp_path: Path):
    app = production(make_app, url, SECRET_KEY="")
    kept = (tmp_path / "instance" / "secret_key").read_text()
    assert len(kept) == 64 and app.secret_key == kept


@pytest.mark.parametrize("emptied", ["", "  \n"])
def test_an_emptied_instance_key_is_refused_not_replaced(make_app: AppFactory, url: str, tmp_path: Path, emptied: str):
    """A process starting with a new key would disagree with those still running on the old."""
    key_file = tmp_path / "instance" / "secret_key"
    key_file.parent.mkdir()
    key_file.write_text(emptied)
    with pytest.raises(StartRefused, match=f"^{re.escape(str(key_file))} is empty, so there is no secret key"):
        make_app(url, SECRET_KEY="")  # under TESTING as well: an empty key signs nothing
    assert key_file.read_text() == emptied


def test_a_short_instance_key_is_refused(make_app: AppFactory, url: str, tmp_path: Path):
    key_file = tmp_path / "instance" / "secret_key"
    key_file.parent.mkdir()
    key_file.write_text("abc\n")
    with pytest.raises(
        StartRefused, match=f"^{re.escape(str(key_file))} is shorter than 32 characters: .*delete the file"
    ):
        production(make_app, url, SECRET_KEY="")


def test_a_relative_instance_path_is_taken_from_the_working_directory(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, made: list[Flask]
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONGRESSFLOW_INSTANCE_PATH", "./relative/instance")
    app = create_app(app_config(url))
    made.append(app)
    assert app.instance_path == str(tmp_path / "relative" / "instance")
    assert (tmp_path / "relative" / "instance").is_dir()
