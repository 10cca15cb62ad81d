"""The command line as an operator expects it (``web.cli.main``, as installed): ``units list``
says the units as the units page does, clashes of their names included; ``export`` never
overwrites a file unless ``--force``; and every ``--json`` error carries ``said``, the error in
the reader's words as the API's error bodies do, in the command's language (``--lang``,
``CONGRESSFLOW_CLI_LANG``, else Chinese)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from engine.usecases import people
from storage.models import Department
from tests.world import act, build_world, session_factory_of
from web.cli import main


@pytest.fixture(autouse=True)
def _flask_cli_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    # FlaskGroup marks the process as run from the command line: not beyond the test
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    monkeypatch.delenv("CONGRESSFLOW_CLI_LANG", raising=False)


def run(app, *args: str, env: dict[str, str] | None = None):
    return app.test_cli_runner().invoke(main, args=list(args), prog_name="congressflow", env=env)


@pytest.fixture
def app(db_url, make_app, frozen_clock):
    made = make_app(db_url)
    build_world(made, "admin", "clerk", "finance1", "finance2")
    return made


def _error(result, exit_code: int) -> dict:
    assert result.exit_code == exit_code, result.output
    assert result.stdout == ""
    return json.loads(result.stderr)  # one JSON object, and nothing else


# -- units list -----------------------------------------------------------------------------
@pytest.fixture
def units(app):
    """财政所 with a head and a contact since deactivated; 民政办 and 国土所 renamed, past the rule
    (as an old database keeps them), to 财政所's name and to a role's code."""
    act(app, "admin", people.save_department, "finance", "财政所", head="finance1", contact="finance2")
    act(app, "admin", people.set_active, "finance2", False)
    with session_factory_of(app).begin() as s:
        for code, name in {"civil_affairs": "财政所", "land": "officer"}.items():
            s.execute(update(Department).where(Department.code == code).values(name=name))
    return app


UNIT_CLASH = (
    "单位“财政所”（civil_affairs）的名称与单位“财政所”（finance）的代码或名称相同："
    "流程交给“财政所”的任务，两个单位的人都会收到。请为其中一个改名。"
)
ROLE_CLASH = (
    "单位“officer”（land）的名称是角色“办理人员”的代码：流程交给该角色的任务，这个单位的人也会收到。请为这个单位改名。"
)


def test_units_are_listed_with_head_contact_and_people_then_the_clashes_the_page_says(units):
    listed = run(units, "units", "list", "--operator")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == [
        "code             name        head                      contact                                active users",
        "office           镇人大办    -                         -                                      1",
        "presidium        人大主席团  -                         -                                      0",
        "finance          财政所      finance1 (finance1 同志)  finance2 (finance2 同志; deactivated)  1",
        "civil_affairs    财政所      -                         -                                      0",
        "family_planning  计生办      -                         -                                      0",
        "land             officer     -                         -                                      0",
        "middle_school    中学        -                         -                                      0",
        "central_school   中心校      -                         -                                      0",
        "health_center    卫生院      -                         -                                      0",
        "credit_coop      信用社      -                         -                                      0",
        "petition_office  信访办      -                         -                                      0",
        f"warning: {UNIT_CLASH}",
        f"warning: {ROLE_CLASH}",
    ]


def test_units_list_as_json_has_the_clashes_as_a_field(units):
    listed = run(units, "units", "list", "--user", "admin", "--json")
    assert listed.exit_code == 0, listed.output
    said = json.loads(listed.stdout)
    assert said["units"][:3] == [
        {"code": "office", "name": "镇人大办", "head": None, "contact": None, "active_users": 1},
        {"code": "presidium", "name": "人大主席团", "head": None, "contact": None, "active_users": 0},
        {
            "code": "finance",
            "name": "财政所",
            "head": {"username": "finance1", "name": "finance1 同志", "standing": None},
            "contact": {"username": "finance2", "name": "finance2 同志", "standing": "inactive"},
            "active_users": 1,
        },
    ]
    assert len(said["units"]) == 11
    assert said["clashes"] == [
        {
            "code": "civil_affairs",
            "name": "财政所",
            "other_code": "finance",
            "other_name": "财政所",
            "said": UNIT_CLASH,
        },
        {"code": "land", "name": "officer", "other_code": None, "other_name": None, "said": ROLE_CLASH},
    ]


def test_units_list_without_clashes_says_none(app):
    listed = run(app, "units", "list", "--user", "admin", "--json")
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)["clashes"] == []
    assert "warning" not in run(app, "units", "list", "--operator").stdout


def test_units_list_keeps_the_access_policy(app):
    refused = _error(run(app, "units", "list", "--user", "clerk", "--json"), 4)
    assert refused["code"] == "not_allowed"
    assert run(app, "units", "list", "--user", "clerk").stderr == (
        "error: clerk may not administer users and departments (needs the permission admin.users)\n"
    )
    assert _error(run(app, "units", "list", "--json"), 2)["code"] == "usage"  # who acts, said


# -- export over an existing file -----------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [("export", "units"), ("export", "people"), ("export", "ledger", "petitions")],
    ids=["units", "people", "ledger"],
)
def test_an_export_does_not_overwrite_an_existing_file(app, tmp_path: Path, command: tuple[str, ...]):
    kept = tmp_path / "名单.xlsx"
    kept.write_bytes(b"the office's own file")
    for given in ((str(kept),), ("--output", str(kept))):
        refused = run(app, *command, *given, "--user", "admin")
        assert refused.exit_code == 3, refused.output
        assert refused.stdout == ""
        assert refused.stderr == f"error: {kept} exists already: not overwritten (--force overwrites it)\n"
    as_json = _error(run(app, *command, str(kept), "--user", "admin", "--json"), 3)
    assert as_json == {
        "code": "file_exists",
        "message": f"{kept} exists already: not overwritten (--force overwrites it)",
        "fields": {},
        "codes": {},
        "said": {
            "language": "zh_CN",
            "title": "文件已存在",
            "text": f"文件 {kept} 已经存在，没有覆盖。",
            "hint": "要覆盖它，请加上 --force；或者换一个文件名。",
            "fields": {},
        },
    }
    assert kept.read_bytes() == b"the office's own file"


def test_an_export_overwrites_with_force(app, tmp_path: Path):
    target = tmp_path / "units.xlsx"
    target.write_bytes(b"last week's")
    forced = run(app, "export", "units", str(target), "--force", "--user", "admin")
    assert forced.exit_code == 0, forced.output
    assert forced.stdout == f"units written to {target}: 11 rows\n"
    assert target.read_bytes().startswith(b"PK")  # an .xlsx now
    fresh = tmp_path / "people.xlsx"  # a new file needs no --force
    assert run(app, "export", "people", str(fresh), "--user", "admin").exit_code == 0
    assert fresh.read_bytes().startswith(b"PK")


@pytest.mark.parametrize("kind", ["units", "people"])
def test_an_exports_notes_are_in_the_commands_language(app, tmp_path: Path, kind: str):
    """As a page's download writes them in its reader's language: --lang (or the --user's own
    choice), Chinese unless told; the sheets the import reads are the same workbook either way."""
    chinese, english = tmp_path / "zh.xlsx", tmp_path / "en.xlsx"
    assert run(app, "export", kind, str(chinese), "--user", "admin").exit_code == 0
    assert run(app, "--lang", "en", "export", kind, str(english), "--user", "admin").exit_code == 0
    said_zh, said_en = load_workbook(chinese), load_workbook(english)
    assert said_zh.sheetnames[2] == "说明" and said_en.sheetnames[2] == "Instructions"
    data = said_en.sheetnames[0]
    assert list(said_en[data].iter_rows(values_only=True)) == list(said_zh[data].iter_rows(values_only=True))


def test_an_existing_backup_file_is_said_as_such_not_as_a_page_changed_meanwhile(app, tmp_path: Path):
    kept = tmp_path / "nightly.backup"
    kept.write_bytes(b"yesterday's")
    refused = _error(run(app, "backup", str(kept), "--json"), 3)
    assert refused["code"] == "backup_exists"
    assert refused["said"] == {
        "language": "zh_CN",
        "title": "文件已存在",
        "text": "备份文件已经存在：备份从不覆盖已有的文件。",
        "hint": "请换一个文件名。",
        "fields": {},
    }
    assert kept.read_bytes() == b"yesterday's"


# -- said, in the command's language --------------------------------------------------------
NOT_ALLOWED_ZH = {
    "language": "zh_CN",
    "title": "没有权限",
    "text": "您没有“管理用户和单位”的权限。",
    "hint": "有此权限的角色：管理员。如确需使用，请联系系统管理员为您分配角色。",
    "fields": {},
}
NOT_ALLOWED_EN = {
    "language": "en",
    "title": "Not allowed",
    "text": "You do not have the permission “Administer users and units”.",
    "hint": "The roles allowed: Administrator. If you need it, ask the system administrator to give you a role.",
    "fields": {},
}


def test_an_engine_error_says_what_the_api_says_in_chinese_by_default(app):
    refused = _error(run(app, "users", "list", "--user", "clerk", "--json"), 4)
    assert refused == {
        "code": "not_allowed",
        "message": "clerk may not administer users and departments (needs the permission admin.users)",
        "fields": {},
        "codes": {},
        "said": NOT_ALLOWED_ZH,
    }


def test_the_language_is_lang_else_the_environment(app):
    args = ("users", "list", "--user", "clerk", "--json")
    assert _error(run(app, "--lang", "en", *args), 4)["said"] == NOT_ALLOWED_EN
    assert _error(run(app, *args, env={"CONGRESSFLOW_CLI_LANG": "en"}), 4)["said"] == NOT_ALLOWED_EN
    chosen = run(app, "--lang", "zh_CN", *args, env={"CONGRESSFLOW_CLI_LANG": "en"})
    assert _error(chosen, 4)["said"] == NOT_ALLOWED_ZH  # the option over the environment
    unknown = _error(run(app, "--lang", "fr", *args), 2)
    assert (unknown["code"], list(unknown["fields"])) == ("usage", ["--lang"])


def test_field_errors_are_said_in_the_readers_words_too(app):
    made = ("users", "create", "x!", "--password", "Qing-he-73-jie~", "--name", "", "--role", "officer")
    refused = _error(run(app, *made, "--operator", "--json"), 1)
    assert refused["fields"] == {"display_name": "required", "username": "letters, digits, - and _ only"}
    assert refused["said"] == {
        "language": "zh_CN",
        "title": "内容有误",
        "text": "提交的内容未通过检查，请修改后重试。",
        "hint": "",
        "fields": {"display_name": "必填", "username": "只能使用字母、数字、- 和 _"},
    }


def test_a_reason_naming_you_is_said_of_the_person_the_command_acts_as(app):
    """``--user`` is who "you" are, as an API token's holder is: a task the reader completed
    already is said as theirs; to anyone else, by name."""
    started = run(app, "start", "review", "--var", "subject=村道", "--user", "clerk", "--json")
    assert started.exit_code == 0, started.output
    task_id = json.loads(started.stdout)["open_tasks"][0]["task_id"]
    assert run(app, "claim", task_id, "--user", "clerk").exit_code == 0
    data = ("--data", '{"lead_unit": "finance"}')
    assert run(app, "complete", task_id, "--user", "clerk", *data).exit_code == 0
    again = _error(run(app, "complete", task_id, "--user", "clerk", *data, "--json"), 3)
    assert again["code"] == "already_completed"
    assert (again["said"]["title"], again["said"]["text"]) == (
        "任务已办理",
        "您已于 2026-12-07 09:00 办理完成「登记」（可能是在另一个窗口或标签页中提交的），这次提交没有再保存。",
    )
    by_another = _error(run(app, "complete", task_id, "--user", "admin", *data, "--json"), 3)
    assert by_another["said"]["text"].startswith("「登记」已由 clerk 同志 于 2026-12-07 09:00 办理完成")


def test_a_usage_error_says_so_in_the_readers_words(app):
    assert _error(run(app, "start", "review", "--json"), 2) == {
        "code": "usage",
        "message": "Missing option '--user'.",
        "fields": {"--user": "required"},
        "codes": {"--user": {"code": "required", "params": {}}},
        "said": {
            "language": "zh_CN",
            "title": "命令用法有误",
            "text": "命令的选项或参数有误。",
            "hint": "用 --help 查看这个命令的用法。",
            "fields": {"--user": "必填"},
        },
    }
