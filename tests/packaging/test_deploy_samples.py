"""The sample files in deploy/ stay true to the product: every ``congressflow`` command a
systemd unit runs is one the CLI takes, with options it knows and values it accepts, and every
variable the sample environment file sets (or offers, commented out) is one the product reads.
A renamed option or setting would otherwise surface only on a server, at its next start.
(deploy/nginx.conf runs in a real nginx: tests/integration/test_nginx_sample.py.)"""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import click
import pytest

from web.cli import COMMANDS

from .conftest import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))


def exec_lines(unit: Path) -> list[str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd's keys are case-sensitive
    parser.read_string(unit.read_text())
    service = parser["Service"]
    return [service[key] for key in ("ExecStart", "ExecStartPost", "ExecReload") if key in service]


def congressflow_argv(line: str) -> list[str] | None:
    """The arguments after ``congressflow`` in an Exec line, directly or in ``/bin/sh -c``
    (systemd's ``%%`` is a ``%``; the shell's ``$(…)`` a part of the word it is in); None when
    the line runs something else."""
    words = shlex.split(line.replace("%%", "%"))
    if words[:2] == ["/bin/sh", "-c"]:
        words = shlex.split(re.sub(r"\$\([^)]*\)", "SUBSTITUTED", words[2]))
    for at, word in enumerate(words):
        if word.endswith("/congressflow"):
            return words[at + 1 :]
    return None


def parsed(argv: list[str]) -> click.Context:
    """Parse ``argv`` as the CLI would (options, their types and choices), running nothing."""
    commands = {command.name: command for command in COMMANDS}
    command: click.Command = commands[argv[0]]
    rest = argv[1:]
    while isinstance(command, click.Group):  # a group's subcommand
        command, rest = command.commands[rest[0]], rest[1:]
    return command.make_context(argv[0], list(rest))


def test_there_are_units_that_run_the_product():
    runs = {unit.name for unit in UNITS if any(congressflow_argv(line) for line in exec_lines(unit))}
    assert runs == {"congressflow-web.service", "congressflow-scheduler.service", "congressflow-backup.service"}


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_each_units_command_is_one_the_cli_takes(unit: Path):
    for line in exec_lines(unit):
        argv = congressflow_argv(line)
        if argv is not None:
            context = parsed(argv)  # a click.UsageError names the option or value refused
            assert context.params, argv


def sample_environment() -> dict[str, str]:
    """The variables the sample environment file sets (not those it offers commented out)."""
    sample = (DEPLOY / "congressflow.env.example").read_text()
    return dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", sample, re.MULTILINE))


def test_the_web_unit_serves_on_loopback_without_the_scheduler_behind_the_proxy(monkeypatch: pytest.MonkeyPatch):
    # where it listens and how many workers come from the environment file alone: an option on
    # the unit's line would override them (a second machine's operator edits the file, and the
    # unit's --host 127.0.0.1 kept it on loopback)
    environment = sample_environment()
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    [line] = [line for line in exec_lines(DEPLOY / "congressflow-web.service") if congressflow_argv(line)]
    params = parsed(congressflow_argv(line) or []).params
    assert params["host"] is None and params["port"] is None
    assert environment["CONGRESSFLOW_BIND"] == "127.0.0.1:5000"
    assert "server 127.0.0.1:5000 " in (DEPLOY / "nginx.conf").read_text()  # nginx.conf's upstream
    assert params["with_scheduler"] is False
    assert params["workers"] == 4 and params["threads"] == 2


def test_every_variable_of_the_sample_environment_is_one_the_product_reads():
    sample = (DEPLOY / "congressflow.env.example").read_text()
    names = re.findall(r"^#?\s*CONGRESSFLOW_([A-Z0-9_]+)=", sample, re.MULTILINE)
    assert "DATABASE_URL" in names and "PROXY_HOPS" in names
    source = "\n".join(
        path.read_text() for folder in ("web", "engine", "storage") for path in (REPO_ROOT / folder).rglob("*.py")
    )
    # read as app.config["NAME"] (from_prefixed_env), a config class's attribute, or os.environ
    unknown = [
        name
        for name in names
        if not re.search(rf'["\']{name}["\']|^\s+{name}\s*[:=]|CONGRESSFLOW_{name}\b', source, re.MULTILINE)
    ]
    assert unknown == []
