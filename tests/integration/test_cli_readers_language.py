"""The command line says what it says in the pages' words (an error's ``said``, the units'
clashes) in the language of the person it acts as (``--user NAME``: the language they chose
under 我的设置), when neither ``--lang`` nor ``CONGRESSFLOW_CLI_LANG`` chooses one; the operator,
who is no user, and a person who never chose, read Chinese."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from engine.usecases import people
from storage.models import Department
from tests.integration.test_cli_units_export_said import _flask_cli_flag, run
from tests.world import act, build_world, session_factory_of

__all__ = ["_flask_cli_flag"]  # its command-line environment, used here as there (autouse)


@pytest.fixture
def app(db_url, make_app, frozen_clock):
    """clerk reads English (chosen under 我的设置); admin never chose."""
    made = make_app(db_url)
    build_world(made, "admin", "clerk")
    act(made, "clerk", people.set_language, "clerk", "en")
    return made


def _said(result, exit_code: int) -> dict:
    assert result.exit_code == exit_code, result.output
    return json.loads(result.stderr)["said"]


REFUSED = ("users", "list", "--json")


def test_a_refusal_is_said_in_the_language_the_user_chose(app):
    said = _said(run(app, *REFUSED, "--user", "clerk"), 4)
    assert (said["language"], said["title"], said["text"]) == (
        "en",
        "Not allowed",
        "You do not have the permission “Administer users and units”.",
    )


def test_lang_and_the_environment_come_before_the_users_choice(app):
    assert _said(run(app, "--lang", "zh_CN", *REFUSED, "--user", "clerk"), 4)["title"] == "没有权限"
    chosen = run(app, *REFUSED, "--user", "clerk", env={"CONGRESSFLOW_CLI_LANG": "zh_CN"})
    assert _said(chosen, 4)["language"] == "zh_CN"


def test_who_never_chose_reads_chinese(app):
    made = ("users", "create", "x!", "--password", "Qing-he-73-jie~", "--name", "", "--role", "officer", "--json")
    as_admin = _said(run(app, *made, "--user", "admin"), 1)
    assert (as_admin["language"], as_admin["fields"]["display_name"]) == ("zh_CN", "必填")
    as_operator = _said(run(app, *made, "--operator"), 1)
    assert (as_operator["language"], as_operator["fields"]["display_name"]) == ("zh_CN", "必填")


def test_a_name_that_is_no_user_is_refused_in_chinese(app):
    said = _said(run(app, *REFUSED, "--user", "nobody"), 5)
    assert (said["language"], said["title"]) == ("zh_CN", "未找到")


def test_the_units_clashes_are_said_in_the_administrators_language(app):
    act(app, "admin", people.set_language, "admin", "en")
    with session_factory_of(app).begin() as s:
        s.execute(update(Department).where(Department.code == "land").values(name="officer"))
    listed = run(app, "units", "list", "--user", "admin")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines()[-1] == (
        "warning: The name of the unit “officer” (land) is the code of the role “Officer”: "
        "the role's tasks go to this unit's people too. Rename this unit."
    )
    operator = run(app, "units", "list", "--operator").stdout.splitlines()[-1]
    assert operator.startswith("warning: 单位“officer”（land）的名称是角色“办理人员”的代码")
