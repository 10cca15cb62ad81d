"""The operator's command line, as the installed ``congressflow`` runs it (``web.cli.main``):
restore refused under a running scheduler, usage errors as JSON with ``--json``, users listed
and (de)activated, ``--version``, ``settings list``, and the modes of the files that hold
petitioners' identities."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.usecases import cases
from storage import backup as storage_backup
from storage.db import make_engine, make_session_factory
from storage.models import AuditEntry, ProcessInstance, User
from tests.world import act, build_world
from web.cli import main
from web.database import session_factory
from web.scheduling import make_service

from .scheduler_helpers import wait_for


@pytest.fixture(autouse=True)
def _flask_cli_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    # FlaskGroup marks the process as run from the command line: not beyond the test
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")


def run(app, *args: str):
    """``congressflow ARGS`` on ``app``: the entry point's group, not the app's own."""
    return app.test_cli_runner().invoke(main, args=list(args), prog_name="congressflow")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _instance_count(app) -> int:
    engine = make_engine(app.config["DATABASE_URL"])  # not the app's pool, which knew the database before
    try:
        with make_session_factory(engine)() as s:
            return s.scalar(select(func.count()).select_from(ProcessInstance))
    finally:
        engine.dispose()


# -- restore under a running scheduler ------------------------------------------------------
def test_restore_is_refused_while_a_scheduler_runs_even_forced(db_url, make_app, frozen_clock, tmp_path):
    app = make_app(db_url)
    build_world(app, "clerk")
    backup = tmp_path / "b.backup"
    assert run(app, "backup", str(backup)).exit_code == 0
    act(app, "clerk", cases.start_instance, "review", {"subject": "备份之后的新案件"})
    scheduler = make_service(app)  # the one `serve` runs beside the web app: it holds the real lock
    scheduler.start_background()
    try:
        assert wait_for(scheduler.active.is_set)
        refused = run(app, "restore", str(backup), "--force")
        assert refused.exit_code == 3, refused.output
        assert "a scheduler is running on this database" in refused.stderr
        assert "Stop the web servers and the scheduler first" in refused.stderr
        assert "--force does not override this" in refused.stderr
        if db_url.startswith("sqlite"):
            assert f"process {os.getpid()} holds its lock file" in refused.stderr
        said = run(app, "restore", str(backup), "--force", "--json")
        assert said.exit_code == 3 and json.loads(said.stderr)["code"] == "scheduler_running"
        assert _instance_count(app) == 1  # the case started after the backup is still there
        assert scheduler.active.is_set()  # and the scheduler runs on, undisturbed
    finally:
        scheduler.stop()
    restored = run(app, "restore", str(backup), "--force")
    assert restored.exit_code == 0, restored.output
    assert _instance_count(app) == 0  # as at the backup
    again = make_service(app)  # the restore let go of the lock it held meanwhile
    again.start_background()
    try:
        assert wait_for(again.active.is_set)
    finally:
        again.stop()


# -- usage errors with --json ---------------------------------------------------------------
@pytest.fixture
def app(db_url, make_app, frozen_clock):
    made = make_app(db_url)
    build_world(made, "admin", "clerk")
    return made


def _said(fields: dict[str, str]) -> dict:
    """A usage error's ``said``, in Chinese (the command's language unless --lang)."""
    return {
        "language": "zh_CN",
        "title": "命令用法有误",
        "text": "命令的选项或参数有误。",
        "hint": "用 --help 查看这个命令的用法。",
        "fields": fields,
    }


def _usage(result) -> dict:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    return json.loads(result.stderr)  # one JSON object, and nothing else


def test_a_usage_error_is_one_json_object_with_json(app, tmp_path):
    assert _usage(run(app, "start", "proposal", "--json")) == {
        "code": "usage",
        "message": "Missing option '--user'.",
        "fields": {"--user": "required"},
        "codes": {"--user": {"code": "required", "params": {}}},
        "said": _said({"--user": "必填"}),
    }
    assert _usage(run(app, "instance", "abc", "--user", "clerk", "--json")) == {
        "code": "usage",
        "message": "Invalid value for 'INSTANCE_ID': 'abc' is not a valid integer.",
        "fields": {"INSTANCE_ID": "'abc' is not a valid integer."},
        "codes": {"INSTANCE_ID": {"code": "invalid", "params": {"message": "'abc' is not a valid integer."}}},
        "said": _said({"INSTANCE_ID": "'abc' is not a valid integer."}),
    }
    bad_data = _usage(run(app, "complete", "t1", "--user", "clerk", "--data", "{bad", "--json"))
    assert bad_data["code"] == "usage"
    assert bad_data["message"].startswith("Invalid value for '--data': not JSON: Expecting property name")
    assert bad_data["codes"]["--data"]["code"] == "invalid"
    assert bad_data["fields"]["--data"].startswith("not JSON: ")
    assert _usage(run(app, "cancel", "2", "--user", "clerk", "--json")) == {
        "code": "usage",
        "message": "Missing option '--reason'.",
        "fields": {"--reason": "required"},
        "codes": {"--reason": {"code": "required", "params": {}}},
        "said": _said({"--reason": "必填"}),
    }
    missing = tmp_path / "missing.db"
    assert _usage(run(app, "restore", str(missing), "--json")) == {
        "code": "usage",
        "message": f"Invalid value for 'FILE': File '{missing}' does not exist.",
        "fields": {"FILE": f"File '{missing}' does not exist."},
        "codes": {"FILE": {"code": "invalid", "params": {"message": f"File '{missing}' does not exist."}}},
        "said": _said({"FILE": f"File '{missing}' does not exist."}),
    }
    # raised in a command's body (who acts), and in a group of commands
    assert _usage(run(app, "users", "list", "--json")) == {
        "code": "usage",
        "message": "say who acts: --user NAME (with their permissions) or --operator",
        "fields": {},
        "codes": {},
        "said": _said({}),
    }


def test_without_json_a_usage_error_stays_clicks_text(app):
    result = run(app, "instance", "abc", "--user", "clerk")
    assert result.exit_code == 2
    assert "Usage: congressflow instance [OPTIONS] INSTANCE_ID" in result.stderr
    assert "Error: Invalid value for 'INSTANCE_ID': 'abc' is not a valid integer." in result.stderr
    bad_data = run(app, "complete", "t1", "--user", "clerk", "--data", "[1]")
    assert bad_data.exit_code == 2 and "Error: Invalid value for '--data': not a JSON object" in bad_data.stderr


# -- users list / deactivate / activate -----------------------------------------------------
def test_users_are_listed_and_deactivated_as_the_users_page_does(app):
    listed = run(app, "users", "list", "--user", "admin", "--json")
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == [
        {"username": "admin", "display_name": "admin 同志", "roles": ["admin"], "department": None, "active": True},
        {
            "username": "clerk",
            "display_name": "clerk 同志",
            "roles": ["officer"],
            "department": "office",
            "active": True,
        },
    ]
    text = run(app, "users", "list", "--operator")
    assert text.stdout.splitlines() == [
        "admin  admin 同志  admin    -       active",
        "clerk  clerk 同志  officer  office  active",
    ]
    assert run(app, "users", "list", "--user", "clerk").exit_code == 4  # the access policy: admins only

    off = run(app, "users", "deactivate", "clerk", "--user", "admin")
    assert off.exit_code == 0, off.output
    assert off.stdout == "deactivated user clerk: they can no longer sign in, and their sessions have ended\n"
    assert run(app, "tasks", "--user", "clerk").exit_code == 5  # no active user clerk
    assert "clerk  clerk 同志  officer  office  INACTIVE" in run(app, "users", "list", "--operator").stdout
    on = run(app, "users", "activate", "clerk", "--operator", "--json")
    assert on.exit_code == 0 and json.loads(on.stdout)["active"] is True
    assert run(app, "tasks", "--user", "clerk").exit_code == 0
    with session_factory(app)() as s:
        audited = s.execute(
            select(AuditEntry.actor, AuditEntry.data).where(AuditEntry.action == "update_user").order_by(AuditEntry.id)
        ).all()
    assert [(actor, data["username"], data["active"]) for actor, data in audited] == [
        ("admin", "clerk", False),
        ("operator", "clerk", True),
    ]


def test_deactivating_is_refused_as_the_page_refuses_it(app):
    own = run(app, "users", "deactivate", "admin", "--user", "admin")
    assert own.exit_code == 1
    assert "roles: you cannot remove your own administrator role or deactivate yourself" in own.stderr
    assert run(app, "users", "deactivate", "clerk", "--user", "clerk").exit_code == 4
    assert run(app, "users", "deactivate", "ghost", "--operator").exit_code == 5
    with session_factory(app)() as s:
        assert s.scalars(select(User.active)).all() == [True, True]


# -- --version ------------------------------------------------------------------------------
def test_version_says_congressflows_own_first(app):
    result = run(app, "--version")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"CongressFlow {metadata.version('congressflow')}"
    assert [line.split(" ")[0] for line in lines] == ["CongressFlow", "Python", "Flask", "Werkzeug"]


# -- settings list --------------------------------------------------------------------------
def test_settings_list_is_aligned_says_one_month_and_has_help(app):
    assert run(app, "settings", "set", "proposal.reply_months", "1", "--operator").stdout == (
        "proposal.reply_months = 1 month\n"
    )
    lines = run(app, "settings", "list").stdout.splitlines()
    by_name = {line.split(" ", 1)[0]: line for line in lines}
    # the longest name (department_evaluation.rectification_days, 40) sets the first column
    assert by_name["proposal.cohandling_months"] == (
        "proposal.cohandling_months                      1  month         [1..24]             "
        "协办单位向主办单位提出意见 co-handling unit's view to the lead unit"
    )
    assert by_name["department_evaluation.rectification_days"] == (
        "department_evaluation.rectification_days       30  days          [1..365]            "
        "评议整改 rectification due"
    )
    assert by_name["proposal.reply_months"].startswith(
        "proposal.reply_months                           1  month         [1..24]             (default 3) 代表建议"
    )
    assert by_name["script.step_budget"].startswith(
        "script.step_budget                        1000000  steps         [10000..100000000]  脚本步数上限"
    )
    assert "  list   List the deadline settings, with their bounds." in run(app, "settings", "--help").stdout


# -- file modes -----------------------------------------------------------------------------
@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which a file is made world-readable unless the product says not."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_database_its_backups_and_the_instance_folder_are_the_owners_alone(make_app, tmp_path, umask_022):
    app = make_app("", instance="new/instance")  # the database in the instance folder, as by default
    instance = tmp_path / "new" / "instance"
    assert _mode(instance) == 0o700
    assert run(app, "db", "upgrade").exit_code == 0
    database = instance / "congressflow.db"
    assert _mode(database) == 0o600
    with session_factory(app).begin() as s:  # a connection open: WAL's files beside the database
        s.execute(select(func.count()).select_from(User))
        assert {p.name: _mode(p) for p in instance.glob("congressflow.db*")} == {
            "congressflow.db": 0o600,
            "congressflow.db-wal": 0o600,
            "congressflow.db-shm": 0o600,
        }
    backup = tmp_path / "nightly.backup"
    assert run(app, "backup", str(backup)).exit_code == 0
    assert _mode(backup) == 0o600
    target = tmp_path / "restored.db"
    restoring = make_app(f"sqlite:///{target}", instance="other")
    assert run(restoring, "restore", str(backup)).exit_code == 0
    assert _mode(target) == 0o600
    elsewhere = tmp_path / "by_hand.db"  # restored without an app (that would have made the file)
    storage_backup.restore(f"sqlite:///{elsewhere}", backup)
    assert _mode(elsewhere) == 0o600


def test_an_existing_database_keeps_its_mode(tmp_path, umask_022):
    """Made private only when the product makes it: an operator's own choice stands."""
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    engine = make_engine(f"sqlite:///{path}")
    with make_session_factory(engine)() as s:
        s.execute(select(1))
    engine.dispose()
    assert _mode(path) == 0o640


