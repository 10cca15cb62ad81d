"""What the API and the command line say of a ledger, as the admin's page says it: a row whose
编号 a case has, left as it is, with the columns the file says otherwise than the case
(``differs``); a workbook no reader opens (a password, an old .xls) refused as what it is, in
the request's language (``said``) beside the developer's English, as every API error is."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest

from tests.integration.test_ledger import DONE, PROPOSAL_HEADERS, workbook
from tests.web.test_imports_second_look import ENCRYPTED, OLD_XLS
from tests.world import deploy

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
ROW = {**DONE, "提出代表": "deputy", "主办单位": "财政所", "协办单位": ""}  # of the API world's people
# the same row, its title and reply date since edited in the file (the case here is not)
EDITED = {**ROW, "标题": "关于修缮东村村道的建议", "答复日期": "2026-05-21"}


@pytest.fixture
def proposals(world):
    deploy(world.app, LIBRARY / "proposal.bpmn")
    return world


def send(caller, content: bytes, name: str = "台账.xlsx", query: str = "", **headers: str):
    return caller.post(
        f"/imports/ledger/proposals{query}",
        data={"file": (BytesIO(content), name)},
        content_type="multipart/form-data",
        headers=headers,
    )


def test_a_row_already_here_says_the_columns_the_file_says_otherwise_in(proposals, frozen_clock):
    admin = proposals.as_("admin")
    assert send(admin, workbook(PROPOSAL_HEADERS, ROW)).status_code == 200
    for query in ("?dry_run=true", ""):  # the preview and the import (which changes nothing) alike
        answer = send(admin, workbook(PROPOSAL_HEADERS, EDITED), query=query)
        assert answer.status_code == 200, answer.get_json()
        [outcome] = answer.get_json()["outcomes"]
        assert (outcome["existing"], outcome["differs"]) == (True, ["标题", "答复日期"])
    # the same file as imported: nothing differs
    [same] = send(admin, workbook(PROPOSAL_HEADERS, ROW), query="?dry_run=true").get_json()["outcomes"]
    assert (same["existing"], same["differs"]) == (True, [])

    spec = proposals.anonymous().get("/openapi.json").get_json()
    outcome_schema = spec["components"]["schemas"]["RowOutcome"]
    assert outcome_schema["properties"]["differs"] == {
        "type": "array",
        "items": {"type": "string"},
        "description": outcome_schema["properties"]["differs"]["description"],
    }
    assert "differs" in outcome_schema["required"]


def test_the_command_line_says_the_columns_the_file_says_otherwise_in(proposals, frozen_clock, tmp_path):
    runner = proposals.app.test_cli_runner()
    first, edited = tmp_path / "台账.xlsx", tmp_path / "改过的台账.xlsx"
    first.write_bytes(workbook(PROPOSAL_HEADERS, ROW))
    edited.write_bytes(workbook(PROPOSAL_HEADERS, EDITED))
    assert runner.invoke(args=["ledger", "proposals", str(first), "--user", "admin"]).exit_code == 0

    text = runner.invoke(args=["ledger", "proposals", str(edited), "--dry-run", "--user", "admin"])
    assert text.exit_code == 0, text.output
    assert (
        "    the file says otherwise than the case in 标题, 答复日期: not imported, the case keeps what it has "
        "(correct it in the case)\n"
    ) in text.output
    as_json = runner.invoke(args=["ledger", "proposals", str(edited), "--dry-run", "--user", "admin", "--json"])
    assert as_json.exit_code == 0, as_json.output
    [outcome] = json.loads(as_json.output)["outcomes"]
    assert (outcome["existing"], outcome["differs"]) == (True, ["标题", "答复日期"])
    unchanged = runner.invoke(args=["ledger", "proposals", str(first), "--dry-run", "--user", "admin"])
    assert "says otherwise" not in unchanged.output


@pytest.mark.parametrize(
    ("content", "name", "zh", "en"),
    [
        (
            ENCRYPTED,
            "台账.xlsx",
            "“台账.xlsx”设置了打开密码，无法读取：请在 Excel 或 WPS 中打开它，取消密码后保存，再上传",
            "“台账.xlsx” is protected by a password: open it in Excel or WPS, remove the password, save it and "
            "upload it again.",
        ),
        (
            OLD_XLS,
            "台账.xls",
            "“台账.xls”是旧版 Excel 97-2003 工作簿（.xls）：请在 Excel 或 WPS 中打开它，另存为 .xlsx 后再上传",
            "“台账.xls” is an old Excel 97-2003 workbook (.xls): open it in Excel or WPS, save it as .xlsx and "
            "upload that.",
        ),
    ],
)
def test_a_workbook_no_reader_opens_is_said_in_the_requests_language(proposals, content, name, zh, en):
    admin = proposals.as_("admin")
    for path in ("/imports/ledger/proposals?dry_run=true", "/imports/ledger/proposals", "/imports/people"):
        chinese = admin.post(path, data={"file": (BytesIO(content), name)}, content_type="multipart/form-data")
        english = admin.post(
            path,
            data={"file": (BytesIO(content), name)},
            content_type="multipart/form-data",
            headers={"Accept-Language": "en-US,en;q=0.9"},
        )
        assert (chinese.status_code, english.status_code) == (422, 422)
        assert chinese.get_json()["said"]["fields"] == {"file": zh}
        assert english.get_json()["said"]["fields"] == {"file": en}
