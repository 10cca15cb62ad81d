"""The petitions ledger round trip with the default roles: the office head, who may read every
case with the petitioner's identity and export case data, exports the ledger with the
identities (access.may_export_ledger), and that file re-creates the petition in an empty
database. The administrator's export masks them, and its 说明 sheet says first that it
re-creates no petition and who exports one that does. Nobody who may not read the identities
gets them."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from engine import access
from engine.access import Actor
from engine.errors import NotAllowed
from engine.usecases import ledger, ledger_export
from storage.enums import Role
from tests.integration.test_ledger import PETITION_HEADERS, workbook
from tests.integration.test_ledger_export import PETITION, build, fresh_database, sheet_rows
from tests.world import act, create_people


@pytest.fixture
def world(session_factory, frozen_clock):  # 2026-12-07 (Mon) 09:00 Beijing
    build(session_factory)
    create_people(session_factory, "head", "keeper", "boss")
    act(session_factory, "admin", ledger.apply, "petitions", "信访.xlsx", workbook(PETITION_HEADERS, PETITION))
    return session_factory


def notes(content: bytes) -> dict[str, str]:
    return dict(load_workbook(io.BytesIO(content))["说明"].iter_rows(values_only=True))


MASKED_NOTE = (
    "本表由无权查看信访人信息的账号导出：信访人姓名、联系电话等保密信息为“******”。"
    "再导入本系统时，已有的件保持不变；但不能用它在新系统中重新建立这些信访案件（含“******”的行会被拒绝）。"
    "能在新系统中重建案件的信访台账，请由有权查看信访人信息的人大办主任导出。"
)


def test_the_office_heads_petitions_ledger_re_creates_the_petition_in_an_empty_database(
    world, sqlite_template, tmp_path
):
    exported = act(world, "head", ledger_export.export, "petitions")
    assert not exported.masked and "不能重建" not in notes(exported.content)
    [_header, row] = sheet_rows(exported.content)
    assert row[3:6] == ["赵某某", "13800001234", "赵某某申请复核低保资格"]
    with fresh_database(sqlite_template, tmp_path) as fresh:
        done = act(fresh, "admin", ledger.apply, "petitions", "信访.xlsx", exported.content)
        assert [(o.title, o.existing) for o in done.outcomes] == [("低保资格 · 来访", False)]
        # exported there by its office head: the same sheet (closed, as it was), the identity included
        create_people(fresh, "head")
        assert sheet_rows(act(fresh, "head", ledger_export.export, "petitions").content) == sheet_rows(exported.content)


def test_the_administrators_export_is_masked_and_says_so_first(world):
    exported = act(world, "admin", ledger_export.export, "petitions")
    assert exported.masked and sheet_rows(exported.content)[1][3:5] == ["******", "******"]
    said = notes(exported.content)
    assert next(iter(said)) == "不能重建" and said["不能重建"] == MASKED_NOTE
    # a proposals ledger holds no identity: nothing masked, nothing said
    proposals = act(world, "admin", ledger_export.export, "proposals")
    assert not proposals.masked and "不能重建" not in notes(proposals.content)


@pytest.mark.parametrize("username", ["keeper", "boss", "clerk", "wang"])
def test_nobody_else_exports_a_ledger(world, username):
    # the petition officer reads identities but neither sees every case nor exports; a
    # supervisor sees every case and exports, but reads no identity
    for kind in ("petitions", "proposals"):
        with pytest.raises(NotAllowed, match="may not export a ledger"):
            act(world, username, ledger_export.export, kind)


def test_who_exports_a_ledger_with_the_identities():
    assert access.roles_exporting_identities() == {Role.OFFICE_HEAD}
    may = {role.value for role in Role if access.may_export_ledger(Actor("x", frozenset({role.value})))}
    assert may == {"admin", "office_head"}
    # an administrator who also keeps the petition record exports them too
    both = Actor("x", frozenset({"admin", "petition_officer"}))
    assert access.may_export_ledger(both) and access.may_read_confidential(both)