def test_an_operator_command_reads_the_services_environment_file(tmp_path):
    """``congressflow -e /etc/congressflow/env db upgrade``: the services' settings, not the
    checkout's own SQLite file that a command run without them would migrate."""
    env_file = tmp_path / "env"
    database = tmp_path / "served.db"
    env_file.write_text(
        f"CONGRESSFLOW_DATABASE_URL=sqlite:///{database}\nCONGRESSFLOW_INSTANCE_PATH={tmp_path / 'instance'}\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CONGRESSFLOW_", "FLASK_"))}
    command = Path(sys.executable).parent / "congressflow"
    done = subprocess.run(
        [str(command), "-e", str(env_file), "db", "upgrade"],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert database.exists() and (tmp_path / "instance").is_dir()


def test_a_stray_env_file_in_the_working_directory_is_not_read(tmp_path):
    """Settings come from the environment or ``-e FILE``: a ``.env`` that happens to lie in the
    working directory (or a folder above it) does not point a server's command elsewhere."""
    stray = tmp_path / "stray.db"
    (tmp_path / ".env").write_text(f"CONGRESSFLOW_DATABASE_URL=sqlite:///{stray}\n")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CONGRESSFLOW_", "FLASK_"))}
    clean["CONGRESSFLOW_INSTANCE_PATH"] = str(tmp_path / "instance")  # no database named: the instance's
    command = Path(sys.executable).parent / "congressflow"
    done = subprocess.run(
        [str(command), "db", "upgrade"], cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "instance" / "congressflow.db").exists() and not stray.exists()


def test_an_export_to_a_file_that_cannot_be_written_is_a_usage_error_naming_it(app, tmp_path):
    """A folder that does not exist, or a folder given as the file: one line naming FILE (or
    --output), exit code 2 (it was a traceback, exit code 1); with --json one JSON object.
    Nothing is written."""
    missing = tmp_path / "nodir" / "people.xlsx"

    said = run(app, "export", "people", str(missing), "--user", "admin")
    assert said.exit_code == 2
    assert f"Invalid value for FILE: the folder {tmp_path / 'nodir'} does not exist" in said.stderr
    assert "Traceback" not in said.output

    body = _usage(run(app, "export", "units", str(tmp_path), "--user", "admin", "--json"))
    assert (body["code"], list(body["fields"])) == ("usage", ["FILE"])
    assert body["fields"]["FILE"] == f"{tmp_path} is a folder: give the .xlsx file to write"

    ledger_out = run(app, "export", "ledger", "petitions", "-o", str(missing), "--user", "admin")
    assert ledger_out.exit_code == 2 and "Invalid value for --output: the folder" in ledger_out.stderr
    assert not (tmp_path / "nodir").exists()
