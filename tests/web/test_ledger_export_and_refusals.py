"""The ledger through the page and the command line: a filled cell of an undated step is
refused at its cell; the office head downloads the petitions ledger with the identities,
and a masked one is said, once, to re-create no petition and who exports one that does
(page, command line, the import page's hint); a case entered here and exported is said to be
in the system already, not imported before."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.usecases import cases, ledger
from tests.integration.test_ledger import PETITION_HEADERS, PROPOSAL_HEADERS, workbook
from tests.integration.test_ledger_export import PETITION
from tests.integration.test_ledger_undated_step_cells import UNASSIGNED
from tests.web.conftest import text_of
from tests.world import act, deploy

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return ("admin", "head", "keeper", "office1", "finance1", "civil1", "wang", "li")


@pytest.fixture
def app(make_world):
    app = make_world()
    deploy(app, LIBRARY / "proposal.bpmn", LIBRARY / "petition.bpmn")
    return app


def upload(client, kind: str, content: bytes):
    return client.post(
        f"/admin/imports/ledger/{kind}",
        data={"file": (io.BytesIO(content), "台账.xlsx")},
        content_type="multipart/form-data",
    )


def test_a_filled_cell_of_an_undated_step_is_refused_at_its_cell(app, as_user, tmp_path, frozen_clock):
    content = workbook(PROPOSAL_HEADERS, UNASSIGNED)
    html = text_of(upload(as_user("admin"), "proposals", content))
    assert "ledger-confirm" not in html and "等待：整理分类并交办" not in html
    cell = '<tr data-row="3" data-column="答复类别"><td>3</td><td>答复类别</td>'
    assert f"{cell}<td>“A”：须先填写“答复日期”</td>" in html
    assert (
        '<tr data-row="3" data-column="主办单位"><td>3</td><td>主办单位</td><td>“财政所”：须先填写“交办日期”</td>'
        in html
    )
    path = tmp_path / "台账.xlsx"
    path.write_bytes(content)
    dry = app.test_cli_runner().invoke(args=["ledger", "proposals", str(path), "--dry-run", "--user", "admin"])
    assert dry.exit_code == 1
    assert "  row 3, 答复类别: needs 答复日期 first\n" in dry.stderr
    assert "  row 3, 评价: needs 评价日期 first\n" in dry.stderr


def imported_petition(app) -> None:
    act(app, "admin", ledger.apply, "petitions", "信访.xlsx", workbook(PETITION_HEADERS, PETITION))


def test_the_office_head_downloads_the_petitions_ledger_with_the_identities(app, as_user, frozen_clock):
    imported_petition(app)
    head = as_user("head")
    response = head.get("/admin/imports/ledger/petitions/export.xlsx")
    assert response.status_code == 200
    row = [c.value for c in load_workbook(io.BytesIO(response.data))["台账"][2]]
    assert row[3:5] == ["赵某某", "13800001234"]
    # the import page and the template stay the importer's
    assert head.get("/admin/imports/").status_code == 403
    assert head.get("/admin/imports/ledger/petitions/template.xlsx").status_code == 403
    assert as_user("keeper").get("/admin/imports/ledger/petitions/export.xlsx").status_code == 403
    assert as_user("office1").get("/admin/imports/ledger/petitions/export.xlsx").status_code == 403


HINT = (
    "这份台账是由无权查看信访人信息的账号导出的，信访人姓名、联系电话等为“******”，不能用来重新建立信访案件。"
    "请由有权查看信访人信息的人大办主任导出台账，再导入那一份。"
)


def masked_as_a_new_case(app, as_user) -> bytes:
    """The administrator's petitions ledger (masked), its row given another 编号: a case to create."""
    exported = as_user("admin").get("/admin/imports/ledger/petitions/export.xlsx").data
    book = load_workbook(io.BytesIO(exported))
    book["台账"]["A2"] = "2026-信-099"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_masked_ledger_is_said_to_re_create_no_petition_and_who_exports_one(app, as_user, tmp_path, frozen_clock):
    imported_petition(app)
    admin = as_user("admin")
    page = text_of(admin.get("/admin/imports/"))  # the import page says who exports one that imports
    assert 'id="export-identities"' in page and "能重建的台账请由人大办主任导出。" in page
    content = masked_as_a_new_case(app, as_user)
    html = text_of(upload(admin, "petitions", content))
    assert html.count('id="import-masked"') == 1 and HINT in html
    assert 'data-row="2" data-column="信访人姓名"' in html and "ledger-confirm" not in html
    # a ledger with other problems only: not said
    assert 'id="import-masked"' not in text_of(upload(admin, "petitions", workbook(PETITION_HEADERS, {})))
    admin.get("/lang/en")
    english = text_of(upload(admin, "petitions", content))
    assert english.count('id="import-masked"') == 1 and "Office head" in english.split('id="import-masked"')[1][:600]

    path = tmp_path / "信访.xlsx"
    path.write_bytes(content)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["ledger", "petitions", str(path), "--dry-run", "--user", "admin"])
    assert dry.exit_code == 1
    assert "  row 2, 信访人姓名: ****** is a confidential value masked in an export" in dry.stderr
    assert dry.stderr.rstrip().endswith(
        "such a ledger re-creates no petition; export the ledger as someone who may read the identities "
        "(office_head) and import that one"
    )
    exported = runner.invoke(args=["export", "ledger", "petitions", str(tmp_path / "out.xlsx"), "--user", "admin"])
    assert exported.exit_code == 0 and "it re-creates no petition in another database" in exported.stdout
    by_head = runner.invoke(args=["export", "ledger", "petitions", str(tmp_path / "head.xlsx"), "--user", "head"])
    assert (
        by_head.exit_code == 0 and by_head.stdout == f"petitions of 2026 written to {tmp_path / 'head.xlsx'}: 1 row\n"
    )


def test_a_case_entered_here_and_exported_is_in_the_system_already(app, tmp_path, frozen_clock):
    entered = {"kind": "suggestion", "title": "关于清理河道的建议", "content": "河道淤塞", "deputy": "li"}
    act(app, "office1", cases.start_instance, "proposal", {**entered, "submitted_during": "recess"})
    runner = app.test_cli_runner()
    path = tmp_path / "建议.xlsx"
    assert runner.invoke(args=["export", "ledger", "proposals", str(path), "--user", "admin"]).exit_code == 0
    again = runner.invoke(args=["ledger", "proposals", str(path), "--dry-run", "--user", "admin"])
    assert again.exit_code == 0
    assert re.search(r"row 2: case #[0-9]+ 关于清理河道的建议: .*\(already in the system: unchanged\)", again.stdout)
    assert "imported before" not in again.stdout
