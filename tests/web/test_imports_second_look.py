"""The import pages on a second look: a confirmation sent twice, a workbook no reader opens
(a password, an old .xls), a row already here that the file says otherwise, the columns a
problem names in English, and what the audit log says of each import."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from tests.integration.test_ledger import DONE, PROPOSAL_HEADERS, workbook
from tests.web.conftest import text_of
from tests.world import deploy

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
# an OLE compound file's signature, then the directory's stream names (UTF-16): what Excel writes
# for a workbook saved with a password to open it, and for an Excel 97-2003 workbook
COMPOUND = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
ENCRYPTED = COMPOUND + "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le") + bytes(64)
ROW = {**DONE, "提出代表": "deputy"}  # a deputy of the world's people
OLD_XLS = COMPOUND + "Workbook".encode("utf-16-le") + "SummaryInformation".encode("utf-16-le") + bytes(64)


@pytest.fixture
def app(make_world):
    app = make_world()
    deploy(app, LIBRARY / "proposal.bpmn")
    return app


def upload(client, path: str, content: bytes, name: str):
    return client.post(path, data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def token_of(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.get_data(as_text=True))[1]


def test_a_confirmation_sent_twice_says_the_file_was_imported_already(as_user, frozen_clock):
    admin = as_user("admin")
    preview = upload(admin, "/admin/imports/ledger/proposals", workbook(PROPOSAL_HEADERS, ROW), "建议台账.xlsx")
    token = token_of(preview)
    assert admin.post("/admin/imports/ledger/proposals/confirm", data={"token": token}).status_code == 200
    again = admin.post("/admin/imports/ledger/proposals/confirm", data={"token": token})
    assert again.status_code == 200
    said = text_of(again)
    assert "“建议台账.xlsx”已于 2026-12-07 09:00 由" in said and "这次确认没有再导入一遍" in said
    assert "那次导入新建案件 1 件（其中已办结 1 件），系统中已有、不变 0 件。" in said
    # a token never kept is still refused as expired
    assert admin.post("/admin/imports/ledger/proposals/confirm", data={"token": "nope"}).status_code == 410

    units = upload(admin, "/admin/imports/units", "代码,名称\nwater,水利站\n".encode(), "单位.csv")
    assert admin.post("/admin/imports/units/confirm", data={"token": token_of(units)}).status_code == 200
    twice = text_of(admin.post("/admin/imports/units/confirm", data={"token": token_of(units)}))
    assert "“单位.csv”已于 2026-12-07 09:00 由" in twice and "那次导入新建 1，修改 0，不变 0。" in twice


@pytest.mark.parametrize(
    ("content", "name", "said"),
    [
        (
            ENCRYPTED,
            "台账.xlsx",
            "“台账.xlsx”设置了打开密码，无法读取：请在 Excel 或 WPS 中打开它，取消密码后保存，再上传",
        ),
        (
            OLD_XLS,
            "台账.xls",
            "“台账.xls”是旧版 Excel 97-2003 工作簿（.xls）：请在 Excel 或 WPS 中打开它，另存为 .xlsx 后再上传",
        ),
    ],
)
def test_a_workbook_with_a_password_or_an_old_xls_is_said_as_what_it_is(as_user, content, name, said):
    for path in ("/admin/imports/ledger/proposals", "/admin/imports/people"):
        refused = upload(as_user("admin"), path, content, name)
        assert refused.status_code == 422 and said in text_of(refused)


def test_a_row_already_here_that_the_file_says_otherwise_is_said_to_differ(as_user, frozen_clock):
    admin = as_user("admin")
    first = upload(admin, "/admin/imports/ledger/proposals", workbook(PROPOSAL_HEADERS, ROW), "台账.xlsx")
    admin.post("/admin/imports/ledger/proposals/confirm", data={"token": token_of(first)})
    edited = {**ROW, "标题": "关于修缮东村村道的建议", "答复日期": "2026-05-21"}
    html = text_of(upload(admin, "/admin/imports/ledger/proposals", workbook(PROPOSAL_HEADERS, edited), "台账.xlsx"))
    assert 'data-differs="标题,答复日期"' in html
    assert "文件中的“标题”、“答复日期”与系统中的这件不同：导入台账不修改系统中已有的案件" in html


def test_a_problem_names_the_column_it_speaks_of_as_its_column_cell_does_in_english(as_user, frozen_clock):
    admin = as_user("admin")
    admin.get("/lang/en")
    early = {**ROW, "交办日期": "2026-03-01"}  # before its registration (03-02)
    html = text_of(upload(admin, "/admin/imports/ledger/proposals", workbook(PROPOSAL_HEADERS, early), "t.xlsx"))
    assert "Must not be before “Registered on (登记日期)” (2026-03-02)." in html


def test_the_audit_log_says_each_imports_file_and_counts_and_when_a_ledger_was_imported(as_user, frozen_clock):
    admin = as_user("admin")
    units = upload(admin, "/admin/imports/units", "代码,名称\nwater,水利站\n".encode(), "单位.csv")
    admin.post("/admin/imports/units/confirm", data={"token": token_of(units)})
    ledger = upload(admin, "/admin/imports/ledger/proposals", workbook(PROPOSAL_HEADERS, ROW), "建议台账.xlsx")
    admin.post("/admin/imports/ledger/proposals/confirm", data={"token": token_of(ledger)})

    reader = as_user("supervisor")
    log = text_of(reader.get("/audit/?action=import_units"))
    assert "单位.csv：新建 1，修改 0，不变 0" in log
    log = text_of(reader.get("/audit/?action=import_ledger"))
    assert "建议台账.xlsx：新建案件 1 件（已办结 1 件），已有、不变 0 件" in log
    # the per-case entry is dated when the import happened, not at the ledger's 2026-03-02
    today = text_of(reader.get("/audit/?action=import&from=2026-12-07&to=2026-12-07"))
    assert "2026-12-07 09:00" in today and "没有记录" not in today
    assert "2026-03-02" not in text_of(reader.get("/audit/?action=import"))

    rows = list(csv.reader(io.StringIO(reader.get("/audit/export.csv?action=import_units").data.decode("utf-8-sig"))))
    assert rows[0][6] == "内容" and rows[1][6] == "单位.csv：新建 1，修改 0，不变 0"
