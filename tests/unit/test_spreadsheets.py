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
        ("a.xlsx", b"not a workbook", "file_unreadable"),
        ("a.xls", b"\xd0\xcf\x11\xe0 old excel", "file_unreadable"),
        ("a.xlsx", b"PK\x03\x04broken zip", "file_unreadable"),
        ("a.csv", b"", "file_empty"),
        ("a.csv", "用户名,姓名\n".encode(), "no_rows"),
        ("a.csv", b"\xff\xfe\x00\x81\x30", "file_encoding"),
    ],
)
def test_unreadable_files_are_refused_on_the_file(name, content, code):
    with pytest.raises(InvalidData) as refused:
        spreadsheets.read(name, content, HEADERS)
    assert refused.value.codes["file"].code == code


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
