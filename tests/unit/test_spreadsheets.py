"""Reading the spreadsheets an office brings: .xlsx (openpyxl) and .csv in UTF-8 with or
without a BOM, or GB18030; rows under their headers with Excel's row numbers."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from engine.errors import InvalidData
from engine.usecases import spreadsheets
from engine.usecases.onboarding import PEOPLE_COLUMNS

HEADERS = [c.header for c in PEOPLE_COLUMNS]


def xlsx(*lines: list) -> bytes:
    book = Workbook()
    sheet = book.active
    for line in lines:
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_under_a_title_row_keeps_excels_row_numbers_and_numbers_as_digits():
    content = xlsx(
        ["2026年 代表名册"],  # a title above the header, as offices write them
        ["用户名*", "姓名", " 单位代码 ", "选区", "角色", "电话", "邮箱"],
        ["wangwu", "王五", None, "第二选区", "人大代表", 13800001111, None],
        [None, None, None, None, None, None, None],  # skipped
        ["zhaoliu", "赵六", "finance", None, "办理人员", 13900002222.0, "zl@example.cn"],
    )
    sheet = spreadsheets.read("名册.xlsx", content, HEADERS)
    assert sheet.headers == HEADERS
    assert [(r.number, r.values["用户名"], r.values["电话"]) for r in sheet.rows] == [
        (3, "wangwu", "13800001111"),
        (5, "zhaoliu", "13900002222"),
    ]
    assert sheet.rows[0].values["单位代码"] == ""


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_a_csv_in_utf8_with_or_without_bom_or_gb18030(encoding):
    text = "用户名,姓名,角色\r\nli4,李四,人大代表、督查\r\n"
    sheet = spreadsheets.read("people.csv", text.encode(encoding), HEADERS)
    assert sheet.headers == ["用户名", "姓名", "角色"]
    [row] = sheet.rows
    assert (row.number, row.values) == (2, {"用户名": "li4", "姓名": "李四", "角色": "人大代表、督查"})


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("a.csv", b"", "file_empty"),
        ("a.csv", "用户名,姓名\n".encode(), "no_rows"),
        ("a.csv", b"\xff\xfe\x00\x81\x30", "file_encoding"),  # UTF-16: text, in an encoding not read
    ],
)
def test_unreadable_files_are_refused_on_the_file(name, content, code):
    with pytest.raises(InvalidData) as refused:
        spreadsheets.read(name, content, HEADERS)
    assert refused.value.codes["file"].code == code


# images of a roster, the smallest there are: a 1×1 PNG; a 1×2 BMP whose pixels (grey 10) hold
# line ends, so that read as text it had rows (and every column missing)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415478da63f8ffff3f0005fe02fe0def46b80000000049454e44ae426082"
)
BMP = bytes.fromhex(
    "424d3e0000000000000036000000280000000100000002000000010018000000000008000000"
    "130b0000130b000000000000000000000a0a0a000a0a0a00"
)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.xlsx", b"not a workbook"),
        ("a.xls", b"\xd0\xcf\x11\xe0 old excel"),
        ("a.xlsx", b"PK\x03\x04broken zip"),
        ("名册.png", PNG),
        ("名册.csv", PNG),  # whatever its name says
        ("名册.bmp", BMP),
        ("scan.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 9 >>\nstream\n\x00\x01x\x9c\x03\nendstream\n"),
    ],
)
def test_a_file_that_is_no_spreadsheet_is_unreadable_and_named(name, content):
    with pytest.raises(InvalidData) as refused:
        spreadsheets.read(name, content, HEADERS)
    error = refused.value.codes["file"]
    assert (error.code, error.params) == ("unreadable_file", {"file": name})
    assert error == f"cannot read {name}: not an .xlsx or .csv file"


def test_a_template_has_a_frozen_header_an_example_and_drop_downs():
    content = spreadsheets.template("人员", PEOPLE_COLUMNS, {"导入顺序": "先单位后人员"})
    book = load_workbook(io.BytesIO(content))
    sheet = book["人员"]
    assert [c.value for c in sheet[1]] == ["用户名*", "姓名*", "单位代码", "选区", "角色*", "电话", "邮箱"]
    assert sheet["A2"].value == "zhangsan" and sheet.freeze_panes == "A2"
    [roles] = sheet.data_validations.dataValidation
    assert str(roles.sqref).startswith("E2") and "选项" in roles.formula1
    assert book["选项"]["E2"].value == "人大代表"
    # read back, the template's own example row is a row
    assert spreadsheets.read("t.xlsx", content, HEADERS).rows[0].values["用户名"] == "zhangsan"
