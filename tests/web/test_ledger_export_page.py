"""The ledger's export on the admin's import page and from the command line
(``congressflow export ledger proposals|petitions FILE``), beside the units' and people's."""

from __future__ import annotations

import io
import json
from datetime import datetime

from openpyxl import load_workbook

from engine.usecases import ledger
from tests.conftest import REPO_ROOT
from tests.integration.test_ledger import DONE, PROPOSAL_HEADERS, workbook
from tests.web.conftest import text_of
from tests.world import act, deploy
from web import database


def imported(app) -> None:
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    done = {**DONE, "提出代表": "deputy", "主办单位": "财政所", "协办单位": ""}
    act(
        database.session_factory(app), "admin", ledger.apply, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, done)
    )


def test_the_import_page_offers_this_years_ledger_in_the_templates_shape(app, as_user):
    imported(app)
    client = as_user("admin")
    page = text_of(client.get("/admin/imports/"))
    assert 'href="/admin/imports/ledger/proposals/export.xlsx" id="export-proposals"' in page
    assert "导出本年度台账（.xlsx）" in page
    response = client.get("/admin/imports/ledger/proposals/export.xlsx")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert (
        "filename*=UTF-8''%E4%BB%A3%E8%A1%A8%E5%BB%BA%E8%AE%AE%E5%8F%B0%E8%B4%A6_2026.xlsx"
        in (response.headers["Content-Disposition"])
    )  # 代表建议台账_2026.xlsx
    sheet = load_workbook(io.BytesIO(response.data))["台账"]
    assert [c.value for c in sheet[2]][:6] == [
        "2026-建-001",
        "关于修缮村道的建议",
        "村道破损",
        "deputy 同志",
        "闭会期间",
        datetime(2026, 3, 2),
    ]
    assert (sheet["F2"].is_date, sheet["F2"].number_format) == (True, "yyyy-mm-dd")  # 登记日期: a date cell
    preview = client.post(
        "/admin/imports/ledger/proposals",
        data={"file": (io.BytesIO(response.data), "台账.xlsx")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200 and 'name="token"' not in preview.get_data(as_text=True)  # nothing to confirm
    assert as_user("office1").get("/admin/imports/ledger/proposals/export.xlsx").status_code == 403


def test_the_command_line_exports_the_ledger_next_to_units_and_people(app, tmp_path):
    imported(app)
    runner = app.test_cli_runner()
    out = tmp_path / "台账.xlsx"
    done = runner.invoke(args=["export", "ledger", "proposals", str(out), "--user", "admin", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == {"kind": "proposals", "file": str(out), "rows": 1}
    assert load_workbook(out)["台账"]["A2"].value == "2026-建-001"
    text = runner.invoke(
        args=["export", "ledger", "proposals", "-o", str(out), "--year", "2025", "--force", "--operator"]
    )
    assert text.exit_code == 0 and text.output.strip() == f"proposals of 2025 written to {out}: 0 rows"
    assert runner.invoke(args=["export", "ledger", str(out), "--user", "admin"]).exit_code == 2  # which ledger?
    assert runner.invoke(args=["export", "units", str(out), "--year", "2025", "--user", "admin"]).exit_code == 2
    assert (
        runner.invoke(
            args=["export", "ledger", "petitions", str(tmp_path / "信访.xlsx"), "--user", "office1"]
        ).exit_code
        == 4
    )
